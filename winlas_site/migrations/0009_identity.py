"""Identity rules: the mail domains of customer organisations, and leads that keep what was typed.

- ``organisation.mail_domains``: one domain per line. A registration with a customer number
  opens an account at once only from an address in one of them; existing organisations start
  with none, so until staff fill them in every such registration is a request staff decide
  (the safe side: a customer number is printed on invoices, which are public records).
- ``lead.first_name``, ``last_name``, ``organisation_name``, ``work_phone``: the person fields as
  typed into the form, because an anonymous form no longer overwrites the contact's. Existing
  leads get their contact's current values, the best record of what was typed there is.
"""

from peewee import *  # noqa: F403

LEAD_COLUMNS = ("first_name", "last_name", "organisation_name", "work_phone")


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("organisation", "mail_domains", TextField(default="")),  # noqa: F405
        migrator.add_column("lead", "first_name", CharField(max_length=100, default="")),  # noqa: F405
        migrator.add_column("lead", "last_name", CharField(max_length=100, default="")),  # noqa: F405
        migrator.add_column(
            "lead",
            "organisation_name",
            CharField(max_length=200, default=""),  # noqa: F405
        ),
        migrator.add_column("lead", "work_phone", CharField(max_length=40, default="")),  # noqa: F405
    )

    class Contact(Model):
        first_name = CharField()
        last_name = CharField()
        organisation_name = CharField()
        work_phone = CharField()

        class Meta:
            database = db
            table_name = "contact"

    class Lead(Model):
        contact = ForeignKeyField(Contact)
        first_name = CharField()
        last_name = CharField()
        organisation_name = CharField()
        work_phone = CharField()

        class Meta:
            database = db
            table_name = "lead"

    source = Contact.alias()
    Lead.update(
        {
            getattr(Lead, name): source.select(getattr(source, name)).where(
                source.id == Lead.contact
            )
            for name in LEAD_COLUMNS
        }
    ).execute()


def down(migrator, db):
    migrator.migrate(
        *(migrator.drop_column("lead", name) for name in LEAD_COLUMNS),
        migrator.drop_column("organisation", "mail_domains"),
    )

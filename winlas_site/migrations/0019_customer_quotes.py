"""Customer quotes for the start page (issue 17): an organisation, a role and its words.

No personal data (a quote names an organisation and a role, never a person), so a plain id.
``is_demo`` marks the demo loader's invented quotes, which the page labels as examples.
"""

from peewee import *  # noqa: F403


def up(migrator, db):
    class CustomerQuote(Model):  # noqa: F405
        organisation = CharField(max_length=120)  # noqa: F405
        role_sv = CharField(max_length=120)  # noqa: F405
        role_en = CharField(max_length=120, default="")  # noqa: F405
        quote_sv = TextField()  # noqa: F405
        quote_en = TextField(default="")  # noqa: F405
        is_demo = BooleanField(default=False)  # noqa: F405
        position = IntegerField(default=0)  # noqa: F405

        class Meta:
            database = db
            table_name = "customer_quote"

    db.create_tables([CustomerQuote])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("customer_quote"))

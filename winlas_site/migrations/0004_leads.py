"""The CRM: contacts, leads and notes."""

import datetime

from peewee import *  # noqa: F403


def up(migrator, db):
    class Organisation(Model):
        class Meta:
            database = db
            table_name = "organisation"

    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class Contact(Model):
        email = CharField(max_length=254, unique=True)
        first_name = CharField(max_length=100)
        last_name = CharField(max_length=100)
        organisation_name = CharField(max_length=200, default="")
        organisation = ForeignKeyField(Organisation, null=True)
        work_phone = CharField(max_length=40, default="")
        products_of_interest = TextField(default="")
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        updated_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            database = db
            table_name = "contact"

    class Lead(Model):
        contact = ForeignKeyField(Contact, on_delete="CASCADE")
        type = CharField(max_length=10)
        status = CharField(max_length=15, default="ny")
        owner = ForeignKeyField(User, null=True, on_delete="SET NULL")
        message = TextField(default="")
        organisation_type = CharField(max_length=20, default="")
        sites = IntegerField(null=True)
        users = IntegerField(null=True)
        preferred_times = TextField(default="")
        meeting_mode = CharField(max_length=10, default="")
        products = TextField(default="")
        marketing_consent = BooleanField(default=False)
        legal_basis = CharField(max_length=40, default="legitimate_interest")
        consent_text_version = CharField(max_length=20, default="")
        idempotency_key = CharField(max_length=64, unique=True)
        created_at = DateTimeField(index=True, default=datetime.datetime.utcnow)

        class Meta:
            database = db
            table_name = "lead"

    class LeadNote(Model):
        lead = ForeignKeyField(Lead, on_delete="CASCADE")
        author = ForeignKeyField(User, null=True, on_delete="SET NULL")
        text = TextField()
        created_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            database = db
            table_name = "lead_note"

    db.create_tables([Contact, Lead, LeadNote])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("lead_note"))
    migrator.migrate(migrator.drop_table("lead"))
    migrator.migrate(migrator.drop_table("contact"))

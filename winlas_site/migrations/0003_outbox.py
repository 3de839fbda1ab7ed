"""The email outbox: one row per message, queued until delivered (or failed)."""

import datetime

from peewee import *  # noqa: F403


def up(migrator, db):
    class OutboxMessage(Model):
        kind = CharField(max_length=15)
        to_address = CharField(max_length=254)
        subject = CharField(max_length=255)
        body_text = TextField()
        body_html = TextField(default="")
        headers = TextField(default="{}")
        related = CharField(max_length=50, default="", index=True)
        language = CharField(max_length=5, default="sv")
        message_id = CharField(max_length=255)
        status = CharField(max_length=10, default="queued", index=True)
        attempts = IntegerField(default=0)
        last_error = CharField(max_length=500, default="")
        created_at = DateTimeField(default=datetime.datetime.utcnow, index=True)
        next_attempt_at = DateTimeField(default=datetime.datetime.utcnow, index=True)
        sent_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "outbox_message"

    db.create_tables([OutboxMessage])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("outbox_message"))

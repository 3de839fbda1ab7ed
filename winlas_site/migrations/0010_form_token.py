"""Used fill tokens of the public forms: each token is good for one submission (spam.py)."""

from peewee import *  # noqa: F403


def up(migrator, db):
    class FormToken(Model):
        nonce = CharField(max_length=32, primary_key=True)
        fingerprint = CharField(max_length=64)
        expires_at = DateTimeField(index=True)

        class Meta:
            database = db
            table_name = "form_token"

    db.create_tables([FormToken])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("form_token"))

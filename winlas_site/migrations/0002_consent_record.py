"""Proof of consent: one row per decision made in the cookie banner."""

import datetime

from peewee import *  # noqa: F403


def up(migrator, db):
    class ConsentRecord(Model):
        consent_id = CharField(max_length=32, index=True)
        created_at = DateTimeField(index=True, default=datetime.datetime.utcnow)
        action = CharField(max_length=12)
        statistics = BooleanField()
        marketing = BooleanField()
        gpc = BooleanField(default=False)
        revision = IntegerField()
        texts_sha256 = CharField(max_length=64)
        language = CharField(max_length=5)
        path = CharField(max_length=200)
        ua_family = CharField(max_length=50)

        class Meta:
            database = db
            table_name = "consent_record"

    db.create_tables([ConsentRecord])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("consent_record"))

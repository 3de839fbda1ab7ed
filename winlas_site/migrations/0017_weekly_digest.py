"""The weekly digest: one row per marketer or admin who chose it (issue 16).

``digest_subscription`` links a user, so the table counts as personal data: on SQLite its id
is ``AUTOINCREMENT`` from the start (see 0011: a deleted row's id is never handed out again).
``last_sent_week`` is the sent-log (the Monday of the last week mailed).
"""

import datetime

from peewee import *  # noqa: F403
from playhouse.sqlite_ext import AutoIncrementField


def up(migrator, db):
    sqlite = isinstance(db, SqliteDatabase)  # noqa: F405

    class User(Model):  # noqa: F405
        class Meta:
            database = db
            table_name = "user"

    class DigestSubscription(Model):  # noqa: F405
        id = AutoIncrementField() if sqlite else AutoField()  # noqa: F405
        user = ForeignKeyField(User, on_delete="CASCADE", unique=True)  # noqa: F405
        active = BooleanField(default=True)  # noqa: F405
        language = CharField(max_length=2, default="sv")  # noqa: F405
        key = CharField(max_length=32)  # noqa: F405
        created_at = DateTimeField(default=datetime.datetime.utcnow)  # noqa: F405
        updated_at = DateTimeField(default=datetime.datetime.utcnow)  # noqa: F405
        last_sent_week = DateField(null=True)  # noqa: F405

        class Meta:
            database = db
            table_name = "digest_subscription"

    db.create_tables([DigestSubscription])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("digest_subscription"))

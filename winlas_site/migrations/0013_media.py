"""The media library: one row per uploaded image (the files live in ``<instance>/media/``).

``uploaded_by`` links a staff member, so the table counts as personal data: on SQLite its id is
``AUTOINCREMENT`` from the start (see 0011: a deleted row's id is never handed out again).
"""

from peewee import *  # noqa: F403
from playhouse.sqlite_ext import AutoIncrementField


def up(migrator, db):
    sqlite = isinstance(db, SqliteDatabase)  # noqa: F405

    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class Image(Model):
        id = AutoIncrementField() if sqlite else AutoField()  # noqa: F405
        file_name = CharField(max_length=40, unique=True)  # noqa: F405
        original_name = CharField(max_length=200)  # noqa: F405
        content_type = CharField(max_length=40)  # noqa: F405
        width = IntegerField()  # noqa: F405
        height = IntegerField()  # noqa: F405
        byte_size = IntegerField()  # noqa: F405
        alt_sv = CharField(max_length=300)  # noqa: F405
        alt_en = CharField(max_length=300, default="")  # noqa: F405
        uploaded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")  # noqa: F405
        created_at = DateTimeField()  # noqa: F405

        class Meta:
            database = db
            table_name = "image"

    db.create_tables([Image])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("image"))

"""Publishing: a state on every editable row, the revision history and the old slugs.

Every row that exists already was public, so it becomes "published" with no ``publish_at`` (not
scheduled) and ``updated_at`` now. The customer pages' lists ("– " at the start of each line of
a paragraph, which their template turned into a list) are written as Markdown lists, the form
every body now has; plain paragraphs are Markdown already and render as before.

``revision`` names staff (who saved): a personal-data table, so on SQLite its ids are never
reused (``AUTOINCREMENT``, see 0011).
"""

import datetime

from peewee import *  # noqa: F403
from playhouse.sqlite_ext import AutoIncrementField

TABLES = ("article", "product", "course", "customer_resource", "sub_processor")


def dash_lists_to_markdown(text):
    """A paragraph whose first line starts with "– " (and has more lines) as a Markdown list."""
    paragraphs = text.split("\n\n")
    for number, paragraph in enumerate(paragraphs):
        lines = paragraph.strip("\n").splitlines()
        if len(lines) > 1 and lines[0].startswith("– "):
            paragraphs[number] = "\n".join(
                "- " + (line[2:] if line.startswith("– ") else line) for line in lines
            )
    return "\n\n".join(paragraphs)


def up(migrator, db):
    started = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    operations = []
    for table in TABLES:
        operations += [
            migrator.add_column(table, "status", CharField(max_length=10, default="published")),
            migrator.add_column(table, "publish_at", DateTimeField(null=True)),
            migrator.add_column(table, "updated_at", DateTimeField(default=started)),
        ]
    migrator.migrate(*operations)

    sqlite = isinstance(db, SqliteDatabase)  # noqa: F405

    class Revision(Model):
        id = AutoIncrementField() if sqlite else AutoField()  # noqa: F405
        kind = CharField(max_length=20)
        object_id = IntegerField()
        data = TextField()
        action = CharField(max_length=12)
        author_id = IntegerField(null=True, index=True)
        author_name = CharField(max_length=200, default="")
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "revision"
            indexes = ((("kind", "object_id"), False),)

    class SlugRedirect(Model):
        kind = CharField(max_length=40)
        old_slug = CharField(max_length=80)
        new_slug = CharField(max_length=80)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "slug_redirect"
            indexes = ((("kind", "old_slug"), True),)

    class CustomerResource(Model):
        body_sv = TextField()
        body_en = TextField()

        class Meta:
            database = db
            table_name = "customer_resource"

    db.create_tables([Revision, SlugRedirect])
    for resource in CustomerResource.select():
        body_sv = dash_lists_to_markdown(resource.body_sv)
        body_en = dash_lists_to_markdown(resource.body_en)
        if (body_sv, body_en) != (resource.body_sv, resource.body_en):
            CustomerResource.update(body_sv=body_sv, body_en=body_en).where(
                CustomerResource.id == resource.id
            ).execute()


def down(migrator, db):
    migrator.migrate(migrator.drop_table("slug_redirect"), migrator.drop_table("revision"))
    operations = []
    for table in TABLES:
        operations += [
            migrator.drop_column(table, "updated_at"),
            migrator.drop_column(table, "publish_at"),
            migrator.drop_column(table, "status"),
        ]
    migrator.migrate(*operations)

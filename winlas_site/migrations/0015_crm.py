"""The CRM's working tools: a lead's history, follow-ups and leads taken by phone.

- ``lead_event``: one row per change of a lead (status, owner, organisation, follow-up, creation
  by staff, merge), the lead's timeline. It holds personal data (a merge records the removed
  address), so on SQLite its id is ``AUTOINCREMENT`` from the start (see 0011: an id must never
  be handed out twice).
- ``lead.source`` (``web`` for every existing lead: they all came from the site's forms),
  ``lead.follow_up_on`` (indexed: the "due today" view and the morning email read it),
  ``lead.follow_up_note`` and ``lead.follow_up_reminded_on`` (the day the morning email last
  listed the lead: once per lead and day).
"""

import datetime

from peewee import *  # noqa: F403
from playhouse.sqlite_ext import AutoIncrementField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("lead", "source", CharField(max_length=10, default="web")),  # noqa: F405
        migrator.add_column("lead", "follow_up_on", DateField(null=True)),  # noqa: F405
        migrator.add_column(
            "lead",
            "follow_up_note",
            CharField(max_length=500, default=""),  # noqa: F405
        ),
        migrator.add_column("lead", "follow_up_reminded_on", DateField(null=True)),  # noqa: F405
        migrator.add_index("lead", ("follow_up_on",), False),
    )

    class User(Model):  # noqa: F405
        class Meta:
            database = db
            table_name = "user"

    class Lead(Model):  # noqa: F405
        class Meta:
            database = db
            table_name = "lead"

    sqlite = isinstance(db, SqliteDatabase)  # noqa: F405

    class LeadEvent(Model):  # noqa: F405
        id = AutoIncrementField() if sqlite else AutoField()  # noqa: F405
        lead = ForeignKeyField(Lead, on_delete="CASCADE")  # noqa: F405
        kind = CharField(max_length=15)  # noqa: F405
        author = ForeignKeyField(User, null=True, on_delete="SET NULL")  # noqa: F405
        created_at = DateTimeField(default=datetime.datetime.utcnow)  # noqa: F405
        detail = TextField()  # noqa: F405

        class Meta:
            database = db
            table_name = "lead_event"

    db.create_tables([LeadEvent])


def down(migrator, db):
    migrator.migrate(
        migrator.drop_table("lead_event"),
        migrator.drop_index("lead", "lead_follow_up_on"),
        *(
            migrator.drop_column("lead", name)
            for name in ("source", "follow_up_on", "follow_up_note", "follow_up_reminded_on")
        ),
    )

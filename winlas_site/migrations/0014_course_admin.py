"""Course administration: staff-run sessions, the programme reminder and email attachments.

- ``course_session.signup_open``: staff close (and reopen) the public sign-up of a session;
  existing sessions stay open, as they were.
- ``course_session.dietary_options``: the dietary choices the session's form offers (comma-
  separated codes); existing sessions offer all of them, as before.
- ``course_session.price_sek``: a price of this session; empty means the course's price.
- ``registration.reminded_at``: when the reminder with the programme was queued (it goes out
  once). Sign-ups of sessions that already started get nothing, so NULL is right for all.
- ``outbox_message.attachments``: the files of a message (the .ics calendar entry) as a JSON
  list of ``{filename, content_type, data}`` with base64 data; existing messages have none.
"""

from peewee import *  # noqa: F403

ALL_DIETARY = "vegetarian,vegan,gluten,lactose,nuts,other"


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("course_session", "signup_open", BooleanField(default=True)),  # noqa: F405
        migrator.add_column(
            "course_session",
            "dietary_options",
            CharField(max_length=100, default=ALL_DIETARY),  # noqa: F405
        ),
        migrator.add_column("course_session", "price_sek", IntegerField(null=True)),  # noqa: F405
        migrator.add_column("registration", "reminded_at", DateTimeField(null=True)),  # noqa: F405
        migrator.add_column("outbox_message", "attachments", TextField(default="[]")),  # noqa: F405
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("course_session", "signup_open"),
        migrator.drop_column("course_session", "dietary_options"),
        migrator.drop_column("course_session", "price_sek"),
        migrator.drop_column("registration", "reminded_at"),
        migrator.drop_column("outbox_message", "attachments"),
    )

"""From campaign to customer (issue 16): which visits led to an inquiry or a course sign-up.

- ``lead.conversion_id`` / ``registration.conversion_id``: the id of the conversion event
  analytics recorded when the form was sent (only with statistics consent; indexed, the lookup
  and the lead page find a row by it). Existing rows get NULL: their touches stay unknown.
- ``lead.touches`` / ``registration.touches``: the first and last touch of the visits that led
  to it, as JSON text (NULL: not looked up yet; ``{}``: looked up, not found).
"""

from peewee import *  # noqa: F403

TABLES = ("lead", "registration")


def up(migrator, db):
    migrator.migrate(
        *(
            migrator.add_column(table, "conversion_id", CharField(max_length=36, null=True))  # noqa: F405
            for table in TABLES
        ),
        *(migrator.add_column(table, "touches", TextField(null=True)) for table in TABLES),  # noqa: F405
        *(migrator.add_index(table, ("conversion_id",), False) for table in TABLES),
    )


def down(migrator, db):
    migrator.migrate(
        *(migrator.drop_index(table, f"{table}_conversion_id") for table in TABLES),
        *(
            migrator.drop_column(table, name)
            for table in TABLES
            for name in ("conversion_id", "touches")
        ),
    )

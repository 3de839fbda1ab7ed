"""The analytics package's own handle on the database and its own migration history.

The app hands over its Database in ``init_app``; analytics never opens a connection of its own.
"""

from __future__ import annotations

from pathlib import Path

import peewee
from playhouse.migrations import Runner

database = peewee.DatabaseProxy()

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
HISTORY_TABLE = "analytics_migrations"


class BaseModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


def migrate(db: peewee.Database) -> list[str]:
    """Apply pending analytics migrations; return their names."""
    with db.connection_context():
        return Runner(db, str(MIGRATIONS), table_name=HISTORY_TABLE).up()

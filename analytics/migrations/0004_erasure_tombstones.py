"""Erasure tombstones: keyed digests of erased user and visitor ids, so that lines still in the
spool when their person was erased are dropped by the writer instead of stored."""

from peewee import *  # noqa: F403


def up(migrator, db):
    class ErasureTombstone(Model):
        digest = CharField(max_length=64, unique=True)
        expires_at = DateTimeField(index=True)

        class Meta:
            database = db
            table_name = "erasure_tombstone"

    db.create_tables([ErasureTombstone])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("erasure_tombstone"))

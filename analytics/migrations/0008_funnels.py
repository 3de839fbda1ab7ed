"""Funnels (issue 16): a marketer's named steps, kept as JSON, and the window they must fit in."""

from peewee import *  # noqa: F403


def up(migrator, db):
    class Funnel(Model):
        name = CharField(max_length=120)
        steps_json = TextField()
        within = CharField(max_length=8, default="visit")
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            database = db
            table_name = "funnel"

    db.create_tables([Funnel])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("funnel"))

"""Issue 16: marketers' dated notes on the time charts (annotation) and their saved views of
the dashboard (saved_view). ``created_by`` is the site's user id as a plain integer, no foreign
key: analytics never names the site's tables."""

from peewee import *  # noqa: F403


def up(migrator, db):
    class Annotation(Model):
        day = DateField(index=True)
        text = CharField(max_length=200)
        created_by = IntegerField(null=True, index=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "annotation"

    class SavedView(Model):
        name = CharField(max_length=100, unique=True)
        query = TextField()
        created_by = IntegerField(null=True, index=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "saved_view"

    db.create_tables([Annotation, SavedView])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("saved_view"))
    migrator.migrate(migrator.drop_table("annotation"))

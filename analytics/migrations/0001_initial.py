"""Visits, events and dropped-request counts."""

from peewee import *  # noqa: F403


def up(migrator, db):
    class Visit(Model):
        visitor_id = CharField(max_length=32, index=True)
        user_id = IntegerField(null=True, index=True)
        started_at = DateTimeField(index=True)
        last_seen_at = DateTimeField()
        entry_path = CharField(max_length=512)
        exit_path = CharField(max_length=512)
        referrer_source = CharField(max_length=12, default="direct")
        referrer_host = CharField(max_length=255, default="")
        utm_source = CharField(max_length=100, default="")
        utm_medium = CharField(max_length=100, default="")
        utm_campaign = CharField(max_length=100, default="")
        utm_term = CharField(max_length=100, default="")
        utm_content = CharField(max_length=100, default="")
        ip_anonymised = CharField(max_length=45, default="")
        country = CharField(max_length=2, default="")
        region = CharField(max_length=80, default="")
        city = CharField(max_length=120, default="")
        browser = CharField(max_length=50, default="")
        browser_version = CharField(max_length=20, default="")
        os = CharField(max_length=50, default="")
        os_version = CharField(max_length=20, default="")
        device = CharField(max_length=10, default="")
        screen = CharField(max_length=20, default="")
        language = CharField(max_length=100, default="")
        timezone = CharField(max_length=64, default="")
        platform = CharField(max_length=50, default="")

        class Meta:
            database = db
            table_name = "visit"

    class Event(Model):
        event_id = CharField(max_length=36, unique=True)
        visit = ForeignKeyField(Visit, on_delete="CASCADE")
        visitor_id = CharField(max_length=32, index=True)
        user_id = IntegerField(null=True, index=True)
        type = CharField(max_length=12)
        occurred_at = DateTimeField(index=True)
        received_at = DateTimeField()
        path = CharField(max_length=512)
        target = CharField(max_length=512, default="")
        name = CharField(max_length=200, default="")
        engaged_ms = IntegerField(default=0)
        viewport = CharField(max_length=20, default="")

        class Meta:
            database = db
            table_name = "event"

    class DroppedCount(Model):
        day = DateField()
        reason = CharField(max_length=20)
        count = IntegerField(default=0)

        class Meta:
            database = db
            table_name = "dropped_count"
            indexes = ((("day", "reason"), True),)

    db.create_tables([Visit, Event, DroppedCount])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("event"))
    migrator.migrate(migrator.drop_table("visit"))
    migrator.migrate(migrator.drop_table("dropped_count"))

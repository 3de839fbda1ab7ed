"""The audit log of actions on personal data (append-only) and inactivity reminders.

Accounts that exist before this migration have no recorded activity (``last_active_at`` came
with 0007): they count as active today, so the two-year rule gives them its full two years
instead of reminding and deleting, on the day of the upgrade, accounts in daily use.
"""

import datetime

from peewee import *  # noqa: F403


def up(migrator, db):
    class User(Model):
        last_active_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "user"

    class AuditEntry(Model):
        at = DateTimeField(default=datetime.datetime.utcnow, index=True)
        actor_id = IntegerField(null=True)
        actor_role = CharField(max_length=10, default="system")
        action = CharField(max_length=20)
        subject_digest = CharField(max_length=64, default="", index=True)
        details = TextField(default="{}")

        class Meta:
            database = db
            table_name = "audit_entry"

    class RetentionNotice(Model):
        user = ForeignKeyField(User, on_delete="CASCADE")
        deadline = DateTimeField()
        sent_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            database = db
            table_name = "retention_notice"
            indexes = ((("user", "deadline"), True),)

    db.create_tables([AuditEntry, RetentionNotice])
    User.update(last_active_at=datetime.datetime.now(datetime.UTC).replace(tzinfo=None)).where(
        User.last_active_at.is_null()
    ).execute()
    # append-only in the database too, not only in the model: an UPDATE or DELETE fails.
    if isinstance(db, PostgresqlDatabase):  # noqa: F405
        db.execute_sql(
            "CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit_entry is append-only'; END $$"
        )
        db.execute_sql(
            "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
            "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            db.execute_sql(
                f"CREATE TRIGGER audit_entry_no_{event.lower()} BEFORE {event} ON audit_entry "
                "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END"
            )


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):  # noqa: F405
        db.execute_sql("DROP FUNCTION IF EXISTS audit_entry_append_only() CASCADE")
    migrator.migrate(migrator.drop_table("retention_notice"))
    migrator.migrate(migrator.drop_table("audit_entry"))

"""Tables with personal data never hand out an id twice (issue 10).

Before, on SQLite, a new row got the largest id plus one: after retention deleted the newest
leads, a staff member's old link ``/crm/leads/1`` opened another person's lead. Migration 0011
rebuilds the personal-data tables with ``INTEGER PRIMARY KEY AUTOINCREMENT``; PostgreSQL's
sequences never reuse a number. Both backends; the migration itself on a SQLite file with rows.
"""

from __future__ import annotations

import datetime
import shutil

import peewee
import pytest
from playhouse.migrations import Runner

from winlas_site import db, inventory
from winlas_site.auth.models import User
from winlas_site.courses.models import Course, CourseSession, Registration
from winlas_site.leads.models import Contact, Lead, LeadNote
from winlas_site.mail.models import OutboxMessage
from winlas_site.models import MODELS
from winlas_site.newsletter.models import Subscription

MIGRATION = "0011_autoincrement"


def _contact(n: int) -> Contact:
    return Contact.create(email=f"person{n}@exempel.se", first_name="P", last_name=str(n))


def _lead(n: int) -> Lead:
    return Lead.create(contact=_contact(100 + n), type="question", idempotency_key=f"k{n}")


def _note(n: int) -> LeadNote:
    lead = Lead.select().order_by(Lead.id.desc()).first() or _lead(1000 + n)
    return LeadNote.create(lead=lead, text=f"anteckning {n}")


def _user(n: int) -> User:
    # a stored hash is enough here: no login happens
    return User.create(
        email=f"user{n}@exempel.se", first_name="U", last_name=str(n), password_hash="x"
    )


def _registration(n: int) -> Registration:
    session = CourseSession.select().first()
    if session is None:
        course = Course.create(slug="k", kind="course", title_sv="K", summary_sv="K", body_sv="K")
        start = datetime.datetime.now().replace(microsecond=0) + datetime.timedelta(days=9)
        session = CourseSession.create(
            course=course, starts_at=start, ends_at=start, place_sv="S", capacity=99
        )
    return Registration.create(course_session=session, contact=_contact(n), status="confirmed")


def _subscription(n: int) -> Subscription:
    return Subscription.create(email=f"sub{n}@exempel.se")


def _outbox(n: int) -> OutboxMessage:
    return OutboxMessage.create(
        kind="administrative",
        to_address=f"person{n}@exempel.se",
        subject="Hej",
        body_text="Hej",
        message_id=f"<{n}@winlas.se>",
    )


MAKERS = {
    "contact": (Contact, _contact),
    "lead": (Lead, _lead),
    "lead_note": (LeadNote, _note),
    "user": (User, _user),
    "registration": (Registration, _registration),
    "subscription": (Subscription, _subscription),
    "outbox_message": (OutboxMessage, _outbox),
}


@pytest.mark.parametrize("table", list(MAKERS))
def test_a_deleted_highest_id_is_never_handed_out_again(app, table):
    model, make = MAKERS[table]
    with app.app_context():
        make(1)
        highest = make(2).id
        model.delete().where(model.id == highest).execute()
        again = make(3).id
    assert again > highest, f"{table} handed out id {again} again"


def test_an_old_link_to_a_deleted_lead_never_opens_another_persons_lead(
    app, client, create_user, auth
):
    create_user("salj@winlas.se", role="staff")
    with app.app_context():
        old = _lead(1).id
        Lead.delete().where(Lead.id == old).execute()  # as retention does
        Contact.delete().execute()
        newer = _lead(2).id
    assert newer != old
    auth.login("salj@winlas.se")
    assert client.get(f"/crm/leads/{old}").status_code == 404
    assert client.get(f"/crm/leads/{newer}").status_code == 200


def test_every_personal_data_table_of_the_site_uses_autoincrement_on_sqlite(sqlite_template):
    """A later table with personal data must get AUTOINCREMENT too (in its own migration)."""
    site_tables = {model._meta.table_name for model in MODELS}
    personal = [
        m._meta.table_name
        for m in inventory.personal_models()
        if m._meta.table_name in site_tables and isinstance(m._meta.primary_key, peewee.AutoField)
    ]
    assert "lead" in personal and "user" in personal
    database = db.make_database(f"sqlite:///{sqlite_template}", pool=False)
    with database.connection_context():
        schema = dict(
            database.execute_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        )
    missing = [t for t in personal if "AUTOINCREMENT" not in schema[t].upper()]
    assert not missing, f"personal-data tables that may reuse ids: {missing}"


def test_the_migration_keeps_every_row_index_and_trigger_and_breaks_no_foreign_key(
    tmp_path, sqlite_template
):
    path = tmp_path / "before.db"
    database = db.make_database(f"sqlite:///{path}", pool=False)
    # the schema just before migration 0011, with rows in it
    with database.connection_context():
        runner = Runner(database, str(db.MIGRATIONS), table_name=db.HISTORY_TABLE)
        names = [m.name for m in runner.migrations()]
        runner.up(target=names[names.index(MIGRATION) - 1])
        # rows written as the code of that time wrote them: only the columns the tables had
        # then (today's models carry columns that later migrations add)
        with database.bind_ctx(MODELS):
            course = _old_row(
                database, Course, slug="k", kind="course", title_sv="K", summary_sv="K", body_sv="K"
            )
            start = datetime.datetime.now().replace(microsecond=0) + datetime.timedelta(days=9)
            session = _old_row(
                database,
                CourseSession,
                course=course,
                starts_at=start,
                ends_at=start,
                place_sv="S",
                capacity=99,
            )
            for n in range(1, 6):
                person = {"first_name": "P", "last_name": str(n)}
                contact = _old_row(database, Contact, email=f"p{n}@exempel.se", **person)
                lead = _old_row(
                    database, Lead, contact=contact, type="question", idempotency_key=f"k{n}"
                )
                _old_row(database, LeadNote, lead=lead, text=f"anteckning {n}")
                contact = _old_row(database, Contact, email=f"r{n}@exempel.se", **person)
                _old_row(
                    database,
                    Registration,
                    course_session=session,
                    contact=contact,
                    status="confirmed",
                )
                _old_row(database, Subscription, email=f"sub{n}@exempel.se")
                _old_row(
                    database,
                    OutboxMessage,
                    kind="administrative",
                    to_address=f"p{n}@exempel.se",
                    subject="Hej",
                    body_text="Hej",
                    message_id=f"<{n}@winlas.se>",
                )
                _old_row(
                    database,
                    User,
                    email=f"user{n}@exempel.se",
                    first_name="U",
                    last_name=str(n),
                    password_hash="x",
                )
            # delete the newest rows first: their ids are free before the migration
            database.execute_sql("DELETE FROM lead WHERE id = (SELECT MAX(id) FROM lead)")
        before = _snapshot(database)
        assert before["lead"][1] and before["registration"][1] and before["user"][1]
        indexes = _schema(database, "index")
        triggers = _schema(database, "trigger")
        assert "AUTOINCREMENT" not in _schema(database, "table")["lead"]
    assert db.migrate(database)[0] == f"winlas_site:{MIGRATION}"
    with database.connection_context():
        # every row of every table unchanged in the columns it had (the history table gained
        # its row; later migrations may add columns)
        after = _snapshot(database, {t: columns for t, (columns, _rows) in before.items()})
        assert {t: after[t] for t in before if t != db.HISTORY_TABLE} == {
            t: rows for t, rows in before.items() if t != db.HISTORY_TABLE
        }
        # analytics migrates after the site and adds its own: compare what was there
        after_indexes = _schema(database, "index")
        assert {name: after_indexes.get(name) for name in indexes} == indexes
        after_triggers = _schema(database, "trigger")
        assert {name: after_triggers.get(name) for name in triggers} == triggers
        assert "audit_entry_no_delete" in triggers
        assert database.execute_sql("PRAGMA foreign_key_check").fetchall() == []
        assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
        assert database.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert "AUTOINCREMENT" in _schema(database, "table")["lead"]
        # the append-only audit log is still append-only
        database.execute_sql(
            "INSERT INTO audit_entry (at, actor_role, action, subject_digest, details) "
            "VALUES ('2026-01-01', 'system', 'test', '', '{}')"
        )
        with pytest.raises(peewee.DatabaseError, match="append-only"):
            database.execute_sql("DELETE FROM audit_entry")
        # a cascade still works through the rebuilt tables
        with database.bind_ctx(MODELS):
            lead = Lead.select().first()
            Contact.delete().where(Contact.id == lead.contact_id).execute()
            assert LeadNote.select().where(LeadNote.lead == lead.id).count() == 0
    # and the migrated file is what the tests' own template looks like
    shutil.copy(sqlite_template, tmp_path / "template.db")
    template = db.make_database(f"sqlite:///{tmp_path / 'template.db'}", pool=False)
    with template.connection_context():
        assert _schema(template, "table")["lead"] == _schema(database, "table")["lead"]
    database.close()


def _old_row(database, model, **values) -> int:
    """Insert a row with only the columns its table has now; returns its id. Fields not given
    get the model's default, as the model of that time would have written them."""
    columns = {column.name for column in database.get_columns(model._meta.table_name)}
    row = {}
    for field in model._meta.sorted_fields:
        if field.column_name not in columns or field is model._meta.primary_key:
            continue
        if field.name in values:
            row[field.column_name] = field.db_value(values[field.name])
        elif field.default is not None:
            default = field.default() if callable(field.default) else field.default
            row[field.column_name] = field.db_value(default)
    names = ", ".join(f'"{name}"' for name in row)
    marks = ", ".join("?" for _ in row)
    sql = f'INSERT INTO "{model._meta.table_name}" ({names}) VALUES ({marks})'  # noqa: S608
    return database.execute_sql(sql, tuple(row.values())).lastrowid


def _snapshot(database, columns: dict | None = None) -> dict:
    """Every table's column names and rows; with ``columns``, only those columns of those
    tables (what a table held before a migration added columns)."""
    tables = [
        name
        for (name,) in database.execute_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    found = {}
    for table in tables:
        names = (columns or {}).get(table) or [c.name for c in database.get_columns(table)]
        listed = ", ".join(f'"{name}"' for name in names)
        rows = database.execute_sql(f'SELECT {listed} FROM "{table}"')  # noqa: S608
        found[table] = (list(names), sorted((tuple(row) for row in rows), key=repr))
    return found


def _schema(database, kind: str) -> dict:
    return dict(
        database.execute_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = ? AND sql IS NOT NULL", (kind,)
        ).fetchall()
    )

"""Tables with personal data never hand out an id twice (SQLite: ``AUTOINCREMENT``).

Without ``AUTOINCREMENT`` SQLite gives a new row the largest id plus one, so once retention or
an erasure deleted the newest rows, their ids came back: a staff member's old link
``/crm/leads/1`` opened another person's lead. ``AUTOINCREMENT`` keeps the largest id ever used
in ``sqlite_sequence``. SQLite cannot add it to an existing table, so each table is rebuilt the
documented way (https://www.sqlite.org/lang_altertable.html#otheralter): foreign keys off,
create the new table, copy, drop, rename, recreate indexes and triggers, check foreign keys,
commit, foreign keys on. PostgreSQL sequences never hand out a number twice: nothing to do.

Ids freed before this migration cannot be known any more; from here on none is reused. The
list is frozen here (a migration must not change with the code): the personal-data tables of
the data inventory as of this migration. ``tests/integration/test_ids_not_reused.py`` fails
when a later personal-data table lacks ``AUTOINCREMENT``.
"""

import re

from peewee import *  # noqa: F403

# PRAGMA foreign_keys cannot change inside a transaction: the runner must not open one.
atomic = False

TABLES = (
    "user",
    "user_session",
    "consent_record",
    "contact",
    "lead",
    "lead_note",
    "registration",
    "registration_seminar",
    "outbox_message",
    "subscription",
    "preference",
    "newsletter_issue",
    "mail_event",
    "audit_entry",
    "retention_notice",
)

ID_COLUMN = re.compile(r'("id"\s+INTEGER\s+NOT\s+NULL\s+PRIMARY\s+KEY)(?!\s+AUTOINCREMENT)', re.I)


def up(migrator, db):
    if not isinstance(db, SqliteDatabase):  # noqa: F405
        return
    enforced = db.execute_sql("PRAGMA foreign_keys").fetchone()[0]
    db.execute_sql("PRAGMA foreign_keys=OFF")
    try:
        with db.atomic():
            before = _violations(db)
            for table in TABLES:
                _rebuild(db, table)
            # the copy must not have broken a single reference (rows the database held in
            # breach of a foreign key before, if any, are not this migration's to judge)
            added = [row for row in _violations(db) if row not in before]
            if added:
                raise RuntimeError(f"rebuilding the tables broke foreign keys: {added[:5]}")
    finally:
        db.execute_sql(f"PRAGMA foreign_keys={'ON' if enforced else 'OFF'}")


def _violations(db) -> list[tuple]:
    return [tuple(row) for row in db.execute_sql("PRAGMA foreign_key_check").fetchall()]


def _rebuild(db, table: str) -> None:
    row = db.execute_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    if row is None or "AUTOINCREMENT" in row[0].upper():
        return  # not there, or done already (a rerun after a crash before the history row)
    create, count = ID_COLUMN.subn(r"\1 AUTOINCREMENT", row[0], count=1)
    if count != 1:
        raise RuntimeError(f'{table}: no "id" INTEGER NOT NULL PRIMARY KEY column to change')
    temporary = f"{table}__autoincrement"
    create, count = re.subn(
        rf'^CREATE TABLE\s+"?{re.escape(table)}"?', f'CREATE TABLE "{temporary}"', create, count=1
    )
    if count != 1:
        raise RuntimeError(f"{table}: unexpected CREATE TABLE statement")
    # indexes and triggers go with the dropped table: keep their statements to recreate them
    extras = [
        sql
        for (sql,) in db.execute_sql(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') "
            "AND sql IS NOT NULL ORDER BY type, name",
            (table,),
        ).fetchall()
    ]
    columns = ", ".join(
        f'"{name}"' for (_cid, name, *_rest) in db.execute_sql(f'PRAGMA table_info("{table}")')
    )
    db.execute_sql(create)
    db.execute_sql(f'INSERT INTO "{temporary}" ({columns}) SELECT {columns} FROM "{table}"')  # noqa: S608
    db.execute_sql(f'DROP TABLE "{table}"')
    db.execute_sql(f'ALTER TABLE "{temporary}" RENAME TO "{table}"')
    for sql in extras:
        db.execute_sql(sql)


def down(migrator, db):
    # AUTOINCREMENT only stops ids from being reused; keeping it is harmless
    pass

"""The cube: rollup rows keyed on every filter at once, for two or three filters (issue 14).

Days rolled up before this have no cube rows. The rollup state is moved back to the day before
the first day whose raw visits are all still there, so reports read those days from the raw
events until the next rollup run rebuilds them with their cube. Days whose raw events are
already purged (in part) cannot be rebuilt and keep no cube: the raw events they would be
compared with are gone too.
"""

import datetime

from peewee import *  # noqa: F403

STATE = "reports"  # analytics.rollups.STATE


def up(migrator, db):
    def key():
        return {
            "day": DateField(),
            "page": CharField(max_length=512, default=""),
            "country": CharField(max_length=2, default=""),
            "device": CharField(max_length=10, default=""),
            "browser": CharField(max_length=50, default=""),
            "source": CharField(max_length=12, default=""),
            "campaign": CharField(max_length=100, default=""),
        }

    def measures():
        return {
            "visits": IntegerField(default=0),
            "pageviews": IntegerField(default=0),
            "bounces": IntegerField(default=0),
            "duration_seconds": BigIntegerField(default=0),
            "engaged_ms": BigIntegerField(default=0),
            "conversions": IntegerField(default=0),
        }

    def model(name, fields):
        meta = type(
            "Meta", (), {"database": db, "table_name": name, "indexes": ((("page", "day"), False),)}
        )
        return type(name, (Model,), {**fields, "Meta": meta})

    cube_day = model(
        "rollup_cube_day",
        {**key(), **measures(), "visitors": IntegerField(default=0), "visitor_hashes": BlobField()},
    )
    cube = model(
        "rollup_cube",
        {
            **key(),
            **measures(),
            "dimension": CharField(max_length=16),
            "key": CharField(max_length=512),
        },
    )
    cube_click = model(
        "rollup_cube_click",
        {
            **key(),
            "kind": CharField(max_length=10),
            "key": CharField(max_length=512),
            "count": IntegerField(default=0),
        },
    )
    db.create_tables([cube_day, cube, cube_click])

    first = db.execute_sql("SELECT MIN(started_at) FROM visit").fetchone()[0]
    if first is None:
        return
    # the first day may have lost visits to retention already: it is left as it is
    complete = datetime.date.fromisoformat(str(first)[:10]) + datetime.timedelta(days=1)
    through = (complete - datetime.timedelta(days=1)).isoformat()
    param = db.param
    db.execute_sql(
        f"UPDATE rollup_state SET through = {param}, until = NULL"  # noqa: S608
        f" WHERE name = {param} AND through > {param}",
        (through, STATE, through),
    )

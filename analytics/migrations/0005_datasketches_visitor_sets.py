"""Visitor sets in Apache DataSketches' format (issue 12, analytics.hll).

Every daily blob of the hand-written HyperLogLog is rewritten (``hll.upgrade``): one with its
hashes (``b"B"``) loses nothing; a sketch only (``b"H"``) keeps its old registers, whose hash
differs from DataSketches', so a period mixing it with newer days would count a visitor seen
on both sides twice. Such days that still have all their raw visits are rebuilt instead: the
rollup state is moved back to the day before the first of them, so reports read those days
from the raw events (exact) until the next rollup run recomputes them. The first day with raw
visits may be purged in part, so it is never rebuilt.
"""

import datetime

from analytics import hll

STATE = "reports"  # analytics.rollups.STATE
BATCH = 200


def up(migrator, db):
    param = db.param
    legacy = db.execute_sql(
        "SELECT id, day, substr(visitor_hashes, 1, 1) FROM rollup_day"  # noqa: S608
        f" WHERE substr(visitor_hashes, 1, 1) IN ({param}, {param})",
        (hll.LEGACY_BOTH, hll.LEGACY_SKETCH),
    ).fetchall()
    sketch_days = {
        datetime.date.fromisoformat(str(day)[:10])
        for _id, day, kind in legacy
        if bytes(kind) == hll.LEGACY_SKETCH
    }
    ids = [row[0] for row in legacy]
    with db.atomic():
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            rows = db.execute_sql(
                "SELECT id, visitor_hashes FROM rollup_day"  # noqa: S608
                f" WHERE id IN ({', '.join([param] * len(chunk))})",
                chunk,
            ).fetchall()
            for row_id, blob in rows:
                db.execute_sql(
                    f"UPDATE rollup_day SET visitor_hashes = {param} WHERE id = {param}",  # noqa: S608
                    (hll.upgrade(blob), row_id),
                )
        first = db.execute_sql("SELECT MIN(started_at) FROM visit").fetchone()[0]
        if first is None or not sketch_days:
            return
        complete = datetime.date.fromisoformat(str(first)[:10]) + datetime.timedelta(days=1)
        rebuild = [day for day in sketch_days if day >= complete]
        if not rebuild:
            return
        through = (min(rebuild) - datetime.timedelta(days=1)).isoformat()
        db.execute_sql(
            f"UPDATE rollup_state SET through = {param}, until = NULL"  # noqa: S608
            f" WHERE name = {param} AND through > {param}",
            (through, STATE, through),
        )


def down(migrator, db):
    """Nothing to undo in the schema. The old code cannot read the new blobs: after going back,
    ``winlas analytics rollup --rebuild`` rewrites every day that still has raw events."""

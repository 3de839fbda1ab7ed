"""Rollup tables: pre-aggregated reports, one set of rows per UTC day (filled by analytics.rollups).

Every row carries a filter (``filter``, ``value``): ("", "") is the unfiltered report, and each
single dashboard filter (page, country, device, browser, source, campaign) with each value seen
that day has its own rows, so a report with one filter reads rollups too. Measures are additive
over days; unique visitors are not, so each daily total keeps its visitors' hashes
(analytics.hll: an exact sorted set, or a HyperLogLog sketch above a threshold) for unions
over a period. The rows hold no visitor id or personal data, only counts and 64-bit hashes.
Several filters at once read the cube (``RollupCubeDay``, ``RollupCube``, ``RollupCubeClick``).
"""

from __future__ import annotations

import peewee

from .db import BaseModel


class _Measures(BaseModel):
    """The additive figures of a group of visits."""

    filter = peewee.CharField(max_length=10, default="")  # type: ignore[assignment]  # a column
    value = peewee.CharField(max_length=512, default="")
    visits = peewee.IntegerField(default=0)
    pageviews = peewee.IntegerField(default=0)
    bounces = peewee.IntegerField(default=0)
    duration_seconds = peewee.BigIntegerField(default=0)
    engaged_ms = peewee.BigIntegerField(default=0)
    conversions = peewee.IntegerField(default=0)


class RollupDay(_Measures):
    """Key figures of the visits started on ``day``."""

    day = peewee.DateField()
    visitors = peewee.IntegerField(default=0)
    visitor_hashes = peewee.BlobField()

    class Meta:
        indexes = ((("filter", "value", "day"), True),)


class RollupHour(_Measures):
    """Key figures of the visits started in the hour beginning ``hour`` (one-day charts)."""

    hour = peewee.DateTimeField()
    day = peewee.DateField(index=True)
    visitors = peewee.IntegerField(default=0)

    class Meta:
        indexes = ((("filter", "value", "hour"), True),)


class RollupDimension(_Measures):
    """One line of a dimension table for the visits started on ``day``."""

    day = peewee.DateField(index=True)
    dimension = peewee.CharField(max_length=16)
    key = peewee.CharField(max_length=512)

    class Meta:
        indexes = ((("filter", "value", "day", "dimension"), False),)


class RollupClick(BaseModel):
    """Clicks of one kind on one target (or name) in the visits started on ``day``."""

    day = peewee.DateField(index=True)
    filter = peewee.CharField(max_length=10, default="")  # type: ignore[assignment]  # a column
    value = peewee.CharField(max_length=512, default="")
    kind = peewee.CharField(max_length=10)
    key = peewee.CharField(max_length=512)
    count = peewee.IntegerField(default=0)

    class Meta:
        indexes = ((("filter", "value", "day"), False),)


class _Cube(BaseModel):
    """The key of a cube row: a day and the value of every filter at once.

    The single-filter rows above answer one filter; two or three at once (campaign *and*
    country) would need a row per combination of values. The cube keeps exactly those: the
    visits of a day grouped by their five visit-level filter values (country, device, browser,
    source, campaign; never more combinations than the day's visits) with ``page`` = "", and
    again for each page a visit viewed (``page`` = its path), so a set of filters selects its
    rows with equality on the columns it sets and sums the rest away. Measured at a million
    events: the 30-day cube holds about a quarter of the cells the same reports group from
    visit-level rows (docs/ARCHITECTURE.md, "Several filters at once").
    """

    day = peewee.DateField()
    page = peewee.CharField(max_length=512, default="")
    country = peewee.CharField(max_length=2, default="")
    device = peewee.CharField(max_length=10, default="")
    browser = peewee.CharField(max_length=50, default="")
    source = peewee.CharField(max_length=12, default="")
    campaign = peewee.CharField(max_length=100, default="")


class _CubeMeasures(_Cube):
    visits = peewee.IntegerField(default=0)
    pageviews = peewee.IntegerField(default=0)
    bounces = peewee.IntegerField(default=0)
    duration_seconds = peewee.BigIntegerField(default=0)
    engaged_ms = peewee.BigIntegerField(default=0)
    conversions = peewee.IntegerField(default=0)


class RollupCubeDay(_CubeMeasures):
    """Key figures of one combination of filter values on ``day``, with its visitors' hashes."""

    visitors = peewee.IntegerField(default=0)
    visitor_hashes = peewee.BlobField()

    class Meta:
        table_name = "rollup_cube_day"
        indexes = ((("page", "day"), False),)


class RollupCube(_CubeMeasures):
    """One line of a dimension table for one combination of filter values on ``day``."""

    dimension = peewee.CharField(max_length=16)
    key = peewee.CharField(max_length=512)

    class Meta:
        table_name = "rollup_cube"
        indexes = ((("page", "day"), False),)


class RollupCubeClick(_Cube):
    """Clicks of one kind on one target for one combination of filter values on ``day``."""

    kind = peewee.CharField(max_length=10)
    key = peewee.CharField(max_length=512)
    count = peewee.IntegerField(default=0)

    class Meta:
        table_name = "rollup_cube_click"
        indexes = ((("page", "day"), False),)


class RollupState(BaseModel):
    """How far the rollups reach: every day up to ``through`` and the visits started before
    ``until`` (today's finished hours), with events up to ``last_event_id``."""

    name = peewee.CharField(max_length=20, primary_key=True)
    through = peewee.DateField(null=True)
    until = peewee.DateTimeField(null=True)
    # days before this keep only visitor sketches (no hashes): past the raw events' retention
    sketched_before = peewee.DateField(null=True)
    last_event_id = peewee.BigIntegerField(default=0)
    updated_at = peewee.DateTimeField(null=True)


ROLLUP_MODELS: list[type[BaseModel]] = [
    RollupDay,
    RollupHour,
    RollupDimension,
    RollupClick,
    RollupCubeDay,
    RollupCube,
    RollupCubeClick,
    RollupState,
]

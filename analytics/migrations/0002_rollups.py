"""Rollup tables of the dashboard's reports (analytics.rollups)."""

from peewee import *  # noqa: F403


def up(migrator, db):
    def measures():
        return {
            "filter": CharField(max_length=10, default=""),
            "value": CharField(max_length=512, default=""),
            "visits": IntegerField(default=0),
            "pageviews": IntegerField(default=0),
            "bounces": IntegerField(default=0),
            "duration_seconds": BigIntegerField(default=0),
            "engaged_ms": BigIntegerField(default=0),
            "conversions": IntegerField(default=0),
        }

    def model(name, fields, indexes):
        meta = type("Meta", (), {"database": db, "table_name": name, "indexes": indexes})
        return type(name, (Model,), {**fields, "Meta": meta})

    RollupDay = model(
        "rollup_day",
        {
            **measures(),
            "day": DateField(),
            "visitors": IntegerField(default=0),
            "visitor_hashes": BlobField(),
        },
        ((("filter", "value", "day"), True),),
    )
    RollupHour = model(
        "rollup_hour",
        {
            **measures(),
            "hour": DateTimeField(),
            "day": DateField(index=True),
            "visitors": IntegerField(default=0),
        },
        ((("filter", "value", "hour"), True),),
    )
    RollupDimension = model(
        "rollup_dimension",
        {
            **measures(),
            "day": DateField(index=True),
            "dimension": CharField(max_length=16),
            "key": CharField(max_length=512),
        },
        ((("filter", "value", "day", "dimension"), False),),
    )
    RollupClick = model(
        "rollup_click",
        {
            "day": DateField(index=True),
            "filter": CharField(max_length=10, default=""),
            "value": CharField(max_length=512, default=""),
            "kind": CharField(max_length=10),
            "key": CharField(max_length=512),
            "count": IntegerField(default=0),
        },
        ((("filter", "value", "day"), False),),
    )

    class RollupState(Model):
        name = CharField(max_length=20, primary_key=True)
        through = DateField(null=True)
        until = DateTimeField(null=True)
        sketched_before = DateField(null=True)
        last_event_id = BigIntegerField(default=0)
        updated_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "rollup_state"

    db.create_tables([RollupDay, RollupHour, RollupDimension, RollupClick, RollupState])


def down(migrator, db):
    for table in ("rollup_day", "rollup_hour", "rollup_dimension", "rollup_click", "rollup_state"):
        migrator.migrate(migrator.drop_table(table))

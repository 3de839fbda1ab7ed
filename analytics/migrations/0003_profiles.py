"""Interest profiles: the visit's profiling flag, profiles, scores, opt-outs, update state."""

from peewee import *  # noqa: F403


def up(migrator, db):
    class InterestProfile(Model):
        visitor_id = CharField(max_length=32, unique=True)
        user_id = IntegerField(null=True, index=True)
        first_event_at = DateTimeField()
        last_event_at = DateTimeField(index=True)

        class Meta:
            database = db
            table_name = "interest_profile"

    class InterestScore(Model):
        profile = ForeignKeyField(InterestProfile, on_delete="CASCADE")
        topic = CharField(max_length=120, index=True)
        score = DoubleField(default=0.0)
        pageviews = IntegerField(default=0)
        clicks = IntegerField(default=0)
        conversions = IntegerField(default=0)
        first_event_at = DateTimeField()
        last_event_at = DateTimeField(index=True)

        class Meta:
            database = db
            table_name = "interest_score"
            indexes = ((("profile", "topic"), True),)

    class ProfileOptOut(Model):
        visitor_id = CharField(max_length=32, unique=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "profile_opt_out"

    class ProfileState(Model):
        last_event_id = BigIntegerField(default=0)
        seen_event_id = BigIntegerField(default=0)
        seen_at = DateTimeField(null=True)
        half_life_days = DoubleField()
        epoch = DateTimeField()
        updated_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "profile_state"

    db.create_tables([InterestProfile, InterestScore, ProfileOptOut, ProfileState])
    migrator.migrate(migrator.add_column("visit", "profiling", BooleanField(default=False)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("visit", "profiling"))
    for table in ("interest_score", "interest_profile", "profile_opt_out", "profile_state"):
        migrator.migrate(migrator.drop_table(table))

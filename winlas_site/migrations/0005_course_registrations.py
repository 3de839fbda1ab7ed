"""Course and event sign-up: seminar slots, registrations and their seminar choices."""

import datetime

from peewee import *  # noqa: F403


def up(migrator, db):
    class CourseSession(Model):
        class Meta:
            database = db
            table_name = "course_session"

    class Contact(Model):
        class Meta:
            database = db
            table_name = "contact"

    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class SeminarSlot(Model):
        course_session = ForeignKeyField(CourseSession, on_delete="CASCADE")
        title_sv = CharField(max_length=200)
        title_en = CharField(max_length=200, default="")
        starts_at = DateTimeField()
        capacity = IntegerField(null=True)
        position = IntegerField(default=0)

        class Meta:
            database = db
            table_name = "seminar_slot"

    class Registration(Model):
        course_session = ForeignKeyField(CourseSession, on_delete="CASCADE")
        contact = ForeignKeyField(Contact, on_delete="CASCADE")
        user = ForeignKeyField(User, null=True, on_delete="SET NULL")
        status = CharField(max_length=12, default="confirmed")
        position = IntegerField(null=True)
        dietary_choices = CharField(max_length=100, default="")
        dietary_other = CharField(max_length=200, default="")
        language = CharField(max_length=5, default="sv")
        submission = CharField(max_length=32, null=True)
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        promoted_at = DateTimeField(null=True)
        cancelled_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "registration"
            indexes = ((("course_session", "status", "position"), False),)

    Registration.add_index(
        Registration.index(
            Registration.course_session,
            Registration.contact,
            unique=True,
            where=(Registration.status != "cancelled"),
            name="registration_one_active_per_contact",
        )
    )

    class RegistrationSeminar(Model):
        registration = ForeignKeyField(Registration, on_delete="CASCADE")
        slot = ForeignKeyField(SeminarSlot, on_delete="CASCADE")

        class Meta:
            database = db
            table_name = "registration_seminar"
            indexes = ((("registration", "slot"), True),)

    db.create_tables([SeminarSlot, Registration, RegistrationSeminar])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("registration_seminar"))
    migrator.migrate(migrator.drop_table("registration"))
    migrator.migrate(migrator.drop_table("seminar_slot"))

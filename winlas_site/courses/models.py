"""Courses and events with their dated sessions, shown at /utbildningar."""

from __future__ import annotations

import datetime

import peewee

from ..content import ContentPage
from ..db import BaseModel
from ..i18n import Translated


class Course(ContentPage):
    kind = peewee.CharField(max_length=10, default="course")  # course | event
    audience_sv = peewee.TextField(default="")
    audience_en = peewee.TextField(default="")
    price_sek = peewee.IntegerField(default=0)
    product_slug = peewee.CharField(max_length=80, null=True)

    @classmethod
    def listed(cls) -> list[Course]:
        """Courses ordered by their next session; those without upcoming sessions last."""
        courses = list(cls.select())
        # session times are local Swedish time, as entered
        sessions = (
            CourseSession.select()
            .where(CourseSession.starts_at >= datetime.datetime.now())
            .order_by(CourseSession.starts_at)
        )
        upcoming: dict[int, list[CourseSession]] = {}
        for session in sessions:
            upcoming.setdefault(session.course_id, []).append(session)
        for course in courses:
            course.upcoming = upcoming.get(course.id, [])
        far = datetime.datetime.max
        return sorted(courses, key=lambda c: c.upcoming[0].starts_at if c.upcoming else far)

    def sessions_in_order(self) -> peewee.ModelSelect:
        """This course's sessions, earliest first."""
        return self.sessions.order_by(CourseSession.starts_at)


class CourseSession(Translated, BaseModel):
    course = peewee.ForeignKeyField(Course, backref="sessions", on_delete="CASCADE")
    starts_at = peewee.DateTimeField()
    ends_at = peewee.DateTimeField()
    place_sv = peewee.CharField(max_length=200)
    place_en = peewee.CharField(max_length=200, default="")
    online = peewee.BooleanField(default=False)
    capacity = peewee.IntegerField(default=20)

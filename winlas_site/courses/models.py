"""Courses and events with their dated sessions, seminar slots and sign-ups (/utbildningar)."""

from __future__ import annotations

import dataclasses
import datetime
import itertools
from collections.abc import Iterable

import peewee

from ..auth.models import User
from ..clock import local_now, now
from ..content import ContentPage
from ..db import BaseModel, Prepared, Slot, database, rows
from ..i18n import Translated
from ..leads.models import Contact, JSONField, normalise_address

# the common dietary requirements offered as checkboxes; anything else goes in the free text
DIETARY_CHOICES = ("vegetarian", "vegan", "gluten", "lactose", "nuts", "other")
STATUSES = ("confirmed", "waitlisted", "cancelled")
ACTIVE = ("confirmed", "waitlisted")


def _write_transaction():
    """One transaction for count-and-insert. SQLite: take the write lock at BEGIN (IMMEDIATE),
    so a second sign-up waits on busy_timeout instead of reading a stale count; PostgreSQL:
    a plain transaction in which the session row is locked with SELECT ... FOR UPDATE."""
    if isinstance(database.obj, peewee.SqliteDatabase):
        return database.obj.atomic("IMMEDIATE")
    return database.atomic()


class Course(ContentPage):
    kind = peewee.CharField(max_length=10, default="course")  # course | event
    audience_sv = peewee.TextField(default="")
    audience_en = peewee.TextField(default="")
    price_sek = peewee.IntegerField(default=0)
    product_slug = peewee.CharField(max_length=80, null=True)
    # backref of CourseSession.course
    sessions: peewee.ModelSelect[CourseSession]
    # the sessions still to come, set on the courses ``listed`` returns
    upcoming: list[CourseSession]

    @classmethod
    def listed(cls) -> list[Course]:
        """Courses ordered by their next session; those without upcoming sessions last."""
        courses = list(cls.live())
        sessions = (
            CourseSession.select()
            .where(CourseSession.starts_at >= local_now())
            .order_by(CourseSession.starts_at)
        )
        upcoming: dict[int, list[CourseSession]] = {}
        for session in sessions:
            upcoming.setdefault(session.course_id, []).append(session)
        for course in courses:
            course.upcoming = upcoming.get(course.id, [])
        far = datetime.datetime.max
        return sorted(courses, key=lambda c: c.upcoming[0].starts_at if c.upcoming else far)

    @classmethod
    def titles_about(cls, product_slug: str) -> list[Course]:
        """The live courses about a product, with only their slugs and titles (the links on
        the product's page)."""
        return _titles_about.all(now=now(), product_slug=product_slug)

    def sessions_in_order(self) -> peewee.ModelSelect[CourseSession]:
        """This course's sessions, earliest first."""
        return self.sessions.order_by(CourseSession.starts_at)

    def session(self, session_id: int) -> CourseSession | None:
        """One of this course's sessions (another course's session id gives None)."""
        return CourseSession.get_or_none(
            (CourseSession.id == session_id) & (CourseSession.course == self)
        )

    def upcoming_with_seats(self) -> list[CourseSession]:
        """Every session in order, each carrying ``confirmed`` (the confirmed sign-ups)."""
        sessions = list(self.sessions_in_order())
        counts = CourseSession.confirmed_counts([s.id for s in sessions])
        for session in sessions:
            session.confirmed = counts.get(session.id, 0)
        return sessions


_titles_about: Prepared[Course] = Prepared(
    lambda: (
        Course.select(Course.id, Course.slug, Course.title_sv, Course.title_en)
        .where(Course.live_at(Slot("now")) & (Course.product_slug == Slot("product_slug")))
        .order_by(Course.id)
    )
)


class CourseSession(Translated, BaseModel):
    course = peewee.ForeignKeyField(Course, backref="sessions", on_delete="CASCADE")
    course_id: int
    starts_at = peewee.DateTimeField()
    ends_at = peewee.DateTimeField()
    place_sv = peewee.CharField(max_length=200)
    place_en = peewee.CharField(max_length=200, default="")
    online = peewee.BooleanField(default=False)
    capacity = peewee.IntegerField(default=20)
    # staff close the public sign-up before the start (a full room, a cancelled session)
    signup_open = peewee.BooleanField(default=True)
    # the dietary choices the sign-up form offers (comma-separated codes of DIETARY_CHOICES)
    dietary_options = peewee.CharField(max_length=100, default=",".join(DIETARY_CHOICES))
    # this session's price; None: the course's ``price_sek``
    price_sek = peewee.IntegerField(null=True)
    # backrefs of Registration.course_session and SeminarSlot.course_session
    registrations: peewee.ModelSelect[Registration]
    seminar_slots: peewee.ModelSelect[SeminarSlot]
    # the confirmed sign-ups, set on the sessions ``Course.upcoming_with_seats`` returns
    confirmed: int
    # the waitlisted sign-ups, set by ``for_admin``
    waiting: int

    @property
    def has_started(self) -> bool:
        return self.starts_at <= local_now()

    @property
    def is_open(self) -> bool:
        """Sign-up is open until the session starts, unless staff closed it."""
        return self.signup_open and not self.has_started

    @property
    def price(self) -> int:
        """The price of this session in SEK: its own, else the course's."""
        return self.price_sek if self.price_sek is not None else self.course.price_sek

    @property
    def dietary_codes(self) -> list[str]:
        """The dietary choices offered, in the order of DIETARY_CHOICES."""
        offered = set(self.dietary_options.split(","))
        return [code for code in DIETARY_CHOICES if code in offered]

    def counts(self) -> tuple[int, int]:
        """(confirmed, waitlisted) sign-ups."""
        return (
            self.registrations_with("confirmed").count(),
            self.registrations_with("waitlisted").count(),
        )

    @classmethod
    def confirmed_counts(cls, ids: list[int]) -> dict[int, int]:
        """Confirmed sign-ups per session id."""
        if not ids:
            return {}
        query = (
            Registration.select(Registration.course_session, peewee.fn.COUNT(Registration.id))
            .where(Registration.course_session.in_(ids) & (Registration.status == "confirmed"))
            .group_by(Registration.course_session)
            .tuples()
        )
        return dict(rows(query))

    def seats_left(self) -> int:
        """Free places (never below zero)."""
        return max(0, self.capacity - self.registrations_with("confirmed").count())

    def registrations_with(self, *statuses: str) -> peewee.ModelSelect[Registration]:
        """This session's sign-ups in one of ``statuses``."""
        return self.registrations.where(Registration.status.in_(statuses))

    def lock(self) -> CourseSession:
        """Re-read this session inside a write transaction, its row locked on PostgreSQL so
        concurrent sign-ups and cancellations of one session take turns."""
        query = CourseSession.select().where(CourseSession.id == self.id)
        if database.obj.for_update:
            query = query.for_update()
        return query.get()

    def seminar_groups(self) -> list[tuple[datetime.datetime, list[SeminarSlot]]]:
        """The parallel seminar slots grouped by start time, earliest first."""
        slots = self.seminar_slots.order_by(SeminarSlot.starts_at, SeminarSlot.position)
        return [(start, list(group)) for start, group in itertools.groupby(slots, key=_start)]

    def fill_from_waitlist(self) -> list[Registration]:
        """Promote waitlisted sign-ups in order while places are free; call inside the
        transaction holding the session's lock. Returns the promoted registrations."""
        free = self.capacity - self.registrations_with("confirmed").count()
        if free <= 0:
            return []
        waiting = list(
            self.registrations_with("waitlisted")
            .order_by(Registration.position, Registration.id)
            .limit(free)
        )
        for registration in waiting:
            registration.status = "confirmed"
            registration.position = None
            registration.promoted_at = now()
            registration.save()
        return waiting

    def next_position(self) -> int:
        """The waitlist position for a newcomer (call inside the locked transaction)."""
        last = (
            self.registrations_with("waitlisted")
            .select(peewee.fn.MAX(Registration.position))
            .scalar()
        )
        return (last or 0) + 1

    def change(self, **fields) -> list[Registration]:
        """Staff save new details (dates, place, capacity, ...). A capacity below the confirmed
        sign-ups raises ``CapacityTooLow`` (un-confirming people who were told they have a place
        is never done silently: staff cancel or move them first); a higher one promotes from
        the waitlist, whose registrations are returned. A new start time resets the reminders:
        the programme goes out again before the new date."""
        with _write_transaction():
            locked = self.lock()
            confirmed = locked.registrations_with("confirmed").count()
            if "capacity" in fields and fields["capacity"] < confirmed:
                raise CapacityTooLow(confirmed)
            moved = "starts_at" in fields and fields["starts_at"] != locked.starts_at
            for name, value in fields.items():
                setattr(locked, name, value)
            locked.save()
            if moved:
                Registration.update(reminded_at=None).where(
                    Registration.course_session == locked
                ).execute()
            promoted = locked.fill_from_waitlist() if not locked.has_started else []
        for name, value in fields.items():
            setattr(self, name, value)
        return promoted

    @classmethod
    def for_admin(cls) -> list[CourseSession]:
        """Every session, each carrying ``confirmed`` and ``waiting`` counts (two queries)."""
        sessions = list(cls.select(cls, Course).join(Course).order_by(cls.starts_at))
        counts: dict[tuple[int, str], int] = dict(
            ((session_id, status), count)
            for session_id, status, count in rows(
                Registration.select(
                    Registration.course_session,
                    Registration.status,
                    peewee.fn.COUNT(Registration.id),
                )
                .where(Registration.status.in_(ACTIVE))
                .group_by(Registration.course_session, Registration.status)
                .tuples()
            )
        )
        for session in sessions:
            session.confirmed = counts.get((session.id, "confirmed"), 0)
            session.waiting = counts.get((session.id, "waitlisted"), 0)
        return sessions


def _start(slot: SeminarSlot) -> datetime.datetime:
    return slot.starts_at


class SeminarSlot(Translated, BaseModel):
    """One of the parallel seminars of an event session; a participant picks at most one of
    the slots that start at the same time."""

    course_session = peewee.ForeignKeyField(
        CourseSession, backref="seminar_slots", on_delete="CASCADE"
    )
    course_session_id: int
    title_sv = peewee.CharField(max_length=200)
    title_en = peewee.CharField(max_length=200, default="")
    starts_at = peewee.DateTimeField()
    capacity = peewee.IntegerField(null=True)  # None: as many as the session holds
    position = peewee.IntegerField(default=0)

    @classmethod
    def taken_counts(cls, session: CourseSession) -> dict[int, int]:
        """Active (confirmed or waitlisted) choices per slot of ``session``: a waitlisted
        person keeps the seat in the seminar, so a promotion never overfills it."""
        query = (
            RegistrationSeminar.select(
                RegistrationSeminar.slot, peewee.fn.COUNT(RegistrationSeminar.id)
            )
            .join(Registration)
            .where((Registration.course_session == session) & (Registration.status.in_(ACTIVE)))
            .group_by(RegistrationSeminar.slot)
            .tuples()
        )
        return dict(rows(query))


@dataclasses.dataclass(frozen=True)
class Participant:
    """Who signs up: what the Contact keeps (P4), nothing more."""

    email: str
    first_name: str
    last_name: str
    organisation_name: str
    work_phone: str = ""


class AlreadyRegistered(Exception):
    """This mailbox already holds an active sign-up for the session (``registration``)."""

    def __init__(self, registration: Registration):
        super().__init__(registration.id)
        self.registration = registration


class SessionClosed(Exception):
    """The session has started, or staff closed its sign-up: no more sign-ups."""


class NoSeatFree(Exception):
    """Staff tried to promote someone from the waitlist while every place is taken."""


class NotActive(Exception):
    """The sign-up was cancelled in the meantime: nothing to move or promote."""


class CapacityTooLow(Exception):
    """A capacity below the confirmed sign-ups: nobody confirmed is ever un-confirmed."""

    def __init__(self, confirmed: int):
        super().__init__(confirmed)
        self.confirmed = confirmed


class SeminarFull(Exception):
    """A chosen seminar slot has no seat left."""

    def __init__(self, slot: SeminarSlot):
        super().__init__(slot.id)
        self.slot = slot


class Registration(BaseModel):
    course_session = peewee.ForeignKeyField(
        CourseSession, backref="registrations", on_delete="CASCADE"
    )
    course_session_id: int
    contact = peewee.ForeignKeyField(Contact, backref="registrations", on_delete="CASCADE")
    contact_id: int
    # set when the participant signed up logged in, with the account's own address
    user = peewee.ForeignKeyField(User, null=True, backref="registrations", on_delete="SET NULL")
    user_id: int | None
    status = peewee.CharField(max_length=12, default="confirmed")  # confirmed|waitlisted|cancelled
    position = peewee.IntegerField(null=True)  # order on the waitlist, None when not waiting
    dietary_choices = peewee.CharField(max_length=100, default="")  # comma-separated codes
    dietary_other = peewee.CharField(max_length=200, default="")
    language = peewee.CharField(max_length=5, default="sv")  # of the emails
    # the random id of the form that sent it: the same form sent twice is one sign-up
    submission = peewee.CharField(max_length=32, null=True)
    created_at = peewee.DateTimeField(default=now)
    promoted_at = peewee.DateTimeField(null=True)
    cancelled_at = peewee.DateTimeField(null=True)
    # when the reminder with the programme was queued: it goes out once (courses/reminders.py)
    reminded_at = peewee.DateTimeField(null=True)
    # the conversion event of the sign-up and the first and last touch of the visits that led
    # to it, as on ``Lead`` (statistics consent only; see ``leads.attribution``)
    conversion_id = peewee.CharField(max_length=36, null=True, index=True)
    touches = JSONField(null=True)

    PERSONAL_DATA = {
        "contact": ("identity", "course and event sign-up (P2, P4)"),
        "user": ("identity", "account management: the sign-ups shown in the account"),
        "status": ("course preference", "course and event sign-up"),
        "course_session": ("course preference", "course and event sign-up"),
        "dietary_choices": ("dietary requirements", "catering at the course or event (P4)"),
        "dietary_other": ("dietary requirements", "catering at the course or event (P4)"),
        "language": ("preference", "emails about the sign-up in the participant's language"),
        "created_at": ("activity", "course and event sign-up"),
        "cancelled_at": ("activity", "course and event sign-up"),
        "reminded_at": ("activity", "the reminder with the programme before the session"),
        "conversion_id": (
            "pseudonymous identifier",
            "which campaign brought the sign-up (statistics consent): finds its visits",
        ),
        "touches": (
            "usage",
            "which campaign brought the sign-up (statistics consent): source, campaign and "
            "landing page of the first and last visit before it",
        ),
    }

    class Meta:
        indexes = ((("course_session", "status", "position"), False),)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def dietary_codes(self) -> list[str]:
        return [code for code in self.dietary_choices.split(",") if code]

    def seminar_slots(self) -> list[SeminarSlot]:
        """The chosen seminar slots, in time order."""
        return list(
            SeminarSlot.select()
            .join(RegistrationSeminar)
            .where(RegistrationSeminar.registration == self)
            .order_by(SeminarSlot.starts_at, SeminarSlot.position)
        )

    @classmethod
    def active_for(cls, session: CourseSession, email: str) -> Registration | None:
        """The active sign-up of this mailbox for ``session``, or None."""
        return (
            cls.select()
            .join(Contact)
            .where(
                (cls.course_session == session)
                & (Contact.email == normalise_address(email))
                & (cls.status.in_(ACTIVE))
            )
            .first()
        )

    @classmethod
    def sign_up(
        cls,
        session: CourseSession,
        participant: Participant,
        *,
        dietary_choices: Iterable[str] = (),
        dietary_other: str = "",
        slots: Iterable[SeminarSlot] = (),
        user: User | None = None,
        language: str = "sv",
        submission: str | None = None,
        by_staff: bool = False,
    ) -> Registration:
        """Sign a participant up: confirmed while places are free, else on the waitlist.

        The count and the insert happen in one transaction holding the session's lock, so two
        sign-ups for the last place cannot both be confirmed. Refusals (``AlreadyRegistered``,
        ``SessionClosed``, ``SeminarFull``) roll everything back, the contact included.
        ``by_staff``: a sign-up staff take by phone, accepted while the public sign-up is
        closed (closing it stops the form, not the course team); never after the start.
        """
        wanted = set(dietary_choices)
        choice = {
            "dietary_choices": ",".join(code for code in DIETARY_CHOICES if code in wanted),
            "dietary_other": dietary_other,
            "slots": list(slots),
            "user": user,
            "language": language,
            "submission": submission,
            "by_staff": by_staff,
        }
        try:
            return cls._sign_up(session, participant, **choice)
        except peewee.IntegrityError:
            # PostgreSQL: a sign-up for another session created the same new contact at the
            # same moment; the second attempt finds it (a duplicate is refused as usual).
            return cls._sign_up(session, participant, **choice)

    @classmethod
    def _sign_up(
        cls,
        session,
        participant,
        *,
        dietary_choices,
        dietary_other,
        slots,
        user,
        language,
        submission,
        by_staff,
    ) -> Registration:
        with _write_transaction():
            session = session.lock()
            if session.has_started or not (by_staff or session.signup_open):
                raise SessionClosed()
            # a full seminar first: the form answers an address signed up before exactly as it
            # answers a new one, so the refusal cannot depend on the address
            taken = SeminarSlot.taken_counts(session)
            for slot in slots:
                if slot.capacity is not None and taken.get(slot.id, 0) >= slot.capacity:
                    raise SeminarFull(slot)
            existing = cls.active_for(session, participant.email)
            if existing is not None:
                raise AlreadyRegistered(existing)
            contact = Contact.upsert(
                participant.email,
                by=user,
                first_name=participant.first_name,
                last_name=participant.last_name,
                organisation_name=participant.organisation_name,
                work_phone=participant.work_phone,
            )
            waiting = session.registrations_with("confirmed").count() >= session.capacity
            position = session.next_position() if waiting else None
            own_account = user is not None and normalise_address(user.email) == contact.email
            registration = cls.create(
                course_session=session,
                contact=contact,
                user=user if own_account else None,
                status="waitlisted" if waiting else "confirmed",
                position=position,
                dietary_choices=dietary_choices,
                dietary_other=dietary_other,
                language=language,
                submission=submission,
            )
            for slot in slots:
                RegistrationSeminar.create(registration=registration, slot=slot)
        return registration

    def cancel(self) -> list[Registration] | None:
        """Cancel this sign-up. A freed place goes to the first on the waitlist in the same
        transaction. Returns the promoted registrations, or None when it was already
        cancelled (nothing changes: cancelling twice is harmless)."""
        with _write_transaction():
            session = self.course_session.lock()
            before = Registration.get_by_id(self.id).status
            if before == "cancelled":
                promoted = None
            else:
                Registration.update(status="cancelled", position=None, cancelled_at=now()).where(
                    Registration.id == self.id
                ).execute()
                promoted = session.fill_from_waitlist() if before == "confirmed" else []
        current = Registration.get_by_id(self.id)
        self.status, self.position, self.cancelled_at = (
            current.status,
            current.position,
            current.cancelled_at,
        )
        return promoted

    def promote(self, extra_place: bool = False) -> None:
        """Staff give this waitlisted person a place, ahead of the queue if they so decide.
        A free place is used when there is one (there seldom is: a freed place goes to the
        waitlist at once). When every place is taken, ``NoSeatFree`` unless ``extra_place``:
        then the capacity grows by one, so confirmed never exceeds capacity and the page
        shows the room's real size. ``NotActive`` when the person is no longer waiting."""
        with _write_transaction():
            session = self.course_session.lock()
            if Registration.get_by_id(self.id).status != "waitlisted":
                raise NotActive()
            if session.registrations_with("confirmed").count() >= session.capacity:
                if not extra_place:
                    raise NoSeatFree()
                CourseSession.update(capacity=CourseSession.capacity + 1).where(
                    CourseSession.id == session.id
                ).execute()
            Registration.update(status="confirmed", position=None, promoted_at=now()).where(
                Registration.id == self.id
            ).execute()
        self.status, self.position = "confirmed", None

    def move_to(self, target: CourseSession) -> tuple[Registration, list[Registration]]:
        """Move this active sign-up to ``target``, another session of the same course: the
        same person, dietary needs and language there (confirmed while places are free, else
        on its waitlist; seminar choices belong to a session and stay behind), this one
        cancelled and its place given to the waitlist. Returns (the new sign-up, the promoted
        here). ``SessionClosed`` when ``target`` has started, ``AlreadyRegistered`` when the
        person is signed up there already, ``NotActive`` when this one was cancelled."""
        if target.course_id != self.course_session.course_id or target.id == self.course_session_id:
            raise ValueError("a move goes to another session of the same course")
        with _write_transaction():
            # both rows locked in id order: two moves in opposite directions cannot deadlock
            first, second = sorted((self.course_session, target), key=lambda s: s.id)
            locked = {first.id: first.lock(), second.id: second.lock()}
            here, there = locked[self.course_session_id], locked[target.id]
            current = Registration.get_by_id(self.id)
            if current.status not in ACTIVE:
                raise NotActive()
            if there.has_started:
                raise SessionClosed()
            existing = Registration.active_for(there, current.contact.email)
            if existing is not None:
                raise AlreadyRegistered(existing)
            waiting = there.registrations_with("confirmed").count() >= there.capacity
            moved = Registration.create(
                course_session=there,
                contact=current.contact_id,
                user=current.user_id,
                status="waitlisted" if waiting else "confirmed",
                position=there.next_position() if waiting else None,
                dietary_choices=current.dietary_choices,
                dietary_other=current.dietary_other,
                language=current.language,
            )
            Registration.update(status="cancelled", position=None, cancelled_at=now()).where(
                Registration.id == self.id
            ).execute()
            promoted = here.fill_from_waitlist() if current.status == "confirmed" else []
        self.status, self.position = "cancelled", None
        return moved, promoted

    @classmethod
    def due_reminders(cls, until: datetime.datetime) -> peewee.ModelSelect[Registration]:
        """Confirmed sign-ups not yet reminded whose session starts after now and by
        ``until`` (naive local time, as the sessions are stored)."""
        return (
            cls.select(cls, CourseSession)
            .join(CourseSession)
            .where(
                (cls.status == "confirmed")
                & cls.reminded_at.is_null()
                & (CourseSession.starts_at > local_now())
                & (CourseSession.starts_at <= until)
            )
            .order_by(CourseSession.starts_at, cls.id)
        )

    def claim_reminder(self) -> bool:
        """Mark the reminder sent; False when another run did it first (one UPDATE, so two
        runs at once never send it twice) or the sign-up is no longer confirmed."""
        return bool(
            Registration.update(reminded_at=now())
            .where(
                (Registration.id == self.id)
                & Registration.reminded_at.is_null()
                & (Registration.status == "confirmed")
            )
            .execute()
        )

    def unclaim_reminder(self) -> None:
        """The reminder could not be queued: the next run tries again."""
        Registration.update(reminded_at=None).where(Registration.id == self.id).execute()

    @classmethod
    def with_details(cls) -> peewee.ModelSelect[Registration]:
        """Sign-ups joined with their contact, session and course."""
        return (
            cls.select(cls, Contact, CourseSession, Course)
            .join(Contact)
            .switch(cls)
            .join(CourseSession)
            .join(Course)
            .order_by(CourseSession.starts_at, cls.created_at)
        )

    @classmethod
    def for_email(cls, email: str) -> peewee.ModelSelect[Registration]:
        """Every sign-up of this mailbox, earliest session first."""
        return cls.with_details().where(Contact.email == normalise_address(email))

    @classmethod
    def for_user(cls, user: User) -> peewee.ModelSelect[Registration]:
        """The sign-ups of a logged-in contact: made from the account, or with its address."""
        return cls.with_details().where(
            (cls.user == user) | (Contact.email == normalise_address(user.email))
        )

    @classmethod
    def of_user(cls, user: User) -> list[Registration]:
        """``for_user`` as a list, its SQL built once (the account page asks on every visit)."""
        return _of_user.all(user=user.id, email=normalise_address(user.email))

    @classmethod
    def participants(cls, course: Course) -> peewee.ModelSelect[Registration]:
        """Every sign-up of ``course``: session by session, confirmed, then the waitlist in
        order, then cancelled ones."""
        order = peewee.Case(cls.status, (("confirmed", 0), ("waitlisted", 1)), 2)
        return (
            cls.select(cls, Contact, CourseSession)
            .join(Contact)
            .switch(cls)
            .join(CourseSession)
            .where(CourseSession.course == course)
            .order_by(CourseSession.starts_at, order, cls.position, cls.created_at, cls.id)
        )


# one active sign-up per person and session, kept by the database too
Registration.add_index(
    Registration.index(
        Registration.course_session,
        Registration.contact,
        unique=True,
        where=(Registration.status != "cancelled"),
        name="registration_one_active_per_contact",
    )
)


class RegistrationSeminar(BaseModel):
    """A seminar slot a participant chose."""

    registration = peewee.ForeignKeyField(Registration, backref="seminars", on_delete="CASCADE")
    registration_id: int
    slot = peewee.ForeignKeyField(SeminarSlot, backref="choices", on_delete="CASCADE")
    slot_id: int

    PERSONAL_DATA = {
        "slot": ("seminar choice", "planning the event's parallel sessions (P4)"),
    }

    class Meta:
        indexes = ((("registration", "slot"), True),)

    @classmethod
    def slot_ids_by_registration(cls, registrations: list[Registration]) -> dict[int, list[int]]:
        """The chosen slot ids of each registration, in one query."""
        ids = [r.id for r in registrations]
        chosen: dict[int, list[int]] = {}
        if ids:
            for registration_id, slot_id in rows(
                cls.select(cls.registration, cls.slot).where(cls.registration.in_(ids)).tuples()
            ):
                chosen.setdefault(registration_id, []).append(slot_id)
        return chosen


def waitlist_rank(registration: Registration) -> int | None:
    """1 for the first on the waitlist; None when not waiting."""
    if registration.status != "waitlisted":
        return None
    ahead = (
        Registration.select()
        .where(
            (Registration.course_session == registration.course_session_id)
            & (Registration.status == "waitlisted")
            & (
                (Registration.position < registration.position)
                | (
                    (Registration.position == registration.position)
                    & (Registration.id < registration.id)
                )
            )
        )
        .count()
    )
    return ahead + 1


_of_user: Prepared[Registration] = Prepared(
    lambda: Registration.with_details().where(
        (Registration.user == Slot("user")) | (Contact.email == Slot("email"))
    )
)

"""The staff view of a course's participants: per session, a dietary and seminar summary."""

from __future__ import annotations

import dataclasses
from collections import Counter

from flask_babel import lazy_gettext as _l

from ..i18n import swedish_time
from .models import DIETARY_CHOICES, Course, CourseSession, Registration, RegistrationSeminar

CSV_HEADER = [
    "session",
    "status",
    "waitlist_position",
    "first_name",
    "last_name",
    "email",
    "organisation",
    "work_phone",
    "dietary",
    "dietary_other",
    "seminars",
    "registered_at",
    "cancelled_at",
]
# the CSV's words for a status and a dietary code: the participants page's (participants.html)
CSV_STATUS_LABELS = {
    "confirmed": _l("Bekräftad"),
    "waitlisted": _l("Väntelista"),
    "cancelled": _l("Avbokad"),
}
CSV_DIETARY_LABELS = {
    "vegetarian": _l("Vegetarisk"),
    "vegan": _l("Vegansk"),
    "gluten": _l("Glutenfri"),
    "lactose": _l("Laktosfri"),
    "nuts": _l("Nötallergi"),
    "other": _l("Annat"),
}


@dataclasses.dataclass
class SessionReport:
    """One session's sign-ups and what the kitchen and the seminar rooms need to know."""

    session: CourseSession
    registrations: list[Registration]
    # slot id -> the chosen slots' registrations' ids
    chosen: dict[int, list[int]]

    def __post_init__(self) -> None:
        self.groups = self.session.seminar_groups()
        self.titles = {slot.id: slot.t("title") for _start, slots in self.groups for slot in slots}

    def with_status(self, status: str) -> list[Registration]:
        return [r for r in self.registrations if r.status == status]

    @property
    def confirmed(self) -> list[Registration]:
        return self.with_status("confirmed")

    @property
    def waitlisted(self) -> list[Registration]:
        return self.with_status("waitlisted")

    def dietary_counts(self) -> list[tuple[str, int]]:
        """Confirmed participants per dietary choice, in the form's order (the kitchen
        caters for those who come; the waitlist is counted when promoted)."""
        counts = Counter(code for r in self.confirmed for code in r.dietary_codes)
        return [(code, counts[code]) for code in DIETARY_CHOICES]

    def dietary_lines(self) -> list[Registration]:
        """Confirmed participants who described a requirement in their own words."""
        return [r for r in self.confirmed if r.dietary_other]

    def seminar_counts(self) -> list[tuple]:
        """(start, slot, confirmed, waitlisted) for every seminar slot of the session."""
        status = {r.id: r.status for r in self.registrations}
        rows = []
        for start, slots in self.groups:
            for slot in slots:
                chosen_by = [rid for rid, ids in self.chosen.items() if slot.id in ids]
                rows.append(
                    (
                        start,
                        slot,
                        sum(status.get(rid) == "confirmed" for rid in chosen_by),
                        sum(status.get(rid) == "waitlisted" for rid in chosen_by),
                    )
                )
        return rows

    def slot_titles(self, registration: Registration) -> list[str]:
        """The titles of the seminars a participant chose, in time order."""
        chosen = set(self.chosen.get(registration.id, []))
        return [title for slot_id, title in self.titles.items() if slot_id in chosen]


def course_report(course: Course) -> list[SessionReport]:
    """Every session of ``course`` with its sign-ups, in order."""
    registrations = list(Registration.participants(course))
    chosen = RegistrationSeminar.slot_ids_by_registration(registrations)
    reports = []
    for session in course.sessions_in_order():
        own = [r for r in registrations if r.course_session_id == session.id]
        reports.append(SessionReport(session, own, {r.id: chosen.get(r.id, []) for r in own}))
    return reports


def csv_rows(reports: list[SessionReport]):
    """The rows of the participants' CSV: statuses and diets in the participants page's words,
    sign-up and cancellation times in Swedish local time (cells are neutralised by ``to_csv``)."""
    for report in reports:
        session = report.session
        # a session's start is stored in Swedish local time already (course times)
        label = f"{session.starts_at:%Y-%m-%d %H:%M} {session.t('place')}"
        for r in report.registrations:
            contact = r.contact
            yield [
                label,
                str(CSV_STATUS_LABELS.get(r.status, r.status)),
                r.position if r.status == "waitlisted" else "",
                contact.first_name,
                contact.last_name,
                contact.email,
                contact.organisation_name,
                contact.work_phone,
                ", ".join(str(CSV_DIETARY_LABELS.get(code, code)) for code in r.dietary_codes),
                r.dietary_other,
                "; ".join(report.slot_titles(r)),
                swedish_time(r.created_at),
                swedish_time(r.cancelled_at),
            ]

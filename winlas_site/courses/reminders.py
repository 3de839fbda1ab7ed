"""The reminder with the programme, a few days before a session starts (the confirmation
promises it): once per confirmed sign-up, by a periodic task and ``winlas courses
send-reminders``."""

from __future__ import annotations

import datetime
import logging

from flask import current_app
from huey import crontab

from ..clock import local_now
from ..queue import periodic_task
from .models import Registration
from .signup import send_email

log = logging.getLogger("winlas.courses")


def send_reminders() -> int:
    """Queue the ``courses/upcoming`` email to every confirmed participant of a session that
    starts within ``WINLAS_COURSE_REMINDER_DAYS`` days and has not been reminded; return how
    many were queued. Waitlisted and cancelled sign-ups and started sessions get nothing;
    someone promoted or signed up inside the window gets it on the next run."""
    days = current_app.config["WINLAS_COURSE_REMINDER_DAYS"]
    until = local_now() + datetime.timedelta(days=days)
    sent = 0
    for registration in list(Registration.due_reminders(until)):
        # claimed first: two runs at once (the task and the command) send it once
        if not registration.claim_reminder():
            continue
        if send_email(registration, "upcoming", extra={"reminder_days": days}):
            sent += 1
        else:
            registration.unclaim_reminder()
    if sent:
        log.info("course reminders queued: %d", sent)
    return sent


@periodic_task(crontab(minute="7"))
def send_reminders_hourly() -> None:
    """Every hour: a session is reminded of within the hour its window opens."""
    send_reminders()

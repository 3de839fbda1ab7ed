"""``winlas courses …``: the course team's commands."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .reminders import send_reminders

group = AppGroup("courses", help="Courses: send the reminders with the programme.")


@group.command("send-reminders")
def send_reminders_command() -> None:
    """Queue the programme reminder for sessions starting within WINLAS_COURSE_REMINDER_DAYS
    (what the task consumer does every hour)."""
    click.echo(f"queued {send_reminders()} reminder(s)")

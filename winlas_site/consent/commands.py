"""``winlas consent stats`` and ``winlas consent purge``."""

from __future__ import annotations

import datetime
import json

import click
from flask import current_app
from flask.cli import AppGroup

from ..clock import now
from ..cookies import MONTH_DAYS
from .models import ConsentRecord

group = AppGroup("consent", help="The proofs of consent.")


@group.command("stats")
@click.option("--days", default=30, show_default=True, help="How many days back.")
def stats_command(days: int) -> None:
    """Print decisions per day and action (accept_all, reject_all, custom, …) as JSON."""
    today = now().date()
    counts = ConsentRecord.daily_counts(today - datetime.timedelta(days=days - 1), today)
    click.echo(json.dumps({day.isoformat(): actions for day, actions in counts.items()}))


@group.command("purge")
def purge_command() -> None:
    """Delete proofs of consent older than WINLAS_CONSENT_RECORD_MONTHS."""
    months = current_app.config["WINLAS_CONSENT_RECORD_MONTHS"]
    removed = ConsentRecord.purge(now() - datetime.timedelta(days=months * MONTH_DAYS))
    click.echo(f"removed {removed} consent record(s) older than {months} months")

"""``winlas newsletter purge``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .models import UNCONFIRMED_DAYS, Subscription

group = AppGroup("newsletter", help="Newsletter sign-ups.")


@group.command("purge")
@click.option("--days", default=UNCONFIRMED_DAYS, show_default=True, help="Age of a sign-up.")
def purge_command(days: int) -> None:
    """Delete newsletter sign-ups that were never confirmed within DAYS."""
    removed = Subscription.purge_unconfirmed(days)
    click.echo(f"removed {removed} unconfirmed sign-up(s) older than {days} days")

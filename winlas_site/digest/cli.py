"""``winlas analytics digest``: print the weekly digest, or queue it to its readers.

The command sits on analytics' group (``analytics.command_group``) beside the other analytics
commands, but it is the site's: its readers are the site's users and it sends through the
site's outbox.
"""

from __future__ import annotations

import datetime

import click
from flask.cli import with_appcontext

import analytics

from .. import clock
from ..i18n import DEFAULT_LANGUAGE, LANGUAGES
from . import mailing


@click.command("digest")
@click.option("--dry-run", is_flag=True, help="Print the email's subject and text; send nothing.")
@click.option(
    "--week",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The Monday of the week (UTC days); default: the last complete week.",
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=DEFAULT_LANGUAGE,
    show_default=True,
    help="The language of the printed email (with --dry-run).",
)
@with_appcontext
def digest_command(dry_run: bool, week: datetime.datetime | None, lang: str) -> None:
    """The weekly digest: print it (--dry-run) or queue it to every reader who has not had
    that week (each reader gets a week once, whatever reruns)."""
    today = clock.now().date()
    monday = week.date() if week is not None else analytics.last_complete_week(today).first
    try:
        analytics.checked_week(monday, today)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--week") from None
    if dry_run:
        subject, text = mailing.preview(analytics.weekly_figures(monday, today), lang)
        click.echo(f"Subject: {subject}\n\n{text}", nl=False)
        return
    sent = mailing.queue_week(monday, today)
    click.echo(f"queued the digest of the week of {monday.isoformat()} to {sent} reader(s)")


def register() -> None:
    """Hang the command on ``winlas analytics`` (once; a second app finds it there)."""
    analytics.command_group.add_command(digest_command)

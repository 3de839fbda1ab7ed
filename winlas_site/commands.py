"""The site's own commands of ``winlas``: database, demo content, users and retention.

Each feature with commands of its own hangs them here or on its blueprint; the console script
itself is ``cli.py``.
"""

from __future__ import annotations

import click
from flask import Blueprint, current_app

import analytics

from . import addresses, clock, db, retention
from .auth.models import User
from .consent import commands as consent_commands
from .courses import cli as courses_cli
from .demo import load
from .digest.models import DigestSubscription
from .leads import demo as leads_demo
from .newsletter import commands as newsletter_commands

bp = Blueprint("cli", __name__, cli_group=None)
for group in (
    retention.group,
    consent_commands.group,
    newsletter_commands.group,
    courses_cli.group,
):
    bp.cli.add_command(group)


@bp.cli.command("migrate")
def migrate_command() -> None:
    """Apply pending database migrations."""
    applied = db.migrate(current_app.extensions["database"])
    click.echo(
        f"applied {len(applied)} migration(s)" + (": " + ", ".join(applied) if applied else "")
    )


@bp.cli.command("demo-data")
@click.option("--force", is_flag=True, help="Load even when content already exists.")
def demo_data_command(force: bool) -> None:
    """Load the demo content and demo users (only into an empty database unless --force)."""
    database = current_app.extensions["database"]
    if not force and not db.is_empty(database, "product"):
        click.echo("content already present; nothing loaded")
        return
    with database.connection_context():
        summary = load.load_all(current_app.config["WINLAS_DEMO_PASSWORD"])
        summary["analytics events"] = _demo_traffic()
        summary["leads from the demo traffic"] = load.leads_for_conversions(DEMO_SEED)
        summary.update(_demo_marketing())
    click.echo("loaded " + ", ".join(f"{count} {name}" for name, count in summary.items()))


DEMO_SEED = 2026  # the demo shows the same traffic on every machine


DEMO_DAYS = 90  # the demo traffic's days back from today


def _demo_traffic(events: int = 20_000, days: int = DEMO_DAYS) -> int:
    """Synthetic visits with a real site's shape, rolled up, so the demo marketer's dashboard
    shows a believable picture."""
    return analytics.synthetic_traffic(events, days, DEMO_SEED)


def _demo_marketing() -> dict[str, int]:
    """What the demo marketer finds beside the figures: the campaign leads worked through the
    pipeline, funnels with their drop-off, notes on the charts, the share of page requests the
    statistics see, and the weekly digest switched on."""
    marketer = User.by_email(load.DEMO_MARKETER)
    made = leads_demo.attribute_demo_leads(DEMO_SEED)
    made["funnels"] = analytics.demo_funnels()
    made["notes on the charts"] = analytics.demo_annotations(
        clock.now().date(), created_by=marketer.id if marketer else None
    )
    made["page requests counted"] = analytics.synthetic_request_counts(DEMO_DAYS, seed=DEMO_SEED)
    if marketer is not None:
        DigestSubscription.choose(marketer, True, "sv")
    return made


@bp.cli.command("create-user")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice(["customer", "marketer", "staff", "admin"]),
    default="customer",
    show_default=True,
)
@click.option("--password", help="Prompted for (hidden) when not given.")
@click.option("--first-name", default="")
@click.option("--last-name", default="")
def create_user_command(
    email: str, role: str, password: str | None, first_name: str, last_name: str
) -> None:
    """Create a user with ROLE; the password is asked for when --password is not given.

    The address must pass the rule the login form applies (``addresses.canonical``):
    a user the CLI creates can always log in.
    """
    try:
        email = addresses.canonical(email)
    except addresses.InvalidAddress as exc:
        raise click.BadParameter(
            f"{email!r} is not an address the site accepts: {exc}", param_hint="EMAIL"
        ) from None
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    limit = current_app.config["WINLAS_PASSWORD_MAX_LENGTH"]
    if not 8 <= len(password) <= limit:
        raise click.BadParameter(f"must be 8 to {limit} characters", param_hint="password")
    with current_app.extensions["database"].connection_context():
        if User.by_email(email) is not None:
            raise click.ClickException(f"a user with the address {email} already exists")
        user = User.create_account(
            email, password, role=role, first_name=first_name, last_name=last_name
        )
    click.echo(f"created user {user.id} <{user.email}> with role {role}")

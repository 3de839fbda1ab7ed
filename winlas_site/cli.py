"""The ``winlas`` command: database, demo content and users."""

from __future__ import annotations

import click
from flask import Blueprint, current_app
from flask.cli import FlaskGroup

from . import db

bp = Blueprint("cli", __name__, cli_group=None)


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
    from .demo import load

    database = current_app.extensions["database"]
    if not force and not db.is_empty(database, "product"):
        click.echo("content already present; nothing loaded")
        return
    with database.connection_context():
        summary = load.load_all(current_app.config["WINLAS_DEMO_PASSWORD"])
        summary["analytics events"] = _demo_traffic()
        summary["leads from the demo traffic"] = load.leads_for_conversions(DEMO_SEED)
    click.echo("loaded " + ", ".join(f"{count} {name}" for name, count in summary.items()))


DEMO_SEED = 2026  # the demo shows the same traffic on every machine


def _demo_traffic(events: int = 20_000, days: int = 90) -> int:
    """Synthetic visits with a real site's shape (analytics/synthetic.py), rolled up, so the
    demo marketer's dashboard shows a believable picture."""
    from analytics import rollups, synthetic

    stored = synthetic.write(events, days, DEMO_SEED)
    rollups.run()
    return stored


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

    The address must pass the rule the login form applies (``auth.addresses.canonical``):
    a user the CLI creates can always log in.
    """
    from .auth import addresses
    from .auth.models import User

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


def main() -> None:
    """Entry point of the ``winlas`` console script."""
    from . import create_app

    FlaskGroup(create_app=lambda: create_app(), add_default_commands=True)()

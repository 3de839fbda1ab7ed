"""``winlas mail …``: the outbox for operators."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from . import service
from .models import FAILED, STATUSES, OutboxMessage

group = AppGroup("mail", help="The email outbox: status, retry, retry-due, purge, test.")


@group.command("status")
def status_command() -> None:
    """Messages per status, then every failed message with its error."""
    counts = OutboxMessage.counts_by_status()
    for status in STATUSES:
        click.echo(f"{status:9} {counts[status]}")
    failed = list(OutboxMessage.failed())
    if failed:
        click.echo("\nfailed (retry with `winlas mail retry ID`):")
    for message in failed:
        click.echo(
            f"{message.id:>6}  {message.created_at:%Y-%m-%d %H:%M}  {message.to_address}  "
            f"{message.related or '-'}  attempts {message.attempts}  {message.last_error}"
        )


@group.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all-failed", is_flag=True, help="Retry every failed message.")
def retry_command(ids: tuple[int, ...], all_failed: bool) -> None:
    """Send failed or waiting messages IDS again now, with a fresh set of attempts."""
    if not ids and not all_failed:
        raise click.UsageError("name message ids or use --all-failed")
    messages = list(OutboxMessage.failed()) if all_failed else []
    for message_id in ids:
        message = OutboxMessage.get_or_none(OutboxMessage.id == message_id)
        if message is None:
            raise click.ClickException(f"no message {message_id}")
        messages.append(message)
    for message in messages:
        try:
            status = service.retry(message)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"{message.id}: {status}")


@group.command("retry-due")
def retry_due_command() -> None:
    """Enqueue what is due now (what the consumer does every minute)."""
    click.echo(f"enqueued {service.retry_due()} message(s)")


@group.command("purge")
@click.option("--days", type=int, help="Default: WINLAS_MAIL_RETENTION_DAYS.")
def purge_command(days: int | None) -> None:
    """Delete sent and failed messages older than the retention period."""
    days = service.settings()["WINLAS_MAIL_RETENTION_DAYS"] if days is None else days
    click.echo(f"removed {service.purge(days)} message(s) older than {days} days")


@group.command("test")
@click.argument("address")
@click.option("--language", type=click.Choice(["sv", "en"]), default="sv", show_default=True)
def test_command(address: str, language: str) -> None:
    """Queue a short test message to ADDRESS (checks the SMTP settings end to end)."""
    try:
        message = service.queue_email(
            address,
            "test_message",
            {"name": "WinLas", "message": "winlas mail test"},
            kind="administrative",
            language=language,
            related="test",
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="address") from None
    message = OutboxMessage.get_by_id(message.id)
    click.echo(f"message {message.id}: {message.status} {message.last_error}".rstrip())
    if message.status == FAILED:
        raise SystemExit(1)

"""`socialpulse alerts redeliver`: re-queue failed webhook deliveries after the cause is fixed."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import typer

from socialpulse.alerts import Outbox, outbox_files
from socialpulse.cli.checks import load_settings
from socialpulse.settings import get_settings


def _parse_since(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not an ISO date or time; use e.g. 2026-06-01 or 2026-06-01T12:00:00Z",
            param_hint="--since",
        ) from None
    # A time without a zone is read as UTC, like every timestamp the project writes.
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def redeliver(
    url: str | None = typer.Option(
        None, "--url", help="Only deliveries to this receiver URL (exactly as configured)."
    ),
    since: str | None = typer.Option(
        None, "--since", help="Only alerts queued at or after this time (ISO; UTC if no zone)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="List what would be re-queued."),
) -> None:
    """Re-queue failed webhook deliveries (refused, e.g. 401, or out of attempts).

    Fix the cause first (the receiver, or SOCIALPULSE_WEBHOOK_SECRET and a stream restart): the
    running stream sends re-queued alerts within a second, otherwise the next `socialpulse
    stream` does, each with a fresh SOCIALPULSE_WEBHOOK_MAX_ATTEMPTS.
    """
    since_ts = _parse_since(since)
    directory = load_settings(get_settings).outbox_dir
    files = outbox_files(directory)
    if not files:
        typer.echo(
            f"error: no webhook outbox in {directory}: the stream never queued a webhook here; "
            "check SOCIALPULSE_STATE_DIR",
            err=True,
        )
        raise typer.Exit(1)
    total = 0
    for path in files:
        try:
            outbox = Outbox(path, [])
            try:
                picked = (
                    outbox.failures(url, since_ts)
                    if dry_run
                    else outbox.requeue_failed(url, since_ts)
                )
            finally:
                outbox.close()
        except sqlite3.DatabaseError as error:
            typer.echo(
                f"error: cannot read the webhook outbox {path} ({error}); the stream writes "
                f"outbox-N.sqlite3 files there: move this one out of {directory}",
                err=True,
            )
            raise typer.Exit(1) from None
        for delivery in picked:
            queued = datetime.fromtimestamp(delivery.created_at, UTC).isoformat(timespec="seconds")
            typer.echo(
                f"{delivery.alert_id}  {delivery.url}  queued {queued}  "
                f"last error: {delivery.last_error}"
            )
        total += len(picked)
    verb = "would re-queue" if dry_run else "re-queued"
    typer.echo(f"{verb} {total} failed webhook deliver{'y' if total == 1 else 'ies'}")


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Webhook deliveries of alerts.", no_args_is_help=True)
    group.command("redeliver")(redeliver)
    app.add_typer(group, name="alerts")

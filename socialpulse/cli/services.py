"""`socialpulse services up|down|status`."""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.table import Table

from socialpulse.cli.checks import load_settings
from socialpulse.services import local
from socialpulse.settings import get_settings

# Rich wraps at 80 columns when not on a terminal; logs and CI are wider than that.
console = Console(width=None if sys.stdout.isatty() else 140)


def _print_outcome(title: str, outcome: dict[str, str]) -> None:
    table = Table(title=title)
    table.add_column("what")
    table.add_column("result")
    for name, result in outcome.items():
        table.add_row(name, result)
    console.print(table)


def up() -> None:
    """Start the local broker and S3 server, check Postgres, create topics, bucket and database."""
    try:
        outcome = local.up(load_settings(get_settings))
    except local.ServiceError as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from error
    _print_outcome("socialpulse services up", outcome)
    status()


def down() -> None:
    """Stop the services that `up` started (by pid); leaves anything else running."""
    _print_outcome("socialpulse services down", local.down(load_settings(get_settings)))


def status() -> None:
    """Show each local service with its endpoint, health and who manages it."""
    statuses = local.status(load_settings(get_settings))
    table = Table(title="socialpulse services")
    for column in ("service", "endpoint", "health", "managed by", "detail"):
        table.add_column(column)
    for entry in statuses:
        health = "[green]healthy[/green]" if entry.healthy else "[red]down[/red]"
        table.add_row(entry.name, entry.endpoint, health, entry.managed_by, entry.detail)
    console.print(table)


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Local Kafka-protocol broker, S3 server and Postgres.", no_args_is_help=True
    )
    group.command("up")(up)
    group.command("down")(down)
    group.command("status")(status)
    app.add_typer(group, name="services")

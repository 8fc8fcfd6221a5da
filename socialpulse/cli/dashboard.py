"""`socialpulse dashboard`: the web dashboard over the warehouse, on 127.0.0.1 by default."""

from __future__ import annotations

import ipaddress

import typer
from rich.console import Console

from socialpulse.redaction import redact
from socialpulse.settings import get_settings

console = Console()


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def dashboard(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0 exposes it)."),
    port: int = typer.Option(8050, help="Port to listen on."),
    poll_seconds: float = typer.Option(3.0, help="How often the page polls for new alerts."),
) -> None:
    """Live alerts, key activity and sentiment, trends, word clouds and the watch-list editor."""
    import uvicorn

    from socialpulse.dashboard import create_app

    settings = get_settings()
    app = create_app(settings, poll_seconds=poll_seconds)
    console.print(
        f"dashboard on http://{host}:{port} reading {redact(settings.resolved_warehouse_url)} "
        "(Ctrl-C stops it)"
    )
    if settings.dashboard_token:
        console.print(f"sign in at http://{host}:{port}/login with SOCIALPULSE_DASHBOARD_TOKEN")
    else:
        console.print(
            "read-only: set SOCIALPULSE_DASHBOARD_TOKEN to require sign-in and edit the watch-list"
        )
        if not _loopback(host):
            console.print(
                f"[yellow]warning:[/yellow] without a token anyone who reaches {host}:{port} "
                "reads the dashboard"
            )
    uvicorn.run(app, host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    app.command("dashboard")(dashboard)

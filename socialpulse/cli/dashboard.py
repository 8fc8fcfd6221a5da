"""`socialpulse dashboard`: the web dashboard over the warehouse, on 127.0.0.1 by default."""

from __future__ import annotations

import typer
from rich.console import Console

from socialpulse.settings import get_settings

console = Console()


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
        f"dashboard on http://{host}:{port} reading {settings.resolved_warehouse_url} "
        "(Ctrl-C stops it)"
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    app.command("dashboard")(dashboard)

"""`socialpulse dashboard`: the web dashboard over the warehouse, on 127.0.0.1 by default."""

from __future__ import annotations

import errno
import ipaddress
import math
import socket
from urllib.parse import urlparse

import typer
from rich.console import Console

from socialpulse.cli.checks import load_settings
from socialpulse.redaction import redact
from socialpulse.settings import get_settings

console = Console()


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def check_listen(host: str, port: int) -> None:
    """A usage error, before the server starts, if `host` does not resolve or `host:port`
    cannot be bound (port in use, an address of another machine, a privileged port)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as error:
        raise typer.BadParameter(
            f"cannot resolve {host!r} ({error.strerror}); give an address of this machine such "
            "as 127.0.0.1 or 0.0.0.0 (every interface)",
            param_hint="--host",
        ) from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise typer.BadParameter(
                    f"port {port} on {host} is in use; choose another --port or stop what "
                    "listens there",
                    param_hint="--port",
                ) from None
            if error.errno == errno.EACCES:
                raise typer.BadParameter(
                    f"not allowed to listen on port {port} ({error.strerror}); ports below 1024 "
                    "need privileges, choose --port 1024 or above",
                    param_hint="--port",
                ) from None
            raise typer.BadParameter(
                f"cannot listen on {host}:{port} ({error.strerror}); give an address of this "
                "machine such as 127.0.0.1 or 0.0.0.0 (every interface)",
                param_hint="--host",
            ) from None


def dashboard(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0 exposes it)."),
    port: int = typer.Option(8050, min=1, max=65535, help="Port to listen on."),
    poll_seconds: float = typer.Option(3.0, help="How often the page polls for new alerts."),
) -> None:
    """Live alerts, key activity and sentiment, trends, word clouds and the watch-list editor."""
    import uvicorn

    from socialpulse.dashboard import create_app

    if not 0 < poll_seconds < math.inf:
        raise typer.BadParameter(
            f"expected a finite number of seconds above 0, e.g. 3; got {poll_seconds}",
            param_hint="--poll-seconds",
        )
    settings = load_settings(get_settings)
    url = settings.resolved_warehouse_url
    if urlparse(url).scheme not in ("duckdb", "postgresql", "postgres"):
        raise typer.BadParameter(
            f"unsupported warehouse URL {redact(url)!r}; use duckdb:///path/to/file.duckdb or "
            "postgresql://user@host:port/database",
            param_hint="$SOCIALPULSE_WAREHOUSE_URL",
        )
    check_listen(host, port)
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

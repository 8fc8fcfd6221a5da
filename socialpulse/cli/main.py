"""Entry point of the `socialpulse` console script."""

from __future__ import annotations

import importlib

import typer

from socialpulse import __version__

app = typer.Typer(
    name="socialpulse",
    help="Real-time social media monitoring: generate, stream, detect, load and report.",
    no_args_is_help=True,
    add_completion=False,
    # Plain tracebacks for the unexpected: rich's printer took minutes over Dagster's frames.
    pretty_exceptions_enable=False,
)

# Each module defines `register(app)`; adding a command is one line here and one file beside it.
COMMAND_MODULES = (
    "socialpulse.cli.services",
    "socialpulse.cli.demo",
    "socialpulse.cli.stream",
    "socialpulse.cli.generate",
    "socialpulse.cli.detect",
    "socialpulse.cli.sentiment",
    "socialpulse.cli.models",
    "socialpulse.cli.toxicity",
    "socialpulse.cli.topics",
    "socialpulse.cli.batch",
    "socialpulse.cli.dashboard",
    "socialpulse.cli.alerts",
)

for _module in COMMAND_MODULES:
    importlib.import_module(_module).register(app)


def _print_version(shown: bool) -> None:
    if shown:
        typer.echo(f"socialpulse {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """Options before the command; --version acts through its callback."""


if __name__ == "__main__":
    app()

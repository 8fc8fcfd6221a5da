"""Checks of command-line values that several commands share, failing as one clear usage error."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path

import typer

from socialpulse.redaction import redact
from socialpulse.settings import Settings, get_settings


def writable_output(path: Path, option: str) -> Path:
    """`path` as an output file: its folder exists and is writable. Checked before any work."""
    if path.is_dir():
        raise typer.BadParameter(
            f"{path} is a folder; give a file name inside it", param_hint=option
        )
    folder = path.parent
    if not folder.is_dir():
        raise typer.BadParameter(
            f"folder {folder} does not exist; create it first (mkdir -p {folder})",
            param_hint=option,
        )
    if not os.access(folder, os.W_OK):
        raise typer.BadParameter(f"cannot write in folder {folder}", param_hint=option)
    return path


def parse_day(text: str) -> str:
    """A `YYYY-MM-DD` calendar day, returned as given."""
    try:
        date.fromisoformat(text)
    except ValueError:
        valid = False
    else:
        valid = len(text) == 10
    if not valid:
        raise typer.BadParameter(f"{text!r} is not a day; use YYYY-MM-DD, e.g. 2026-01-05")
    return text


def parse_days(days: list[str] | None) -> list[str] | None:
    """Typer callback of a repeatable `--day`."""
    return [parse_day(day) for day in days] if days else days


def share(value: float, option: str) -> float:
    """A fraction in [0, 1)."""
    if not 0 <= value < 1:
        raise typer.BadParameter(
            f"expected a share from 0 up to (not including) 1, e.g. 0.02; got {value}",
            param_hint=option,
        )
    return value


def positive(value: float, option: str) -> float:
    if not value > 0:
        raise typer.BadParameter(f"expected a number above 0; got {value}", param_hint=option)
    return value


def load_settings(load: Callable[[], Settings] = get_settings) -> Settings:
    """The `SOCIALPULSE_*` settings; a malformed one (or a state directory that is a file) is
    one usage error naming the variable and its value, before the command does anything.

    Commands pass their own imported `get_settings`, which tests replace there.
    """
    from pydantic import ValidationError

    try:
        settings = load()
    except ValidationError as error:
        problems: dict[str, str] = {}
        for problem in error.errors():
            name = "$SOCIALPULSE_" + "_".join(str(part) for part in problem["loc"]).upper()
            given = redact(repr(problem["input"]))
            message = problem["msg"].removeprefix("Value error, ")
            problems[name] = message if given in message else f"{message}, got {given}"
        if len(problems) == 1:
            ((name, message),) = problems.items()
            raise typer.BadParameter(
                f"{message}; fix it in the environment or in .env", param_hint=name
            ) from None
        listed = "; ".join(f"{name}: {message}" for name, message in problems.items())
        raise typer.BadParameter(f"{listed}; fix them in the environment or in .env") from None
    if settings.state_dir.exists() and not settings.state_dir.is_dir():
        raise typer.BadParameter(
            f"{settings.state_dir} is a file, not a folder; point it at a folder "
            "(created when missing)",
            param_hint="$SOCIALPULSE_STATE_DIR",
        )
    return settings

"""Checks of command-line values that several commands share, failing as one clear usage error."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import typer


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

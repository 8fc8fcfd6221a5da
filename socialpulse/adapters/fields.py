"""Typed field readers shared by the adapters; each raises `Rejection` with a precise reason."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


class Rejection(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def required_id(value: Any, field: str) -> str:
    if value is None or value == "":
        raise Rejection("missing_id", f"{field} is missing or empty")
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Rejection(
            f"bad_type:{field}", f"{field} must be a string or integer, got {_kind(value)}"
        )
    return str(value)


def optional_str(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise Rejection(f"bad_type:{field}", f"{field} must be a string, got {_kind(value)}")
    return value


def count(value: Any, field: str) -> int:
    """Engagement counts: absent means 0; numeric strings (as in the dumps) are accepted."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise Rejection(f"bad_type:{field}", f"{field} must be a number, got a boolean")
    if isinstance(value, int):
        number = value
    elif (isinstance(value, float) and value.is_integer()) or (
        isinstance(value, str) and value.strip().isdigit()
    ):
        number = int(value)
    else:
        raise Rejection(f"bad_type:{field}", f"{field} must be a whole number, got {value!r:.40}")
    if number < 0:
        raise Rejection(f"bad_value:{field}", f"{field} must not be negative, got {number}")
    return number


# Event times outside this range are data errors (seconds mistaken for milliseconds, zeros).
_EARLIEST = datetime(2006, 1, 1, tzinfo=UTC)
_LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def event_time(value: Any, field: str) -> datetime:
    """Epoch seconds (number or numeric string), epoch milliseconds, or ISO 8601."""
    if value is None or value == "":
        raise Rejection("missing_time", f"{field} is missing or empty")
    if isinstance(value, bool):
        raise Rejection(f"bad_type:{field}", f"{field} must be a time, got a boolean")
    try:
        if isinstance(value, int | float) or (isinstance(value, str) and _is_number(value)):
            seconds = float(value)
            if seconds > 1e11:  # milliseconds
                seconds /= 1000
            parsed = datetime.fromtimestamp(seconds, tz=UTC)
        elif isinstance(value, str):
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
        else:
            raise Rejection(f"bad_type:{field}", f"{field} must be a time, got {_kind(value)}")
    except (ValueError, OverflowError, OSError) as error:
        raise Rejection(
            f"bad_value:{field}", f"{field} is not a valid time: {value!r:.40}"
        ) from error
    if not _EARLIEST <= parsed < _LATEST:
        raise Rejection(f"bad_value:{field}", f"{field} is out of range: {parsed.isoformat()}")
    return parsed


def string_list(value: Any, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Rejection(f"bad_type:{field}", f"{field} must be a list of strings")
    return tuple(v.lstrip("#") for v in value if v.strip("#"))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _kind(value: Any) -> str:
    return type(value).__name__

"""Typed field readers shared by the adapters; each raises `Rejection` with a precise reason."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from socialpulse.schema import MAX_COUNT

# Ids, names, hashtags, sounds, languages: longer values are junk, not data worth a lake column.
MAX_NAME_CHARS = 1000


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
    return bounded_name(str(value), field)


def optional_str(value: Any, field: str) -> str | None:
    if value is None:
        return None
    return bounded_name(text_field(value, field), field)


def optional_text(value: Any, field: str) -> str:
    """Post text: absent means empty; any length (`parse_message` applies the text limit)."""
    return "" if value is None else text_field(value, field)


def text_field(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise Rejection(f"bad_type:{field}", f"{field} must be a string, got {_kind(value)}")
    return value


def bounded_name(value: str, field: str) -> str:
    if len(value) > MAX_NAME_CHARS:
        raise Rejection(
            f"bad_value:{field}", f"{field} is {len(value)} characters, more than {MAX_NAME_CHARS}"
        )
    return value


def count(value: Any, field: str) -> int:
    """Engagement counts: absent means 0; numeric strings (as in the dumps) are accepted.

    A count must lie in [0, MAX_COUNT]; anything else (2^63 as `9.3e18`, `1e308` or a string of
    digits, a negative count, NaN, infinity) is `bad_value:<field>`, never a crash downstream.
    """
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise Rejection(f"bad_type:{field}", f"{field} must be a number, got a boolean")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise Rejection(f"bad_value:{field}", f"{field} must be finite, got {value}")
        if not value.is_integer():
            raise Rejection(f"bad_type:{field}", f"{field} must be a whole number, got {value}")
        number = int(value)
    elif isinstance(value, str) and _is_integer_text(value.strip()):
        # Digits beyond MAX_COUNT's are out of range anyway; never convert a huge digit string.
        digits = value.strip()
        number = int(digits) if len(digits) <= 20 else (-1 if digits[0] == "-" else MAX_COUNT + 1)
    else:
        raise Rejection(f"bad_type:{field}", f"{field} must be a whole number, got {value!r:.40}")
    if number < 0:
        raise Rejection(f"bad_value:{field}", f"{field} must not be negative, got {value!r:.40}")
    if number > MAX_COUNT:
        raise Rejection(
            f"bad_value:{field}", f"{field} is {value!r:.40}, above the largest count {MAX_COUNT}"
        )
    return number


def _is_integer_text(text: str) -> bool:
    digits = text[1:] if text[:1] in ("-", "+") else text
    return digits.isascii() and digits.isdigit()


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
    return tuple(bounded_name(v.lstrip("#"), field) for v in value if v.strip("#"))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _kind(value: Any) -> str:
    return type(value).__name__

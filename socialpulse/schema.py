"""The canonical post: the one shape every adapter produces and every stage after parsing reads."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

PLATFORMS = ("tiktok", "twitter")
# Engagement counts stay below 2^53: every consumer (float64 means in polars, JavaScript in the
# dashboard, JSON) holds them exactly, and sums of many (engagement) stay within int64.
MAX_COUNT = 2**53 - 1


@dataclass(frozen=True, slots=True)
class CanonicalPost:
    id: str
    platform: str
    created_at: datetime  # event time, timezone-aware UTC
    author_id: str
    author_name: str | None
    text: str
    hashtags: tuple[str, ...] = ()
    music_id: str | None = None
    music_title: str | None = None
    music_author: str | None = None
    plays: int = 0
    likes: int = 0
    shares: int = 0
    comments: int = 0
    language: str | None = None
    raw: str = field(default="", repr=False)  # the original payload, as received

    @property
    def engagement(self) -> int:
        return self.likes + self.shares + self.comments

    def to_record(self) -> dict[str, Any]:
        record = {name: getattr(self, name) for name in _POST_FIELDS}
        record["hashtags"] = list(self.hashtags)
        return record

    def to_canonical_json(self) -> dict[str, Any]:
        """The canonical wire shape: what `generate --shape canonical` emits and adapters read."""
        record = self.to_record()
        record.pop("raw")
        record["created_at"] = self.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
        return record


_POST_FIELDS = tuple(f.name for f in fields(CanonicalPost))

POST_ARROW_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("platform", pa.string()),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("author_id", pa.string()),
        ("author_name", pa.string()),
        ("text", pa.string()),
        ("hashtags", pa.list_(pa.string())),
        ("music_id", pa.string()),
        ("music_title", pa.string()),
        ("music_author", pa.string()),
        ("plays", pa.int64()),
        ("likes", pa.int64()),
        ("shares", pa.int64()),
        ("comments", pa.int64()),
        ("language", pa.string()),
        ("raw", pa.string()),
    ]
)


Problem = tuple[str, str] | None  # (column, why) or None
Check = Callable[[Any], str | None]


def column_checker(schema: pa.Schema) -> Callable[[Mapping[str, Any]], Problem]:
    """A check of records against `schema`: the first column a record's value cannot be written
    to, and why; None if every value fits.

    The one check between a record and a Parquet writer: what passes is written and read back
    equal (a property test holds it to that), so a value Arrow would refuse never reaches a sink.
    Stricter than Arrow where Arrow would coerce silently (1.0 or True as an integer, a naive
    datetime read as UTC). Built once per schema: asking pyarrow about types per value is slow.
    """
    checks = tuple((column.name, column.nullable, _check_for(column.type)) for column in schema)

    def column_problem(record: Mapping[str, Any]) -> Problem:
        for name, nullable, check in checks:
            value = record.get(name)
            if value is None:
                if not nullable:
                    return name, "is missing"
                continue
            problem = check(value)
            if problem is not None:
                return name, problem
        return None

    return column_problem


def _check_for(kind: pa.DataType) -> Check:
    if pa.types.is_string(kind):
        return _string_problem
    if pa.types.is_signed_integer(kind):
        low, high = -(2 ** (kind.bit_width - 1)), 2 ** (kind.bit_width - 1) - 1

        def integer_problem(value: Any) -> str | None:
            if type(value) is not int:
                return f"must be an integer, got {type(value).__name__}"
            return None if low <= value <= high else f"{value} is outside {kind} [{low}, {high}]"

        return integer_problem
    if pa.types.is_floating(kind):
        return _number_problem
    if pa.types.is_timestamp(kind):
        return _timestamp_problem
    if pa.types.is_list(kind):
        item_problem = _check_for(kind.value_type)

        def list_problem(value: Any) -> str | None:
            if not isinstance(value, list | tuple):
                return f"must be a list, got {type(value).__name__}"
            for item in value:
                problem = "is null" if item is None else item_problem(item)
                if problem is not None:
                    return f"item {item!r:.40} {problem}"
            return None

        return list_problem
    raise TypeError(f"column_problem cannot check Arrow type {kind}: add a check for it")


def _string_problem(value: Any) -> str | None:
    if type(value) is not str:
        return f"must be a string, got {type(value).__name__}"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            return f"is not valid UTF-8 ({error.reason} at {error.start})"
    return None


def _number_problem(value: Any) -> str | None:
    if type(value) not in (float, int):
        return f"must be a number, got {type(value).__name__}"
    return None


def _timestamp_problem(value: Any) -> str | None:
    # Every aware datetime fits a microsecond int64 (years 1..9999); a naive one is ambiguous.
    if not isinstance(value, datetime) or value.tzinfo is None:
        return f"must be a timezone-aware datetime, got {value!r:.40}"
    return None


post_problem = column_checker(POST_ARROW_SCHEMA)

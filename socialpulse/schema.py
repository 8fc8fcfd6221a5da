"""The canonical post: the one shape every adapter produces and every stage after parsing reads."""

from __future__ import annotations

from collections.abc import Mapping
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


def column_problem(record: Mapping[str, Any], schema: pa.Schema) -> tuple[str, str] | None:
    """The first field of `record` its Arrow column cannot hold, and why; None if all fit.

    The one check between a record and a Parquet writer: what passes is written and read back
    equal (a property test holds it to that), so a value Arrow would refuse never reaches a sink.
    """
    for column in schema:
        value = record.get(column.name)
        if value is None:
            if not column.nullable:
                return column.name, "is missing"
            continue
        problem = _value_problem(value, column.type)
        if problem is not None:
            return column.name, problem
    return None


def _value_problem(value: Any, kind: pa.DataType) -> str | None:
    if pa.types.is_string(kind):
        return _string_problem(value)
    if pa.types.is_signed_integer(kind):
        if type(value) is not int:
            return f"must be an integer, got {type(value).__name__}"
        low, high = _INTEGER_RANGES[kind.bit_width]
        return None if low <= value <= high else f"{value} is outside {kind} [{low}, {high}]"
    if pa.types.is_floating(kind):
        if type(value) not in (float, int):
            return f"must be a number, got {type(value).__name__}"
        return None
    if pa.types.is_timestamp(kind):
        # Every aware datetime fits a microsecond int64 (years 1..9999); naive ones are ambiguous.
        if not isinstance(value, datetime) or value.tzinfo is None:
            return f"must be a timezone-aware datetime, got {value!r:.40}"
        return None
    if pa.types.is_list(kind):
        if not isinstance(value, list | tuple):
            return f"must be a list, got {type(value).__name__}"
        for item in value:
            problem = "is null" if item is None else _value_problem(item, kind.value_type)
            if problem is not None:
                return f"item {item!r:.40} {problem}"
        return None
    return f"has a column type {kind} the check does not know"


def _string_problem(value: Any) -> str | None:
    if type(value) is not str:
        return f"must be a string, got {type(value).__name__}"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            return f"is not valid UTF-8 ({error.reason} at {error.start})"
    return None


_INTEGER_RANGES = {bits: (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) for bits in (8, 16, 32, 64)}

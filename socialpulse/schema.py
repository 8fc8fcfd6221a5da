"""The canonical post: the one shape every adapter produces and every stage after parsing reads."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

PLATFORMS = ("tiktok", "twitter")


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
        record = asdict(self)
        record["hashtags"] = list(self.hashtags)
        return record

    def to_canonical_json(self) -> dict[str, Any]:
        """The canonical wire shape: what `generate --shape canonical` emits and adapters read."""
        record = self.to_record()
        record.pop("raw")
        record["created_at"] = self.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
        return record


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

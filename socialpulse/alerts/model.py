"""The alert: what a brand team receives, with a deterministic id receivers deduplicate on."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import orjson
import pyarrow as pa


def alert_id_for(key_kind: str, key: str, window_start: datetime) -> str:
    """Same key and window, same id: a replay after a crash cannot mint a second alert."""
    digest = hashlib.sha256(f"{key_kind}:{key}:{window_start.isoformat()}".encode())
    return digest.hexdigest()[:24]


@dataclass(frozen=True, slots=True)
class Alert:
    alert_id: str
    key_kind: str  # keyword | hashtag | music
    key: str
    window_start: datetime
    window_end: datetime
    metric: str
    observed: float
    expected: float
    expected_low: float
    expected_high: float
    score: float
    direction: str  # spike | drop | sentiment_drop
    sentiment_mean: float | None
    sentiment_baseline: float | None
    sentiment_shift: float | None
    sample_post_ids: tuple[str, ...]
    detected_at: datetime

    def to_record(self) -> dict[str, Any]:
        record = asdict(self)
        record["sample_post_ids"] = list(self.sample_post_ids)
        return record

    def to_json(self) -> bytes:
        return orjson.dumps(self.to_record(), option=orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z)

    @classmethod
    def from_json(cls, payload: bytes) -> Alert:
        record = orjson.loads(payload)
        for field in ("window_start", "window_end", "detected_at"):
            record[field] = datetime.fromisoformat(record[field].replace("Z", "+00:00"))
        record["sample_post_ids"] = tuple(record["sample_post_ids"])
        return cls(**record)


ALERT_ARROW_SCHEMA = pa.schema(
    [
        ("alert_id", pa.string()),
        ("key_kind", pa.string()),
        ("key", pa.string()),
        ("window_start", pa.timestamp("us", tz="UTC")),
        ("window_end", pa.timestamp("us", tz="UTC")),
        ("metric", pa.string()),
        ("observed", pa.float64()),
        ("expected", pa.float64()),
        ("expected_low", pa.float64()),
        ("expected_high", pa.float64()),
        ("score", pa.float64()),
        ("direction", pa.string()),
        ("sentiment_mean", pa.float64()),
        ("sentiment_baseline", pa.float64()),
        ("sentiment_shift", pa.float64()),
        ("sample_post_ids", pa.list_(pa.string())),
        ("detected_at", pa.timestamp("us", tz="UTC")),
    ]
)

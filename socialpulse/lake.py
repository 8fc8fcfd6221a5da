"""The lake: one filesystem layer over a local directory or `s3://bucket/prefix`.

Zones are `landing/` (what the stream received, enriched), `cleansed/`, `analytics/` and
`alerts/`, partitioned as `dt=YYYY-MM-DD/hour=HH/`. Object names are deterministic: derived from
the Kafka topic, partition and the first offset of the batch. After a crash the stream resumes
each partition at the offset of its last snapshot, which is where the interrupted batch began, so
the replayed batch rewrites the same objects instead of adding duplicates (even when it ends at a
different offset than the lost one).
"""

from __future__ import annotations

import posixpath
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import fsspec
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from socialpulse.schema import POST_ARROW_SCHEMA, column_checker
from socialpulse.settings import Settings

# What the stream lands: the canonical post, where it came from, and the enrichment.
LANDING_ARROW_SCHEMA = pa.schema(
    [
        *POST_ARROW_SCHEMA,
        ("kafka_topic", pa.string()),
        ("kafka_partition", pa.int32()),
        ("kafka_offset", pa.int64()),
        ("clean_text", pa.string()),
        ("tokens", pa.list_(pa.string())),
        ("keywords", pa.list_(pa.string())),
        ("sentiment_label", pa.string()),
        ("sentiment_score", pa.float64()),
        ("ingested_at", pa.timestamp("us", tz="UTC")),
    ]
)
# The landing column a record cannot be written to, and why; None when it can be landed.
landing_problem = column_checker(LANDING_ARROW_SCHEMA)


@dataclass(frozen=True)
class Lake:
    """A lake root and the filesystem that reaches it."""

    fs: fsspec.AbstractFileSystem
    root: str  # without protocol for s3 (bucket/prefix), absolute path for local

    @classmethod
    def from_url(cls, url: str, storage_options: Mapping[str, Any] | None = None) -> Lake:
        fs, root = fsspec.url_to_fs(url, **(storage_options or {}))
        return cls(fs=fs, root=root.rstrip("/"))

    @classmethod
    def from_settings(cls, settings: Settings) -> Lake:
        return cls.from_url(settings.resolved_lake_url, settings.storage_options())

    def path(self, *parts: str) -> str:
        return posixpath.join(self.root, *parts)

    def write_table(self, path: str, table: pa.Table) -> None:
        """Write atomically: readers never see half a file (a local rename; an S3 PUT is atomic)."""
        self.fs.makedirs(posixpath.dirname(path), exist_ok=True)
        if _is_local(self.fs):
            temporary = f"{path}.{uuid.uuid4().hex}.tmp"
            pq.write_table(table, temporary, filesystem=self.fs, compression="zstd")
            self.fs.mv(temporary, path)
        else:
            pq.write_table(table, path, filesystem=self.fs, compression="zstd")

    def list_files(self, zone: str, dataset: str = "") -> list[str]:
        base = self.path(zone, dataset) if dataset else self.path(zone)
        if not self.fs.exists(base):
            return []
        return sorted(p for p in self.fs.find(base) if p.endswith(".parquet"))

    def read(self, paths: Iterable[str]) -> pl.DataFrame:
        frames = [pl.from_arrow(pq.read_table(p, filesystem=self.fs)) for p in paths]
        return pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()


def _is_local(fs: fsspec.AbstractFileSystem) -> bool:
    protocol = fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,)
    return "file" in protocol or "local" in protocol


def hour_partition(ts: datetime) -> str:
    """`dt=YYYY-MM-DD/hour=HH` of an event time (UTC)."""
    return f"dt={ts:%Y-%m-%d}/hour={ts:%H}"


def batch_object_name(topic: str, partition: int, first_offset: int) -> str:
    """Deterministic name of a landed batch: a batch starting at the same offset, same object."""
    return f"{topic}-p{partition:04d}-o{first_offset:012d}.parquet"


def write_landing_batch(
    lake: Lake, records: list[dict[str, Any]], topic: str, kafka_partition: int
) -> list[str]:
    """Land one batch of enriched post records from one Kafka partition, split by event hour.

    Each hour's slice is named after the first offset of the whole batch, so the same batch
    written twice (after a crash and replay) produces the same objects.
    """
    if not records:
        return []
    name = batch_object_name(topic, kafka_partition, min(r["kafka_offset"] for r in records))
    by_hour: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        by_hour[hour_partition(record["created_at"])].append(record)
    written = []
    for partition, rows in sorted(by_hour.items()):
        table = pa.Table.from_pylist(rows, schema=LANDING_ARROW_SCHEMA)
        path = lake.path("landing", partition, name)
        lake.write_table(path, table)
        written.append(path)
    return written


def landing_day(path: str) -> str:
    """The `YYYY-MM-DD` event day of a landing object, from its `dt=` partition."""
    return path.split("/dt=")[1][:10]


def landed_days(lake: Lake) -> list[str]:
    """Every event day with landing files, in order."""
    return sorted({landing_day(path) for path in landing_files(lake)})


def utc_day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a UTC calendar day, as timezone-aware datetimes."""
    start = datetime.combine(day, time(), tzinfo=UTC)
    return start, start + timedelta(days=1)


def landing_files(lake: Lake, date: str | None = None) -> list[str]:
    """Landing files, all or of one `YYYY-MM-DD` day."""
    files = lake.list_files("landing")
    if date is None:
        return files
    return [f for f in files if f"/dt={date}/" in f]

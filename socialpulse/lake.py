"""The lake: one filesystem layer over a local directory or `s3://bucket/prefix`.

Zones are `landing/` (what the stream received, enriched), `cleansed/`, `analytics/` and
`alerts/`, partitioned as `dt=YYYY-MM-DD/hour=HH/`. A landing object's identity is a fixed block
of offsets of one Kafka partition (and the event hour of its posts), named
`<topic>-p<partition>-o<first>-<last>.parquet`. Landing merges into the object what it already
holds, so however a replay after a crash cuts its batches, it rewrites the same objects with the
same rows: no replay can shrink, drop or duplicate what an earlier run landed.
"""

from __future__ import annotations

import io
import posixpath
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from socialpulse.contracts import (
    LANDING_ZONE,
    landing_object_name,
    landing_object_path,
    partition_day,
)
from socialpulse.schema import POST_ARROW_SCHEMA, column_checker
from socialpulse.settings import Settings

if TYPE_CHECKING:
    import polars as pl

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
# The same for a record whose post columns `parse_message` has checked already (`post_problem`):
# only the columns the stream adds (Kafka coordinates, enrichment).
added_column_problem = column_checker(
    pa.schema([f for f in LANDING_ARROW_SCHEMA if f.name not in POST_ARROW_SCHEMA.names])
)


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

    def write_bytes(self, path: str, data: bytes) -> None:
        """Write one small object atomically, as `write_table` does: readers see the old bytes
        or the new ones, never a mix (a pointer that is replaced while others read it)."""
        self.fs.makedirs(posixpath.dirname(path), exist_ok=True)
        if _is_local(self.fs):
            temporary = f"{path}.{uuid.uuid4().hex}.tmp"
            self.fs.pipe_file(temporary, data)
            self.fs.mv(temporary, path)
        else:
            self.fs.pipe_file(path, data)

    def read_bytes(self, path: str) -> bytes:
        """One object in one request; FileNotFoundError when there is none."""
        return self.fs.cat_file(path)

    def read_table(
        self,
        path: str,
        columns: list[str] | None = None,
        dictionary: list[str] | None = None,
        threads: bool = True,
    ) -> pa.Table:
        """One object (`columns` of it, or all), fetched in one request: landing objects are
        rewritten while the stream runs, and a reader that opened the file twice (footer, then
        pages) could mix versions. `dictionary`: columns read dictionary-encoded; `threads`:
        decode on Arrow's thread pool.

        Read as one Parquet file, not through `pq.read_table`'s dataset layer, which for the
        stream's keyword baselines (14 MB of Arrow) added 100 MiB of resident memory and kept
        69 MiB after the table was dropped (benchmarks/stream/memory.md)."""
        try:
            file = pq.ParquetFile(io.BytesIO(self.fs.cat_file(path)), read_dictionary=dictionary)
            return file.read(columns=columns, use_threads=threads)
        except pa.ArrowInvalid as error:
            # Read from memory, Arrow's message no longer names the object: say which it is.
            # Not chained: the object's name must be in the root cause that a failed run reports.
            raise pa.ArrowInvalid(f"cannot read the Parquet object {path}: {error}") from None

    def list_files(self, zone: str, dataset: str = "") -> list[str]:
        base = self.path(zone, dataset) if dataset else self.path(zone)
        if not self.fs.exists(base):
            return []
        return sorted(p for p in self.fs.find(base) if p.endswith(".parquet"))

    def read(self, paths: Iterable[str]) -> pl.DataFrame:
        import polars as pl  # here, not at the top: the stream lands with pyarrow alone

        frames = [pl.from_arrow(self.read_table(p)) for p in paths]
        return pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()


def _is_local(fs: fsspec.AbstractFileSystem) -> bool:
    protocol = fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,)
    return "file" in protocol or "local" in protocol


# Kafka offsets per landing object. A constant, not a setting: objects are identified by their
# block, so every run must cut the same blocks whatever its batch sizes and flush timings.
LANDING_BLOCK_OFFSETS = 5000


def offset_block(offset: int) -> tuple[int, int]:
    """First and last offset of the landing block that holds `offset`."""
    first = offset - offset % LANDING_BLOCK_OFFSETS
    return first, first + LANDING_BLOCK_OFFSETS - 1


def write_landing_batch(
    lake: Lake, records: list[dict[str, Any]], topic: str, kafka_partition: int
) -> list[str]:
    """Land enriched post records of one Kafka partition: one object per event hour and block.

    Each object is written as the union of what it held and the new records (a row is identified
    by its Kafka offset and post id; the first landing of a row is kept), ordered by offset. So
    the object's rows depend only on which offsets of its block have been landed, not on how
    batches were cut; writing a batch again, or a differently cut part of it, changes nothing.
    """
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        name = landing_object_name(topic, kafka_partition, *offset_block(record["kafka_offset"]))
        groups[lake.path(landing_object_path(record["created_at"], name))].append(record)
    written = []
    for path, rows in sorted(groups.items()):
        table = pa.Table.from_pylist(rows, schema=LANDING_ARROW_SCHEMA)
        landed = _read_if_exists(lake, path)
        if landed is not None:
            table = _union_of_rows(landed, table)
        lake.write_table(path, table.sort_by("kafka_offset"))
        written.append(path)
    return written


def _read_if_exists(lake: Lake, path: str) -> pa.Table | None:
    try:
        return lake.read_table(path)
    except FileNotFoundError:
        return None


def _union_of_rows(landed: pa.Table, new: pa.Table) -> pa.Table:
    """`landed` plus the rows of `new` whose (offset, id) it does not hold yet."""
    held = set(zip(landed["kafka_offset"].to_pylist(), landed["id"].to_pylist(), strict=True))
    keep = [
        (offset, post_id) not in held
        for offset, post_id in zip(
            new["kafka_offset"].to_pylist(), new["id"].to_pylist(), strict=True
        )
    ]
    return pa.concat_tables([landed, new.filter(pa.array(keep))], promote_options="permissive")


def landing_day(path: str) -> str:
    """The `YYYY-MM-DD` event day of a landing object, from its `dt=` partition."""
    return partition_day(path)


def landed_days(lake: Lake) -> list[str]:
    """Every event day with landing files, in order."""
    return sorted({landing_day(path) for path in landing_files(lake)})


def utc_day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a UTC calendar day, as timezone-aware datetimes."""
    start = datetime.combine(day, time(), tzinfo=UTC)
    return start, start + timedelta(days=1)


def landing_files(lake: Lake, date: str | None = None) -> list[str]:
    """Landing files, all or of one `YYYY-MM-DD` day."""
    files = lake.list_files(LANDING_ZONE)
    if date is None:
        return files
    return [f for f in files if partition_day(f) == date]

"""Rows the batch does not load, counted so that none is skipped without a word.

Two kinds: posts landed on days outside the daily partitions (an event time in 2006 or 2099 is
valid input, but no partition covers it), and repeated deliveries of a post id (a replay), of
which the first is kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.parquet as pq

from socialpulse.lake import Lake, landing_day


@dataclass
class OutOfRange:
    """Landed rows per day outside the kept days, and files whose row count cannot be read."""

    rows_by_day: dict[str, int] = field(default_factory=dict)
    unreadable_files: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.rows_by_day.values())


def out_of_range(lake: Lake, landing: Iterable[str], kept_days: Collection[str]) -> OutOfRange:
    """Rows of the `landing` files whose day is not in `kept_days`, from the Parquet footers.

    A file that cannot be read is listed rather than raised: it lies on a day no run loads, so it
    must not stop the days that are loaded.
    """
    rows: Counter[str] = Counter()
    found = OutOfRange()
    for path in landing:
        day = landing_day(path)
        if day in kept_days:
            continue
        try:
            rows[day] += pq.read_metadata(path, filesystem=lake.fs).num_rows
        except (pa.ArrowInvalid, OSError):
            found.unreadable_files.append(path)
    found.rows_by_day = dict(sorted(rows.items()))
    return found


def day_range(days: Collection[str]) -> str:
    """`first..last` of ISO days, as shown beside the skipped counts."""
    return f"{min(days)}..{max(days)}" if days else "none"

"""`keyword_baselines`: the batch side's hour-of-week statistics, as the stream reads them.

Contract (written by the Dagster asset `keyword_baselines`, read here): one Parquet object at
`<lake>/analytics/keyword_baselines/keyword_baselines.parquet` with at least the columns

    key            the stream's key, e.g. "hashtag:dance", "music:123", "keyword:acme"
    hour_of_week   0 = Monday 00:00-01:00 UTC … 167
    posts_centre   robust centre (median) of posts per minute in that hour of the week
    posts_spread   robust spread (1.4826 * MAD) of posts per minute in that hour of the week

The stream scales per-minute values to its window length.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from socialpulse.contracts import HOURS_PER_WEEK, KEYWORD_BASELINES_PATH, hour_of_week
from socialpulse.lake import Lake


class KeywordBaselines(Mapping[tuple[str, int], tuple[float, float]]):
    """`{(key, hour_of_week): (centre, spread)}`, held as one float array of every key's week.

    A dict of tuples took about 80 KB a key (2,000 keys x 168 hours: +157 MiB of the stream's
    resident memory, benchmarks/stream/memory.md); this takes 2.7 KB a key. Hours without a row
    are NaN and read as missing.

    >>> table = pa.table({"key": ["hashtag:dance", "hashtag:dance"], "hour_of_week": [9, 10],
    ...                   "posts_centre": [4.0, 5.0], "posts_spread": [1.5, 2.0]})
    >>> baselines = KeywordBaselines.from_table(table)
    >>> baselines.get(("hashtag:dance", 9)), baselines.get(("hashtag:dance", 11)), len(baselines)
    ((4.0, 1.5), None, 2)
    """

    def __init__(self, keys: list[str], values: np.ndarray) -> None:
        if values.shape != (len(keys), HOURS_PER_WEEK, 2):
            raise ValueError(f"values must be (keys, {HOURS_PER_WEEK}, 2), got {values.shape}")
        self._rows = {key: row for row, key in enumerate(keys)}
        self._values = values
        self._count = int(np.count_nonzero(~np.isnan(values[:, :, 0])))

    @classmethod
    def from_table(cls, table: pa.Table) -> KeywordBaselines:
        """From the contract's columns (`key`, `hour_of_week`, `posts_centre`, `posts_spread`);
        a later row of the same key and hour wins, and rows without a key or hour are left out."""
        table = table.filter(
            pc.and_(pc.is_valid(table.column("key")), pc.is_valid(table.column("hour_of_week")))
        )
        keys_column = table.column("key")
        if pa.types.is_dictionary(keys_column.type):  # read as a dictionary: encoded already
            encoded = table.unify_dictionaries().column("key").combine_chunks()
        else:
            encoded = pc.dictionary_encode(keys_column).combine_chunks()
        keys = encoded.dictionary.to_pylist()
        values = np.full((len(keys), HOURS_PER_WEEK, 2), np.nan)
        hours = table.column("hour_of_week").to_numpy().astype(np.int64)
        if hours.size and (hours.min() < 0 or hours.max() >= HOURS_PER_WEEK):
            raise ValueError(f"hour_of_week must be in [0, {HOURS_PER_WEEK}), got {hours.min()}")
        rows = encoded.indices.to_numpy(zero_copy_only=False)
        values[rows, hours, 0] = table.column("posts_centre").to_numpy().astype(np.float64)
        values[rows, hours, 1] = table.column("posts_spread").to_numpy().astype(np.float64)
        return cls(keys, values)

    @classmethod
    def empty(cls) -> KeywordBaselines:
        return cls([], np.full((0, HOURS_PER_WEEK, 2), np.nan))

    def get(self, item: tuple[str, int], default: tuple[float, float] | None = None) -> Any:
        row = self._rows.get(item[0])
        if row is None or not 0 <= item[1] < HOURS_PER_WEEK:
            return default
        centre, spread = self._values[row, item[1]].tolist()
        return default if centre != centre else (centre, spread)  # NaN: no row for the hour

    def __getitem__(self, item: tuple[str, int]) -> tuple[float, float]:
        found = self.get(item)
        if found is None:
            raise KeyError(item)
        return found

    def __iter__(self) -> Iterator[tuple[str, int]]:
        for key, row in self._rows.items():
            for hour in np.flatnonzero(~np.isnan(self._values[row, :, 0])).tolist():
                yield key, hour

    def __len__(self) -> int:
        return self._count


Baselines = KeywordBaselines


def read_keyword_baselines(lake: Lake) -> Baselines:
    """{(key, hour_of_week): (centre, spread)}; empty when the batch side has not run yet."""
    path = lake.path(*KEYWORD_BASELINES_PATH)
    if not lake.fs.exists(path):
        return KeywordBaselines.empty()
    # With pyarrow, not polars: the stream process then never loads polars (and its threads).
    # Keys read dictionary-encoded and on this thread: the read's resident memory stays small.
    columns = ["key", "hour_of_week", "posts_centre", "posts_spread"]
    table = lake.read_table(path, columns, dictionary=["key"], threads=False)
    return KeywordBaselines.from_table(table)


class RefreshingBaselines:
    """Per-process cache of the baselines, re-read from the lake every `refresh_seconds`.

    Callable as `baselines(key, window_start)`; never blocks the stream on a slow lake for longer
    than one read, and keeps the last good copy when a read fails.
    """

    def __init__(
        self,
        lake_factory: Callable[[], Lake],
        refresh_seconds: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lake_factory = lake_factory
        self._refresh_seconds = refresh_seconds
        self._clock = clock
        self._loaded_at: float | None = None
        self._baselines: Baselines = KeywordBaselines.empty()
        self._lock = threading.Lock()

    def __call__(self, key: str, window_start: datetime) -> tuple[float, float] | None:
        with self._lock:
            now = self._clock()
            if self._loaded_at is None or now - self._loaded_at >= self._refresh_seconds:
                self._loaded_at = now
                # On a failed read keep the last good copy; the next refresh tries again.
                with contextlib.suppress(OSError):
                    self._baselines = read_keyword_baselines(self._lake_factory())
            return self._baselines.get((key, hour_of_week(window_start)))

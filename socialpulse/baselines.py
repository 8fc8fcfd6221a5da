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
from collections.abc import Callable
from datetime import datetime

from socialpulse.contracts import KEYWORD_BASELINES_PATH, hour_of_week
from socialpulse.lake import Lake

Baselines = dict[tuple[str, int], tuple[float, float]]


def read_keyword_baselines(lake: Lake) -> Baselines:
    """{(key, hour_of_week): (centre, spread)}; empty when the batch side has not run yet."""
    path = lake.path(*KEYWORD_BASELINES_PATH)
    if not lake.fs.exists(path):
        return {}
    # With pyarrow, not polars: the stream process then never loads polars (and its threads).
    table = lake.read_table(path).select(["key", "hour_of_week", "posts_centre", "posts_spread"])
    columns = [column.to_pylist() for column in table.columns]
    return {
        (key, int(how)): (float(centre), float(spread))
        for key, how, centre, spread in zip(*columns, strict=True)
    }


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
        self._baselines: Baselines = {}
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

"""Vectorised synthetic landed posts for the batch benchmarks (millions of rows in seconds).

The stream's generator parses and enriches every post (about 10k posts/s); the benchmarks need
10M rows, so this builds landing-shaped columns directly with numpy: Zipf hashtags (500) and
sounds (2,000), 6% brand keywords, heavy-tailed engagement, a seasonal-free uniform spread of
event times over `days` days, and 1% re-delivered duplicates.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from socialpulse.lake import LANDING_ARROW_SCHEMA

START = datetime(2024, 2, 12, tzinfo=UTC)  # a Monday


def _zipf_choice(rng: np.random.Generator, n_items: int, size: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, n_items + 1) ** 1.1
    return rng.choice(n_items, size=size, p=weights / weights.sum())


def landed_frame(n: int, days: int = 28, seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    seconds = np.sort(rng.integers(0, days * 86400, size=n))
    epoch_us = int(START.timestamp()) * 1_000_000
    created = pl.Series("created_at", epoch_us + seconds * 1_000_000).cast(pl.Datetime("us", "UTC"))
    tag_counts = rng.integers(0, 4, size=n)
    offsets = np.concatenate([[0], np.cumsum(tag_counts)]).astype(np.int32)
    tag_values = np.char.add("tag", _zipf_choice(rng, 500, int(offsets[-1])).astype(str))
    values = pa.array(tag_values, type=pa.large_string())
    if isinstance(values, pa.ChunkedArray):  # numpy unicode arrays convert in chunks when large
        values = values.combine_chunks()
    hashtags = pa.ListArray.from_arrays(pa.array(offsets), values)
    has_music = rng.random(n) < 0.8
    music = pl.Series(np.char.add("sound", _zipf_choice(rng, 2000, n).astype(str)))
    music = pl.select(pl.when(pl.Series(has_music)).then(music)).to_series()
    brand = rng.random(n)
    keywords = [["acme"] if b < 0.04 else ["zestcola"] if b < 0.06 else [] for b in brand.tolist()]
    likes = (rng.pareto(1.2, size=n) * 20).astype(np.int64)
    frame = pl.DataFrame(
        {
            "id": np.char.add("bench-", np.arange(n).astype(str)),
            "platform": "tiktok",
            "created_at": created,
            "author_id": np.char.add("author", _zipf_choice(rng, 50_000, n).astype(str)),
            "text": "benchmark post",
            "hashtags": pl.Series(hashtags),
            "music_id": music,
            "likes": likes,
            "shares": likes // 10,
            "comments": likes // 5,
            "keywords": keywords,
            "sentiment_label": "neutral",
            "sentiment_score": np.round(rng.uniform(-1, 1, size=n), 3),
            "kafka_topic": "socialpulse.posts",
            "kafka_partition": 0,
            "kafka_offset": np.arange(n),
        }
    )
    duplicates = frame.sample(fraction=0.01, seed=seed).with_columns(pl.col("kafka_offset") + n)
    frame = pl.concat([frame, duplicates]).with_columns(
        (pl.col("created_at") + pl.duration(seconds=1)).alias("ingested_at")
    )
    schema = pl.from_arrow(LANDING_ARROW_SCHEMA.empty_table()).schema
    return frame.with_columns(
        [
            pl.col(name).cast(dtype) if name in frame.columns else pl.lit(None, dtype).alias(name)
            for name, dtype in schema.items()
        ]
    ).select(list(schema))


def write_landing(frame: pl.DataFrame, root: Path) -> list[Path]:
    """One Parquet file per day under the lake's landing layout (dt=…/hour=00/)."""
    paths = []
    table = frame.to_arrow()
    days = frame["created_at"].dt.date()
    for day in days.unique().sort().to_list():
        mask = (days == day).to_arrow()
        path = root / "landing" / f"dt={day}" / "hour=00" / "bench.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table.filter(mask), path)
        paths.append(path)
    return paths


def day_range(days: int) -> list[str]:
    return [(START + timedelta(days=i)).date().isoformat() for i in range(days)]

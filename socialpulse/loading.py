"""From landed Parquet to warehouse tables: typed, deduplicated, loaded idempotently."""

from __future__ import annotations

import polars as pl

from socialpulse.lake import Lake, landing_files
from socialpulse.warehouse import Warehouse

POST_COLUMNS = (
    "id",
    "platform",
    "created_at",
    "author_id",
    "author_name",
    "text",
    "clean_text",
    "hashtags",
    "music_id",
    "music_title",
    "music_author",
    "plays",
    "likes",
    "shares",
    "comments",
    "language",
    "keywords",
    "sentiment_label",
    "sentiment_score",
    "ingested_at",
)


def deduplicate_posts(landed: pl.DataFrame) -> pl.DataFrame:
    """One row per post id: the first time it was received (a replay re-delivers the same post)."""
    if landed.is_empty():
        return landed
    return (
        landed.sort(["ingested_at", "kafka_partition", "kafka_offset"], nulls_last=True)
        .unique(subset="id", keep="first", maintain_order=True)
        .select([c for c in POST_COLUMNS if c in landed.columns])
    )


def load_posts(lake: Lake, warehouse: Warehouse, date: str | None = None) -> int:
    """Upsert the posts landed on `date` (all days when None) into the `posts` table."""
    posts = deduplicate_posts(lake.read(landing_files(lake, date)))
    if posts.is_empty():
        return 0
    return warehouse.upsert("posts", posts, key=["id"])

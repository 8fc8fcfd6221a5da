"""The cleansed tables from landed posts: posts, authors, challenges, post_challenges, music.

Each table has a natural key so warehouse loads can upsert; re-running a day gives the same rows.
"""

from __future__ import annotations

import polars as pl

from socialpulse.loading import deduplicate_posts

TABLE_KEYS: dict[str, list[str]] = {
    "posts": ["id"],
    "authors": ["author_id"],
    "challenges": ["challenge"],
    "post_challenges": ["post_id", "challenge"],
    "music": ["music_id"],
}


def cleanse(landed: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """All cleansed tables for one batch of landed rows, keyed by table name."""
    posts = deduplicate_posts(landed)
    post_challenges = (
        posts.select(pl.col("id").alias("post_id"), "created_at", "hashtags")
        .explode("hashtags")
        .filter(pl.col("hashtags").is_not_null() & (pl.col("hashtags") != ""))
        .select("post_id", pl.col("hashtags").str.to_lowercase().alias("challenge"), "created_at")
        .unique(["post_id", "challenge"])
        .sort("post_id", "challenge")
    )
    # Latest name wins for an author; first and last seen bound the day's activity.
    authors = (
        posts.filter(pl.col("author_id").is_not_null())
        .sort("created_at")
        .group_by("author_id")
        .agg(
            pl.col("author_name").drop_nulls().last().alias("author_name"),
            pl.col("platform").first(),
            pl.col("created_at").min().alias("first_seen"),
            pl.col("created_at").max().alias("last_seen"),
            pl.len().cast(pl.Int64).alias("posts"),
        )
        .sort("author_id")
    )
    challenges = (
        post_challenges.group_by("challenge")
        .agg(
            pl.col("created_at").min().alias("first_seen"),
            pl.col("created_at").max().alias("last_seen"),
            pl.len().cast(pl.Int64).alias("posts"),
        )
        .sort("challenge")
    )
    music = (
        posts.filter(pl.col("music_id").is_not_null() & (pl.col("music_id") != ""))
        .sort("created_at")
        .group_by("music_id")
        .agg(
            pl.col("music_title").drop_nulls().last().alias("music_title"),
            pl.col("music_author").drop_nulls().last().alias("music_author"),
            pl.col("created_at").min().alias("first_seen"),
            pl.col("created_at").max().alias("last_seen"),
            pl.len().cast(pl.Int64).alias("posts"),
        )
        .sort("music_id")
    )
    return {
        "posts": posts.sort("id"),
        "authors": authors,
        "challenges": challenges,
        "post_challenges": post_challenges,
        "music": music,
    }

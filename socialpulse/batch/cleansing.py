"""The cleansed tables from landed posts: posts, authors, challenges, post_challenges, music.

Each table has a natural key so warehouse loads can upsert; re-running a day gives the same rows.
In the lake's cleansed zone a day's authors, challenges and music describe that day only; in the
warehouse they describe all time (`refresh_dimensions`).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from socialpulse.lake import utc_day_bounds
from socialpulse.loading import deduplicate_posts
from socialpulse.warehouse import Warehouse

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


# The warehouse's authors, challenges and music cover all time: after a day's posts are upserted,
# the rows of every key that day touched are recomputed from the warehouse's own posts, so loading
# days in any order, or one day twice, gives the same counts and first/last seen.
_DIMENSION_SQL = {
    "authors": """
        WITH touched AS (
            SELECT DISTINCT author_id FROM posts
            WHERE created_at >= ? AND created_at < ? AND author_id IS NOT NULL
        ),
        named AS (
            SELECT DISTINCT ON (author_id) author_id, author_name FROM posts
            WHERE author_id IN (SELECT author_id FROM touched) AND author_name IS NOT NULL
            ORDER BY author_id, created_at DESC
        )
        SELECT p.author_id, n.author_name, min(p.platform) AS platform,
               min(p.created_at) AS first_seen, max(p.created_at) AS last_seen,
               count(*) AS posts
        FROM posts p LEFT JOIN named n ON n.author_id = p.author_id
        WHERE p.author_id IN (SELECT author_id FROM touched)
        GROUP BY p.author_id, n.author_name
        ORDER BY p.author_id
    """,
    "challenges": """
        SELECT challenge, min(created_at) AS first_seen, max(created_at) AS last_seen,
               count(*) AS posts
        FROM post_challenges
        WHERE challenge IN (
            SELECT challenge FROM post_challenges WHERE created_at >= ? AND created_at < ?
        )
        GROUP BY challenge
        ORDER BY challenge
    """,
    "music": """
        WITH touched AS (
            SELECT DISTINCT music_id FROM posts
            WHERE created_at >= ? AND created_at < ? AND music_id IS NOT NULL AND music_id <> ''
        ),
        named AS (
            SELECT DISTINCT ON (music_id) music_id, music_title, music_author FROM posts
            WHERE music_id IN (SELECT music_id FROM touched) AND music_title IS NOT NULL
            ORDER BY music_id, created_at DESC
        )
        SELECT p.music_id, n.music_title, n.music_author,
               min(p.created_at) AS first_seen, max(p.created_at) AS last_seen,
               count(*) AS posts
        FROM posts p LEFT JOIN named n ON n.music_id = p.music_id
        WHERE p.music_id IN (SELECT music_id FROM touched)
        GROUP BY p.music_id, n.music_title, n.music_author
        ORDER BY p.music_id
    """,
}


def refresh_dimensions(
    db: Warehouse, day: date, day_tables: dict[str, pl.DataFrame]
) -> dict[str, pl.DataFrame]:
    """Recompute the all-time rows of the authors, challenges and music `day` touched; upsert.

    `day_tables` are the day's cleansed tables (their schemas create the tables on first load).
    Returns what was upserted per table.
    """
    bounds = utc_day_bounds(day)
    refreshed = {}
    for table, sql in _DIMENSION_SQL.items():
        schema = day_tables[table].schema
        db.ensure_table(table, schema, TABLE_KEYS[table])
        rows = db.query(sql, bounds)
        frame = (
            pl.DataFrame(schema=schema)
            if rows.is_empty()
            else rows.select(
                [pl.col(name).cast(dtype, strict=False) for name, dtype in schema.items()]
            )
        )
        if not frame.is_empty():
            db.upsert(table, frame, key=TABLE_KEYS[table])
        refreshed[table] = frame
    return refreshed

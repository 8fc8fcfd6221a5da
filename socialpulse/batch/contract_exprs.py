"""The shared contracts (`socialpulse.contracts`) as polars expressions, for the batch side."""

from __future__ import annotations

import polars as pl

from socialpulse.contracts import (
    HASHTAG_KIND,
    KEYWORD_KIND,
    MIN_HASHTAG_LENGTH,
    MUSIC_KIND,
    key_prefix,
)


def hashtag_key(tag: pl.Expr) -> pl.Expr:
    """`hashtag:<lower-cased tag>`, null where the lower-cased tag is too short (or null)."""
    lowered = tag.str.to_lowercase()
    return (
        pl.when(lowered.str.len_chars() >= MIN_HASHTAG_LENGTH)
        .then(pl.lit(key_prefix(HASHTAG_KIND)) + lowered)
        .otherwise(None)
    )


def music_key(music_id: pl.Expr) -> pl.Expr:
    """`music:<id>`, null where the post names no sound (null or empty id)."""
    return (
        pl.when(music_id.is_not_null() & (music_id != ""))
        .then(pl.lit(key_prefix(MUSIC_KIND)) + music_id)
        .otherwise(None)
    )


def keyword_key(term: pl.Expr) -> pl.Expr:
    """`keyword:<lower-cased term>` (null for a null term)."""
    return pl.lit(key_prefix(KEYWORD_KIND)) + term.str.to_lowercase()


def hour_of_week(at: pl.Expr) -> pl.Expr:
    """0 for Monday 00:00 UTC … 167 of a UTC (or naive UTC) datetime, as Int32, as
    `socialpulse.contracts.hour_of_week`."""
    # weekday() is Int8 (Monday 1): widen before multiplying or Sunday overflows.
    return ((at.dt.weekday().cast(pl.Int32) - 1) * 24 + at.dt.hour().cast(pl.Int32)).cast(pl.Int32)

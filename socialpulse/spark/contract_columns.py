"""The shared contracts (`socialpulse.contracts`) as Spark columns, for the backfills."""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

from socialpulse.contracts import (
    HASHTAG_KIND,
    KEYWORD_KIND,
    MIN_HASHTAG_LENGTH,
    MUSIC_KIND,
    key_prefix,
)


def hashtag_key(tag: Column) -> Column:
    """`hashtag:<lower-cased tag>`, null where the lower-cased tag is too short (or null)."""
    lowered = F.lower(tag)
    return F.when(
        F.char_length(lowered) >= MIN_HASHTAG_LENGTH,
        F.concat(F.lit(key_prefix(HASHTAG_KIND)), lowered),
    )


def music_key(music_id: Column) -> Column:
    """`music:<id>`, null where the post names no sound (null or empty id)."""
    return F.when(
        music_id.isNotNull() & (music_id != ""), F.concat(F.lit(key_prefix(MUSIC_KIND)), music_id)
    )


def keyword_key(term: Column) -> Column:
    """`keyword:<lower-cased term>` (null for a null term)."""
    return F.concat(F.lit(key_prefix(KEYWORD_KIND)), F.lower(term))


def hour_of_week(at: Column) -> Column:
    """0 for Monday 00:00 UTC … 167 in a UTC session, as `socialpulse.contracts.hour_of_week`."""
    # dayofweek is 1 for Sunday … 7 for Saturday; shift so Monday is 0.
    return ((F.dayofweek(at) + 5) % 7 * 24 + F.hour(at)).cast("int")

"""Rules that the stream, polars, Spark, dbt and the dashboard share, held once.

Plain values and small pure functions only (no settings, no heavy imports), so every runtime can
import them: the stream applies the Python functions directly, the polars and Spark code build
their expressions from these constants (`socialpulse.batch.contract_exprs`,
`socialpulse.spark.contract_columns`), and dbt receives them as vars (`dbt_vars`, passed by
`socialpulse_assets.dbt`; `dbt_project.yml` carries the same values as defaults).

The key rule: a post counts toward one key per distinct
    hashtag:<tag lower-cased>   when the lower-cased tag has at least MIN_HASHTAG_LENGTH characters
    music:<music id>            when the post names a sound (a non-empty id, case kept)
    keyword:<term lower-cased>  for each watch-list term the enrichment matched
Lower-casing happens before the length is measured ("İ" lower-cases to two characters).

>>> sorted(post_keys(["Dance", "dance", "x", "ÉTÉ"], "M42", ["Acme"]))
['hashtag:dance', 'hashtag:été', 'keyword:acme', 'music:M42']
>>> hour_of_week(datetime(2024, 1, 7, 23, 30, tzinfo=UTC))  # a Sunday
167
>>> expected_band(100.0, 0.0)
(70.0, 130.0)
>>> hour_partition(datetime(2026, 3, 7, 9, 5, tzinfo=UTC))
'dt=2026-03-07/hour=09'
"""

from __future__ import annotations

import math
import posixpath
from collections.abc import Iterable
from datetime import UTC, date, datetime

# --- the key rule -------------------------------------------------------------------------------

KEY_SEPARATOR = ":"
HASHTAG_KIND = "hashtag"
MUSIC_KIND = "music"
KEYWORD_KIND = "keyword"
KEY_KINDS = (HASHTAG_KIND, MUSIC_KIND, KEYWORD_KIND)
# Shorter hashtags ("#a", "#1") are noise: no runtime counts them as keys.
MIN_HASHTAG_LENGTH = 2


def key_prefix(kind: str) -> str:
    """`hashtag:` for "hashtag": what a key of that kind starts with."""
    return f"{kind}{KEY_SEPARATOR}"


def full_key(kind: str, value: str) -> str:
    """The `kind:value` key of the stream, sentiment_summary, keyword_baselines and the marts."""
    return f"{kind}{KEY_SEPARATOR}{value}"


def split_key(key: str) -> tuple[str, str]:
    """`("hashtag", "new:year")` for "hashtag:new:year": the value may hold the separator."""
    kind, _, value = key.partition(KEY_SEPARATOR)
    return kind, value


def hashtag_key(tag: str | None) -> str | None:
    """The key of one hashtag/challenge, or None when it is too short to count."""
    if tag is None:
        return None
    lowered = tag.lower()
    return full_key(HASHTAG_KIND, lowered) if len(lowered) >= MIN_HASHTAG_LENGTH else None


def music_key(music_id: str | None) -> str | None:
    """The key of a post's sound, or None when the post names none."""
    return full_key(MUSIC_KIND, music_id) if music_id else None


def keyword_key(term: str) -> str:
    """The key of a matched watch-list term."""
    return full_key(KEYWORD_KIND, term.lower())


def post_keys(
    hashtags: Iterable[str | None] | None, music_id: str | None, keywords: Iterable[str] | None
) -> set[str]:
    """Every distinct key one post counts toward."""
    keys = {hashtag_key(tag) for tag in hashtags or ()}
    keys.add(music_key(music_id))
    keys.update(keyword_key(term) for term in keywords or ())
    keys.discard(None)
    return keys  # type: ignore[return-value]


# --- hour of week -------------------------------------------------------------------------------

HOURS_PER_WEEK = 168


def hour_of_week(at: datetime) -> int:
    """0 for Monday 00:00-01:00 UTC … 167 for Sunday 23:00-24:00 UTC (naive times are UTC)."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC)
    return at.weekday() * 24 + at.hour


# --- the expected-activity band -----------------------------------------------------------------

# How many spreads either side of the hour-of-week centre the expected band reaches.
BAND_WIDTH = 3.0


def band_spread(expected: float, spread: float) -> float:
    """The spread floored at the Poisson noise of the expected count (sqrt, at least 1), so a
    key whose history is flat (spread 0) does not leave its band on one extra post."""
    return max(spread, math.sqrt(max(expected, 1.0)))


def expected_band(expected: float, spread: float) -> tuple[float, float]:
    """Low (never below zero) and high of the expected band around `expected`."""
    width = BAND_WIDTH * band_spread(expected, spread)
    return max(expected - width, 0.0), expected + width


# --- the lake's path layout ---------------------------------------------------------------------

LANDING_ZONE = "landing"
CLEANSED_ZONE = "cleansed"
ANALYTICS_ZONE = "analytics"
ALERTS_ZONE = "alerts"
REPORTS_ZONE = "reports"
# Trained models: models/<kind>/<version>/ and models/<kind>/promoted.json (socialpulse.models).
MODELS_ZONE = "models"
# Landing objects sit at landing/dt=YYYY-MM-DD/hour=HH/<object>.parquet.
LANDING_GLOB = f"{LANDING_ZONE}/*/*/*.parquet"
KEYWORD_BASELINES_PATH = (ANALYTICS_ZONE, "keyword_baselines", "keyword_baselines.parquet")


def day_partition(day: date | str) -> str:
    """`dt=YYYY-MM-DD` of a UTC day (a datetime gives its own calendar day)."""
    return f"dt={day:%Y-%m-%d}" if isinstance(day, date) else f"dt={day}"


def hour_partition(ts: datetime) -> str:
    """`dt=YYYY-MM-DD/hour=HH` of an event time (UTC)."""
    return f"{day_partition(ts)}/hour={ts:%H}"


def partition_day(path: str) -> str:
    """The `YYYY-MM-DD` of the first `dt=` partition in an object's path."""
    return path.split("/dt=")[1][:10]


def landing_object_name(topic: str, partition: int, first_offset: int, last_offset: int) -> str:
    """Name of the landing object for one block of offsets of one Kafka partition."""
    return f"{topic}-p{partition:04d}-o{first_offset:012d}-{last_offset:012d}.parquet"


def landing_object_path(event_time: datetime, object_name: str) -> str:
    """Where a landing object of an event hour lives, relative to the lake root."""
    return posixpath.join(LANDING_ZONE, hour_partition(event_time), object_name)


def cleansed_object_path(table: str, day: str) -> str:
    """Where a cleansed table's day lives, relative to the lake root (one object per day)."""
    return posixpath.join(CLEANSED_ZONE, table, day_partition(day), f"{table}.parquet")


def alert_object_path(window_start: datetime, alert_id: str) -> str:
    """One object per alert, named by its id, under the day of its window."""
    return posixpath.join(ALERTS_ZONE, day_partition(window_start), f"alert-{alert_id}.parquet")


def report_folder(report: str, day: str | None = None) -> str:
    """`reports/<report>/dt=<day>`: where a day's rendered report (daily, wordclouds) goes;
    `reports/<report>` without a day."""
    folder = posixpath.join(REPORTS_ZONE, report)
    return folder if day is None else posixpath.join(folder, day_partition(day))


# --- what dbt receives --------------------------------------------------------------------------


def dbt_vars() -> dict[str, str | int | float]:
    """The contract as dbt vars; `dbt_project.yml` declares the same names with these values."""
    return {
        "key_separator": KEY_SEPARATOR,
        "hashtag_kind": HASHTAG_KIND,
        "music_kind": MUSIC_KIND,
        "keyword_kind": KEYWORD_KIND,
        "min_hashtag_length": MIN_HASHTAG_LENGTH,
        "band_width": BAND_WIDTH,
    }

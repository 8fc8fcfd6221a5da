"""The read model of the dashboard and the daily report, over the dbt marts, in either dialect.

Each function takes an open `Warehouse` and returns plain JSON-ready rows (timestamps as UTC ISO
strings). The daily_batch job builds the marts (they carry the outcome of an alert and the
activity band already computed), and they are read whenever they exist; a warehouse that dbt
has not built yet (a stream-only setup) is read from the base tables in the same shapes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import polars as pl

from socialpulse.contracts import (
    HASHTAG_KIND,
    KEYWORD_KIND,
    MUSIC_KIND,
    expected_band,
    full_key,
    hour_of_week,
)
from socialpulse.warehouse import Warehouse

ALERT_COLUMNS = (
    "alert_id",
    "key_kind",
    "key",
    "window_start",
    "window_end",
    "observed",
    "expected",
    "expected_low",
    "expected_high",
    "score",
    "direction",
    "sentiment_mean",
    "sentiment_baseline",
    "sentiment_shift",
    "sample_post_ids",
    "detected_at",
)
SHARE_COLUMNS = ("negative_share", "neutral_share", "positive_share")
WINDOW = timedelta(minutes=15)  # sentiment_summary's window
SHORT_SPAN = timedelta(hours=6)


def existing_tables(db: Warehouse) -> set[str]:
    """The tables and views the read model may query (`Warehouse.tables`)."""
    return db.tables()


def jsonable(value: Any) -> Any:
    """A warehouse value as JSON: datetimes as UTC ISO with Z, NaN as null, lists recursively."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):  # Postgres sums and averages of integers
        value = float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return [{k: jsonable(v) for k, v in row.items()} for row in frame.iter_rows(named=True)]


def _utc(at: Any) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def alerts_source(tables: set[str]) -> str | None:
    """mart_alerts (alerts with their outcome) once dbt has built it, else the alerts table."""
    for table in ("mart_alerts", "alerts"):
        if table in tables:
            return table
    return None


def _read_alerts(
    db: Warehouse,
    tables: set[str],
    where: str,
    parameters: list[Any],
    order: str,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    source = alerts_source(tables)
    if source is None:
        return []
    columns = ", ".join(ALERT_COLUMNS) + (", outcome" if source == "mart_alerts" else "")
    sql = f"SELECT {columns} FROM {source} {where} ORDER BY {order}"
    if limit is not None:
        sql, parameters = f"{sql} LIMIT ?", [*parameters, limit]
    frame = db.query(sql, parameters)
    alerts = rows(frame)
    samples = sample_posts(db, tables, (i for a in alerts for i in a["sample_post_ids"] or []))
    for alert in alerts:
        alert["full_key"] = full_key(alert["key_kind"], alert["key"])
        alert.setdefault("outcome", None)
        alert["samples"] = [samples[i] for i in alert["sample_post_ids"] or [] if i in samples]
    return alerts


def latest_alerts(
    db: Warehouse, tables: set[str], *, limit: int = 50, key: str | None = None
) -> list[dict[str, Any]]:
    """The most recently detected alerts, newest first, each with its sample posts' text."""
    where, parameters = "", []
    if key is not None:
        kind, _, value = key.partition(":")
        where, parameters = "WHERE key_kind = ? AND key = ?", [kind, value]
    order = "detected_at DESC, window_start DESC, alert_id"
    return _read_alerts(db, tables, where, parameters, order, limit)


def alerts_between(
    db: Warehouse, tables: set[str], start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Alerts whose window starts in [start, end), in time order, with their sample posts."""
    where = "WHERE window_start >= ? AND window_start < ?"
    return _read_alerts(db, tables, where, [start, end], "window_start, alert_id")


def sample_posts(
    db: Warehouse, tables: set[str], post_ids: Iterable[str]
) -> dict[str, dict[str, Any]]:
    ids = sorted(set(post_ids))
    if not ids or "posts" not in tables:
        return {}
    placeholders = ", ".join("?" for _ in ids)
    frame = db.query(
        f"SELECT id, text, sentiment_label, created_at FROM posts WHERE id IN ({placeholders})",
        ids,
    )
    return {row["id"]: row for row in rows(frame)}


def watched_keys(
    db: Warehouse, tables: set[str], watchlist: Sequence[str], *, limit: int = 30
) -> list[dict[str, str]]:
    """Keys worth a chart: recently alerted ones, the watch-list, then the latest trends."""
    keys: dict[str, str] = {}
    source = alerts_source(tables)
    if source is not None:
        recent = db.query(
            f"SELECT key_kind, key, max(detected_at) AS last FROM {source} "
            "GROUP BY key_kind, key ORDER BY last DESC LIMIT ?",
            [limit],
        )
        for kind, value in recent.select("key_kind", "key").iter_rows():
            keys.setdefault(full_key(kind, value), "alerted")
    for term in watchlist:
        keys.setdefault(full_key(KEYWORD_KIND, term), "watch-list")
    trending = latest_trending(db, tables, limit=5)
    for item in trending["challenges"]:
        keys.setdefault(full_key(HASHTAG_KIND, item["key"]), "trending")
    for item in trending["music"]:
        keys.setdefault(full_key(MUSIC_KIND, item["key"]), "trending")
    return [{"key": key, "source": source} for key, source in keys.items()]


def _since_latest(
    db: Warehouse, table: str, time_column: str, key: str, span: timedelta
) -> pl.DataFrame | None:
    """The key's rows in `table` from `span` before its latest row; None when it has none.

    The window ends at the key's own latest data, not at now, so a replayed or historical
    day shows its activity instead of an empty chart.
    """
    last = db.query(f"SELECT max({time_column}) AS last FROM {table} WHERE key = ?", [key])
    if last.height == 0 or last["last"][0] is None:
        return None
    cutoff = last["last"][0] - span
    return db.query(
        f"SELECT * FROM {table} WHERE key = ? AND {time_column} >= ? ORDER BY {time_column}",
        [key, cutoff],
    )


def key_activity(db: Warehouse, tables: set[str], key: str, *, days: int = 7) -> dict[str, Any]:
    """Posts per time bucket for `key`, with the expected band and whether it was anomalous.

    Buckets are UTC hours; from the base tables, a span of data shorter than
    SHORT_SPAN (a fresh demo) is shown in the 15-minute windows instead, so it is not two points.
    """
    span = timedelta(days=days)
    if "mart_keyword_activity_hourly" in tables:
        frame = _since_latest(db, "mart_keyword_activity_hourly", "hour", key, span)
        points = (
            []
            if frame is None
            else rows(
                frame.select(
                    pl.col("hour").alias("start"),
                    "posts",
                    pl.col("expected_posts").alias("expected"),
                    "expected_low",
                    "expected_high",
                    "is_anomaly",
                )
            )
        )
        return {"bucket_minutes": 60, "points": points}
    windows = None
    if "sentiment_summary" in tables:
        windows = _since_latest(db, "sentiment_summary", "window_start", key, span)
    if windows is None:
        return {"bucket_minutes": 60, "points": []}
    starts = [_utc(at) for at in windows["window_start"]]
    last = max(starts)
    # A key new in the span (a fresh challenge) shows zeros from when any data began.
    data_start = db.query(
        "SELECT min(window_start) AS first FROM sentiment_summary WHERE window_start >= ?",
        [last - span],
    )["first"][0]
    first = _utc(data_start)
    step = WINDOW if last - first < SHORT_SPAN else timedelta(hours=1)
    counts: dict[datetime, int] = {}
    for at, posts in zip(starts, windows["posts"], strict=True):
        bucket = _floor(at, step)
        counts[bucket] = counts.get(bucket, 0) + int(posts)
    baselines: dict[int, tuple[float, float]] = {}
    if "keyword_baselines" in tables:
        found = db.query(
            "SELECT hour_of_week, posts_centre, posts_spread FROM keyword_baselines WHERE key = ?",
            [key],
        )
        # The baselines are per minute (the stream's window); scale them to the bucket.
        minutes = step / timedelta(minutes=1)
        baselines = {
            int(h): (float(c or 0.0) * minutes, float(s or 0.0) * minutes)
            for h, c, s in found.iter_rows()
        }
    points = []
    first, last = _floor(first, step), _floor(last, step)
    # sentiment_summary has no row for a window without posts: those buckets count zero.
    for i in range(int((last - first) / step) + 1):
        bucket = first + i * step
        expected, spread = baselines.get(hour_of_week(bucket), (0.0, 0.0))
        low, high = expected_band(expected, spread)
        posts = counts.get(bucket, 0)
        points.append(
            {
                "start": jsonable(bucket),
                "posts": posts,
                "expected": expected,
                "expected_low": low,
                "expected_high": high,
                "is_anomaly": posts > high or posts < low,
            }
        )
    return {"bucket_minutes": int(step / timedelta(minutes=1)), "points": points}


def _floor(at: datetime, step: timedelta) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return epoch + ((at - epoch) // step) * step


def key_sentiment(
    db: Warehouse, tables: set[str], key: str, *, hours: int = 48
) -> list[dict[str, Any]]:
    """The key's 15-minute sentiment windows: posts, label shares and mean score."""
    table = "mart_sentiment_15min" if "mart_sentiment_15min" in tables else "sentiment_summary"
    if table not in tables:
        return []
    frame = _since_latest(db, table, "window_start", key, timedelta(hours=hours))
    if frame is None:
        return []
    return rows(frame.select("window_start", "posts", *SHARE_COLUMNS, "mean_score"))


def trending_days(db: Warehouse, tables: set[str]) -> list[str]:
    if "trending_challenges" not in tables:
        return []
    frame = db.query("SELECT DISTINCT day FROM trending_challenges ORDER BY day DESC LIMIT 60")
    return [jsonable(d) for d in frame["day"].to_list()]


def _with_real_growth(item: dict[str, Any]) -> dict[str, Any]:
    """The trend without a growth figure when the key had no posts on any earlier day: growth
    against an empty baseline is only its posts plus one (a first day's "x896")."""
    if not item["baseline_posts"]:
        return {**item, "growth": None}
    return item


def latest_trending(
    db: Warehouse, tables: set[str], *, day: str | None = None, limit: int = 10
) -> dict[str, Any]:
    """Top trending challenges and sounds of `day` (default: the latest day with any).

    Sounds show as "title — author" where the `music` table knows the title, else as their id;
    `growth` is None for a key without an earlier day to compare with.
    """
    days = trending_days(db, tables)
    chosen = day or (days[0] if days else None)
    result: dict[str, Any] = {"day": chosen, "days": days, "challenges": [], "music": []}
    if chosen is None:
        return result
    the_day = date.fromisoformat(chosen)
    columns = "rank, key, posts, authors, engagement, baseline_posts, growth, score"
    if "mart_trending_daily" in tables:
        for kind, target in (("challenge", "challenges"), ("music", "music")):
            frame = db.query(
                f"SELECT {columns}, display_name FROM mart_trending_daily "
                "WHERE day = ? AND kind = ? ORDER BY rank LIMIT ?",
                [the_day, kind, limit],
            )
            result[target] = [_with_real_growth(row) for row in rows(frame)]
        return result
    music_name, music_join = "t.key", ""
    if "music" in tables:  # as mart_trending_daily: title and author where posts carried them
        music_name = "coalesce(m.music_title || ' — ' || coalesce(m.music_author, '?'), t.key)"
        music_join = "LEFT JOIN music m ON m.music_id = t.key"
    named = {"challenges": ("'#' || t.key", ""), "music": (music_name, music_join)}
    for table, target in (("trending_challenges", "challenges"), ("trending_music", "music")):
        if table not in tables:
            continue
        name, join = named[target]
        frame = db.query(
            f"SELECT {', '.join(f't.{c}' for c in columns.split(', '))}, "
            f"{name} AS display_name FROM {table} t {join} "
            "WHERE t.day = ? ORDER BY t.rank LIMIT ?",
            [the_day, limit],
        )
        result[target] = [_with_real_growth(row) for row in rows(frame)]
    return result


FORECAST_COLUMNS = (
    "hour",
    "forecast_posts",
    "forecast_low",
    "forecast_high",
    "band_high",
    "is_rising",
)
# trend_forecasts' columns under mart_trend_forecasts' names.
FORECAST_BASE_COLUMNS = (
    "day, key, hour, expected AS forecast_posts, low AS forecast_low, high AS forecast_high, "
    "band_high, rising AS is_rising"
)


def forecasts_source(tables: set[str]) -> str | None:
    """mart_trend_forecasts once dbt has built it, else the trend_forecasts table (aliased)."""
    return _mart_or_table(tables, "mart_trend_forecasts", "trend_forecasts", FORECAST_BASE_COLUMNS)


def _mart_or_table(tables: set[str], mart: str, table: str, columns: str) -> str | None:
    """`mart` once dbt has built it, else `table` with `columns` (its own under the mart's
    names), else None."""
    if mart in tables:
        return mart
    if table in tables:
        return f"(SELECT {columns} FROM {table}) AS {table}"
    return None


def _chosen_day(db: Warehouse, source: str, day: str | None, result: dict[str, Any]) -> Any:
    """The day to show from `source` (`day`, else its latest), or None if it has none; puts
    the latest 60 days into `result["days"]` and the day into `result["day"]`."""
    found = db.query(f"SELECT DISTINCT day FROM {source} ORDER BY day DESC LIMIT 60")["day"]
    result["days"] = [jsonable(d) for d in found]
    chosen = date.fromisoformat(day) if day else (found[0] if len(found) else None)
    if chosen is not None:
        result["day"] = jsonable(chosen)
    return chosen


def rising_forecasts(
    db: Warehouse, tables: set[str], *, day: str | None = None, limit: int = 20
) -> dict[str, Any]:
    """The keys forecast to rise in the 24 hours after `day` (default: the latest day forecast).

    A key rises when an hour's forecast is above the key's usual band for that hour of the day
    (`socialpulse.batch.trend_forecast`). Each key comes with its hourly forecast, 90% interval
    and band, and the evidence: its first hour above the band, how many hours are, and its peak
    (the highest forecast, with its interval). The furthest above its band comes first.
    """
    source = forecasts_source(tables)
    result: dict[str, Any] = {"day": day, "days": [], "keys": []}
    if source is None:
        return result
    chosen = _chosen_day(db, source, day, result)
    if chosen is None:
        return result
    frame = db.query(
        f"SELECT key, {', '.join(FORECAST_COLUMNS)} FROM {source} WHERE day = ? AND key IN "
        f"(SELECT key FROM {source} WHERE day = ? AND is_rising) ORDER BY key, hour",
        [chosen, chosen],
    )
    furthest: dict[str, float] = {}
    for (key,), hours in frame.group_by("key", maintain_order=True):
        points = rows(hours.select(FORECAST_COLUMNS))
        rising = [p for p in points if p["is_rising"]]
        furthest[key] = max(p["forecast_posts"] - p["band_high"] for p in rising)
        result["keys"].append(
            {
                "key": key,
                "first_rising_hour": rising[0]["hour"],
                "rising_hours": len(rising),
                "peak": max(points, key=lambda p: p["forecast_posts"]),  # the first, on a tie
                "forecast_posts_24h": sum(p["forecast_posts"] for p in points),
                "hours": points,
            }
        )
    result["keys"].sort(key=lambda k: (-furthest[k["key"]], k["key"]))
    del result["keys"][limit:]
    return result


TOPIC_COLUMNS = (
    "topic_id",
    "terms",
    "post_count",
    "share",
    "example_posts",
    "sampled_posts",
    "day_posts",
    "is_emerging",
    "emerging_reason",
    "matched_day",
    "matched_topic_id",
    "history_days",
)
# daily_topics' columns under mart_topics' names.
TOPIC_BASE_COLUMNS = (
    "day, topic_id, terms, post_count, share, example_posts, sampled_posts, day_posts, "
    "emerging AS is_emerging, emerging_reason, matched_day, matched_topic_id, history_days"
)


def topics_source(tables: set[str]) -> str | None:
    """mart_topics once dbt has built it, else the daily_topics table (aliased)."""
    return _mart_or_table(tables, "mart_topics", "daily_topics", TOPIC_BASE_COLUMNS)


def day_topics(
    db: Warehouse, tables: set[str], *, day: str | None = None, limit: int = 20
) -> dict[str, Any]:
    """The topics of `day` (default: the latest day with topics), biggest first.

    Each topic has its top terms, posts and share of the day's sample, examples, and
    `emerging_reason`: `new` (no earlier topic matched), `growing` (its share grew sharply
    against its match's) or null, as `socialpulse.batch.daily_topics` decided it.
    """
    source = topics_source(tables)
    result: dict[str, Any] = {"day": day, "days": [], "topics": []}
    if source is None:
        return result
    chosen = _chosen_day(db, source, day, result)
    if chosen is None:
        return result
    frame = db.query(
        f"SELECT {', '.join(TOPIC_COLUMNS)} FROM {source} WHERE day = ? ORDER BY topic_id LIMIT ?",
        [chosen, limit],
    )
    result["topics"] = rows(frame)
    return result

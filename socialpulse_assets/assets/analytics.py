"""Baselines, trends, sentiment summaries, forecasts and topics computed from the lake and the
warehouse."""

from datetime import UTC, date, datetime, timedelta

import polars as pl
from dagster import AssetExecutionContext, Config, MaterializeResult, MetadataValue, asset

from socialpulse.batch.baselines import BASELINES_SCHEMA, write_keyword_baselines
from socialpulse.batch.baselines import keyword_baselines as compute_keyword_baselines
from socialpulse.batch.daily_topics import (
    MATCH_LOOKBACK_DAYS,
    day_posts_count_sql,
    flag_emerging,
    previous_topics_sql,
    sample_posts_sql,
    topic_rows,
    topics_markdown,
    unnamed_topics,
)
from socialpulse.batch.sentiment_summary import sentiment_summary as compute_sentiment_summary
from socialpulse.batch.trend_forecast import forecast_keys, hourly_key_counts, rising_keys
from socialpulse.batch.trending import (
    challenge_items,
    daily_activity,
    music_items,
    rank_trending,
)
from socialpulse.lake import Lake, landing_files, utc_day_bounds
from socialpulse.loading import deduplicate_posts
from socialpulse_assets.metadata import (
    bar_chart,
    empty_table_metadata,
    hour_of_week_chart,
    table_metadata,
)
from socialpulse_assets.partitions import daily
from socialpulse_assets.resources import (
    BatchSettingsResource,
    LakeResource,
    WarehouseResource,
    or_setting,
)


class BaselineConfig(Config):
    weeks: int | None = None  # default: batch_settings.baseline_weeks (SOCIALPULSE_BASELINE_WEEKS)
    end: str | None = None  # ISO timestamp; default: the start of the current hour


class TrendingConfig(Config):
    baseline_days: int = 7
    # Default: batch_settings' (SOCIALPULSE_TRENDING_MIN_POSTS, SOCIALPULSE_TRENDING_MIN_AUTHORS).
    min_posts: int | None = None
    min_authors: int | None = None
    top: int = 50


def _landed_days(lake: Lake, first: date, last: date) -> pl.DataFrame:
    days = [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]
    return lake.read([f for day in days for f in landing_files(lake, day)])


@asset(deps=["posts"], group_name="analytics")
def keyword_baselines(
    context: AssetExecutionContext,
    config: BaselineConfig,
    lake: LakeResource,
    warehouse: WarehouseResource,
    batch_settings: BatchSettingsResource,
) -> MaterializeResult:
    """Hour-of-week median and 1.4826·MAD per key over the last weeks; the stream reads them."""
    weeks = or_setting(config.weeks, batch_settings.baseline_weeks)
    now = datetime.now(UTC)
    end = (
        datetime.fromisoformat(config.end).astimezone(UTC)
        if config.end
        else now.replace(minute=0, second=0, microsecond=0)
    )
    context.log.info(f"keyword_baselines over the {weeks} weeks before {end.isoformat()}")
    the_lake = lake.lake()
    landed = _landed_days(the_lake, (end - timedelta(weeks=weeks)).date(), end.date())
    baselines = (
        compute_keyword_baselines(landed, end=end, weeks=weeks, computed_at=now)
        if not landed.is_empty()
        else pl.DataFrame()
    )
    if baselines.is_empty():
        context.log.warning(
            f"no posts landed in the {weeks} weeks before {end.isoformat()}: the stream "
            "keeps its previous baselines (set `end` in the run config for historical data)"
        )
        with warehouse.connect() as db:  # the table exists for dbt and BI tools all the same
            db.ensure_table("keyword_baselines", BASELINES_SCHEMA, ["key", "hour_of_week"])
        return MaterializeResult(
            metadata={**empty_table_metadata("keyword_baselines"), "window_end": end.isoformat()}
        )
    path = write_keyword_baselines(the_lake, baselines)
    with warehouse.connect() as db:
        db.replace_where("keyword_baselines", baselines, "1 = 1", (), key=["key", "hour_of_week"])
    busiest = (
        baselines.group_by("key").agg(pl.col("posts_centre").sum()).sort("posts_centre").tail(1)
    )["key"][0]
    profile = baselines.filter(pl.col("key") == busiest).sort("hour_of_week")
    return MaterializeResult(
        metadata={
            **table_metadata("keyword_baselines", baselines),
            "path": path,
            "keys": baselines["key"].n_unique(),
            "window_end": end.isoformat(),
            "busiest_key_profile": hour_of_week_chart(
                profile["hour_of_week"].to_list(),
                profile["posts_centre"].to_list(),
                profile["posts_spread"].to_list(),
                title=f"{busiest}: posts per minute by hour of week (median ± 1.4826·MAD)",
            ),
        }
    )


def _trending(
    context: AssetExecutionContext,
    config: TrendingConfig,
    lake: LakeResource,
    warehouse: WarehouseResource,
    batch_settings: BatchSettingsResource,
    table: str,
) -> MaterializeResult:
    day = date.fromisoformat(context.partition_key)
    posts = deduplicate_posts(
        _landed_days(lake.lake(), day - timedelta(days=config.baseline_days), day)
    )
    if posts.is_empty():
        return MaterializeResult(metadata=empty_table_metadata(table))
    items, key = (
        (challenge_items(posts), "challenge")
        if table == "trending_challenges"
        else (music_items(posts), "music_id")
    )
    ranked = rank_trending(
        daily_activity(items, key),
        key,
        day=day,
        baseline_days=config.baseline_days,
        min_posts=or_setting(config.min_posts, batch_settings.trending_min_posts),
        min_authors=or_setting(config.min_authors, batch_settings.trending_min_authors),
        top=config.top,
    )
    with warehouse.connect() as db:
        db.replace_where(table, ranked, "day = ?", (day,), key=["day", "rank"])
    top = ranked.head(5)
    context.log.info(f"{table} {day}: {ranked.height} keys met the minimum support")
    return MaterializeResult(
        metadata={
            **table_metadata(table, ranked),
            "growth_chart": bar_chart(
                ranked.head(15)["key"].to_list(),
                ranked.head(15)["growth"].to_list(),
                title=f"{table} {day}: growth against own {config.baseline_days}-day baseline",
            ),
            "top_trends": MetadataValue.md(
                "\n".join(
                    f"{r}. {k} (growth {g:.1f}x)"
                    for r, k, g in top.select("rank", "key", "growth").iter_rows()
                )
                or "no key met the minimum support"
            ),
        }
    )


@asset(deps=["posts"], partitions_def=daily, group_name="analytics")
def trending_challenges(
    context: AssetExecutionContext,
    config: TrendingConfig,
    lake: LakeResource,
    warehouse: WarehouseResource,
    batch_settings: BatchSettingsResource,
) -> MaterializeResult:
    """Challenges of the day ranked by engagement-weighted growth against their own baseline."""
    return _trending(context, config, lake, warehouse, batch_settings, "trending_challenges")


@asset(deps=["music"], partitions_def=daily, group_name="analytics")
def trending_music(
    context: AssetExecutionContext,
    config: TrendingConfig,
    lake: LakeResource,
    warehouse: WarehouseResource,
    batch_settings: BatchSettingsResource,
) -> MaterializeResult:
    """Sounds of the day ranked by engagement-weighted growth against their own baseline."""
    return _trending(context, config, lake, warehouse, batch_settings, "trending_music")


@asset(deps=["posts"], partitions_def=daily, group_name="analytics")
def sentiment_summary(
    context: AssetExecutionContext, lake: LakeResource, warehouse: WarehouseResource
) -> MaterializeResult:
    """Per key and 15-minute window: counts per label, mean score, share of each label."""
    day = date.fromisoformat(context.partition_key)
    landed = _landed_days(lake.lake(), day, day)
    if landed.is_empty():
        return MaterializeResult(metadata=empty_table_metadata("sentiment_summary"))
    summary = compute_sentiment_summary(landed).with_columns(day=pl.lit(day))
    with warehouse.connect() as db:
        db.replace_where(
            "sentiment_summary", summary, "day = ?", (day,), key=["key", "window_start"]
        )
    return MaterializeResult(metadata=table_metadata("sentiment_summary", summary))


class TrendForecastConfig(Config):
    history_days: int = 14  # the hours each key's model learns from, up to the day's end
    min_posts: int = 20  # keys with fewer posts over the history are not forecast
    top: int = 50  # the busiest keys only


@asset(deps=["posts"], partitions_def=daily, group_name="analytics")
def trend_forecast(
    context: AssetExecutionContext,
    config: TrendForecastConfig,
    lake: LakeResource,
    warehouse: WarehouseResource,
) -> MaterializeResult:
    """The next 24 hours of each busy key's posts, by hour with a 90% interval, after the day;
    `rising` where the forecast leaves the key's own band (`socialpulse.batch.trend_forecast`)."""
    day = date.fromisoformat(context.partition_key)
    end = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
    start = end - timedelta(days=config.history_days)
    landed = _landed_days(lake.lake(), start.date(), day)
    if landed.is_empty():
        return MaterializeResult(metadata=empty_table_metadata("trend_forecasts"))
    counts = hourly_key_counts(landed, start, end)
    forecasts = forecast_keys(counts, start, end, config.min_posts, config.top).with_columns(
        day=pl.lit(day)
    )
    with warehouse.connect() as db:
        db.replace_where("trend_forecasts", forecasts, "day = ?", (day,), key=["key", "hour"])
    rising = rising_keys(forecasts)
    context.log.info(
        f"trend_forecast {day}: {forecasts['key'].n_unique()} keys forecast, {rising.height} rising"
    )
    return MaterializeResult(
        metadata={
            **table_metadata("trend_forecasts", forecasts),
            "keys": forecasts["key"].n_unique(),
            "rising": MetadataValue.md(
                "\n".join(
                    f"- {k}: {e:.0f} posts forecast at {h:%Y-%m-%d %H:00} (band up to {b:.0f})"
                    for k, h, e, b in rising.head(15).iter_rows()
                )
                or "no key is forecast to leave its band"
            ),
        }
    )


class DailyTopicsConfig(Config):
    # Default: batch_settings.topics_sample_posts (SOCIALPULSE_TOPICS_SAMPLE_POSTS).
    sample_posts: int | None = None


@asset(deps=["posts"], partitions_def=daily, group_name="analytics")
def daily_topics(
    context: AssetExecutionContext,
    config: DailyTopicsConfig,
    warehouse: WarehouseResource,
    batch_settings: BatchSettingsResource,
) -> MaterializeResult:
    """The topics of a deterministic sample of the day's posts (how many is found, not given),
    one row per topic: top terms, posts, share, examples; `emerging` when new or much bigger
    than on the days before (`socialpulse.batch.daily_topics`)."""
    from socialpulse.topics import discover_topics  # the encoder and networkx: for runs only

    cap = or_setting(config.sample_posts, batch_settings.topics_sample_posts)
    day = date.fromisoformat(context.partition_key)
    start, end = utc_day_bounds(day)
    with warehouse.connect() as db:
        day_posts = int(db.query(day_posts_count_sql(), (start, end))["n"][0])
        texts = db.query(sample_posts_sql(), (start, end, cap))["text"].fill_null("").to_list()
        previous = (
            db.query(previous_topics_sql(), (day - timedelta(days=MATCH_LOOKBACK_DAYS), day))
            if db.has_table("daily_topics")
            else pl.DataFrame()
        )
    sampling = (
        f"topics of a deterministic sample of {len(texts):,} of the day's {day_posts:,} posts "
        f"(at most {cap:,}: SOCIALPULSE_TOPICS_SAMPLE_POSTS, or run config `sample_posts`)"
    )
    context.log.info(f"daily_topics {day}: {sampling}")
    found = discover_topics(texts, progress=context.log.info)
    topics = flag_emerging(topic_rows(day, found, len(texts), day_posts), previous)
    with warehouse.connect() as db:  # an empty day too: its old rows go, the table exists
        db.replace_where("daily_topics", topics, "day = ?", (day,), key=["day", "topic_id"])
    unnamed = unnamed_topics(found)
    emerging = topics.filter("emerging")
    context.log.info(
        f"daily_topics {day}: {topics.height} topics, {emerging.height} emerging"
        + (f", {len(unnamed)} without a term left out" if unnamed else "")
    )
    return MaterializeResult(
        metadata={
            **table_metadata(
                "daily_topics",
                topics,
                preview=topics.select(
                    "topic_id",
                    pl.col("terms").list.join(" "),
                    "post_count",
                    pl.col("share").round(3),
                    "emerging",
                ),
                rows=20,
            ),
            "sample": sampling,
            "sampled_posts": len(texts),
            "day_posts": day_posts,
            "sample_cap": cap,
            "emerging": emerging.height,
            "unnamed_topics_left_out": len(unnamed),
            "topics": MetadataValue.md(topics_markdown(topics)),
        }
    )

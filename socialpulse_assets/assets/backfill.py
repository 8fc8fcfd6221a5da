"""Spark backfill: the cleansed tables, trending and keyword_baselines over many days in one run."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
from dagster import (
    AssetExecutionContext,
    BackfillPolicy,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
    define_asset_job,
)

from socialpulse.batch.baselines import write_keyword_baselines
from socialpulse.batch.cleansing import TABLE_KEYS, refresh_dimensions
from socialpulse.contracts import CLEANSED_ZONE
from socialpulse_assets.assets.lake_ingest import FACT_TABLES, landing
from socialpulse_assets.partitions import daily
from socialpulse_assets.resources import (
    BatchSettingsResource,
    LakeResource,
    WarehouseResource,
    or_setting,
)


class SparkBackfillConfig(Config):
    # Left out (None): batch_settings' value (SOCIALPULSE_SPARK_MASTER, _BASELINE_WEEKS,
    # _TRENDING_MIN_POSTS, _TRENDING_MIN_AUTHORS).
    master: str | None = None
    baseline_weeks: int | None = None
    trending_baseline_days: int = 7
    min_posts: int | None = None
    min_authors: int | None = None
    top: int = 50

    def with_settings(self, settings: BatchSettingsResource) -> "SparkBackfillConfig":
        """This config with what it leaves out taken from the settings."""
        return self.model_copy(
            update={
                "master": or_setting(self.master, settings.spark_master),
                "baseline_weeks": or_setting(self.baseline_weeks, settings.baseline_weeks),
                "min_posts": or_setting(self.min_posts, settings.trending_min_posts),
                "min_authors": or_setting(self.min_authors, settings.trending_min_authors),
            }
        )


def _to_polars(frame) -> pl.DataFrame:
    return pl.from_arrow(frame.toArrow())


@asset(
    deps=[landing],
    partitions_def=daily,
    backfill_policy=BackfillPolicy.single_run(),
    group_name="backfill",
    kinds={"spark", "python"},
)
def spark_backfill(
    context: AssetExecutionContext,
    config: SparkBackfillConfig,
    lake: LakeResource,
    warehouse: WarehouseResource,
    batch_settings: BatchSettingsResource,
) -> MaterializeResult:
    """Recompute a range of days with PySpark reading the lake over s3a:// (or a directory).

    One run covers the whole selected range (single-run backfill policy). It rewrites the
    cleansed zone of those days (dynamic partition overwrite), reloads the warehouse's posts and
    post_challenges and recomputes the dimensions, replaces the days' trending challenges and
    music, and recomputes keyword_baselines for the weeks before the range's end.
    """
    from socialpulse.spark.backfill import (
        cleanse,
        keyword_baselines,
        read_landing,
        s3a_url,
        spark_session,
        trending,
    )

    config = config.with_settings(batch_settings)
    window = context.partition_time_window
    first_day = window.start.date()
    last_day = (window.end - timedelta(days=1)).date()
    days = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    context.log.info(
        f"Spark backfill of {len(days)} days {first_day}..{last_day} on {config.master}"
    )
    lake_settings = lake.settings()
    the_lake = lake.lake()
    spark = spark_session(
        lake_settings.model_copy(update={"state_dir": Path(batch_settings.state_dir)}),
        config.master,
    )
    spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
    try:
        landed = read_landing(spark, lake_settings.resolved_lake_url)
        history_start = min(
            first_day - timedelta(days=config.trending_baseline_days),
            (window.end - timedelta(weeks=config.baseline_weeks)).date(),
        )
        in_range = landed.where(
            (landed.created_at >= datetime.combine(first_day, datetime.min.time(), UTC))
            & (landed.created_at < window.end)
        )
        tables = cleanse(in_range)
        root = s3a_url(lake_settings.resolved_lake_url).rstrip("/")
        for table, frame in tables.items():
            context.log.info(f"writing {CLEANSED_ZONE}/{table} for {len(days)} days")
            frame.write.mode("overwrite").partitionBy("dt").parquet(
                f"{root}/{CLEANSED_ZONE}/{table}"
            )

        history = cleanse(
            landed.where(
                (landed.created_at >= datetime.combine(history_start, datetime.min.time(), UTC))
                & (landed.created_at < window.end)
            )
        )["posts"]
        ranked = {
            table: _to_polars(
                trending(
                    history,
                    kind,
                    first_day=first_day.isoformat(),
                    last_day=last_day.isoformat(),
                    baseline_days=config.trending_baseline_days,
                    min_posts=config.min_posts,
                    min_authors=config.min_authors,
                    top=config.top,
                )
            )
            for table, kind in (
                ("trending_challenges", "challenge"),
                ("trending_music", "music_id"),
            )
        }
        now = datetime.now(UTC)
        baselines = _to_polars(
            keyword_baselines(
                spark, landed, end=window.end, weeks=config.baseline_weeks, computed_at=now
            )
        )
        per_day = {
            table: _to_polars(tables[table].where(tables[table].dt.isin(days)))
            for table in TABLE_KEYS
        }
    finally:
        spark.stop()

    loaded = {table: 0 for table in TABLE_KEYS}
    with warehouse.connect() as db:
        for day in days:
            day_tables = {
                table: frame.filter(pl.col("dt") == day).drop("dt")
                for table, frame in per_day.items()
            }
            if day_tables["posts"].is_empty():
                continue
            for table in FACT_TABLES:
                loaded[table] += db.upsert(table, day_tables[table], key=TABLE_KEYS[table])
            for table, frame in refresh_dimensions(db, day, day_tables).items():
                loaded[table] += frame.height
            for table, frame in ranked.items():
                db.replace_where(
                    table,
                    frame.filter(pl.col("day") == day),
                    "day = ?",
                    (day,),
                    key=["day", "rank"],
                )
        if not baselines.is_empty():
            db.replace_where(
                "keyword_baselines", baselines, "1 = 1", (), key=["key", "hour_of_week"]
            )
    path = write_keyword_baselines(the_lake, baselines) if not baselines.is_empty() else None
    top = (
        ranked["trending_challenges"]
        .sort("day", "rank")
        .group_by("day", maintain_order=True)
        .first()
    )
    return MaterializeResult(
        metadata={
            "days": len(days),
            "first_day": first_day.isoformat(),
            "last_day": last_day.isoformat(),
            "spark_master": config.master,
            **{f"{table}_rows": count for table, count in loaded.items()},
            "trending_rows": sum(frame.height for frame in ranked.values()),
            "keyword_baselines_rows": baselines.height,
            "keyword_baselines_path": path or "",
            "top_challenge_per_day": MetadataValue.md(
                "\n".join(
                    f"- {d}: {k} (growth {g:.1f}x)"
                    for d, k, g in top.select("day", "key", "growth").iter_rows()
                )
                or "no challenge met the minimum support"
            ),
        }
    )


spark_backfill_job = define_asset_job(
    "spark_backfill_job",
    selection=[spark_backfill],
    description="Recompute a range of days with PySpark in one run (pick the range in the "
    "launchpad's backfill dialog); see spark_backfill.",
)

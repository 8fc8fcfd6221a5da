"""Spark backfills over the whole lake, read through s3a:// directly.

The cleansed tables, keyword_baselines and trending recomputed with the same definitions as the
polars path (`socialpulse.batch`): deduplication keeps the first delivery of a post id; baselines
are median and 1.4826·MAD per key and hour of week with zero-count hours included (posts and
engagement per minute); trending is engagement-weighted growth against the key's own mean daily
posts over the previous days. Integration tests check both paths give the same rows.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from socialpulse.batch.trending import TREND_COLUMNS
from socialpulse.contracts import LANDING_GLOB
from socialpulse.loading import POST_COLUMNS
from socialpulse.settings import Settings
from socialpulse.spark.contract_columns import hashtag_key, hour_of_week, keyword_key, music_key
from socialpulse.spark.jars import bundled_hadoop_version, ensure_s3a_jars, s3a_jars_mismatch

logger = logging.getLogger(__name__)

# pyspark 4's Hadoop defaults spell these durations as "60s"; hadoop-aws 3.3.1 parses only numbers.
S3A_NUMERIC_DURATIONS = {
    "fs.s3a.connection.timeout": "200000",
    "fs.s3a.connection.establish.timeout": "30000",
    "fs.s3a.connection.ttl": "300000",
    "fs.s3a.threads.keepalivetime": "60",
    "fs.s3a.multipart.purge.age": "86400",
    "fs.s3a.connection.idle.time": "60000",
    "fs.s3a.retry.interval": "500",
    "fs.s3a.retry.throttle.interval": "100",
    "fs.s3a.assumed.role.session.duration": "1800",
}


def s3a_url(lake_url: str) -> str:
    return "s3a://" + lake_url.removeprefix("s3://") if lake_url.startswith("s3://") else lake_url


def spark_session(
    settings: Settings, master: str = "local[*]", conf: dict[str, str] | None = None
) -> SparkSession:
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    jars = ",".join(str(p) for p in ensure_s3a_jars(Path(settings.state_dir)))
    mismatch = s3a_jars_mismatch(bundled_hadoop_version())
    if mismatch:
        logger.warning(mismatch)
    builder = (
        SparkSession.builder.master(master)
        .appName("socialpulse-backfill")
        .config("spark.jars", jars)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
    )
    for name, value in {**S3A_NUMERIC_DURATIONS, **(conf or {})}.items():
        key = name if name.startswith("spark.") else f"spark.hadoop.{name}"
        builder = builder.config(key, value)
    if settings.s3_endpoint_url:
        builder = (
            builder.config("spark.hadoop.fs.s3a.endpoint", settings.s3_endpoint_url)
            .config("spark.hadoop.fs.s3a.path.style.access", "true")
            .config("spark.hadoop.fs.s3a.connection.ssl.enabled", "false")
        )
    if settings.s3_access_key_id:
        builder = (
            builder.config("spark.hadoop.fs.s3a.access.key", settings.s3_access_key_id)
            .config("spark.hadoop.fs.s3a.secret.key", settings.s3_secret_access_key or "")
            .config(
                # pyspark 4's default provider list names SDK v2 classes the v1 bundle lacks.
                "spark.hadoop.fs.s3a.aws.credentials.provider",
                "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
            )
        )
    return builder.getOrCreate()


def key_observations(landed: DataFrame) -> DataFrame:
    base = landed.dropDuplicates(["id"]).select(
        "id",
        "created_at",
        (
            F.coalesce("likes", F.lit(0))
            + F.coalesce("shares", F.lit(0))
            + F.coalesce("comments", F.lit(0))
        ).alias("engagement"),
        F.col("sentiment_score").alias("sentiment"),
        "hashtags",
        "music_id",
        "keywords",
    )
    tags = base.select("*", F.explode("hashtags").alias("tag")).withColumn(
        "key", hashtag_key(F.col("tag"))
    )
    music = base.withColumn("key", music_key(F.col("music_id")))
    words = base.select("*", F.explode("keywords").alias("word")).withColumn(
        "key", keyword_key(F.col("word"))
    )
    columns = ["id", "created_at", "engagement", "sentiment", "key"]
    return (
        tags.select(columns)
        .unionByName(music.select(columns))
        .unionByName(words.select(columns))
        .where(F.col("key").isNotNull())
        .dropDuplicates(["id", "key"])
    )


def keyword_baselines(
    spark: SparkSession, landed: DataFrame, *, end: datetime, weeks: int, computed_at: datetime
) -> DataFrame:
    start = end - timedelta(weeks=weeks)
    # The window first, then deduplication, as the polars path: a post id landed again on
    # another day must not take the window's post out of the window.
    observations = key_observations(
        landed.where((F.col("created_at") >= F.lit(start)) & (F.col("created_at") < F.lit(end)))
    )
    hourly = observations.groupBy("key", F.date_trunc("hour", "created_at").alias("hour")).agg(
        F.count("*").alias("posts"),
        F.sum("engagement").alias("engagement"),
        F.avg("sentiment").alias("sentiment"),
    )
    hours = spark.sql(
        f"SELECT explode(sequence(timestamp'{start:%Y-%m-%d %H:%M:%S}', "
        f"timestamp'{end - timedelta(hours=1):%Y-%m-%d %H:%M:%S}', interval 1 hour)) AS hour"
    )
    grid = (
        observations.select("key")
        .distinct()
        .crossJoin(hours)
        .join(hourly, ["key", "hour"], "left")
        .select(
            "key",
            hour_of_week(F.col("hour")).alias("hour_of_week"),
            (F.coalesce("posts", F.lit(0)) / 60.0).alias("posts"),
            (F.coalesce("engagement", F.lit(0)) / 60.0).alias("engagement"),
            "sentiment",
        )
    )
    centres = grid.groupBy("key", "hour_of_week").agg(
        *[
            F.expr(f"percentile({c}, 0.5)").alias(f"{c}_centre")
            for c in ("posts", "engagement", "sentiment")
        ]
    )
    deviations = (
        grid.join(centres, ["key", "hour_of_week"])
        .groupBy("key", "hour_of_week")
        .agg(
            *[
                F.first(f"{c}_centre").alias(f"{c}_centre")
                for c in ("posts", "engagement", "sentiment")
            ],
            *[
                (F.expr(f"percentile(abs({c} - {c}_centre), 0.5)") * 1.4826).alias(f"{c}_spread")
                for c in ("posts", "engagement", "sentiment")
            ],
        )
    )
    return deviations.select(
        "key",
        "hour_of_week",
        "posts_centre",
        "posts_spread",
        "engagement_centre",
        "engagement_spread",
        "sentiment_centre",
        "sentiment_spread",
        F.lit(weeks).cast("int").alias("weeks"),
        F.lit(computed_at).alias("computed_at"),
    )


def read_landing(spark: SparkSession, lake_url: str) -> DataFrame:
    return spark.read.parquet(landing_glob(lake_url))


def landing_glob(lake_url: str) -> str:
    return s3a_url(lake_url).rstrip("/") + "/" + LANDING_GLOB


def cleanse(landed: DataFrame) -> dict[str, DataFrame]:
    """The cleansed tables with a `dt` column, per day as `socialpulse.batch.cleansing.cleanse`.

    Posts land by event hour, so every delivery of one post id is in the same day.
    """
    first = Window.partitionBy("id").orderBy(
        F.col("ingested_at").asc_nulls_last(),
        F.col("kafka_partition").asc_nulls_last(),
        F.col("kafka_offset").asc_nulls_last(),
    )
    posts = (
        landed.withColumn("_n", F.row_number().over(first))
        .where("_n = 1")
        .select(*[c for c in POST_COLUMNS if c in landed.columns])
        .withColumn("dt", F.to_date("created_at"))
    )
    post_challenges = (
        posts.select(
            F.col("id").alias("post_id"), "created_at", "dt", F.explode("hashtags").alias("tag")
        )
        .where(F.col("tag").isNotNull() & (F.col("tag") != ""))
        .select("post_id", F.lower("tag").alias("challenge"), "created_at", "dt")
        .dropDuplicates(["post_id", "challenge"])
    )
    latest = "max_by({0}, CASE WHEN {0} IS NULL THEN NULL ELSE created_at END)"
    authors = (
        posts.where(F.col("author_id").isNotNull())
        .groupBy("dt", "author_id")
        .agg(
            F.expr(latest.format("author_name")).alias("author_name"),
            F.min_by("platform", "created_at").alias("platform"),
            F.min("created_at").alias("first_seen"),
            F.max("created_at").alias("last_seen"),
            F.count("*").alias("posts"),
        )
    )
    challenges = post_challenges.groupBy("dt", "challenge").agg(
        F.min("created_at").alias("first_seen"),
        F.max("created_at").alias("last_seen"),
        F.count("*").alias("posts"),
    )
    music = (
        posts.where(F.col("music_id").isNotNull() & (F.col("music_id") != ""))
        .groupBy("dt", "music_id")
        .agg(
            F.expr(latest.format("music_title")).alias("music_title"),
            F.expr(latest.format("music_author")).alias("music_author"),
            F.min("created_at").alias("first_seen"),
            F.max("created_at").alias("last_seen"),
            F.count("*").alias("posts"),
        )
    )
    return {
        "posts": posts,
        "authors": authors,
        "challenges": challenges,
        "post_challenges": post_challenges,
        "music": music,
    }


def trending(
    posts: DataFrame,
    kind: str,
    *,
    first_day: str,
    last_day: str,
    baseline_days: int,
    min_posts: int,
    min_authors: int,
    top: int,
) -> DataFrame:
    """Daily trending challenges (`kind="challenge"`) or sounds (`"music_id"`) for a day range.

    `posts` must reach `baseline_days` before `first_day` so each day has its whole baseline.
    """
    engaged = posts.withColumn(
        "engagement",
        F.coalesce("likes", F.lit(0))
        + F.coalesce("shares", F.lit(0))
        + F.coalesce("comments", F.lit(0)),
    )
    if kind == "challenge":
        items = (
            engaged.select("*", F.explode("hashtags").alias("tag"))
            .where(F.col("tag").isNotNull() & (F.col("tag") != ""))
            .withColumn("key", F.lower("tag"))
            .dropDuplicates(["id", "key"])
        )
    else:
        items = engaged.where(F.col("music_id").isNotNull() & (F.col("music_id") != "")).withColumn(
            "key", F.col("music_id")
        )
    activity = items.groupBy(F.to_date("created_at").alias("day"), "key").agg(
        F.countDistinct("id").alias("posts"),
        F.countDistinct("author_id").alias("authors"),
        F.sum("engagement").alias("engagement"),
    )
    history = (
        Window.partitionBy("key")
        .orderBy(F.datediff("day", F.lit("1970-01-01")))
        .rangeBetween(-baseline_days, -1)
    )
    ranked_order = Window.partitionBy("day").orderBy(F.desc("score"), F.asc("key"))
    return (
        activity.withColumn(
            "baseline_posts",
            F.coalesce(F.sum("posts").over(history), F.lit(0)) / float(baseline_days),
        )
        .where(
            (F.col("day") >= F.lit(first_day).cast("date"))
            & (F.col("day") <= F.lit(last_day).cast("date"))
            & (F.col("posts") >= min_posts)
            & (F.col("authors") >= min_authors)
        )
        .withColumn("growth", (F.col("posts") + 1) / (F.col("baseline_posts") + 1))
        .withColumn("score", F.col("growth") * F.log1p(F.col("engagement").cast("double")))
        .withColumn("rank", F.row_number().over(ranked_order).cast("int"))
        .where(F.col("rank") <= top)
        .select(*TREND_COLUMNS)
    )

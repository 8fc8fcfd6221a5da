"""keyword_baselines recomputed by Spark over the whole lake, read through s3a:// directly.

Same definition as socialpulse.batch.baselines (median and 1.4826·MAD per key and hour of week,
zero-count hours included, posts and engagement per minute) so either path can be trusted.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from socialpulse.settings import Settings
from socialpulse.spark.jars import ensure_s3a_jars

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


def spark_session(settings: Settings, master: str = "local[*]") -> SparkSession:
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    jars = ",".join(str(p) for p in ensure_s3a_jars(Path(settings.state_dir)))
    builder = (
        SparkSession.builder.master(master)
        .appName("socialpulse-backfill")
        .config("spark.jars", jars)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
    )
    for name, value in S3A_NUMERIC_DURATIONS.items():
        builder = builder.config(f"spark.hadoop.{name}", value)
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
    tags = base.select("*", F.explode("hashtags").alias("tag")).where(F.length("tag") >= 2)
    tags = tags.withColumn("key", F.concat(F.lit("hashtag:"), F.lower("tag")))
    music = base.where(F.col("music_id").isNotNull() & (F.col("music_id") != "")).withColumn(
        "key", F.concat(F.lit("music:"), "music_id")
    )
    words = base.select("*", F.explode("keywords").alias("word")).withColumn(
        "key", F.concat(F.lit("keyword:"), F.lower("word"))
    )
    columns = ["id", "created_at", "engagement", "sentiment", "key"]
    return (
        tags.select(columns)
        .unionByName(music.select(columns))
        .unionByName(words.select(columns))
        .dropDuplicates(["id", "key"])
    )


def keyword_baselines(
    spark: SparkSession, landed: DataFrame, *, end: datetime, weeks: int, computed_at: datetime
) -> DataFrame:
    start = end - timedelta(weeks=weeks)
    observations = key_observations(landed).where(
        (F.col("created_at") >= F.lit(start)) & (F.col("created_at") < F.lit(end))
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
            ((F.dayofweek("hour") + 5) % 7 * 24 + F.hour("hour")).cast("int").alias("hour_of_week"),
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
    return spark.read.parquet(s3a_url(lake_url).rstrip("/") + "/landing/*/*/*.parquet")

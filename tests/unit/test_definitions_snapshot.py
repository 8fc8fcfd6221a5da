from socialpulse_assets.definitions import OWNERS_BY_GROUP
from socialpulse_assets.definitions import defs as code_location

defs = code_location()  # what `dagster dev` loads, for this process's settings

EXPECTED_GRAPH = {
    "alerts": ["landing"],
    "authors": ["landing"],
    "challenges": ["landing"],
    "daily_topics": ["posts"],
    "daily_report": [
        "mart_alerts",
        "mart_topics",
        "mart_trend_forecasts",
        "mart_trending_daily",
        "posts",
        "text_insights",
    ],
    "keyword_baselines": ["posts"],
    "landing": [],
    "music": ["landing"],
    "post_challenges": ["landing"],
    "posts": ["landing"],
    "promoted_sentiment_model": ["sentiment_model"],
    "sentiment_model": [],
    "sentiment_summary": ["posts"],
    "spark_backfill": ["landing"],
    "text_insights": ["posts"],
    "trend_forecast": ["posts"],
    "trending_challenges": ["posts"],
    "trending_music": ["music"],
    # dbt: staging models read the Python assets' tables, marts read staging.
    "mart_alerts": ["mart_keyword_activity_hourly", "stg_alerts", "stg_sentiment_summary"],
    "mart_keyword_activity_hourly": ["stg_keyword_baselines", "stg_post_challenges", "stg_posts"],
    "mart_sentiment_15min": ["stg_sentiment_summary"],
    "mart_trending_daily": ["stg_music", "stg_trending_challenges", "stg_trending_music"],
    "mart_trend_forecasts": ["stg_trend_forecasts"],
    "mart_topics": ["stg_daily_topics"],
    "stg_alerts": ["alerts"],
    "stg_daily_topics": ["daily_topics"],
    "stg_authors": ["authors"],
    "stg_challenges": ["challenges"],
    "stg_keyword_baselines": ["keyword_baselines"],
    "stg_music": ["music"],
    "stg_post_challenges": ["post_challenges"],
    "stg_posts": ["posts"],
    "stg_sentiment_summary": ["sentiment_summary"],
    "stg_trending_challenges": ["trending_challenges"],
    "stg_trending_music": ["trending_music"],
    "stg_trend_forecasts": ["trend_forecast"],  # the table trend_forecasts (meta.dagster.asset_key)
}


def test_asset_graph_snapshot() -> None:
    graph = defs.resolve_asset_graph()
    snapshot = {
        key.to_user_string(): sorted(p.to_user_string() for p in graph.get(key).parent_keys)
        for key in graph.get_all_asset_keys()
    }
    assert snapshot == EXPECTED_GRAPH
    checks = sorted(key.to_user_string() for key in graph.asset_check_keys)
    dbt_tests = [c for c in checks if c.startswith(("stg_", "mart_"))]
    assert len(dbt_tests) == 42  # every dbt test is an asset check on its model
    assert (
        "mart_alerts:accepted_values_mart_alerts_outcome__sustained__subsided__recovered__persisting__unknown"
        in dbt_tests
    )
    assert [c for c in checks if c not in dbt_tests] == [
        "alerts:alerts_expectations",
        "daily_topics:daily_topics_are_named_and_counted",
        "keyword_baselines:keyword_baselines_expectations",
        "post_challenges:post_challenges_references",
        "posts:posts_expectations",
        "posts:posts_references",
        "posts:posts_volume_within_band",
        "sentiment_model:sentiment_model_beats_promoted",
        "trend_forecast:trend_forecasts_are_sane",
        "trending_challenges:trending_challenges_meet_minimum_support",
        "trending_music:trending_music_meets_minimum_support",
    ]


MODELS = ["promoted_sentiment_model", "sentiment_model"]
# Every asset each job builds; the daily job also evaluates every check of its assets. Models
# are trained by their own job, by hand: not every day, and only with training data configured.
EXPECTED_JOBS = {
    "daily_batch": sorted(set(EXPECTED_GRAPH) - {"landing", "spark_backfill", *MODELS}),
    "spark_backfill_job": ["spark_backfill"],
    "sentiment_model_job": MODELS,
}


def test_jobs_snapshot_their_assets_and_checks() -> None:
    graph = defs.resolve_asset_graph()
    jobs = {name: defs.resolve_job_def(name) for name in EXPECTED_JOBS}
    assert {
        name: sorted(key.to_user_string() for key in job.asset_layer.selected_asset_keys)
        for name, job in jobs.items()
    } == EXPECTED_JOBS
    model_checks = {
        key for key in graph.asset_check_keys if key.asset_key.path == ["sentiment_model"]
    }
    assert jobs["daily_batch"].asset_layer.asset_graph.asset_check_keys == (
        graph.asset_check_keys - model_checks
    )
    assert not jobs["spark_backfill_job"].asset_layer.asset_graph.asset_check_keys
    assert jobs["sentiment_model_job"].asset_layer.asset_graph.asset_check_keys == model_checks
    assert len(model_checks) == 1
    assert all(job.description for job in jobs.values())
    assert jobs["daily_batch"].partitions_def is not None
    assert jobs["spark_backfill_job"].partitions_def is not None
    assert jobs["sentiment_model_job"].partitions_def is None  # one model, not one per day


def test_schedules_and_sensors_launch_the_daily_job() -> None:
    assert [s.name for s in defs.schedules] == ["daily_batch_schedule"]
    assert [s.name for s in defs.sensors] == ["new_landing_files"]
    assert defs.resolve_schedule_def("daily_batch_schedule").job_name == "daily_batch"
    assert defs.resolve_sensor_def("new_landing_files").job_name == "daily_batch"


def test_spark_backfill_runs_many_partitions_in_one_run() -> None:
    spark = defs.resolve_assets_def("spark_backfill")
    assert spark.backfill_policy is not None
    assert spark.backfill_policy.max_partitions_per_run is None  # single run for any range


def test_production_resources_are_s3_and_postgres_from_the_environment() -> None:
    import os
    import subprocess
    import sys

    code = (
        "from socialpulse_assets.definitions import defs\n"
        "defs = defs()\n"
        "lake = defs.resources['lake']\n"
        "print(type(lake.s3).__module__, lake.url, lake.s3.endpoint_url)\n"
        "url = defs.resources['warehouse'].url\n"
        "print(type(url).__name__, url.env_var_name)\n"
    )
    env = {
        **os.environ,
        "SOCIALPULSE_ENV": "production",
        "SOCIALPULSE_LAKE_URL": "s3://lake-bucket/prod",
        "SOCIALPULSE_S3_ENDPOINT_URL": "http://minio:9000",
        "SOCIALPULSE_WAREHOUSE_URL": "postgresql://socialpulse@db:5432/socialpulse",
    }
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    first, second = done.stdout.splitlines()[-2:]
    assert first == "dagster_aws.s3.resources s3://lake-bucket/prod http://minio:9000"
    # Secrets stay EnvVar references, resolved when a run starts, never baked in.
    assert second == "EnvVar SOCIALPULSE_WAREHOUSE_URL"


def test_every_asset_has_the_owners_of_its_group() -> None:
    graph = defs.resolve_asset_graph()
    owners = {key.to_user_string(): graph.get(key).owners for key in graph.get_all_asset_keys()}
    assert owners["posts"] == ["team:data-engineering"]
    assert owners["mart_alerts"] == ["team:analytics-engineering"]
    for key in graph.get_all_asset_keys():
        assert graph.get(key).owners == OWNERS_BY_GROUP[graph.get(key).group_name]


def test_the_marts_and_the_report_are_due_every_morning() -> None:
    from socialpulse_assets.definitions import DAILY_FRESHNESS

    graph = defs.resolve_asset_graph()
    policies = {
        key.to_user_string(): graph.get(key).freshness_policy for key in graph.get_all_asset_keys()
    }
    assert policies["mart_alerts"] == DAILY_FRESHNESS
    assert policies["daily_report"] == DAILY_FRESHNESS
    assert policies["posts"] is None  # the lake tables follow the landing sensor, not a clock

from socialpulse_assets.definitions import defs

EXPECTED_GRAPH = {
    "authors": ["landing"],
    "challenges": ["landing"],
    "keyword_baselines": ["posts"],
    "landing": [],
    "music": ["landing"],
    "post_challenges": ["landing"],
    "posts": ["landing"],
    "sentiment_summary": ["posts"],
    "spark_backfill": ["landing"],
    "trending_challenges": ["posts"],
    "trending_music": ["music"],
}


def test_asset_graph_snapshot() -> None:
    graph = defs.resolve_asset_graph()
    snapshot = {
        key.to_user_string(): sorted(p.to_user_string() for p in graph.get(key).parent_keys)
        for key in graph.get_all_asset_keys()
    }
    assert snapshot == EXPECTED_GRAPH
    assert sorted(key.to_user_string() for key in graph.asset_check_keys) == [
        "keyword_baselines:keyword_baselines_are_sane",
        "posts:posts_have_unique_ids",
        "trending_challenges:trending_challenges_meet_minimum_support",
        "trending_music:trending_music_meets_minimum_support",
    ]


def test_schedules_sensors_and_jobs_snapshot() -> None:
    assert [s.name for s in defs.schedules] == ["daily_batch_schedule"]
    assert [s.name for s in defs.sensors] == ["new_landing_files"]
    assert defs.resolve_job_def("daily_batch").partitions_def is not None
    assert defs.resolve_job_def("spark_backfill_job").partitions_def is not None


def test_spark_backfill_runs_many_partitions_in_one_run() -> None:
    spark = defs.resolve_assets_def("spark_backfill")
    assert spark.backfill_policy is not None
    assert spark.backfill_policy.max_partitions_per_run is None  # single run for any range

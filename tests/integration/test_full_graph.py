"""The daily_batch job (Python assets, GX checks, dbt models and tests, report) on both warehouses.

Three days are built first as `socialpulse batch` builds them (the history trending compares
against); then the job's run of the last day, with keyword_baselines of the week before, builds
every dbt model and runs every check, on DuckDB and on Postgres, through the Dagster instance.
On DuckDB the same warehouse then shows the injected trends, the report, the runs and their
checks in the instance, an idempotent re-run, and a dbt test failing on bad data.
"""

import pytest
from dagster import AssetKey, AssetSelection, DagsterEventType, DagsterInstance, materialize

from socialpulse.lake import Lake, landing_files
from socialpulse.settings import Settings
from socialpulse.warehouse import Warehouse
from socialpulse_assets.definitions import build_definitions
from socialpulse_assets.run import RUN_CONFIG, dagster_home, materialise_days
from tests.batch_samples import (
    DAYS,
    TREND_DAY,
    TRENDING_CHALLENGE,
    TRENDING_SOUND,
    VIRAL_ONCE,
    land_sample,
)

# Baselines from the week before the trend day, as the nightly run would have them.
BASELINES = {"ops": {"keyword_baselines": {"config": {"weeks": 1, "end": "2024-03-10T00:00:00Z"}}}}


def _run_the_daily_job(settings: Settings, *, history_tables_only: bool = False):
    """The job's run of the trend day, after the history days: built as `socialpulse batch`
    builds them, or (`history_tables_only`) only their warehouse tables, which is all the trend
    day's run reads of them: the marts and checks of every day come from the trend day's run."""
    land_sample(Lake.from_settings(settings))
    history = [day.isoformat() for day in DAYS[:-1]]
    if not history_tables_only:
        materialise_days(settings, history, say=lambda _: None)
    job = build_definitions(settings).resolve_job_def("daily_batch")
    with DagsterInstance.from_config(str(dagster_home(settings))) as instance:
        if history_tables_only:
            tables = AssetSelection.groups("lake").resolve(job.asset_layer.asset_graph)
            for day in history:
                run = job.execute_in_process(
                    instance=instance, partition_key=day, asset_selection=sorted(tables)
                )
                assert run.success
        return job.execute_in_process(
            run_config={**RUN_CONFIG, **BASELINES},
            instance=instance,
            partition_key=TREND_DAY.isoformat(),
        )


def _assert_marts(result, warehouse_url: str) -> None:
    assert result.success
    assert result.job_def.name == "daily_batch"
    materialised = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {
        "posts",
        "keyword_baselines",
        "stg_posts",
        "mart_keyword_activity_hourly",
        "mart_trending_daily",
        "mart_sentiment_15min",
        "mart_alerts",
        "daily_report",
    } <= materialised
    evaluations = result.get_asset_check_evaluations()
    # Every check of the graph ran (the Great Expectations gates and the dbt tests), and passed.
    every_check = result.job_def.asset_layer.asset_graph.asset_check_keys
    assert {e.check_name for e in evaluations} == {key.name for key in every_check}
    assert all(e.passed for e in evaluations)
    with Warehouse(warehouse_url) as db:
        top = db.query(
            "SELECT kind, key FROM mart_trending_daily WHERE day = ? AND rank = 1 ORDER BY kind",
            (TREND_DAY,),
        ).rows()
        activity = db.query(
            "SELECT posts, expected_posts, is_anomaly FROM mart_keyword_activity_hourly "
            "WHERE key = ? ORDER BY posts DESC LIMIT 1",
            (f"hashtag:{TRENDING_CHALLENGE}",),
        ).row(0)
        shares = db.query("SELECT count(*) AS n FROM mart_sentiment_15min")["n"][0]
    assert top == [("challenge", TRENDING_CHALLENGE), ("music", TRENDING_SOUND)]
    # The burst hour of a challenge nobody used the week before is far outside its band.
    assert activity[0] > 100 and activity[1] == 0 and activity[2] is True
    assert shares > 0


@pytest.mark.integration
def test_the_daily_job_on_duckdb_finds_the_trends_reruns_idempotently_and_fails_a_broken_mart(
    process_settings: Settings,
) -> None:
    """The embedded defaults (lake directory, DuckDB), as `socialpulse batch` runs them."""
    settings = process_settings
    url = settings.resolved_warehouse_url
    days = [day.isoformat() for day in DAYS]
    _assert_marts(_run_the_daily_job(settings), url)
    lake = Lake.from_settings(settings)
    with Warehouse(url) as db:
        first = {t: db.count(t) for t in ("posts", "authors", "challenges", "music")}
        challenges = db.query(
            "SELECT rank, key, posts, authors FROM trending_challenges WHERE day = ? ORDER BY rank",
            (TREND_DAY,),
        )
        sounds = db.query(
            "SELECT rank, key FROM trending_music WHERE day = ? ORDER BY rank", (TREND_DAY,)
        )
        # All-time dimension counts equal what the facts say, across days.
        authors_total = db.query("SELECT sum(posts) AS n FROM authors")["n"][0]
        challenge_posts = db.query(
            "SELECT posts FROM challenges WHERE challenge = ?", (TRENDING_CHALLENGE,)
        )["posts"][0]
        challenge_facts = db.query(
            "SELECT count(*) AS n FROM post_challenges WHERE challenge = ?", (TRENDING_CHALLENGE,)
        )["n"][0]
        top_sound = db.query(
            "SELECT display_name FROM mart_trending_daily "
            "WHERE day = ? AND kind = 'music' AND rank = 1",
            (TREND_DAY,),
        )["display_name"][0]
    assert first["posts"] == lake.read(landing_files(lake))["id"].n_unique()
    assert challenges["key"][0] == TRENDING_CHALLENGE
    assert challenges["authors"][0] > 100
    assert VIRAL_ONCE not in challenges["key"].to_list()  # one post is below the minimum support
    assert sounds["key"][0] == TRENDING_SOUND
    assert authors_total == first["posts"]
    assert challenge_posts == challenge_facts > 1000
    assert top_sound == "Rising Sound — New Artist"

    # The daily report of the trend day, as HTML and PNG in the lake, read from the marts.
    report_dir = lake.path("reports", "daily", f"dt={TREND_DAY}")
    html = lake.fs.cat(f"{report_dir}/socialpulse-{TREND_DAY}.html").decode()
    assert TRENDING_CHALLENGE in html and top_sound in html
    assert lake.fs.cat(f"{report_dir}/socialpulse-{TREND_DAY}.png")[:8] == b"\x89PNG\r\n\x1a\n"

    # Named runs in the instance, one per partition, every check evaluated, Dagster's table
    # metadata on the assets.
    with DagsterInstance.from_config(str(dagster_home(settings))) as instance:
        runs = instance.get_runs()
        assert {run.job_name for run in runs} == {"daily_batch"}
        assert sorted(run.tags["dagster/partition"] for run in runs) == days
        evaluated = {
            event.dagster_event.asset_check_evaluation_data.check_name
            for event in instance.all_logs(
                runs[0].run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION
            )
        }
        posts = instance.get_latest_materialization_event(AssetKey("posts"))
    metadata = posts.asset_materialization.metadata
    assert metadata["dagster/table_name"].value == "posts"
    assert metadata["dagster/row_count"].value > 0
    assert "id" in [c.name for c in metadata["dagster/column_schema"].schema.columns]
    assert {"posts_expectations", "alerts_expectations", "unique_mart_alerts_alert_id"} <= evaluated

    # Re-running a day (a replay, a fix) changes nothing; --no-baselines leaves them alone.
    rerun = materialise_days(settings, [days[1]], baselines=False, say=lambda _: None)
    assert (rerun.days, rerun.baselines) == ([days[1]], False)
    with Warehouse(url) as db:
        assert {t: db.count(t) for t in first} == first
        assert db.query("SELECT sum(posts) AS n FROM authors")["n"][0] == first["posts"]
    with DagsterInstance.from_config(str(dagster_home(settings))) as instance:
        [last] = instance.get_runs(limit=1)
        latest = {
            key: instance.get_latest_materialization_event(AssetKey(key)).run_id
            for key in ("posts", "mart_alerts", "keyword_baselines")
        }
    # runs[0] is the trend day's run: the last to build keyword_baselines.
    assert latest == {
        "posts": last.run_id,
        "mart_alerts": last.run_id,
        "keyword_baselines": runs[0].run_id,
    }

    # Bad data behind dbt's back: a mean sentiment no window can have (the posts' own rules are
    # the Great Expectations gates of the next run; this one only dbt checks).
    with Warehouse(url) as db:
        db.execute(
            "UPDATE sentiment_summary SET mean_score = 3.0 "
            "WHERE window_start = (SELECT min(window_start) FROM sentiment_summary)"
        )
    # The dbt models as the Definitions bind them (the run's warehouse, this project's dbt).
    dbt_models = build_definitions(settings).resolve_assets_def(AssetKey("stg_posts"))
    again = materialize([dbt_models], raise_on_error=False)
    failed = [e.check_name for e in again.get_asset_check_evaluations() if not e.passed]
    assert failed == ["between_stg_sentiment_summary_mean_score__1___1"]


@pytest.mark.integration
def test_the_daily_job_on_postgres(process_settings: Settings, postgres_schema_url: str) -> None:
    settings = process_settings.model_copy(update={"warehouse_url": postgres_schema_url})
    _assert_marts(_run_the_daily_job(settings, history_tables_only=True), postgres_schema_url)

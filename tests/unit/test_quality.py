"""Deliberately bad data fails the Great Expectations checks, says what failed, and blocks."""

from datetime import UTC, date, datetime, timedelta

import polars as pl
from dagster import materialize

from quality import suites
from quality.validation import validate
from socialpulse.lake import Lake, write_landing_batch
from socialpulse.settings import Settings
from socialpulse.warehouse import Warehouse
from socialpulse_assets.assets import analytics, lake_ingest
from socialpulse_assets.checks import CHECKS
from socialpulse_assets.resources import BatchSettingsResource, LakeResource, WarehouseResource
from tests.batch_samples import SMALL_DAY, landing_record

NOW = datetime(2024, 3, 12, tzinfo=UTC)


def _posts(**changes) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "id": ["a", "b", "c"],
            "platform": ["tiktok"] * 3,
            "created_at": [SMALL_DAY] * 3,
            "plays": [10, 20, 30],
            "likes": [1, 2, 3],
            "shares": [0, 0, 0],
            "comments": [0, 1, 0],
            "sentiment_label": ["positive", "neutral", "negative"],
            "sentiment_score": [0.5, 0.0, -0.5],
        }
    )
    return frame.with_columns(**{k: pl.Series(v) for k, v in changes.items()})


def _failed(frame: pl.DataFrame) -> dict[str, list]:
    report = validate(frame, "posts", suites.posts_suite(NOW))
    return {f"{f.expectation}:{f.column}": f.sample for f in report.failures}


def test_clean_posts_pass() -> None:
    assert _failed(_posts()) == {}


def test_duplicate_ids_fail_with_the_ids() -> None:
    failed = _failed(_posts(id=["a", "a", "c"]))
    assert failed == {"expect_column_values_to_be_unique:id": ["a", "a"]}


def test_future_timestamps_fail() -> None:
    future = NOW + timedelta(days=2)
    failed = _failed(_posts(created_at=[SMALL_DAY, future, SMALL_DAY]))
    assert list(failed) == ["expect_column_values_to_be_between:created_at"]
    assert len(failed["expect_column_values_to_be_between:created_at"]) == 1


def test_out_of_range_scores_and_negative_counts_fail() -> None:
    failed = _failed(_posts(sentiment_score=[0.5, 1.5, -0.5], likes=[1, -2, 3]))
    assert failed["expect_column_values_to_be_between:sentiment_score"] == [1.5]
    assert failed["expect_column_values_to_be_between:likes"] == [-2]


def test_orphan_references_fail_with_the_missing_ids(tmp_path) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    with Warehouse(url) as db:
        db.upsert(
            "posts",
            pl.DataFrame(
                {
                    "id": ["p1", "p2"],
                    "author_id": ["u1", "ghost"],
                    "music_id": ["m1", ""],
                    "created_at": [SMALL_DAY] * 2,
                }
            ),
            key=["id"],
        )
        db.upsert("authors", pl.DataFrame({"author_id": ["u1"]}), key=["author_id"])
        db.upsert("music", pl.DataFrame({"music_id": ["m2"]}), key=["music_id"])
        db.upsert(
            "post_challenges",
            pl.DataFrame(
                {
                    "post_id": ["p1", "p9"],
                    "challenge": ["dance", "dance"],
                    "created_at": [SMALL_DAY] * 2,
                }
            ),
            key=["post_id", "challenge"],
        )
        db.upsert("challenges", pl.DataFrame({"challenge": ["dance"]}), key=["challenge"])
        references = validate(
            suites.references_rows(db, SMALL_DAY.date()), "refs", suites.REFERENCES_SUITE
        )
        challenge_refs = validate(
            suites.challenge_references_rows(db, None), "refs", suites.CHALLENGE_REFERENCES_SUITE
        )
    samples = {f.column: f.sample for f in references.failures}
    assert samples == {"orphan_author_id": ["ghost"], "orphan_music_id": ["m1"]}
    assert [(f.column, f.sample) for f in challenge_refs.failures] == [("orphan_post_id", ["p9"])]


def test_volume_far_outside_the_weekly_band_fails(tmp_path) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    day = date(2024, 3, 10)
    history = [datetime(2024, 3, 3 + i, 12, tzinfo=UTC) for i in range(7) for _ in range(10)]
    today = [datetime(2024, 3, 10, 12, tzinfo=UTC)] * 100
    times = history + today
    with Warehouse(url) as db:
        db.upsert(
            "posts",
            pl.DataFrame({"id": [f"p{i}" for i in range(len(times))], "created_at": times}),
            key=["id"],
        )
        rows = suites.volume_rows(db, day)
    assert rows["ratio"][0] == 10.0
    assert not validate(rows, "volume", suites.volume_suite(0.2, 5.0)).success


def test_a_failing_blocking_check_stops_downstream_assets(tmp_path) -> None:
    lake = Lake.from_url(str(tmp_path / "lake"))
    records = [landing_record(i) for i in range(10)]
    records[3] = {**records[3], "sentiment_score": 7.5}  # a scorer bug upstream
    write_landing_batch(lake, records, "socialpulse.posts", 0)
    resources = {
        "lake": LakeResource(url=str(tmp_path / "lake")),
        "warehouse": WarehouseResource(url=f"duckdb:///{tmp_path / 'w.duckdb'}"),
        "batch_settings": BatchSettingsResource.from_settings(Settings(state_dir=tmp_path)),
    }
    result = materialize(
        [lake_ingest.cleansed_tables, analytics.trending_challenges, *CHECKS],
        resources=resources,
        partition_key="2024-03-10",
        raise_on_error=False,
    )
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    failed = evaluations["posts_expectations"]
    assert not failed.passed
    assert "sentiment_score" in failed.metadata["report"].value
    assert "7.5" in failed.metadata["report"].value
    assert evaluations["posts_references"].passed
    assert result.asset_materializations_for_node("trending_challenges") == []

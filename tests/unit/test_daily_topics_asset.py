"""The daily_topics asset on small hand-made days: its table's rows, the emerging flag across
two days, the sample cap, and its blocking check passing and failing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
from dagster import AssetSelection, materialize

from socialpulse.lake import Lake, write_landing_batch
from socialpulse.settings import Settings
from socialpulse.warehouse import Warehouse
from socialpulse_assets.assets import analytics, lake_ingest
from socialpulse_assets.checks import daily_topics_are_named_and_counted
from socialpulse_assets.resources import BatchSettingsResource, LakeResource, WarehouseResource
from tests.batch_samples import landing_record
from tests.topic_samples import COOKING, FOOTBALL, MARKETS

FIRST_DAY, SECOND_DAY = "2024-03-09", "2024-03-10"


def land_day(lake: Lake, day: str, texts: list[str], partition: int) -> None:
    start = datetime.fromisoformat(day).replace(hour=8, tzinfo=UTC)
    records = [
        {
            **landing_record(i),
            "id": f"{day}-{i}",
            "text": text,
            "created_at": start + timedelta(minutes=5 * i),
            "ingested_at": start + timedelta(minutes=5 * i, seconds=1),
            "kafka_partition": partition,
        }
        for i, text in enumerate(texts)
    ]
    write_landing_batch(lake, records, "socialpulse.posts", partition)


def resources(tmp_path, sample_posts: int = 400) -> dict[str, object]:
    settings = Settings(state_dir=tmp_path, topics_sample_posts=sample_posts)
    return {
        "lake": LakeResource(url=str(tmp_path / "lake")),
        "warehouse": WarehouseResource(url=f"duckdb:///{tmp_path / 'warehouse.duckdb'}"),
        "batch_settings": BatchSettingsResource.from_settings(settings),
    }


ASSETS = [lake_ingest.cleansed_tables, analytics.daily_topics, daily_topics_are_named_and_counted]


def test_a_day_becomes_one_row_per_topic_and_a_new_subject_is_emerging(tmp_path) -> None:
    lake = Lake.from_url(str(tmp_path / "lake"))
    land_day(lake, FIRST_DAY, FOOTBALL + COOKING, 0)
    land_day(lake, SECOND_DAY, FOOTBALL + COOKING + MARKETS, 1)
    run = resources(tmp_path)

    first = materialize(ASSETS, resources=run, partition_key=FIRST_DAY)
    assert first.success
    second = materialize(ASSETS, resources=run, partition_key=SECOND_DAY)
    assert second.success
    assert [c.passed for c in second.get_asset_check_evaluations()] == [True]

    with Warehouse(str(run["warehouse"].url)) as db:
        rows = db.query("SELECT * FROM daily_topics ORDER BY day, topic_id")
    by_day = rows.partition_by("day", as_dict=True, maintain_order=True)
    assert [frame.height for frame in by_day.values()] == [2, 3]
    today = rows.filter(pl.col("day").cast(pl.String) == SECOND_DAY)
    assert today["post_count"].to_list() == [8, 8, 8]
    assert today["share"].to_list() == [1 / 3] * 3
    assert today["sampled_posts"].to_list() == [24] * 3
    assert today["day_posts"].to_list() == [24] * 3
    assert today["history_days"].to_list() == [1] * 3
    assert all(len(terms) == 5 for terms in today["terms"])
    assert all(len(examples) == 3 for examples in today["example_posts"])
    subjects = {
        topic_id: next(s for s, texts in SUBJECTS.items() if examples[0] in texts)
        for topic_id, examples in today.select("topic_id", "example_posts").iter_rows()
    }
    assert sorted(subjects.values()) == ["cooking", "football", "markets"]
    emerging = dict(
        zip(
            [subjects[t] for t in today["topic_id"]],
            today.select("emerging", "matched_topic_id", "emerging_reason").iter_rows(),
            strict=True,
        )
    )
    # Football and cooking went from a half of the first day to a third: matched, not emerging.
    assert emerging["markets"] == (True, None, "new")
    assert emerging["football"][0] is False and emerging["football"][1] is not None
    assert emerging["cooking"][0] is False and emerging["cooking"][1] is not None
    assert emerging["football"][2] is None and emerging["cooking"][2] is None
    # The first day had nothing to compare with: nothing is flagged.
    assert not rows.filter(pl.col("day").cast(pl.String) == FIRST_DAY)["emerging"].any()

    metadata = second.asset_materializations_for_node("daily_topics")[0].metadata
    assert metadata["dagster/row_count"].value == 3
    assert metadata["emerging"].value == 1
    assert "sample of 24 of the day's 24 posts (at most 400" in metadata["sample"].value
    assert "**emerging: new**" in metadata["topics"].value

    again = materialize(ASSETS, resources=run, partition_key=SECOND_DAY)
    with Warehouse(str(run["warehouse"].url)) as db:
        assert again.success and db.count("daily_topics") == 5  # the day replaced, not added


SUBJECTS = {"football": FOOTBALL, "cooking": COOKING, "markets": MARKETS}


def test_the_sample_is_capped_and_the_same_on_every_run(tmp_path) -> None:
    lake = Lake.from_url(str(tmp_path / "lake"))
    land_day(lake, SECOND_DAY, FOOTBALL + COOKING + MARKETS, 0)
    run = resources(tmp_path, sample_posts=10)
    tables = []
    for _ in range(2):
        assert materialize(ASSETS, resources=run, partition_key=SECOND_DAY).success
        with Warehouse(str(run["warehouse"].url)) as db:
            tables.append(db.query("SELECT * FROM daily_topics ORDER BY topic_id"))
    assert tables[0].equals(tables[1])
    assert set(tables[0]["sampled_posts"]) == {10} and set(tables[0]["day_posts"]) == {24}
    assert tables[0]["post_count"].sum() == 10


def test_the_check_fails_on_a_topic_without_terms_or_posts(tmp_path) -> None:
    lake = Lake.from_url(str(tmp_path / "lake"))
    land_day(lake, SECOND_DAY, FOOTBALL + COOKING, 0)
    run = resources(tmp_path)
    assert materialize(ASSETS, resources=run, partition_key=SECOND_DAY).success
    with Warehouse(str(run["warehouse"].url)) as db:
        db.execute("UPDATE daily_topics SET terms = [] WHERE topic_id = 0")
        db.execute("UPDATE daily_topics SET post_count = 0 WHERE topic_id = 1")

    # A check run of its own (as from the UI): no partition, so the whole table is checked.
    checked = materialize(
        [analytics.daily_topics, daily_topics_are_named_and_counted],
        resources=run,
        selection=AssetSelection.checks(daily_topics_are_named_and_counted),
        raise_on_error=False,
    )
    [evaluation] = checked.get_asset_check_evaluations()
    assert not evaluation.passed
    [spec] = daily_topics_are_named_and_counted.check_specs
    assert spec.blocking  # in the daily job, the marts and the report wait for a passing check
    assert evaluation.metadata["unsound_topics"].value == 2
    assert evaluation.metadata["topics_checked"].value == 2

"""Loads into real Postgres go through COPY and keep every awkward value (or a stand-in for NUL)."""

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from dagster import materialize

from socialpulse.lake import Lake, write_landing_batch
from socialpulse.settings import Settings
from socialpulse.warehouse import NUL_REPLACEMENT, Warehouse
from socialpulse_assets.assets import lake_ingest, text_insights
from socialpulse_assets.resources import BatchSettingsResource, LakeResource, WarehouseResource
from tests.batch_samples import SMALL_DAY, landing_record

DAY = SMALL_DAY.date().isoformat()

AWKWARD = pl.DataFrame(
    {
        "id": ["a", "b", "c", "d"],
        "text": ['quote " and, comma', "new\nline\tand \\ backslash", "", None],
        "hashtags": [["x", 'q"uote', "back\\slash", "com,ma"], [], None, ["emoji🔥", "NULL"]],
        "likes": [1, None, 3, -4],
        "score": [0.5, -1.0, None, 1e-9],
        "flag": [True, False, None, True],
        "created_at": [datetime(2024, 3, 10, 9, 30, 15, 123456, tzinfo=UTC)] * 4,
        "day": [date(2024, 3, 10)] * 4,
    },
    schema_overrides={"created_at": pl.Datetime("us", "UTC")},
)


@pytest.mark.integration
def test_copy_load_round_trips_awkward_values_and_upserts(postgres_schema_url: str) -> None:
    with Warehouse(postgres_schema_url) as db:
        assert db.upsert("posts", AWKWARD, key=["id"]) == 4
        assert db.upsert("posts", AWKWARD.with_columns(pl.col("likes") * 10), key=["id"]) == 4
        back = db.query("SELECT * FROM posts ORDER BY id")
    assert back.height == 4
    assert back["text"].to_list() == AWKWARD["text"].to_list()  # "" and NULL stay distinct
    assert back["hashtags"].to_list() == AWKWARD["hashtags"].to_list()
    assert back["likes"].to_list() == [10, None, 30, -40]
    assert back["score"].to_list() == AWKWARD["score"].to_list()
    assert back["flag"].to_list() == AWKWARD["flag"].to_list()
    assert (
        back["created_at"].dt.convert_time_zone("UTC").to_list() == AWKWARD["created_at"].to_list()
    )
    assert back["day"].to_list() == AWKWARD["day"].to_list()


def nul_day(lake: Lake) -> None:
    """A landed day whose every string field holds NUL somewhere, as a fuzzed topic produced."""
    records = [
        {
            **landing_record(i),
            "id": f"n{i}",
            "text": f"nul\x00inside {i}",
            "author_name": "user\x00name",
            "hashtags": ["Dance\x00", f"tag{i % 2}"],
            "music_id": f"m{i % 3}",
            "music_title": "song\x00title",
            "raw": '{"text": "nul\\u0000"}\x00',
            "keywords": ["dance\x00"],
        }
        for i in range(4)
    ]
    write_landing_batch(lake, records, "socialpulse.posts", 0)


def warehouse_tables(url: str) -> dict[str, list[tuple]]:
    with Warehouse(url) as db:
        return {
            table: db.query(f"SELECT {columns} FROM {table} ORDER BY 1, 2").rows()
            for table, columns in {
                "posts": "id, text, author_name, hashtags, music_title, keywords",
                "authors": "author_id, author_name",
                "challenges": "challenge, posts",
                "post_challenges": "post_id, challenge",
                "music": "music_id, music_title",
            }.items()
        }


@pytest.mark.integration
def test_nul_characters_load_into_postgres_as_into_duckdb(
    tmp_path: Path, postgres_schema_url: str
) -> None:
    lake = Lake.from_url(str(tmp_path / "lake"))
    nul_day(lake)
    duckdb_url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    for url in (postgres_schema_url, postgres_schema_url, duckdb_url):  # Postgres twice: a rerun
        resources = {
            "lake": LakeResource(url=str(tmp_path / "lake")),
            "warehouse": WarehouseResource(url=url),
            "batch_settings": BatchSettingsResource.from_settings(Settings(state_dir=tmp_path)),
        }
        assets = [lake_ingest.cleansed_tables, text_insights.text_insights]
        assert materialize(assets, resources=resources, partition_key=DAY).success
    in_postgres, in_duckdb = warehouse_tables(postgres_schema_url), warehouse_tables(duckdb_url)
    assert in_postgres == in_duckdb
    assert len(in_postgres["posts"]) == 4
    assert in_postgres["posts"][0][1:3] == (
        f"nul{NUL_REPLACEMENT}inside 0",
        f"user{NUL_REPLACEMENT}name",
    )
    assert in_postgres["challenges"][0] == (f"dance{NUL_REPLACEMENT}", 4)
    assert in_postgres["music"][0] == ("m0", f"song{NUL_REPLACEMENT}title")


@pytest.mark.integration
def test_a_day_without_hashtags_or_keywords_builds_text_insights_on_postgres(
    tmp_path: Path, postgres_schema_url: str
) -> None:
    lake = Lake.from_url(str(tmp_path / "lake"))
    records = [
        {**landing_record(i), "id": f"e{i}", "hashtags": [], "keywords": [], "text": "plain words"}
        for i in range(4)
    ]
    write_landing_batch(lake, records, "socialpulse.posts", 0)
    resources = {
        "lake": LakeResource(url=str(tmp_path / "lake")),
        "warehouse": WarehouseResource(url=postgres_schema_url),
        "batch_settings": BatchSettingsResource.from_settings(Settings(state_dir=tmp_path)),
    }
    result = materialize(
        [lake_ingest.cleansed_tables, text_insights.text_insights],
        resources=resources,
        partition_key=DAY,
    )
    assert result.success
    metadata = result.asset_materializations_for_node("text_insights")[0].metadata
    assert metadata["posts"].value == 4
    assert metadata["groups"].value == 1  # sentiment:positive only
    with Warehouse(postgres_schema_url) as db:
        assert db.count("post_challenges") == 0
        assert db.count("post_flags") == 4


@pytest.mark.integration
def test_a_column_null_for_its_first_hundreds_of_rows_reads_back(postgres_schema_url: str) -> None:
    frame = pl.DataFrame(
        {"id": list(range(300)), "score": [None] * 299 + [0.55]},
        schema={"id": pl.Int64, "score": pl.Float64},
    )
    with Warehouse(postgres_schema_url) as db:
        db.upsert("scores", frame, key=["id"])
        back = db.query("SELECT id, score FROM scores ORDER BY id")
    assert back["score"].to_list() == frame["score"].to_list()

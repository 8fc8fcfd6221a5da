"""Loads into real Postgres go through COPY and keep every awkward value intact."""

from datetime import UTC, date, datetime

import polars as pl
import pytest

from socialpulse.warehouse import Warehouse

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

"""The warehouse invariants fail on broken tables and say what is wrong."""

import polars as pl

from socialpulse.warehouse import Warehouse
from socialpulse_assets.checks import keyword_baselines_are_sane, posts_have_unique_ids
from socialpulse_assets.resources import WarehouseResource


def test_duplicate_post_ids_fail_the_check_with_a_sample(tmp_path) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    with Warehouse(url) as db:
        db.execute("CREATE TABLE posts (id VARCHAR, text VARCHAR)")
        db.execute("INSERT INTO posts VALUES ('a', 'x'), ('a', 'y'), ('b', 'z'), (NULL, 'w')")
    result = posts_have_unique_ids(warehouse=WarehouseResource(url=url))
    assert not result.passed
    assert result.metadata["duplicated_ids"].value == 1
    assert result.metadata["null_ids"].value == 1
    assert "a" in result.metadata["sample"].value


def test_unique_posts_pass(tmp_path) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    with Warehouse(url) as db:
        db.upsert("posts", pl.DataFrame({"id": ["a", "b"], "text": ["x", "y"]}), key=["id"])
    assert posts_have_unique_ids(warehouse=WarehouseResource(url=url)).passed


def test_negative_spread_fails_the_baselines_check(tmp_path) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    frame = pl.DataFrame(
        {
            "key": ["hashtag:a", "hashtag:b"],
            "hour_of_week": [3, 170],
            "posts_centre": [1.0, 1.0],
            "posts_spread": [-0.5, 0.1],
            "engagement_centre": [1.0, 1.0],
            "engagement_spread": [0.0, 0.0],
        }
    )
    with Warehouse(url) as db:
        db.upsert("keyword_baselines", frame, key=["key", "hour_of_week"])
    result = keyword_baselines_are_sane(warehouse=WarehouseResource(url=url))
    assert not result.passed
    assert result.metadata["bad_rows"].value == 2

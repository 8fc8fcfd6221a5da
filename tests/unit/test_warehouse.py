from datetime import date

import polars as pl
import pytest

from socialpulse.warehouse import Warehouse, create_table_sql, sql_type, typed_rows, upsert_sql


def test_sql_types_per_dialect() -> None:
    assert sql_type(pl.List(pl.String), "postgres") == "TEXT[]"
    assert sql_type(pl.List(pl.String), "duckdb") == "VARCHAR[]"
    assert sql_type(pl.Datetime("us", "UTC"), "postgres") == "TIMESTAMPTZ"
    with pytest.raises(TypeError, match="no duckdb column type"):
        sql_type(pl.Object, "duckdb")


def test_create_and_upsert_sql_are_exact() -> None:
    schema = pl.Schema({"id": pl.String, "likes": pl.Int64})
    assert (
        create_table_sql("posts", schema, ["id"], "postgres")
        == 'CREATE TABLE IF NOT EXISTS posts ("id" TEXT, "likes" BIGINT, PRIMARY KEY (id))'
    )
    assert upsert_sql("posts", "_staging", ["id", "likes"], ["id"]) == (
        'INSERT INTO posts ("id", "likes") SELECT "id", "likes" FROM _staging '
        'ON CONFLICT (id) DO UPDATE SET "likes" = excluded."likes"'
    )


def test_unsupported_url_says_what_to_use() -> None:
    with pytest.raises(ValueError, match="SOCIALPULSE_WAREHOUSE_URL"):
        Warehouse("mysql://nope")


def test_upsert_twice_keeps_one_row_per_key_with_latest_values(tmp_path) -> None:
    with Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}") as warehouse:
        first = pl.DataFrame({"id": ["a", "b"], "likes": [1, 2], "tags": [["x"], []]})
        assert warehouse.upsert("posts", first, key=["id"]) == 2
        second = pl.DataFrame({"id": ["b", "c"], "likes": [20, 3], "tags": [["y"], ["z"]]})
        warehouse.upsert("posts", second, key=["id"])
        warehouse.upsert("posts", second, key=["id"])
        rows = warehouse.query("SELECT id, likes FROM posts ORDER BY id").rows()
        assert rows == [("a", 1), ("b", 20), ("c", 3)]


def test_replace_where_swaps_one_partition_only(tmp_path) -> None:
    with Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}") as warehouse:
        day1, day2 = date(2026, 1, 1), date(2026, 1, 2)
        frame = pl.DataFrame({"day": [day1, day2], "n": [1, 2]})
        warehouse.replace_where("daily", frame, "day >= ?", [day1])
        warehouse.replace_where("daily", pl.DataFrame({"day": [day2], "n": [5]}), "day = ?", [day2])
        assert warehouse.query("SELECT day, n FROM daily ORDER BY day").rows() == [
            (day1, 1),
            (day2, 5),
        ]


def test_a_newer_column_is_added_to_an_existing_table(tmp_path) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    with Warehouse(url) as db:
        db.upsert("posts", pl.DataFrame({"id": ["a"], "text": ["x"]}), key=["id"])
        db.upsert(
            "posts",
            pl.DataFrame({"id": ["b"], "text": ["y"], "keywords": [["acme"]]}),
            key=["id"],
        )
        rows = db.query("SELECT id, keywords FROM posts ORDER BY id")
    assert rows["keywords"].to_list() == [None, ["acme"]]


def test_nul_becomes_the_replacement_character_in_every_dialects_load(tmp_path) -> None:
    # Postgres text cannot hold NUL, so DuckDB gets the same stand-in and both hold equal rows.
    frame = pl.DataFrame(
        {"id": ["a\x00", "b"], "text": ["x\x00y", None], "tags": [["t\x00", None], None]}
    )
    with Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}") as warehouse:
        warehouse.upsert("posts", frame, key=["id"])
        warehouse.replace_where("posts_copy", frame, "id IS NOT NULL", [])
        for table in ("posts", "posts_copy"):
            assert warehouse.query(f"SELECT id, text, tags FROM {table} ORDER BY id").rows() == [
                ("a\ufffd", "x\ufffdy", ["t\ufffd", None]),
                ("b", None, None),
            ]


def test_query_rows_without_values_take_their_type_from_postgres() -> None:
    # 25 text, 1009 text[], 20 bigint: what Postgres reports for these columns.
    frame = typed_rows([(None, [], None), (None, [], 1)], ["t", "tags", "n"], [25, 1009, 20])
    assert frame.schema == pl.Schema({"t": pl.String, "tags": pl.List(pl.String), "n": pl.Int64})


def test_has_table_sees_only_existing_tables(tmp_path) -> None:
    import polars as pl

    with Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}") as db:
        assert not db.has_table("scores")
        db.ensure_table("scores", pl.Schema({"id": pl.Int64}), ["id"])
        assert db.has_table("scores")


def test_postgres_placeholders_leave_question_marks_in_literals_alone() -> None:
    from socialpulse.warehouse import postgres_placeholders

    sql = "SELECT coalesce(a, '?'), 'it''s ?' FROM t WHERE b = ? AND c = ?"
    assert postgres_placeholders(sql) == (
        "SELECT coalesce(a, '?'), 'it''s ?' FROM t WHERE b = %s AND c = %s"
    )

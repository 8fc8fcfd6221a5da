"""The warehouse: DuckDB (embedded default) or Postgres (production), loaded idempotently.

Both dialects are reached through one small class. Loads are upserts by key, or a replace of one
partition (delete where + insert) in one transaction, so re-running a load never duplicates rows.

Postgres text cannot hold the NUL character (U+0000): a single one made COPY fail for the whole
load, on every rerun. Every load therefore replaces NUL in string values (lists included) with
U+FFFD, the Unicode replacement character, in both dialects, so DuckDB and Postgres hold the
same rows.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import polars as pl

_SQL_TYPES = {
    "duckdb": {
        pl.String: "VARCHAR",
        pl.Int64: "BIGINT",
        pl.Int32: "INTEGER",
        pl.Float64: "DOUBLE",
        pl.Boolean: "BOOLEAN",
        pl.Date: "DATE",
    },
    "postgres": {
        pl.String: "TEXT",
        pl.Int64: "BIGINT",
        pl.Int32: "INTEGER",
        pl.Float64: "DOUBLE PRECISION",
        pl.Boolean: "BOOLEAN",
        pl.Date: "DATE",
    },
}


# What a string that Postgres cannot store becomes, in every dialect (see the module docstring).
NUL = "\x00"
NUL_REPLACEMENT = "\ufffd"

# Postgres type OIDs (pg_type) of the column types this module creates, for query results whose
# values alone do not say their type (a column of NULLs or of empty arrays).
_POSTGRES_OID_TYPES: dict[int, pl.DataType] = {
    16: pl.Boolean(),
    20: pl.Int64(),
    21: pl.Int32(),
    23: pl.Int32(),
    25: pl.String(),
    700: pl.Float64(),
    701: pl.Float64(),
    1043: pl.String(),
    1082: pl.Date(),
    1114: pl.Datetime("us"),
    1184: pl.Datetime("us", "UTC"),
    1000: pl.List(pl.Boolean()),
    1005: pl.List(pl.Int32()),
    1007: pl.List(pl.Int32()),
    1009: pl.List(pl.String()),
    1015: pl.List(pl.String()),
    1016: pl.List(pl.Int64()),
    1022: pl.List(pl.Float64()),
}


def _holds_no_type(dtype: pl.DataType) -> bool:
    return dtype == pl.Null or (isinstance(dtype, pl.List) and _holds_no_type(dtype.inner))


def postgres_placeholders(sql: str) -> str:
    """DuckDB's `?` parameters as psycopg's `%s`, leaving a `?` inside a string literal alone.

    >>> postgres_placeholders("SELECT coalesce(a, '?'), 'it''s ?' WHERE b = ? AND c = ?")
    "SELECT coalesce(a, '?'), 'it''s ?' WHERE b = %s AND c = %s"
    """
    parts = sql.split("'")
    # Even-numbered parts lie outside literals ('' inside a literal splits into an empty part).
    return "'".join(part.replace("?", "%s") if i % 2 == 0 else part for i, part in enumerate(parts))


def typed_rows(rows: list[tuple[Any, ...]], names: list[str], oids: list[int]) -> pl.DataFrame:
    """Query rows as a frame; columns whose values give no type take it from Postgres."""
    # Every row decides a column's type: a NULL-led column (no sentiment yet) is common.
    frame = pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)
    casts = [
        pl.col(name).cast(_POSTGRES_OID_TYPES[oid])
        for name, oid in zip(names, oids, strict=True)
        if _holds_no_type(frame.schema[name]) and oid in _POSTGRES_OID_TYPES
    ]
    return frame.with_columns(casts) if casts else frame


def without_nul(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with NUL replaced by U+FFFD in every string and list-of-string column."""
    replaced = []
    for name, dtype in frame.schema.items():
        if dtype == pl.String:
            replaced.append(pl.col(name).str.replace_all(NUL, NUL_REPLACEMENT, literal=True))
        elif isinstance(dtype, pl.List) and dtype.inner == pl.String:
            replaced.append(
                pl.col(name).list.eval(
                    pl.element().str.replace_all(NUL, NUL_REPLACEMENT, literal=True)
                )
            )
    return frame.with_columns(replaced) if replaced else frame


def sql_type(dtype: pl.DataType, dialect: str) -> str:
    if isinstance(dtype, pl.Datetime):
        return "TIMESTAMPTZ" if dtype.time_zone else "TIMESTAMP"
    if isinstance(dtype, pl.List):
        inner = sql_type(dtype.inner, dialect)
        return f"{inner}[]"
    for polars_type, name in _SQL_TYPES[dialect].items():
        if dtype == polars_type:
            return name
    raise TypeError(f"no {dialect} column type for polars dtype {dtype}")


def create_table_sql(table: str, schema: pl.Schema, key: Sequence[str], dialect: str) -> str:
    columns = [f'"{name}" {sql_type(dtype, dialect)}' for name, dtype in schema.items()]
    if key:
        columns.append(f"PRIMARY KEY ({', '.join(f'{k!s}' for k in key)})")
    return f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(columns)})"


def upsert_sql(table: str, staging: str, columns: Sequence[str], key: Sequence[str]) -> str:
    """INSERT ... ON CONFLICT DO UPDATE, valid in both DuckDB and Postgres."""
    quoted = ", ".join(f'"{c}"' for c in columns)
    updates = ", ".join(f'"{c}" = excluded."{c}"' for c in columns if c not in key)
    conflict = "DO NOTHING" if not updates else f"DO UPDATE SET {updates}"
    return (
        f"INSERT INTO {table} ({quoted}) SELECT {quoted} FROM {staging} "
        f"ON CONFLICT ({', '.join(key)}) {conflict}"
    )


def _array_literal(column: str) -> pl.Expr:
    """A list column as Postgres array input text: {"a","b\\"c"}; null stays null."""
    element = (
        pl.lit('"')
        + pl.element()
        .str.replace_all("\\", "\\\\", literal=True)
        .str.replace_all('"', '\\"', literal=True)
        + pl.lit('"')
    ).fill_null(pl.lit("NULL"))
    return (
        pl.when(pl.col(column).is_null())
        .then(None)
        .otherwise(pl.lit("{") + pl.col(column).list.eval(element).list.join(",") + pl.lit("}"))
        .alias(column)
    )


def copy_csv(frame: pl.DataFrame) -> bytes:
    """`frame` as CSV for `COPY … WITH (FORMAT csv)`: unquoted empty is NULL, "" an empty string."""
    lists = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.List)]
    if lists:
        frame = frame.with_columns([_array_literal(name) for name in lists])
    return frame.write_csv(include_header=False).encode()


def is_lock_conflict(error: Exception) -> bool:
    """DuckDB's refusal to open a file that another process holds (one writing process only)."""
    return "Could not set lock on file" in str(error)


def open_waiting_for_lock(
    url: str,
    wait_seconds: float,
    *,
    read_only: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> Warehouse:
    """Open `url`, retrying for up to `wait_seconds` while another process holds DuckDB's lock.

    A `socialpulse batch` asset holds the file for seconds at a time; a reader that waits briefly
    gets in between instead of failing. Other errors, and a lock held past the wait, are raised.
    """
    deadline = time.monotonic() + wait_seconds
    delay = 0.05
    while True:
        try:
            return Warehouse(url, read_only=read_only)
        except Exception as error:
            left = deadline - time.monotonic()
            if not is_lock_conflict(error) or left <= 0:
                raise
            sleep(min(delay, left))
            delay = min(delay * 2, 0.5)


class Warehouse:
    def __init__(self, url: str, *, read_only: bool = False) -> None:
        """`read_only` opens DuckDB sharing its file with other readers (no effect on Postgres)."""
        self.url = url
        parsed = urlparse(url)
        if parsed.scheme == "duckdb":
            import duckdb

            self.dialect = "duckdb"
            if parsed.path in ("/:memory:", ""):
                self._duck = duckdb.connect(":memory:")
            else:
                if not read_only:
                    Path(parsed.path).parent.mkdir(parents=True, exist_ok=True)
                self._duck = duckdb.connect(parsed.path, read_only=read_only)
        elif parsed.scheme in ("postgresql", "postgres"):
            import psycopg2

            self.dialect = "postgres"
            self._pg = psycopg2.connect(url, connect_timeout=10)
        else:
            raise ValueError(
                f"unsupported warehouse URL {url!r}: use duckdb:///path/to/file.duckdb "
                "or postgresql://user@host:port/database (SOCIALPULSE_WAREHOUSE_URL)"
            )

    def close(self) -> None:
        if self.dialect == "duckdb":
            self._duck.close()
        else:
            self._pg.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> None:
        if self.dialect == "duckdb":
            self._duck.execute(sql, list(parameters))
        else:
            with self._pg, self._pg.cursor() as cursor:
                cursor.execute(postgres_placeholders(sql), tuple(parameters))

    def query(self, sql: str, parameters: Sequence[Any] = ()) -> pl.DataFrame:
        if self.dialect == "duckdb":
            return self._duck.sql(sql, params=list(parameters) or None).pl()
        with self._pg, self._pg.cursor() as cursor:
            cursor.execute(postgres_placeholders(sql), tuple(parameters))
            names = [d.name for d in cursor.description]
            oids = [d.type_code for d in cursor.description]
            return typed_rows(cursor.fetchall(), names, oids)

    def tables(self) -> set[str]:
        """Tables and views in the current schema (main in DuckDB, the search_path's in PG)."""
        rows = self.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
        return {name.lower() for name in rows["table_name"].to_list()} if rows.height else set()

    def has_table(self, table: str) -> bool:
        return table.lower() in self.tables()

    def ensure_table(self, table: str, schema: pl.Schema, key: Sequence[str]) -> None:
        """Create the table, or add the columns a newer release loads (never drops any)."""
        self.execute(create_table_sql(table, schema, key, self.dialect))
        existing = set(self.query(f"SELECT * FROM {table} LIMIT 0").columns)
        for name, dtype in schema.items():
            if name not in existing:
                self.execute(
                    f'ALTER TABLE {table} ADD COLUMN IF NOT EXISTS "{name}" '
                    f"{sql_type(dtype, self.dialect)}"
                )

    def upsert(self, table: str, frame: pl.DataFrame, key: Sequence[str]) -> int:
        """Insert or update `frame` into `table` by `key`; creates the table on first load."""
        frame = without_nul(frame).unique(subset=list(key), keep="last", maintain_order=True)
        self.ensure_table(table, frame.schema, key)
        if frame.is_empty():
            return 0
        self._load_and_merge(table, frame, upsert_sql(table, "_staging", frame.columns, key), "")
        return frame.height

    def replace_where(
        self,
        table: str,
        frame: pl.DataFrame,
        where: str,
        parameters: Sequence[Any],
        key: Sequence[str] = (),
    ) -> int:
        """Delete the rows matching `where` and insert `frame`, in one transaction."""
        frame = without_nul(frame)
        self.ensure_table(table, frame.schema, key)
        quoted = ", ".join(f'"{c}"' for c in frame.columns)
        insert = f"INSERT INTO {table} ({quoted}) SELECT {quoted} FROM _staging"
        self._load_and_merge(table, frame, insert, f"DELETE FROM {table} WHERE {where}", parameters)
        return frame.height

    def _load_and_merge(
        self,
        table: str,
        frame: pl.DataFrame,
        merge: str,
        delete: str,
        parameters: Sequence[Any] = (),
    ) -> None:
        if self.dialect == "duckdb":
            self._duck.begin()
            try:
                if delete:
                    self._duck.execute(delete, list(parameters))
                self._duck.register("_staging", frame.to_arrow())
                self._duck.execute(merge)
                self._duck.unregister("_staging")
                self._duck.commit()
            except Exception:
                self._duck.rollback()
                raise
            return
        columns = ", ".join(f'"{c}"' for c in frame.columns)
        with self._pg, self._pg.cursor() as cursor:
            if delete:
                cursor.execute(postgres_placeholders(delete), tuple(parameters))
            cursor.execute(
                f"CREATE TEMP TABLE _staging ON COMMIT DROP AS "
                f"SELECT {columns} FROM {table} LIMIT 0"
            )
            if frame.height:
                # COPY is Postgres's bulk path: one round trip instead of one per page of rows.
                cursor.copy_expert(
                    f"COPY _staging ({columns}) FROM STDIN WITH (FORMAT csv)",
                    io.BytesIO(copy_csv(frame)),
                )
                cursor.execute(merge)

    def count(self, table: str) -> int:
        return int(self.query(f"SELECT count(*) AS n FROM {table}")["n"][0])

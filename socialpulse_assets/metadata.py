"""Materialisation metadata: row counts and markdown previews."""

from __future__ import annotations

import polars as pl
from dagster import MetadataValue


def table_metadata(frame: pl.DataFrame, rows: int = 10) -> dict[str, object]:
    head = frame.head(rows)
    header = "| " + " | ".join(head.columns) + " |"
    rule = "| " + " | ".join("---" for _ in head.columns) + " |"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in head.iter_rows()]
    return {
        "row_count": MetadataValue.int(frame.height),
        "preview": MetadataValue.md("\n".join([header, rule, *body])),
    }

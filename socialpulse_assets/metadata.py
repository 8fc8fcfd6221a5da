"""Materialisation metadata: Dagster's table keys, markdown previews and small PNG charts."""

from __future__ import annotations

import base64
import io

import polars as pl
from dagster import MetadataValue, TableColumn, TableSchema


def column_schema(frame: pl.DataFrame) -> TableSchema:
    return TableSchema(
        columns=[TableColumn(name, str(dtype)) for name, dtype in frame.schema.items()]
    )


def table_metadata(
    table: str, frame: pl.DataFrame, *, preview: pl.DataFrame | None = None, rows: int = 10
) -> dict[str, object]:
    """Dagster's table keys for the rows written to warehouse `table`, and a markdown preview.

    The keys are spelled out: dagster 1.13 does not export `TableMetadataSet`.
    """
    head = (frame if preview is None else preview).head(rows)
    header = "| " + " | ".join(head.columns) + " |"
    rule = "| " + " | ".join("---" for _ in head.columns) + " |"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in head.iter_rows()]
    return {
        "dagster/table_name": table,
        "dagster/row_count": MetadataValue.int(frame.height),
        "dagster/column_schema": MetadataValue.table_schema(column_schema(frame)),
        "preview": MetadataValue.md("\n".join([header, rule, *body])),
    }


def empty_table_metadata(table: str) -> dict[str, object]:
    """A materialisation that wrote no rows to warehouse `table`."""
    return {"dagster/row_count": MetadataValue.int(0), "dagster/table_name": table}


def _png_markdown(figure, alt: str) -> MetadataValue:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    plt.close(figure)
    encoded = base64.b64encode(buffer.getvalue()).decode()
    # The Dagster UI renders markdown metadata, inline images included.
    return MetadataValue.md(f"![{alt}](data:image/png;base64,{encoded})")


def bar_chart(labels: list[str], values: list[float], *, title: str) -> MetadataValue:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 0.3 * max(len(labels), 3) + 1))
    axes.barh(labels[::-1], values[::-1], color="#4c78a8")
    axes.set_title(title, fontsize=9)
    return _png_markdown(figure, title)


def hour_of_week_chart(
    hours: list[int], centre: list[float], spread: list[float], *, title: str
) -> MetadataValue:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    low = [max(c - s, 0.0) for c, s in zip(centre, spread, strict=True)]
    high = [c + s for c, s in zip(centre, spread, strict=True)]
    figure, axes = plt.subplots(figsize=(8, 2.5))
    axes.fill_between(hours, low, high, alpha=0.3, color="#4c78a8")
    axes.plot(hours, centre, color="#4c78a8")
    axes.set_xticks(range(0, 169, 24), ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", ""])
    axes.set_title(title, fontsize=9)
    return _png_markdown(figure, title)

"""`socialpulse sentiment --input TEXTS.txt --output OUT.csv`: the stream's scorer over a file."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import typer


def sentiment(
    input_path: Path = typer.Option(
        ..., "--input", "-i", exists=True, help="UTF-8 text file, one text per line."
    ),
    output: Path = typer.Option(..., "--output", "-o", help="CSV with text, label and score."),
) -> None:
    """Score every line: label (negative, neutral, positive) and score in [-1, 1], in order."""
    from socialpulse.sentiment import load_stream_scorer

    score = load_stream_scorer()
    # splitlines() would also split on form feeds and other separators inside a line.
    lines = [line.rstrip("\r") for line in input_path.read_text(encoding="utf-8").split("\n")]
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the file does not start another text
    results = [score(line) for line in lines]
    pl.DataFrame(
        {
            "text": lines,
            "label": [label for label, _ in results],
            "score": [value for _, value in results],
        },
        schema={"text": pl.String, "label": pl.String, "score": pl.Float64},
    ).write_csv(output)


def register(app: typer.Typer) -> None:
    app.command("sentiment")(sentiment)

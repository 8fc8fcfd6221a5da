"""`socialpulse toxicity --input TEXTS.txt --output OUT.csv`: flag every line as toxic or not,
with a score in [0, 1], by the trained classifier (`sentiment.toxicity_model`)."""

from __future__ import annotations

from pathlib import Path

import typer

from socialpulse.cli.checks import writable_output
from socialpulse.cli.sentiment import read_text_lines, report_undecodable, text_input_option


def toxicity(
    input_path: Path = text_input_option(),
    output: Path = typer.Option(
        ..., "--output", "-o", help="CSV with text, toxic (true/false) and score."
    ),
) -> None:
    """Flag every line: toxic (hate speech or offensive language; English) and a score in
    [0, 1], toxic from 0.5 up, in order."""
    import polars as pl

    from socialpulse.sentiment.toxicity_model import ToxicityScorer

    writable_output(output, "--output")
    scorer = ToxicityScorer.load()
    lines, undecodable = read_text_lines(input_path)
    report_undecodable(input_path, undecodable)
    results = scorer.score_batch(lines)
    pl.DataFrame(
        {
            "text": lines,
            # DESIGN.md's contract spells the flag `true`/`false`, as polars writes booleans.
            "toxic": [toxic for toxic, _ in results],
            "score": [score for _, score in results],
        },
        schema={"text": pl.String, "toxic": pl.Boolean, "score": pl.Float64},
    ).write_csv(output)


def register(app: typer.Typer) -> None:
    app.command("toxicity")(toxicity)

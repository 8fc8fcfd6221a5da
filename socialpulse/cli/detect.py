"""`socialpulse detect INPUT.csv --output OUTPUT.csv`: the stream's detector over one series."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import typer


def detect(
    input_csv: Path = typer.Argument(..., exists=True, help="CSV with columns timestamp,value."),
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the scored CSV."),
    alpha: float = typer.Option(0.05, help="Fading factor of the mean and variance."),
    warmup: int = typer.Option(10, help="Rows learned before anything is scored."),
    min_spread: float = typer.Option(0.5, help="Floor of the spread, on the square-root scale."),
) -> None:
    """Score every row from the rows before it and itself only (streaming semantics).

    OUTPUT has INPUT's rows in the same order plus `anomaly_score` in [0, 1].
    """
    from socialpulse.detection import CountDetector

    # Timestamps stay text, so OUTPUT repeats them exactly as INPUT has them.
    frame = pl.read_csv(input_csv, schema_overrides={"timestamp": pl.String})
    missing = {"timestamp", "value"} - set(frame.columns)
    if missing:
        raise typer.BadParameter(
            f"{input_csv} lacks column(s) {', '.join(sorted(missing))}; expected timestamp,value",
            param_hint="INPUT_CSV",
        )
    detector = CountDetector(alpha=alpha, warmup=warmup, min_spread=min_spread)
    scores = []
    for value in frame["value"].cast(pl.Float64).fill_null(0.0).to_list():
        scores.append(detector.score_one(value, None).score)
        detector.learn_one(value, None)
    frame.with_columns(pl.Series("anomaly_score", scores)).write_csv(output)


def register(app: typer.Typer) -> None:
    app.command("detect")(detect)

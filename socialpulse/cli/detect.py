"""`socialpulse detect INPUT.csv --output OUTPUT.csv`: the stream's detector over one series."""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

import polars as pl
import typer


def parse_scales(text: str) -> tuple[float, ...]:
    """'0.3,0.1' -> (0.3, 0.1); each a fading factor in (0, 1]."""
    try:
        scales = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        scales = ()
    if not scales or not all(0 < scale <= 1 for scale in scales):
        raise typer.BadParameter(
            f"expected comma-separated fading factors in (0, 1], e.g. 0.3,0.1; got {text!r}",
            param_hint="--scales",
        )
    return scales


def parse_timestamps(frame: pl.DataFrame, source: Path) -> list[datetime | None]:
    """Timestamps for the time-of-day profile; None where a row has none."""
    parsed = frame["timestamp"].str.to_datetime(strict=False)
    unreadable = frame["timestamp"].is_not_null() & parsed.is_null()
    if unreadable.any():
        example = frame["timestamp"].filter(unreadable)[0]
        raise typer.BadParameter(
            f"{source}: cannot read timestamp {example!r}; use ISO 8601, "
            "e.g. 2015-02-26 21:42:53 or 2015-02-26T21:42:53Z",
            param_hint="INPUT_CSV",
        )
    return parsed.to_list()


def detect(
    input_csv: Path = typer.Argument(..., exists=True, help="CSV with columns timestamp,value."),
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the scored CSV."),
    transform: str = typer.Option("log", help="log (relative changes) or sqrt (small counts)."),
    scales: str = typer.Option("0.3,0.1", help="Fading factors of the smoothed residuals."),
    level_alpha: float = typer.Option(0.003, help="Fading factor of the level."),
    slots_per_day: int = typer.Option(24, help="Time-of-day slots of the profile (0: none)."),
    season_alpha: float = typer.Option(0.02, help="Fading factor of each time-of-day slot."),
    spread_alpha: float = typer.Option(0.0005, help="Fading factor of the robust spreads."),
    clip: float = typer.Option(5.0, help="Values are learned clipped to this many spreads."),
    min_spread: float = typer.Option(0.05, help="Floor of the spreads, on the transformed scale."),
    poisson: float = typer.Option(1.0, help="Weight of the Poisson noise floor (0: none)."),
    half: float = typer.Option(3.0, help="Surprise (in spreads) that scores 0.5."),
    warmup: int = typer.Option(288, help="Rows learned before anything is scored."),
    drops: bool = typer.Option(False, "--drops/--no-drops", help="Score falls, not only rises."),
    alarm: float = typer.Option(0.6, help="Score that starts a refractory period."),
    refractory: int = typer.Option(288, help="Rows held at 0 after an alarm (0: off)."),
    shift_after: int = typer.Option(36, help="Rows beyond the clip that re-base the level."),
    slots_per_week: int = typer.Option(
        0, help="Slots of the week blended with the time-of-day profile (0: none)."
    ),
    week_blend: float = typer.Option(2.0, help="Weeks at which a week slot weighs half."),
    peak_factor: float = typer.Option(
        1.3, help="An alarm needs this times the median daily peak surprise (0: off)."
    ),
    peak_rows: int = typer.Option(288, help="Rows of one period (a day) of --peak-factor."),
    peak_periods: int = typer.Option(14, help="Periods whose peaks --peak-factor takes."),
) -> None:
    """Score every row from the rows before it and itself only (streaming semantics).

    OUTPUT has INPUT's rows in the same order plus `anomaly_score` in [0, 1].

    The defaults suit five-minute counts (NAB realTweets); see docs/detection.md.
    """
    from socialpulse.detection import VolumeDetector

    # Timestamps stay text, so OUTPUT repeats them exactly as INPUT has them.
    frame = pl.read_csv(input_csv, schema_overrides={"timestamp": pl.String})
    missing = {"timestamp", "value"} - set(frame.columns)
    if missing:
        raise typer.BadParameter(
            f"{input_csv} lacks column(s) {', '.join(sorted(missing))}; expected timestamp,value",
            param_hint="INPUT_CSV",
        )
    if transform not in ("log", "sqrt"):
        raise typer.BadParameter(
            f"expected log or sqrt, got {transform!r}", param_hint="--transform"
        )
    detector = VolumeDetector(
        transform=transform,
        scales=parse_scales(scales),
        level_alpha=level_alpha,
        slots_per_day=slots_per_day,
        season_alpha=season_alpha,
        spread_alpha=spread_alpha,
        clip=clip,
        min_spread=min_spread,
        poisson=poisson,
        half=half,
        warmup=warmup,
        drops=drops,
        alarm=alarm,
        refractory=refractory,
        shift_after=shift_after,
        slots_per_week=slots_per_week,
        week_blend=week_blend,
        peak_factor=peak_factor,
        peak_rows=peak_rows,
        peak_periods=peak_periods,
    )
    times = parse_timestamps(frame, input_csv)
    values = frame["value"].cast(pl.Float64).fill_null(0.0).to_list()
    began = time.perf_counter()
    scores = []
    score_one, learn_one = detector.score_one, detector.learn_one
    for value, at in zip(values, times, strict=True):
        scores.append(score_one(value, at).score)
        learn_one(value, at)
    seconds = time.perf_counter() - began
    frame.with_columns(pl.Series("anomaly_score", scores)).write_csv(output)
    rate = len(values) / seconds if seconds > 0 else float("inf")
    print(f"scored {len(values)} rows at {rate:,.0f} rows/s -> {output}", file=sys.stderr)


def register(app: typer.Typer) -> None:
    app.command("detect")(detect)

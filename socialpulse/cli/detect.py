"""`socialpulse detect INPUT.csv --output OUTPUT.csv`: the stream's detector over one series."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import polars as pl
import typer

from socialpulse.cli.checks import writable_output

# Long inputs report progress this often (NAB's longest series has about 16,000 rows).
PROGRESS_ROWS = 100_000


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


def read_series(source: Path) -> pl.DataFrame:
    """INPUT as text timestamps and float values; a clear usage error for anything else."""
    try:
        # Timestamps stay text, so OUTPUT repeats them exactly as INPUT has them.
        frame = pl.read_csv(source, schema_overrides={"timestamp": pl.String})
    except pl.exceptions.NoDataError as error:
        raise typer.BadParameter(
            f"{source} is empty; expected a header timestamp,value and one row per time step",
            param_hint="INPUT_CSV",
        ) from error
    except (pl.exceptions.PolarsError, UnicodeDecodeError) as error:
        reason = str(error).strip().splitlines()[0]
        raise typer.BadParameter(
            f"{source} is not a readable CSV ({reason})", param_hint="INPUT_CSV"
        ) from error
    missing = {"timestamp", "value"} - set(frame.columns)
    if missing:
        raise typer.BadParameter(
            f"{source} lacks column(s) {', '.join(sorted(missing))}; expected timestamp,value",
            param_hint="INPUT_CSV",
        )
    return frame


def parse_values(frame: pl.DataFrame, source: Path) -> list[float]:
    """The values as floats; an empty value counts as 0."""
    values = frame["value"].cast(pl.Float64, strict=False)
    _reject_unreadable(source, frame["value"].cast(pl.String), values, "value", "a number")
    return values.fill_null(0.0).to_list()


def _reject_unreadable(
    source: Path, raw: pl.Series, parsed: pl.Series, column: str, expected: str
) -> None:
    """A usage error naming the first row (as a line of the file) whose `column` did not parse."""
    unreadable = raw.is_not_null() & parsed.is_null()
    if unreadable.any():
        index = int(unreadable.arg_max() or 0)
        raise typer.BadParameter(
            f"{source} line {index + 2}: cannot read {column} {raw[index]!r}; expected {expected}",
            param_hint="INPUT_CSV",
        )


def parse_timestamps(frame: pl.DataFrame, source: Path) -> list[datetime | None]:
    """Timestamps for the time-of-day profile; None where a row has none."""
    try:
        parsed = frame["timestamp"].str.to_datetime(strict=False)
    except pl.exceptions.PolarsError:
        parsed = pl.Series(values=[None] * frame.height, dtype=pl.Datetime)
    _reject_unreadable(
        source,
        frame["timestamp"],
        parsed,
        "timestamp",
        "ISO 8601 in one format for the whole file, e.g. 2015-02-26 21:42:53 or "
        "2015-02-26T21:42:53Z",
    )
    return parsed.to_list()


def score_rows(
    score_one: Callable, learn_one: Callable, values: list[float], times: list[datetime | None]
) -> list[float]:
    """Score, then learn, each row; counts with a rate on stderr every PROGRESS_ROWS rows."""
    scores: list[float] = []
    total, began = len(values), time.perf_counter()
    for value, at in zip(values, times, strict=True):
        scores.append(score_one(value, at).score)
        learn_one(value, at)
        if len(scores) % PROGRESS_ROWS == 0:
            rate = len(scores) / max(time.perf_counter() - began, 1e-9)
            print(
                f"scored {len(scores):,} of {total:,} rows ({len(scores) / total:.0%}) "
                f"at {rate:,.0f} rows/s",
                file=sys.stderr,
                flush=True,
            )
    return scores


def detect(
    input_csv: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="CSV with columns timestamp,value."
    ),
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

    writable_output(output, "--output")
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
    frame = read_series(input_csv)
    times = parse_timestamps(frame, input_csv)
    values = parse_values(frame, input_csv)
    began = time.perf_counter()
    scores = score_rows(detector.score_one, detector.learn_one, values, times)
    seconds = time.perf_counter() - began
    frame.with_columns(pl.Series("anomaly_score", scores)).write_csv(output)
    rate = len(values) / seconds if seconds > 0 else float("inf")
    print(f"scored {len(values):,} rows at {rate:,.0f} rows/s -> {output}", file=sys.stderr)


def register(app: typer.Typer) -> None:
    app.command("detect")(detect)

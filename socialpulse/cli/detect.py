"""`socialpulse detect INPUT.csv --output OUTPUT.csv`: the calibrated detector over one series."""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from socialpulse.cli.checks import writable_output

if TYPE_CHECKING:
    import polars as pl

    from socialpulse.detection import SurpriseDetector

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
    import polars as pl

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
    import polars as pl

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
    import polars as pl

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
    detector: SurpriseDetector, values: list[float], times: list[datetime | None]
) -> list[float]:
    """Score, then learn, each row; counts with a rate on stderr every PROGRESS_ROWS rows."""
    scores: list[float] = []
    total, began = len(values), time.perf_counter()
    for start in range(0, total, PROGRESS_ROWS):
        end = start + PROGRESS_ROWS
        scores += detector.score_learn_many(values[start:end], times[start:end])
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
    alarm: float = typer.Option(
        0.995, help="Score that starts a rest period: the level to alert at, on any series."
    ),
    rest: int = typer.Option(100, help="Rows held at 0 after an alarm (0: off)."),
    transform: str = typer.Option(
        "identity", help="identity (any values), log (relative changes of counts) or sqrt."
    ),
    scales: str = typer.Option("0.3,0.1", help="Fading factors of the smoothed residuals."),
    slots_per_day: int = typer.Option(24, help="Time-of-day slots of the profile (0: none)."),
    warmup: int = typer.Option(288, help="Rows learned before anything is scored."),
    drops: bool = typer.Option(True, "--drops/--no-drops", help="Score falls, not only rises."),
    prior_weight: float = typer.Option(30.0, help="Observations the calibration's prior is worth."),
    prior_rate: float = typer.Option(
        1.5, help="The prior's tail: exp(-rate * surprise); 0 for Gaussian noise's tail."
    ),
    shift_scale: float = typer.Option(
        0.01, help="Fading factor of the level-shift surprise (0: off)."
    ),
    noise_scale: float = typer.Option(0.2, help="Fading factor of the noise surprise (0: off)."),
    slot_spread: float = typer.Option(
        0.02, help="Fading factor of each time-of-day slot's own spread (0: one for the day)."
    ),
) -> None:
    """Score every row from the rows before it and itself only (streaming semantics).

    OUTPUT has INPUT's rows in the same order plus `anomaly_score` in [0, 1]: one minus the
    calibrated tail probability of the row's surprise, so one threshold (e.g. 0.995) means the
    same on every series. See docs/detection.md.
    """
    import polars as pl

    from socialpulse.detection import SurpriseDetector
    from socialpulse.detection.volume_detector import TRANSFORMS

    writable_output(output, "--output")
    if transform not in TRANSFORMS:
        raise typer.BadParameter(
            f"expected one of {', '.join(sorted(TRANSFORMS))}, got {transform!r}",
            param_hint="--transform",
        )
    if not 0.0 < alarm < 1.0:
        raise typer.BadParameter(f"expected a score in (0, 1), got {alarm}", param_hint="--alarm")
    for name, number in (
        ("--prior-rate", prior_rate),
        ("--rest", rest),
        ("--warmup", warmup),
        ("--slots-per-day", slots_per_day),
    ):
        if number < 0:
            raise typer.BadParameter(f"expected 0 or more, got {number}", param_hint=name)
    for name, scale in (
        ("--shift-scale", shift_scale),
        ("--noise-scale", noise_scale),
        ("--slot-spread", slot_spread),
    ):
        if not 0.0 <= scale < 1.0:
            raise typer.BadParameter(
                f"expected a fading factor in [0, 1) (0: off), got {scale}", param_hint=name
            )
    detector = SurpriseDetector(
        alarm=alarm,
        rest=rest,
        transform=transform,
        scales=parse_scales(scales),
        slots_per_day=slots_per_day,
        warmup=warmup,
        drops=drops,
        prior_weight=prior_weight,
        prior_rate=prior_rate,
        shift_scale=shift_scale,
        noise_scale=noise_scale,
        slot_spread=slot_spread,
    )
    frame = read_series(input_csv)
    times = parse_timestamps(frame, input_csv)
    values = parse_values(frame, input_csv)
    began = time.perf_counter()
    scores = score_rows(detector, values, times)
    seconds = time.perf_counter() - began
    frame.with_columns(pl.Series("anomaly_score", scores)).write_csv(output)
    rate = len(values) / seconds if seconds > 0 else float("inf")
    print(f"scored {len(values):,} rows at {rate:,.0f} rows/s -> {output}", file=sys.stderr)


def register(app: typer.Typer) -> None:
    app.command("detect")(detect)

"""Rolling-origin backtest of the next-24-hours volume forecast on NAB's realTweets.

    PYTHONPATH=$PWD nice -n 15 .venv/bin/python benchmarks/trends/backtest.py \
        [--data /work/shared/datasets/nab-dev/data/realTweets]

The ten realTweets series (Twitter mentions of a company every 5 minutes, numenta/NAB) summed
into hours; the first and last hours, partly covered, are dropped. Every `STEP` hours after a
burn-in of two weeks, each forecaster has learned every hour before the origin and forecasts the
next 24. Error: MASE, the mean absolute error over the 24 hours divided by the in-sample mean
absolute error of the one-week seasonal naive on all hours before the origin (so the scale is
known at forecast time), averaged over origins per series; pooled is the mean over every origin
of every series. Baselines: the same hour one week earlier, and one day earlier. Also: the
share of hours inside `HourlyVolumeForecaster`'s 90% interval, and a reference River
HoltWinters (additive, on log1p counts, weekly season, fixed weights: no per-series tuning).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from river import time_series

from socialpulse.trends import HourlyVolumeForecaster

DEFAULT_DATA = Path("/work/shared/datasets/nab-dev/data/realTweets")
HORIZON = 24
WEEK = 168
BURN_IN = 2 * WEEK
STEP = 24
METHODS = ("model", "naive_week", "naive_day", "river_hw")


def hourly_counts(path: Path) -> pd.Series:
    """5-minute counts summed per hour, without the partly covered first and last hours."""
    rows = pd.read_csv(path, parse_dates=["timestamp"]).set_index("timestamp")["value"]
    by_hour = rows.resample("1h")
    counts, rows_per_hour = by_hour.sum(), by_hour.count()
    full = rows_per_hour == rows_per_hour.max()
    first, last = full.idxmax(), full[::-1].idxmax()
    return counts.loc[first:last].astype(float)


@dataclass
class SeriesResult:
    name: str
    mase: dict[str, list[float]] = field(default_factory=lambda: {m: [] for m in METHODS})
    inside: int = 0
    forecast_hours: int = 0


def river_holt_winters() -> time_series.HoltWinters:
    return time_series.HoltWinters(alpha=0.1, beta=0.01, gamma=0.1, seasonality=WEEK)


def backtest_series(name: str, counts: pd.Series) -> SeriesResult:
    """Walk the series hour by hour; at each origin, forecast the next 24 hours with each method."""
    values = counts.to_numpy()
    hours: list[datetime] = [stamp.to_pydatetime() for stamp in counts.index]
    model, holt_winters = HourlyVolumeForecaster(), river_holt_winters()
    result = SeriesResult(name)
    for origin, (hour, value) in enumerate(zip(hours, values, strict=True)):
        if origin >= BURN_IN and (origin - BURN_IN) % STEP == 0 and origin + HORIZON <= len(values):
            score_origin(result, values, origin, model, holt_winters)
        model.learn_one(hour, float(value))
        holt_winters.learn_one(math.log1p(value))
    return result


def score_origin(
    result: SeriesResult,
    values: np.ndarray,
    origin: int,
    model: HourlyVolumeForecaster,
    holt_winters: time_series.HoltWinters,
) -> None:
    actual = values[origin : origin + HORIZON]
    scale = float(np.mean(np.abs(values[WEEK:origin] - values[: origin - WEEK])))
    bands = model.forecast(HORIZON)
    forecasts: dict[str, np.ndarray] = {
        "model": np.array([expected for expected, _, _ in bands]),
        "naive_week": values[origin - WEEK : origin - WEEK + HORIZON],
        "naive_day": values[origin - 24 : origin - 24 + HORIZON],
        "river_hw": np.maximum(np.expm1(np.array(holt_winters.forecast(HORIZON))), 0.0),
    }
    for method, forecast in forecasts.items():
        result.mase[method].append(float(np.mean(np.abs(actual - forecast))) / scale)
    result.inside += sum(low <= y <= high for y, (_, low, high) in zip(actual, bands, strict=True))
    result.forecast_hours += HORIZON


def table(results: list[SeriesResult]) -> str:
    columns = ["series", "origins", "model", "naive week", "naive day", "River HW"]
    columns += ["model vs better naive", "90% interval coverage"]
    lines = ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    rows: list[tuple[str, Callable[[str], list[float]], int, int]] = [
        (r.name, lambda m, r=r: r.mase[m], r.inside, r.forecast_hours) for r in results
    ]
    rows.append(
        (
            "**pooled**",
            lambda m: [x for r in results for x in r.mase[m]],
            sum(r.inside for r in results),
            sum(r.forecast_hours for r in results),
        )
    )
    for name, mase, inside, hours in rows:
        means = {m: float(np.mean(mase(m))) for m in METHODS}
        better = min(means["naive_week"], means["naive_day"])
        change = 100 * (means["model"] - better) / better
        lines.append(
            f"| {name} | {len(mase('model'))} | {means['model']:.3f} | {means['naive_week']:.3f} "
            f"| {means['naive_day']:.3f} | {means['river_hw']:.3f} | {change:+.1f}% "
            f"| {100 * inside / hours:.1f}% |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="realTweets folder")
    args = parser.parse_args(argv)
    files = sorted(args.data.glob("Twitter_volume_*.csv"))
    if not files:
        print(f"no Twitter_volume_*.csv under {args.data}: pass --data <realTweets folder>")
        return 2
    started, results = time.perf_counter(), []
    for path in files:
        name = path.stem.removeprefix("Twitter_volume_")
        results.append(backtest_series(name, hourly_counts(path)))
        print(f"{name}: {len(results[-1].mase['model'])} origins", file=sys.stderr)
    print(table(results))
    print(f"\n{len(files)} series in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

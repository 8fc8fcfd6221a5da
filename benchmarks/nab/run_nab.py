"""Run `socialpulse detect` and two River baselines over a NAB-layout directory and score them.

    .venv/bin/python benchmarks/nab/run_nab.py [--data ../shared/datasets/nab-realtweets]

Layout: DATA/data/<category>/<file>.csv (timestamp,value) and DATA/labels/combined_windows.json.
Our detector runs through the CLI, one process per file, exactly as a user would call it; the
baselines run in this process. Throughput is measured side by side on the same series.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from river import anomaly, preprocessing, stats

from socialpulse.detection import CountDetector
from socialpulse.detection.nab_scoring import PROFILES, best_threshold, prepare

PUBLISHED = {
    "ARTime": 83.2,
    "CAD OSE": 74.5,
    "Numenta HTM": 69.3,
    "KNN CAD": 64.3,
    "Random Cut Forest": 62.9,
    "Twitter ADVec": 59.6,
    "windowed Gaussian": 51.4,
}


def half_space_trees(values: list[float]) -> list[float]:
    scaler = preprocessing.MinMaxScaler()
    model = anomaly.HalfSpaceTrees(n_trees=25, height=8, window_size=250, seed=42)
    scores = []
    for value in values:
        scaler.learn_one({"value": value})
        x = scaler.transform_one({"value": value})
        scores.append(model.score_one(x))
        model.learn_one(x)
    return scores


def gaussian(values: list[float]) -> list[float]:
    """A running z-score: the normal tail probability of each value under all earlier ones."""
    mean, var = stats.Mean(), stats.Var()
    scores = []
    for value in values:
        spread = math.sqrt(var.get()) if var.get() > 0 else 0.0
        z = abs(value - mean.get()) / spread if spread else 0.0
        scores.append(math.erf(z / math.sqrt(2)))
        mean.update(value)
        var.update(value)
    return scores


def count_detector(values: list[float]) -> list[float]:
    detector, scores = CountDetector(), []
    for value in values:
        scores.append(detector.score_one(value, None).score)
        detector.learn_one(value, None)
    return scores


def via_cli(path: Path) -> list[float]:
    with tempfile.TemporaryDirectory() as directory:
        output = Path(directory) / "scores.csv"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "socialpulse.cli.main",
                "detect",
                str(path),
                "--output",
                str(output),
            ],
            check=True,
        )
        return pl.read_csv(output)["anomaly_score"].to_list()


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text[:19]).replace(tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "nab-realtweets"
    parser.add_argument("--data", type=Path, default=default)
    args = parser.parse_args()
    windows = json.loads((args.data / "labels" / "combined_windows.json").read_text())
    files = sorted((args.data / "data").glob("*/*.csv"))
    detectors: dict[str, Callable[[Path, list[float]], list[float]]] = {
        "SocialPulse CountDetector (socialpulse detect)": lambda path, _: via_cli(path),
        "River HalfSpaceTrees + MinMaxScaler": lambda _, values: half_space_trees(values),
        "Gaussian running z-score": lambda _, values: gaussian(values),
    }
    prepared: dict[str, list] = {name: [] for name in detectors}
    points = 0
    for path in files:
        frame = pl.read_csv(path)
        values = frame["value"].cast(pl.Float64).to_list()
        times = [_time(t) for t in frame["timestamp"].to_list()]
        key = f"{path.parent.name}/{path.name}"
        limits = [(_time(a), _time(b)) for a, b in windows.get(key, [])]
        points += len(values)
        for name, run in detectors.items():
            prepared[name].append(prepare(key, times, run(path, values), limits))
        print(f"scored {key} ({len(values)} rows)", file=sys.stderr)

    series = [v for path in files for v in pl.read_csv(path)["value"].cast(pl.Float64).to_list()]
    rates = {}
    for name, function in (
        ("SocialPulse CountDetector (socialpulse detect)", count_detector),
        ("River HalfSpaceTrees + MinMaxScaler", half_space_trees),
        ("Gaussian running z-score", gaussian),
    ):
        began = time.perf_counter()
        function(series)
        rates[name] = len(series) / (time.perf_counter() - began)

    print(f"NAB realTweets: {len(files)} files, {points} rows; one threshold per profile.\n")
    print("| detector | standard | low FP | low FN | points/s (one core) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, data in prepared.items():
        cells = [f"{best_threshold(data, profile).normalized:.1f}" for profile in PROFILES]
        print(f"| {name} | {' | '.join(cells)} | {rates[name]:,.0f} |")
    for name, score in PUBLISHED.items():
        print(f"| {name} (published) | {score} | | | |")


if __name__ == "__main__":
    main()

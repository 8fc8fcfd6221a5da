"""Does the NAB detector hold on short and hourly series? A proxy built from `nab-dev` alone.

    PYTHONPATH=$PWD nice -n 10 .venv/bin/python benchmarks/nab/short_series.py [--windows kept]

The detector is tuned on nab-dev's 45 files, most of them 4,000 to 22,000 rows of 5-minute
data; NAB's two other real categories are short (about 1,100 to 2,500 rows), one of them hourly.
This script builds variants of the 45 files that look like those:

- the first N rows of each file, N in `TRUNCATIONS`, and each file cut into consecutive N-row
  pieces (each a file of its own: many more short files with an anomaly than the first rows);
- hourly means (rows grouped by the hour they fall in), whole and cut to their first
  `HOURLY_TRUNCATION` rows.

NAB labels a file from its anomaly timestamps (`labels/combined_labels.json`), not from fixed
windows: a window is 10% of the file's rows divided by its number of anomalies, centred on the
anomaly, and the first window is deleted when it starts inside the probation period
(numenta/NAB `nab/labeler.py`, `applyWindows` and `checkWindows`). A short file therefore gets
narrower windows than the same rows inside a long one, and `label_windows` rebuilds them as NAB
would for each variant (on the 45 whole files it reproduces `combined_windows.json` exactly;
checked at start). Anomalies beyond the cut are dropped; a file that had windows and has none
left is dropped and counted (a file that never had any, artificialNoAnomaly, stays). The
scorer (`nab_scoring.prepare`) recomputes the probation period from each variant's length.

Each detector configuration is scored with one threshold per profile chosen on the whole files,
as `run_nab.py` does (what a frozen configuration would meet on new files), and with the
threshold re-chosen on each variant, for reference. Published ARTime and Numenta HTM outputs are
cut the same way (their scores of a file's first N rows; NAB's runner gives a detector the whole
file's length and range, so this is close to, not exactly, what they would output on the short
file); they have no hourly or piece outputs. Results: `short_series.md` beside this script.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_nab import gaussian, leave_one_category_out, normalised, published, surprise_detector

from socialpulse.detection import SurpriseDetector
from socialpulse.detection.nab_scoring import (
    PROFILES,
    FileData,
    NabSeries,
    best_threshold,
    load_nab_corpus,
    nab_time,
    prepare,
    probation_rows,
    raw_score,
)

TRUNCATIONS = (1200, 1600, 2400)
HOURLY_TRUNCATION = 1200
# NAB's window size (share of a file's rows for all its windows together).
WINDOW_SHARE = 0.10
# NAB replaced this file's combined labels by two row indices (`editPoorLabels` in its labeler).
EDITED_LABELS = {"realAWSCloudwatch/iio_us-east-1_i-a2eb1cd9_NetworkIn.csv": (249, 339)}

Scorer = Callable[[NabSeries], list[float]]


@dataclass(frozen=True)
class LabelledSeries:
    """A NAB series with the row indices of its labelled anomalies (windows rebuilt from them)."""

    series: NabSeries
    anomalies: tuple[int, ...]


@dataclass(frozen=True)
class Variant:
    """One variant of the corpus: its series, and how many files lost every window and left."""

    name: str
    series: list[NabSeries]
    dropped: int


def label_windows(
    timestamps: Sequence[datetime], anomalies: Sequence[int]
) -> list[tuple[datetime, datetime]]:
    """NAB's windows for a file of these rows: `applyWindows`, then `checkWindows`.

    Window length `int(0.1 * rows / anomalies)` rows, half of it (integer division) on each
    side of the anomaly, clipped to the file; the first window is deleted if it starts before
    the probation period ends; overlapping neighbours are merged, in NAB's own single pass.
    """
    if not anomalies:
        return []
    rows = len(timestamps)
    half = int(WINDOW_SHARE * rows / len(anomalies)) // 2
    windows = [[max(a - half, 0), min(a + half, rows - 1)] for a in anomalies]
    if windows[0][0] < probation_rows(rows):
        del windows[0]
    index = 0
    while len(windows) - 1 > index:
        if windows[index + 1][0] <= windows[index][1]:
            windows[index] = [windows[index][0], windows[index + 1][1]]
            del windows[index + 1]
        index += 1  # as NAB: no second look at a merged window
    return [(timestamps[left], timestamps[right]) for left, right in windows]


def labelled_corpus(root: Path) -> list[LabelledSeries]:
    """The corpus with each file's anomaly rows, checked against NAB's own windows."""
    labels = json.loads((root / "labels" / "combined_labels.json").read_text())
    corpus = []
    for series in load_nab_corpus(root):
        if series.key in EDITED_LABELS:
            anomalies = EDITED_LABELS[series.key]
        else:
            row = {at: i for i, at in enumerate(series.timestamps)}
            anomalies = tuple(sorted(row[nab_time(t)] for t in labels.get(series.key, [])))
        rebuilt = label_windows(series.timestamps, anomalies)
        if rebuilt != series.windows:
            sys.exit(f"error: NAB's window rule does not reproduce the windows of {series.key}")
        corpus.append(LabelledSeries(series, anomalies))
    return corpus


def relabelled(
    key: str, timestamps: list[datetime], values: list[float], anomalies: Sequence[int]
) -> NabSeries:
    return NabSeries(key, timestamps, values, label_windows(timestamps, anomalies))


def truncated(item: LabelledSeries, rows: int) -> NabSeries:
    """The first `rows` rows of a file (all of it when shorter), labelled as NAB would."""
    series = item.series
    anomalies = [a for a in item.anomalies if a < rows]
    return relabelled(series.key, series.timestamps[:rows], series.values[:rows], anomalies)


def segments(item: LabelledSeries, rows: int) -> list[NabSeries]:
    """The file cut into consecutive `rows`-row pieces (a shorter remainder left out), each
    labelled as NAB would label a file of its own: many more short files than the first rows."""
    series, pieces = item.series, []
    for start in range(0, len(series.values) - rows + 1, rows):
        anomalies = [a - start for a in item.anomalies if start <= a < start + rows]
        end = start + rows
        key = f"{series.key}@{start}"
        pieces.append(
            relabelled(key, series.timestamps[start:end], series.values[start:end], anomalies)
        )
    return pieces


def hourly(item: LabelledSeries) -> LabelledSeries:
    """Hourly means (one row per clock hour with data), anomalies moved to their hour's row."""
    series = item.series
    hours: list[datetime] = []
    sums: list[float] = []
    counts: list[int] = []
    row_of: list[int] = []  # the hourly row of each original row
    for at, value in zip(series.timestamps, series.values, strict=True):
        hour = at.replace(minute=0, second=0, microsecond=0)
        if not hours or hours[-1] != hour:
            hours.append(hour)
            sums.append(0.0)
            counts.append(0)
        sums[-1] += value
        counts[-1] += 1
        row_of.append(len(hours) - 1)
    values = [total / count for total, count in zip(sums, counts, strict=True)]
    anomalies = tuple(sorted({row_of[a] for a in item.anomalies}))
    return LabelledSeries(relabelled(series.key, hours, values, anomalies), anomalies)


def variants(corpus: list[LabelledSeries]) -> list[Variant]:
    """Whole files, the truncations, hourly whole and truncated; files left without windows out."""

    def keep(name: str, items: list[tuple[LabelledSeries, NabSeries]]) -> Variant:
        # Dropped: had windows before the cut, none after it.
        kept = [new for old, new in items if new.windows or not old.anomalies]
        return Variant(name, kept, len(items) - len(kept))

    hourly_corpus = [hourly(item) for item in corpus]
    built = [keep("whole (5-min)", [(item, item.series) for item in corpus])]
    for rows in TRUNCATIONS:
        built.append(keep(f"first {rows:,}", [(item, truncated(item, rows)) for item in corpus]))
    for rows in TRUNCATIONS:
        pieces = [(item, piece) for item in corpus for piece in segments(item, rows)]
        built.append(keep(f"{rows:,}-row pieces", pieces))
    built.append(keep("hourly", [(item, item.series) for item in hourly_corpus]))
    built.append(
        keep(
            f"hourly, first {HOURLY_TRUNCATION:,}",
            [(item, truncated(item, HOURLY_TRUNCATION)) for item in hourly_corpus],
        )
    )
    return built


def with_kept_windows(variant: Variant, corpus: list[LabelledSeries]) -> Variant:
    """The variant with the whole file's windows that lie wholly inside its rows, unchanged.

    The literal reading of "keep the windows inside": no narrower windows for a shorter file and
    no deletion of a window that starts in the probation period, as NAB's labeller would do.
    A check of how much the window rule moves the scores, not how NAB would score such files.
    """
    originals = {item.series.key: item for item in corpus}
    kept, dropped = [], variant.dropped
    for series in variant.series:
        item = originals[series.key.split("@", 1)[0]]
        first, last = series.timestamps[0], series.timestamps[-1]
        windows = [(a, b) for a, b in item.series.windows if first <= a and b <= last]
        if windows or not item.anomalies:
            kept.append(NabSeries(series.key, series.timestamps, series.values, windows))
        else:
            dropped += 1
    return Variant(variant.name, kept, dropped)


def rows_per_day(series: NabSeries) -> int:
    """Rows in a day at the series' first interval: what a stream knows after two rows."""
    step = (series.timestamps[1] - series.timestamps[0]).total_seconds()
    return math.ceil(timedelta(days=1).total_seconds() / step)


class EarlyDetector(SurpriseDetector):
    """Scores from `score_from` rows on, while its calibrations still count from `warmup`.

    A shorter warm-up also moves the start of the calibrations' counts, so on long files it
    changes scores far past the warm-up; this one only scores earlier, against the prior and the
    few surprises counted so far. With `scale_in`, a young series needs a rarer surprise to
    alarm: before `warmup` rows the tail (1 - score) is multiplied by `warmup / seen` (at 100
    rows of 288, a tail under 0.0017 instead of 0.005). The rest period follows this score.
    """

    def __init__(self, score_from: int = 100, scale_in: bool = False, **options: Any) -> None:
        super().__init__(**options)
        self.score_from = score_from
        self.scale_in = scale_in

    def _evaluate(self, value: float, at: datetime | None) -> float:
        core = self._core
        warmup = core.warmup
        core.warmup = min(self.score_from, warmup)  # only the scoring gate reads it here
        try:
            score = super()._evaluate(value, at)
        finally:
            core.warmup = warmup
        seen = core.seen
        if self.scale_in and score > 0.0 and seen < warmup:
            tail = (1.0 - score) * warmup / max(seen, 1)
            score = self._score = 1.0 - tail if tail < 1.0 else 0.0
        return score


def per_value(detector: SurpriseDetector, series: NabSeries) -> list[float]:
    scores = []
    for value, at in zip(series.values, series.timestamps, strict=True):
        x = {"value": value, "timestamp": at}
        scores.append(detector.score_one(x))
        detector.learn_one(x)
    return scores


def with_warmup(warmup: int) -> Scorer:
    return lambda s: SurpriseDetector(warmup=warmup).score_learn_many(s.values, s.timestamps)


def day_warmup(most: int, timed_rest: bool = False) -> Scorer:
    """A warm-up of one day of rows, at most `most` rows (288: one day of 5-minute data).

    With `timed_rest`, the rest period after an alarm is also a time (the 100 rows' 500 minutes
    of 5-minute data, at most 100 rows): at the shipped 100 rows, an hourly series is silenced
    for four days after each alarm.
    """

    def scorer(series: NabSeries) -> list[float]:
        per_day = rows_per_day(series)
        rest = min(100, math.ceil(per_day * 500 / 1440)) if timed_rest else 100
        detector = SurpriseDetector(warmup=min(most, per_day), rest=rest)
        return detector.score_learn_many(series.values, series.timestamps)

    return scorer


def early(score_from: int, scale_in: bool) -> Scorer:
    return lambda s: per_value(EarlyDetector(score_from=score_from, scale_in=scale_in), s)


SHIPPED = "shipped (warm-up 288)"
CONFIGURATIONS: dict[str, Scorer] = {
    SHIPPED: surprise_detector,
    "warm-up 100": with_warmup(100),
    "warm-up 150": with_warmup(150),
    "warm-up 200": with_warmup(200),
    "warm-up min(288, 1 day)": day_warmup(288),
    "warm-up min(150, 1 day)": day_warmup(150),
    "warm-up min(100, 1 day)": day_warmup(100),
    "warm-up min(288, 1 day), rest min(100, 500 min)": day_warmup(288, timed_rest=True),
    "scores from 100, calibrated from 288": early(100, scale_in=False),
    "scores from 100 scaled in, calibrated from 288": early(100, scale_in=True),
    # A floor for every variant, hourly included (run_nab.py's running Gaussian z-score).
    "running Gaussian z-score (reference)": gaussian,
}
PUBLISHED = {"ARTime (published)": "ARTime", "Numenta HTM (published)": "numenta"}


def cut(whole: Scorer) -> Scorer:
    """A published detector's scores of a file's first rows (from its output on the whole file)."""
    return lambda series: whole(series)[: len(series.values)]


def labelled_rows(variant: Variant) -> list[FileData]:
    """Each file's rows after probation with their windows and rewards, scores still empty."""
    return [prepare(s.key, s.timestamps, [0.0] * len(s.values), s.windows) for s in variant.series]


def score_variant(scorer: Scorer, variant: Variant, labelled: list[FileData]) -> list[FileData]:
    """`nab_scoring.prepare` of each file's scores, its labels computed once per variant."""
    return [
        replace(rows, scores=np.asarray(scorer(s)[probation_rows(len(s.values)) :], dtype=float))
        for s, rows in zip(variant.series, labelled, strict=True)
    ]


def fixed_and_rechosen(
    files: list[FileData], thresholds: dict[str, float]
) -> dict[str, tuple[float, float]]:
    """Per profile: normalised score at the whole-file threshold, and at the best for `files`."""
    return {
        profile: (
            normalised(raw_score(files, thresholds[profile], PROFILES[profile]), files, profile),
            best_threshold(files, profile).normalized,
        )
        for profile in PROFILES
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "nab-dev"
    parser.add_argument("--data", type=Path, default=default)
    parser.add_argument(
        "--windows",
        choices=("nab", "kept"),
        default="nab",
        help="nab: windows rebuilt by NAB's labeller rule for each variant's length (default); "
        "kept: the whole files' windows that lie inside the variant, unchanged.",
    )
    args = parser.parse_args()
    if not (args.data / "labels" / "combined_labels.json").is_file():
        sys.exit(f"error: no NAB data at {args.data} (expected labels/combined_labels.json)")
    corpus = labelled_corpus(args.data)
    built = variants(corpus)
    if args.windows == "kept":
        # Files a NAB window rebuild dropped are not brought back: the same files either way.
        built = [built[0], *(with_kept_windows(variant, corpus) for variant in built[1:])]
    for variant in built:
        rows = [len(s.values) for s in variant.series]
        windows = sum(len(s.windows) for s in variant.series)
        print(
            f"{variant.name}: {len(rows)} files ({variant.dropped} dropped: no window left), "
            f"{sum(rows):,} rows ({min(rows):,} to {max(rows):,}), {windows} windows",
            file=sys.stderr,
        )
    labelled = {variant.name: labelled_rows(variant) for variant in built}
    scorers: dict[str, Scorer] = dict(CONFIGURATIONS)
    for name, folder in PUBLISHED.items():
        scorers[name] = cut(published(args.data, folder))
    results: dict[str, dict[str, dict[str, tuple[float, float]]]] = {}
    whole_files: dict[str, list[FileData]] = {}
    for name, scorer in scorers.items():
        began = time.perf_counter()
        whole = score_variant(scorer, built[0], labelled[built[0].name])
        whole_files[name] = whole
        thresholds = {p: best_threshold(whole, p).threshold for p in PROFILES}
        results[name] = {}
        for variant in built:
            if name in PUBLISHED and not variant.name.startswith(("whole", "first")):
                continue  # no published outputs of hourly files or of pieces started mid-file
            if variant is built[0]:
                files = whole
            else:
                files = score_variant(scorer, variant, labelled[variant.name])
            results[name][variant.name] = fixed_and_rechosen(files, thresholds)
        print(f"scored {name} in {time.perf_counter() - began:.1f} s", file=sys.stderr)
    report(built, results, whole_files)


def report(
    built: list[Variant],
    results: dict[str, dict[str, dict[str, tuple[float, float]]]],
    whole_files: dict[str, list[FileData]],
) -> None:
    names = [variant.name for variant in built]
    short = [name for name in names if name != names[0]]
    for profile in PROFILES:
        print(
            f"\n{profile}: normalised score at the threshold chosen on the whole files "
            f"(re-chosen on the variant in brackets); mean of the {len(short)} short or hourly "
            "variants\n"
        )
        print(f"| configuration | {' | '.join(names)} | mean short/hourly |")
        print(f"| --- |{' ---: |' * (len(names) + 1)}")
        for name, by_variant in results.items():
            cells = []
            for variant in names:
                if variant in by_variant:
                    fixed, rechosen = by_variant[variant][profile]
                    cells.append(f"{fixed:.1f} ({rechosen:.1f})")
                else:
                    cells.append("n/a")
            present = [by_variant[v][profile][0] for v in short if v in by_variant]
            mean = f"{sum(present) / len(present):.1f}" if len(present) == len(short) else "n/a"
            print(f"| {name} | {' | '.join(cells)} | {mean} |")
    print("\nLeave-one-category-out on the whole files, standard (threshold chosen on four):\n")
    print("| configuration | pooled | per held-out category |")
    print("| --- | ---: | --- |")
    for name, files in whole_files.items():
        pooled, per_category = leave_one_category_out(files, "standard")
        cells = ", ".join(f"{c} {v:.1f}" for c, v in sorted(per_category.items()))
        print(f"| {name} | {pooled:.1f} | {cells} |")


if __name__ == "__main__":
    main()

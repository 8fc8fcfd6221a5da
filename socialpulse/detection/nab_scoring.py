"""The Numenta Anomaly Benchmark's scoring, reimplemented (numenta/NAB `sweeper.py`, `runner.py`).

Per file: rows in the first 15% (at most 750 rows) are the probation period and are not scored.
A detection is a row whose score is at or above the threshold. Inside a labelled window only the
earliest detection counts, rewarded by the scaled sigmoid of its position divided by the sigmoid
of the window's first row (so a detection there earns exactly `tp_weight`; earlier is better); a
window without detection costs `fn_weight`. A detection outside windows costs `fp_weight` times
the scaled sigmoid of its distance past the previous window (before any window: the full cost).
Checked against NAB's published results in tests/unit/test_nab_published.py.
The threshold is one for all files, chosen to maximise the summed score over every distinct score;
the result is normalised so that the null detector (never fires) scores 0 and a perfect one 100.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Profile:
    tp_weight: float
    fp_weight: float
    fn_weight: float


PROFILES = {
    "standard": Profile(1.0, 0.11, 1.0),
    "reward_low_FP_rate": Profile(1.0, 0.22, 1.0),
    "reward_low_FN_rate": Profile(1.0, 0.11, 2.0),
}


def scaled_sigmoid(relative_position: float) -> float:
    if relative_position > 3.0:
        return -1.0  # far behind a window: a plain false positive
    return 2.0 / (1.0 + math.exp(5.0 * relative_position)) - 1.0


# NAB rewards a window's first row with exactly A_TP: sigmoid values inside windows are divided
# by this.
WINDOW_START_SIGMOID = 2.0 / (1.0 + math.exp(-5.0)) - 1.0


def probation_rows(length: int, fraction: float = 0.15) -> int:
    return min(math.floor(fraction * length), 750)


def label_rows(
    timestamps: Sequence[datetime], windows: Sequence[tuple[datetime, datetime]]
) -> list[tuple[int | None, float]]:
    """For every row: (window index or None, unweighted reward/cost), as NAB's sweeper does."""
    limits = []
    for start, end in windows:
        inside = [i for i, t in enumerate(timestamps) if start <= t <= end]
        if inside:
            limits.append((inside[0], inside[-1]))
    labels: list[tuple[int | None, float]] = []
    previous: tuple[int, int] | None = None  # (right index, width) of the last window passed
    for i in range(len(timestamps)):
        current = next((w for w, (left, right) in enumerate(limits) if left <= i <= right), None)
        if current is not None:
            left, right = limits[current]
            width = right - left + 1
            reward = scaled_sigmoid(-(right - i + 1) / width) / WINDOW_START_SIGMOID
            labels.append((current, reward))
            if i == right:
                previous = (right, width)
        elif previous is not None:
            right, width = previous
            labels.append((None, scaled_sigmoid(abs(right - i) / max(width - 1, 1))))
        else:
            labels.append((None, -1.0))
    return labels


@dataclass(frozen=True)
class FileData:
    """The rows of one file after probation: score, window index (-1: none), reward or cost."""

    name: str
    scores: np.ndarray
    window: np.ndarray
    unweighted: np.ndarray
    windows: int  # windows with at least one row after probation


def prepare(
    name: str,
    timestamps: Sequence[datetime],
    scores: Sequence[float],
    windows: Sequence[tuple[datetime, datetime]],
) -> FileData:
    labels = label_rows(timestamps, windows)
    start = probation_rows(len(timestamps))
    window = np.array([-1 if w is None else w for w, _ in labels[start:]], dtype=np.int64)
    return FileData(
        name=name,
        scores=np.asarray(scores[start:], dtype=np.float64),
        window=window,
        unweighted=np.array([u for _, u in labels[start:]], dtype=np.float64),
        windows=len(set(window[window >= 0].tolist())),
    )


def raw_score(files: Sequence[FileData], threshold: float, profile: Profile) -> float:
    total = 0.0
    for data in files:
        fired = data.scores >= threshold
        outside = fired & (data.window < 0)
        total += float(data.unweighted[outside].sum()) * profile.fp_weight
        detected = 0
        for index in np.unique(data.window[fired & (data.window >= 0)]):
            # The earliest detection in a window has the largest reward.
            total += (
                float(data.unweighted[fired & (data.window == index)].max()) * profile.tp_weight
            )
            detected += 1
        total -= (data.windows - detected) * profile.fn_weight
    return total


@dataclass(frozen=True)
class Result:
    profile: str
    threshold: float
    raw: float
    normalized: float


def best_threshold(files: Sequence[FileData], profile_name: str) -> Result:
    """Try every distinct score as the threshold (plus 'never fire') and keep the best.

    Exact, as NAB's sweeper: rows are taken in descending score and the raw score is updated
    row by row (a false positive adds its cost; a window's first detection removes its miss and
    adds its reward; an earlier detection in a detected window raises the reward to its own).
    """
    profile = PROFILES[profile_name]
    windows = sum(data.windows for data in files)
    null = -windows * profile.fn_weight
    perfect = windows * profile.tp_weight
    scores, window, unweighted, offset = [], [], [], 0
    for data in files:
        scores.append(data.scores)
        unweighted.append(data.unweighted)
        # Window indices made unique across files; -1 stays "outside any window".
        window.append(np.where(data.window >= 0, data.window + offset, -1))
        offset += int(data.window.max(initial=-1)) + 1
    all_scores = np.concatenate(scores) if scores else np.empty(0)
    order = np.argsort(-all_scores, kind="stable")
    sorted_scores = all_scores[order].tolist()
    sorted_window = np.concatenate(window)[order].tolist() if window else []
    sorted_unweighted = np.concatenate(unweighted)[order].tolist() if unweighted else []
    reward: dict[int, float] = {}
    raw = null
    best = Result(profile_name, math.inf, null, 0.0)
    for index, (score, row_window, value) in enumerate(
        zip(sorted_scores, sorted_window, sorted_unweighted, strict=True)
    ):
        if row_window < 0:
            raw += value * profile.fp_weight
        elif row_window not in reward:
            reward[row_window] = value
            raw += profile.fn_weight + value * profile.tp_weight
        elif value > reward[row_window]:
            raw += (value - reward[row_window]) * profile.tp_weight
            reward[row_window] = value
        last_of_ties = index + 1 == len(sorted_scores) or sorted_scores[index + 1] != score
        if last_of_ties and raw > best.raw:
            best = Result(profile_name, score, raw, 100 * (raw - null) / (perfect - null))
    return best


@dataclass(frozen=True)
class NabSeries:
    """One NAB data file: its key (`<category>/<file>.csv`), rows and labelled windows."""

    key: str
    timestamps: list[datetime]
    values: list[float]
    windows: list[tuple[datetime, datetime]]

    @property
    def category(self) -> str:
        return self.key.split("/", 1)[0]


def nab_time(text: str) -> datetime:
    """NAB's timestamps (`2015-02-26 21:42:53`, windows with microseconds), as naive UTC."""
    return datetime.fromisoformat(text[:19])


def load_nab_corpus(root: Path) -> list[NabSeries]:
    """Every `data/<category>/<file>.csv` under a NAB-layout folder with its labelled windows."""
    windows = json.loads((root / "labels" / "combined_windows.json").read_text())
    corpus = []
    for path in sorted((root / "data").glob("*/*.csv")):
        key = f"{path.parent.name}/{path.name}"
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        corpus.append(
            NabSeries(
                key=key,
                timestamps=[nab_time(row["timestamp"]) for row in rows],
                values=[float(row["value"]) for row in rows],
                windows=[(nab_time(a), nab_time(b)) for a, b in windows.get(key, [])],
            )
        )
    return corpus


def read_published_scores(root: Path, detector: str, key: str) -> list[float]:
    """A published detector's `anomaly_score` column for one file (`published/<detector>/...`)."""
    category, name = key.split("/", 1)
    path = root / "published" / detector / category / f"{detector}_{name}.gz"
    with gzip.open(path, "rt", newline="") as handle:
        return [float(row["anomaly_score"]) for row in csv.DictReader(handle)]

"""NAB scoring on hand-made files whose scores can be worked out on paper."""

import math
import random
from datetime import UTC, datetime, timedelta

import pytest

from socialpulse.detection.nab_scoring import (
    PROFILES,
    best_threshold,
    label_rows,
    prepare,
    probation_rows,
    raw_score,
    scaled_sigmoid,
)

T0 = datetime(2015, 1, 1, tzinfo=UTC)
ROWS = 200  # probation: the first 30 rows
TIMES = [T0 + timedelta(minutes=5 * i) for i in range(ROWS)]
WINDOW = (TIMES[100], TIMES[119])  # rows 100..119, width 20


def _file(fire_at: list[int], name: str = "f"):
    scores = [1.0 if i in fire_at else 0.0 for i in range(ROWS)]
    return prepare(name, TIMES, scores, [WINDOW])


def test_scaled_sigmoid_values() -> None:
    assert scaled_sigmoid(-1.0) == pytest.approx(2 / (1 + math.exp(-5)) - 1)  # 0.98661
    assert scaled_sigmoid(0.0) == 0.0
    assert scaled_sigmoid(3.5) == -1.0
    assert probation_rows(ROWS) == 30
    assert probation_rows(100_000) == 750


def test_rows_are_labelled_by_position_in_and_after_the_window() -> None:
    labels = label_rows(TIMES, [WINDOW])
    assert labels[99] == (None, -1.0)  # before any window: a full false positive
    # Inside a window rewards are relative to its first row, which earns exactly 1 (A_TP).
    assert labels[100] == (0, pytest.approx(1.0))
    assert labels[119] == (0, pytest.approx(scaled_sigmoid(-1 / 20) / scaled_sigmoid(-1.0)))
    # After the window the cost grows with the distance: 19 rows past is position 1.0.
    assert labels[138] == (None, pytest.approx(scaled_sigmoid(1.0)))


def test_null_and_perfect_detectors_score_0_and_100() -> None:
    null = best_threshold([_file([])], "standard")
    assert (null.raw, null.normalized) == (-1.0, 0.0)
    perfect = best_threshold([_file([100])], "standard")
    assert perfect.raw == pytest.approx(1.0)
    assert perfect.normalized == pytest.approx(100.0)


def test_only_the_earliest_detection_in_a_window_counts_and_early_beats_late() -> None:
    profile = PROFILES["standard"]
    early, late = _file([102]), _file([115])
    both = _file([102, 115])
    assert raw_score([early], 0.5, profile) > raw_score([late], 0.5, profile)
    assert raw_score([both], 0.5, profile) == raw_score([early], 0.5, profile)


def test_false_positives_cost_by_profile_and_probation_is_free() -> None:
    base = raw_score([_file([100])], 0.5, PROFILES["standard"])
    with_fp = raw_score([_file([100, 60])], 0.5, PROFILES["standard"])
    assert with_fp == pytest.approx(base - 0.11)
    low_fp = raw_score([_file([100, 60])], 0.5, PROFILES["reward_low_FP_rate"])
    assert low_fp == pytest.approx(base - 0.22)
    in_probation = raw_score([_file([100, 10])], 0.5, PROFILES["standard"])
    assert in_probation == pytest.approx(base)
    missed = raw_score([_file([60])], 0.5, PROFILES["reward_low_FN_rate"])
    assert missed == pytest.approx(-0.11 - 2.0)


def test_one_threshold_for_all_files() -> None:
    # File a fires 0.9 in its window; file b fires 0.9 outside and 0.6 in its window. A threshold
    # of 0.6 catches both windows at the price of one false positive, which is the best overall.
    a = prepare("a", TIMES, [0.9 if i == 100 else 0.0 for i in range(ROWS)], [WINDOW])
    b_scores = [0.9 if i == 60 else 0.6 if i == 101 else 0.0 for i in range(ROWS)]
    b = prepare("b", TIMES, b_scores, [WINDOW])
    result = best_threshold([a, b], "standard")
    assert result.threshold == 0.6
    expected = 1.0 + scaled_sigmoid(-19 / 20) / scaled_sigmoid(-1.0) - 0.11
    assert result.raw == pytest.approx(expected)


@pytest.mark.parametrize("profile", list(PROFILES))
def test_the_sweep_finds_the_best_of_every_distinct_threshold(profile: str) -> None:
    # Thousands of distinct scores, two windows per file: brute force agrees with the sweep.
    rng = random.Random(3)
    windows = [(TIMES[60], TIMES[79]), (TIMES[150], TIMES[169])]
    files = [
        prepare(f"f{n}", TIMES, [rng.random() for _ in range(ROWS)], windows) for n in range(12)
    ]
    result = best_threshold(files, profile)
    distinct = sorted({float(s) for data in files for s in data.scores})
    brute = max(raw_score(files, t, PROFILES[profile]) for t in distinct)
    assert len(distinct) > 400  # more than the old sweep's 400 candidates
    never = -sum(data.windows for data in files) * PROFILES[profile].fn_weight
    assert result.raw == pytest.approx(max(brute, never))
    assert raw_score(files, result.threshold, PROFILES[profile]) == pytest.approx(result.raw)

"""The opt-in parts of the volume detector: the bar of the usual daily bursts (`PeakMedian`,
`peak_factor`) and the slots of the week (`WeeklyProfile`, `slots_per_week`)."""

from __future__ import annotations

import pickle
import random
from datetime import datetime, timedelta

import pytest

from socialpulse.detection import VolumeDetector, batch_detector, volume_stream_detector
from socialpulse.detection.online import PeakMedian, WeeklyProfile

START = datetime(2015, 3, 2)  # a Monday
FIVE_MINUTES = timedelta(minutes=5)
DAY = 288  # five-minute rows


def _run(detector: VolumeDetector, values: list[float]) -> list[float]:
    scores = []
    for index, value in enumerate(values):
        at = START + index * FIVE_MINUTES
        scores.append(detector.score_one(value, at).score)
        detector.learn_one(value, at)
    return scores


def _daily_bursts(days: int, seed: int = 7) -> tuple[list[float], list[int]]:
    """Counts of about 50 with one 40-minute burst of 8 times that a day, at a random time."""
    rng = random.Random(seed)
    values = [50.0 + rng.uniform(-5.0, 5.0) for _ in range(days * DAY)]
    starts = []
    for day in range(1, days):
        start = day * DAY + rng.randrange(20, DAY - 20)
        starts.append(start)
        for row in range(start, start + 8):
            values[row] = 400.0
    return values, starts


def test_peak_median_takes_the_median_of_the_last_periods_peaks() -> None:
    peaks = PeakMedian(rows=2, periods=3)
    assert peaks.get() == 0.0
    peaks.update(1.0)
    peaks.update(7.0)  # first period: peak 7
    assert peaks.get() == 0.0  # one period is not a median yet
    for value in [2.0, 1.0, 5.0, 0.0]:  # peaks 2 and 5
        peaks.update(value)
    assert peaks.get() == 5.0  # median of 7, 2, 5
    for value in [1.0, 1.0]:  # peak 1; the 7 falls out of the last three periods
        peaks.update(value)
    assert peaks.peaks == [2.0, 5.0, 1.0] and peaks.get() == 2.0
    with pytest.raises(ValueError):
        PeakMedian(rows=0)


def test_weekly_profile_slots_and_distinct_weeks() -> None:
    profile = WeeklyProfile(slots_per_week=168, alpha=0.1)
    monday_nine, sunday_nine = START + timedelta(hours=9), START + timedelta(days=6, hours=9)
    for week in range(4):
        for minute in (0, 30):  # two visits a week, one week counted once
            profile.update(monday_nine + timedelta(weeks=week, minutes=minute), 2.0)
        profile.update(sunday_nine + timedelta(weeks=week), -1.0)
    assert profile.get(monday_nine + timedelta(weeks=9)) == pytest.approx(2.0)
    assert profile.get(sunday_nine + timedelta(weeks=9)) == pytest.approx(-1.0)
    assert profile.weeks(monday_nine) == 4 and profile.visits[profile.slot(monday_nine)] == 8
    assert profile.get(monday_nine + timedelta(days=1)) == 0.0  # Tuesday: never seen
    assert profile.weeks(None) == 0 and profile.get(None) == 0.0
    with pytest.raises(ValueError):
        WeeklyProfile(slots_per_week=0)


def test_daily_bursts_stop_alarming_but_a_bigger_one_still_does() -> None:
    values, starts = _daily_bursts(days=30)
    big = 28 * DAY + 100
    for row in range(big, big + 8):
        values[row] = 4000.0  # ten times the usual burst
    plain = _run(VolumeDetector(), values)
    barred = _run(VolumeDetector(peak_factor=1.3), values)
    late = [start for start in starts if start > 10 * DAY and not big - DAY < start < big + DAY]

    def alarms(scores: list[float]) -> int:
        return sum(max(scores[start : start + 8]) >= 0.6 for start in late)

    # Without the bar most usual bursts alarm (the others fall in a refractory period).
    assert alarms(plain) >= len(late) // 2
    assert alarms(barred) == 0  # with it: none after the first days
    assert max(barred[big : big + 8]) >= 0.6  # the exceptional burst still does
    assert max(barred[: 3 * DAY]) >= 0.6  # and the first bursts did, before there was a bar


def test_week_slots_learn_a_quiet_weekend() -> None:
    # Weekdays about 200 posts per five minutes, weekends about 20; no time-of-day rhythm.
    rng = random.Random(3)
    values = []
    for row in range(5 * 7 * DAY):
        weekend = (START + row * FIVE_MINUTES).weekday() >= 5
        values.append((20.0 if weekend else 200.0) * rng.uniform(0.9, 1.1))
    daily, weekly = VolumeDetector(), VolumeDetector(slots_per_week=168, week_blend=2.0)
    friday_end = 4 * 7 * DAY + 5 * DAY  # four weeks and five weekdays learned
    _run(daily, values[:friday_end])
    _run(weekly, values[:friday_end])
    saturday = START + friday_end * FIVE_MINUTES + timedelta(minutes=30)
    assert saturday.weekday() == 5
    # The daily profile expects another weekday; the week slots expect less (learned clipped).
    assert (
        weekly.score_one(20.0, saturday).expected < 0.75 * daily.score_one(20.0, saturday).expected
    )
    # A week slot never visited leaves the daily profile alone.
    young = VolumeDetector(slots_per_week=168)
    _run(young, values[:DAY])  # Monday only
    tuesday = START + timedelta(days=1, hours=12)
    assert young._seasonal(tuesday) == young.season.get(tuesday)


def test_new_parts_are_off_in_the_stream_and_on_in_the_batch_profile() -> None:
    stream = volume_stream_detector()
    assert stream.peaks is None and stream.week is None
    assert VolumeDetector().peaks is None and VolumeDetector().week is None
    batch = batch_detector()
    assert batch.peak_factor == 1.3 and batch.peaks is not None and batch.week is None


def test_the_new_parts_survive_pickling_mid_stream() -> None:
    values, _ = _daily_bursts(days=6)
    options = {"peak_factor": 1.3, "slots_per_week": 168}
    whole = _run(VolumeDetector(**options), values)
    first = VolumeDetector(**options)
    head = _run(first, values[: 3 * DAY + 7])
    second = pickle.loads(pickle.dumps(first))
    tail = []
    for index in range(3 * DAY + 7, len(values)):
        at = START + index * FIVE_MINUTES
        tail.append(second.score_one(values[index], at).score)
        second.learn_one(values[index], at)
    assert head + tail == whole


@pytest.mark.parametrize(
    "options",
    [
        {"slots_per_week": 168, "slots_per_day": 0},
        {"slots_per_week": 168, "week_blend": 0.0},
        {"peak_factor": 1.3, "alarm": 1.0},
        {"peak_factor": 1.3, "peak_rows": 0},
    ],
)
def test_bad_new_options_are_refused(options: dict) -> None:
    with pytest.raises(ValueError):
        VolumeDetector(**options)


def test_a_detector_pickled_before_these_parts_still_scores() -> None:
    values, _ = _daily_bursts(days=2)
    detector = volume_stream_detector()
    _run(detector, values[:100])
    state = detector.__dict__.copy()
    for name in ("week", "week_blend", "peaks", "peak_factor", "_alarm_surprise", "_surprise"):
        del state[name]  # as a snapshot of the previous version has it
    old = VolumeDetector.__new__(VolumeDetector)
    old.__dict__.update(state)
    restored = pickle.loads(pickle.dumps(old))
    assert _run(restored, values[100:]) == _run(detector, values[100:])

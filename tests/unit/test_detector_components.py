"""The online building blocks of the volume detector, and the detector's promises."""

from __future__ import annotations

import itertools
import pickle
import random
from datetime import datetime, timedelta

import pytest

from socialpulse.detection import (
    STREAM_ALARM,
    SurpriseDetector,
    VolumeDetector,
    build_detector,
    stream_detector,
)
from socialpulse.detection.online import Refractory, RobustScale, SeasonalProfile, squash

START = datetime(2015, 3, 2)
FIVE_MINUTES = timedelta(minutes=5)


def _run(detector: VolumeDetector, values: list[float], start: datetime = START) -> list[float]:
    scores = []
    for index, value in enumerate(values):
        at = start + index * FIVE_MINUTES
        scores.append(detector.score_one(value, at).score)
        detector.learn_one(value, at)
    return scores


def _poisson(rng: random.Random, mean: float) -> float:
    # Knuth's method; the means here are small.
    limit, count, product = pow(2.718281828459045, -mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return float(count)


def test_squash_is_bounded_monotone_and_never_saturates() -> None:
    surprises = [0.0, 0.5, 3.0, 10.0, 100.0, 1e4, 1e8]
    scores = [squash(s, 3.0) for s in surprises]
    assert scores[0] == 0.0 and squash(3.0, 3.0) == 0.5
    assert all(a < b for a, b in itertools.pairwise(scores))  # no ties at the top
    assert scores[-1] < 1.0
    assert squash(-5.0, 3.0) == 0.0


def test_seasonal_profile_learns_each_slot_on_its_own() -> None:
    profile = SeasonalProfile(slots_per_day=48, alpha=0.05)
    for day in range(30):
        morning = START + timedelta(days=day, hours=9)
        profile.update(morning, 1.0)
        profile.update(morning + timedelta(minutes=30), -1.0)  # the next half-hour slot
    assert profile.get(START + timedelta(days=40, hours=9, minutes=29)) == pytest.approx(1.0)
    assert profile.get(START + timedelta(days=40, hours=9, minutes=30)) == pytest.approx(-1.0)
    assert profile.get(START + timedelta(hours=3)) == 0.0  # never seen
    profile.update(None, 100.0)  # no time, no slot
    assert profile.get(None) == 0.0


def test_seasonal_profile_starts_as_a_running_average_then_fades() -> None:
    profile = SeasonalProfile(slots_per_day=1, alpha=0.1)
    profile.update(START, 4.0)
    assert profile.get(START) == 4.0  # first visit: the value itself, not 10% of it
    for _ in range(200):
        profile.update(START, 0.0)
    assert abs(profile.get(START)) < 1e-6


def test_robust_scale_is_not_inflated_by_a_burst() -> None:
    scale = RobustScale(alpha=0.01, clip=5.0, floor=0.1)
    for deviation in [1.0, -1.0] * 500:
        scale.update(deviation)
    assert scale.get() == pytest.approx(1.0)
    for _ in range(5):
        scale.update(1e6)
    # Five clipped values: at most 1.01 ** 5 times the scale of 1 times (clip - 1) more.
    assert scale.get() < 1.25
    assert scale.clipped(1e6) == pytest.approx(5 * scale.get())
    assert RobustScale(floor=0.3).get() == 0.3  # nothing learned: the floor


def test_refractory_holds_after_an_alarm_whatever_follows() -> None:
    gate, shown = Refractory(alarm=0.6, rows=3), []
    for score in [0.5, 0.7, 0.8, 0.99, 0.5, 0.7, 0.3]:
        shown.append(gate.output(score))
        gate.learn(score)
    assert shown == [0.5, 0.7, 0.0, 0.0, 0.0, 0.7, 0.0]
    assert Refractory(alarm=0.6, rows=0).output(0.9) == 0.9


def test_scores_are_in_unit_interval_and_grow_with_the_burst() -> None:
    rng = random.Random(5)
    values = [_poisson(rng, 8.0) for _ in range(800)]
    detector = VolumeDetector(warmup=50, refractory=0)
    scores = _run(detector, values)
    assert all(0.0 <= s < 1.0 for s in scores)
    at = START + len(values) * FIVE_MINUTES
    bursts = [detector.score_one(v, at).score for v in (40.0, 400.0, 4000.0, 40000.0)]
    assert all(a < b < 1.0 for a, b in itertools.pairwise(bursts))


def test_a_lasting_level_shift_is_learned_not_alarmed_forever() -> None:
    rng = random.Random(1)
    values = [_poisson(rng, 20.0) for _ in range(600)] + [_poisson(rng, 200.0) for _ in range(600)]
    detector, scores, expected = VolumeDetector(warmup=50, refractory=0), [], []
    for index, value in enumerate(values):
        verdict = detector.score_one(value, START + index * FIVE_MINUTES)
        detector.learn_one(value, START + index * FIVE_MINUTES)
        scores.append(verdict.score)
        expected.append(verdict.expected)
    assert scores[600] > 0.6  # the shift itself is news
    # After shift_after (36) values beyond the clip the level is re-based: no more alarms, and
    # the new level soon scores like the old one did.
    assert max(scores[600 + 40 :]) < 0.6
    assert sum(scores[-100:]) / 100 < 0.3
    assert 170 < sorted(expected[-100:])[50] < 230


def test_time_of_day_profile_keeps_a_daily_rhythm_quiet() -> None:
    # Five-minute counts of 10 by day and 100 from 18:00 to 24:00, for two weeks.
    values = [100.0 if (i * 5 // 60) % 24 >= 18 else 10.0 for i in range(14 * 288)]
    seasonal = _run(VolumeDetector(warmup=288, refractory=0), values)
    flat = _run(VolumeDetector(warmup=288, refractory=0, slots_per_day=0), values)
    last_week = slice(7 * 288, None)
    assert max(seasonal[last_week]) < 0.3
    assert max(flat[last_week]) > 0.6  # without the profile every evening looks like a burst


def test_refractory_period_turns_one_event_into_one_alarm() -> None:
    values = [20.0 + (i % 3) for i in range(400)] + [300.0] * 10 + [20.0] * 50
    held = _run(VolumeDetector(warmup=100), values)
    assert [i for i, s in enumerate(held) if s >= 0.6] == [400]
    free = _run(VolumeDetector(warmup=100, refractory=0), values)
    assert len([s for s in free if s >= 0.6]) > 5


def test_detector_survives_pickling_mid_stream() -> None:
    rng = random.Random(2)
    values = [_poisson(rng, 5.0) for _ in range(400)]
    original = VolumeDetector(warmup=50)
    _run(original, values[:200])
    restored = pickle.loads(pickle.dumps(original))
    later = START + 200 * FIVE_MINUTES
    assert _run(original, values[200:], later) == _run(restored, values[200:], later)


def test_stream_profile_scores_drops_and_is_what_the_monitor_builds() -> None:
    detector = stream_detector()
    assert type(build_detector()) is SurpriseDetector and build_detector().drops
    minute = timedelta(minutes=1)
    for index in range(60):
        detector.learn_one({"value": 16.0 + index % 2, "timestamp": START + index * minute})
    verdict = detector.verdict_one({"value": 0.0, "timestamp": START + 60 * minute})
    assert verdict.score >= STREAM_ALARM and verdict.expected > verdict.low > 0.0


@pytest.mark.parametrize("options", [{"scales": (0.3, 1.5)}, {"scales": ()}, {"transform": "cube"}])
def test_bad_options_are_refused(options: dict) -> None:
    with pytest.raises(ValueError):
        VolumeDetector(**options)

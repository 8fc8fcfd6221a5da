"""SurpriseDetector: a River anomaly detector whose score means the same on every series."""

import math
import pickle
import random
from datetime import UTC, datetime, timedelta

import pytest
from river import base

from socialpulse.detection import (
    SurpriseDetector,
    TailCalibration,
    Verdict,
    VolumeDetector,
    stream_detector,
)

START = datetime(2026, 1, 5, tzinfo=UTC)


def _series(rows: int, scale: float, seed: int, spike_at: int | None = None) -> list[dict]:
    rng = random.Random(seed)
    points = []
    for row in range(rows):
        at = START + timedelta(minutes=5 * row)
        daily = math.sin(2 * math.pi * (at.hour * 60 + at.minute) / 1440)
        value = scale * (10.0 + 2.0 * daily + rng.gauss(0.0, 0.5))
        if row == spike_at:
            value += scale * 8.0
        points.append({"value": value, "timestamp": at})
    return points


def _scores(detector: SurpriseDetector, points: list[dict]) -> list[float]:
    scores = []
    for x in points:
        scores.append(detector.score_one(x))
        detector.learn_one(x)
    return scores


def test_it_is_a_river_anomaly_detector_with_scores_in_0_1() -> None:
    detector = SurpriseDetector()
    assert isinstance(detector, base.AnomalyDetector)
    scores = _scores(detector, _series(3000, 1.0, seed=1, spike_at=2500))
    assert all(0.0 <= score <= 1.0 for score in scores)
    assert scores[2500] >= detector.alarm
    # Calibrated: ordinary noise crosses the alarm level about once in 1 / (1 - alarm) values.
    noise_alarms = sum(score >= detector.alarm for row, score in enumerate(scores) if row != 2500)
    assert noise_alarms <= 3000 * (1 - detector.alarm)


def test_the_score_does_not_depend_on_the_series_scale() -> None:
    small = _scores(SurpriseDetector(), _series(2000, 0.01, seed=2, spike_at=1800))
    large = _scores(SurpriseDetector(), _series(2000, 10_000.0, seed=2, spike_at=1800))
    assert max(abs(a - b) for a, b in zip(small, large, strict=True)) < 1e-6


def test_learning_without_scoring_first_gives_the_same_model() -> None:
    points = _series(1500, 1.0, seed=3, spike_at=1400)
    scored, unscored = SurpriseDetector(), SurpriseDetector()
    for x in points[:1399]:
        scored.score_one(x)
        scored.learn_one(x)
        unscored.learn_one(x)
    assert scored.score_one(points[1400]) == unscored.score_one(points[1400])


def test_a_spike_alarms_once_then_rests() -> None:
    points = _series(2500, 1.0, seed=4)
    for x in points[2300:2305]:
        x["value"] += 10.0  # five spiking values in a row: one event
    resting = _scores(SurpriseDetector(rest=100), points)
    restless = _scores(SurpriseDetector(rest=0), points)
    assert [row for row in range(2300, 2400) if resting[row] >= 0.995] == [2300]
    assert sum(score >= 0.995 for score in restless[2300:2400]) > 5


def test_state_survives_pickling_mid_stream() -> None:
    points = _series(1200, 1.0, seed=5, spike_at=1100)
    straight = _scores(SurpriseDetector(), points)
    resumed = SurpriseDetector()
    _scores(resumed, points[:600])
    resumed = pickle.loads(pickle.dumps(resumed))
    assert _scores(resumed, points[600:]) == straight[600:]


def test_tail_calibration_counts_surprises_at_or_above_with_its_prior() -> None:
    calibration = TailCalibration(prior_weight=10.0)
    assert calibration.tail(0.0) == 1.0  # the prior alone: every surprise is at least 0
    for surprise in [0.1] * 90 + [5.0] * 10:
        calibration.update(surprise)
    prior = math.erfc(5.0 * math.sqrt(2 / math.pi) / math.sqrt(2))
    assert calibration.tail(5.0) == (10 + 10 * prior) / 110
    assert calibration.tail(0.0) == 1.0
    assert calibration.tail(500.0) == 0.0  # beyond every past surprise and the prior's reach


def test_an_exponential_prior_keeps_ranking_surprises_beyond_the_past_ones() -> None:
    gaussian, exponential = TailCalibration(), TailCalibration(prior_rate=1.5)
    for calibration in (gaussian, exponential):
        for surprise in [0.5, 1.0, 1.5, 2.0] * 250:
            calibration.update(surprise)
    # Inside the past surprises both count the same; only the prior's small share differs.
    assert exponential.tail(1.4) == pytest.approx(gaussian.tail(1.4), abs=0.01)
    assert exponential.tail(12.0) == 30 * math.exp(-18.0) / 1030
    # Beyond every past surprise the Gaussian prior scores both 1.0; the exponential ranks them.
    assert 1.0 - 3 * gaussian.tail(12.0) == 1.0 - 3 * gaussian.tail(20.0) == 1.0
    assert 1.0 - 3 * exponential.tail(12.0) < 1.0 - 3 * exponential.tail(20.0) < 1.0
    with pytest.raises(ValueError, match="prior_rate"):
        TailCalibration(prior_rate=-1.0)


def test_a_snapshot_from_before_the_prior_rate_resumes_with_the_gaussian_prior() -> None:
    points = _series(1200, 1.0, seed=9, spike_at=1100)
    current = SurpriseDetector(prior_rate=0.0)
    _scores(current, points[:600])
    old = pickle.loads(pickle.dumps(current))
    del old.__dict__["prior_rate"]
    for calibration in (old._calibration, old._shift_calibration, old._noise_calibration):
        del calibration.__dict__["prior_rate"]  # what an older version's snapshot holds
    assert old.prior_rate == 0.0
    values, times = [x["value"] for x in points[600:]], [x["timestamp"] for x in points[600:]]
    assert old.score_learn_many(values, times) == _scores(current, points[600:])


def test_verdicts_carry_the_expected_value_and_band_in_the_series_units() -> None:
    detector = SurpriseDetector()
    points = _series(1000, 1000.0, seed=6, spike_at=900)
    for x in points[:900]:
        detector.learn_one(x)
    verdict = detector.verdict_one(points[900])
    assert verdict.score >= detector.alarm
    assert verdict.low < verdict.expected < verdict.high < points[900]["value"]
    assert 7_000 < verdict.expected < 13_000  # 10 units of 1,000, give or take the daily swing


def test_the_band_is_built_on_request_from_the_value_last_scored() -> None:
    # The first value has no level yet: it is its own expected value (counts are clipped at 0).
    assert SurpriseDetector().verdict_one({"value": 42.0, "timestamp": START}) == Verdict(
        0.0, 42.0, 42.0, 42.0
    )
    assert VolumeDetector().score_one(-3.0, START) == Verdict(0.0, 0.0, 0.0, 0.0)
    # Later, verdict_one's band is the core's band for the same value, in the series' units.
    detector, core = SurpriseDetector(), VolumeDetector(transform="identity", poisson=0.0)
    points = _series(400, 1000.0, seed=7)
    unit = points[0]["value"]
    for x in points[:399]:
        detector.learn_one(x)
        core.learn_one(x["value"] / unit, x["timestamp"])
    verdict = detector.verdict_one(points[399])
    expected = core.score_one(points[399]["value"] / unit, points[399]["timestamp"])
    assert verdict.expected == pytest.approx(expected.expected * unit)
    assert (verdict.low, verdict.high) == pytest.approx((expected.low * unit, expected.high * unit))


def _noisier_from(rows: int, onset: int, factor: float, seed: int) -> list[dict]:
    """The daily series of `_series`, whose noise grows `factor` times at `onset` (same mean)."""
    rng = random.Random(seed)
    points = []
    for row in range(rows):
        at = START + timedelta(minutes=5 * row)
        daily = math.sin(2 * math.pi * (at.hour * 60 + at.minute) / 1440)
        noise = 0.5 * (factor if row >= onset else 1.0)
        points.append({"value": 10.0 + 2.0 * daily + rng.gauss(0.0, noise), "timestamp": at})
    return points


def _first_alarm_from(detector: SurpriseDetector, points: list[dict], onset: int) -> int:
    scores = _scores(detector, points)
    return next(row for row in range(onset, len(points)) if scores[row] >= detector.alarm)


def test_the_noise_surprise_answers_sooner_when_a_series_starts_to_oscillate() -> None:
    onset, with_noise, without = 2500, [], []
    for seed in range(1, 6):
        points = _noisier_from(3000, onset, 2.0, seed)
        with_noise.append(_first_alarm_from(SurpriseDetector(), points, onset) - onset)
        without.append(_first_alarm_from(SurpriseDetector(noise_scale=0.0), points, onset) - onset)
    assert max(with_noise) <= 72  # six hours of five-minute values (default noise_scale 0.2)
    # No later on any seed, and sooner in all. (The value's surprise alone answers sooner with
    # the exponential prior too: 301 rows in all under the Gaussian prior, 108 under it.)
    assert all(a <= b for a, b in zip(with_noise, without, strict=True))
    assert sum(with_noise) < 2 / 3 * sum(without)


def test_surprise_channels_can_be_turned_off_and_must_be_fading_factors() -> None:
    points = _series(1500, 1.0, seed=7, spike_at=1400)
    alone = _scores(SurpriseDetector(shift_scale=0.0, noise_scale=0.0), points)
    combined = _scores(SurpriseDetector(), points)
    assert alone[1400] >= 0.995 and combined[1400] >= 0.995
    assert alone != combined  # the other surprises take part in the score by default
    for name in ("shift_scale", "noise_scale", "slot_spread"):
        with pytest.raises(ValueError, match=name):
            SurpriseDetector(**{name: 1.0})


def test_a_snapshot_from_before_the_extra_surprises_resumes_on_the_value_surprise_alone() -> None:
    points = _series(1200, 1.0, seed=8, spike_at=1100)
    current = SurpriseDetector(shift_scale=0.0, noise_scale=0.0)
    _scores(current, points[:600])
    old_state = pickle.loads(pickle.dumps(current)).__dict__
    for name in [key for key in old_state if "shift" in key or "noise" in key] + ["_bin"]:
        del old_state[name]  # what an older version's snapshot holds
    resumed = SurpriseDetector.__new__(SurpriseDetector)
    resumed.__dict__.update(old_state)
    assert _scores(resumed, points[600:]) == _scores(current, points[600:])


def _busy_afternoons(rows: int, seed: int, jump: float, jump_rows: set[int]) -> list[dict]:
    """Five-minute values whose noise follows the day: sd 0.5 at night, up to 4 at 15:00."""
    rng, points = random.Random(seed), []
    for row in range(rows):
        at = START + timedelta(minutes=5 * row)
        hours = at.hour + at.minute / 60
        sd = 0.5 + 3.5 * max(0.0, math.sin(math.pi * (hours - 9.0) / 12.0))
        value = 5.0 + rng.gauss(0.0, sd)
        points.append({"value": value + (jump if row in jump_rows else 0.0), "timestamp": at})
    return points


def test_the_slot_spread_judges_a_value_against_the_noise_of_its_hour() -> None:
    # Six days of history, then three more with a rise of 6 at 03:00 on the first (twelve night
    # standard deviations, one and a half of the afternoon's).
    night = 6 * 288 + 3 * 12
    for seed in (11, 12, 13):
        points = _busy_afternoons(9 * 288, seed=seed, jump=6.0, jump_rows={night})
        after = range(6 * 288, 9 * 288)
        afternoons = [r for r in after if 12 <= points[r]["timestamp"].hour < 18]
        per_hour = _scores(SurpriseDetector(rest=0), points)
        one_spread = _scores(SurpriseDetector(rest=0, slot_spread=0.0), points)
        assert per_hour[night] >= 0.995
        # With one spread for the whole day, the night's rise hides in the afternoons' noise.
        assert one_spread[night] < 0.9
        # The afternoons' ordinary noise alarms no more often than with one spread.
        alarms = [sum(scores[r] >= 0.995 for r in afternoons) for scores in (per_hour, one_spread)]
        assert alarms[0] <= alarms[1]


def test_a_snapshot_from_before_the_slot_spread_resumes_with_one_spread_for_the_day() -> None:
    points = _busy_afternoons(3 * 288, seed=12, jump=4.0, jump_rows={2 * 288 + 40})
    current = SurpriseDetector(slot_spread=0.0)
    _scores(current, points[:600])
    old = pickle.loads(pickle.dumps(current))
    del old.__dict__["slot_spread"]
    for name in ("slot_spread", "slot_mads", "slot_visits", "_slot"):
        old._core.__dict__.pop(name, None)  # what an older version's snapshot holds
    assert old.score_learn_many(
        [x["value"] for x in points[600:]], [x["timestamp"] for x in points[600:]]
    ) == _scores(current, points[600:])


def _counts(series: list[dict], rng: random.Random) -> list[dict]:
    """One key's one-minute counts: quiet, a burst, a silence, some rows without a timestamp."""
    points = []
    for row, x in enumerate(series):
        count = float(rng.choice([0, 1, 2, 3, 5]) + (60 if 700 <= row < 720 else 0))
        count = 0.0 if 900 <= row < 960 else count
        points.append({"value": count, "timestamp": None if row % 97 == 0 else x["timestamp"]})
    return points


@pytest.mark.parametrize(
    "profile",
    [SurpriseDetector, stream_detector, lambda: SurpriseDetector(drops=False, scales=(0.5,))],
    ids=["detect", "stream", "rises-one-scale"],
)
def test_score_learn_many_gives_the_scores_of_score_one_then_learn_one(profile) -> None:
    rng = random.Random(3)
    # A level step, a spike and a change of noise, then the same series as counts.
    points = _series(3000, 25.0, seed=4, spike_at=1500)
    for x in points[2000:2400]:
        x["value"] += 40.0 + rng.gauss(0.0, 20.0)
    for series in (points, _counts(points, rng)):
        values = [x["value"] for x in series]
        times = [x["timestamp"] for x in series]
        assert profile().score_learn_many(values, times) == _scores(profile(), series)
        # Mixed: per value, then one loop, then per value again, from where each stopped.
        mixed, detector = [], profile()
        mixed += _scores(detector, series[:700])
        mixed += detector.score_learn_many(values[700:2100], times[700:2100])
        mixed += _scores(detector, series[2100:])
        assert mixed == _scores(profile(), series)


def test_score_learn_many_takes_the_per_value_path_for_a_core_with_opt_in_parts() -> None:
    points = _series(1500, 1.0, seed=5, spike_at=1200)
    values, times = [x["value"] for x in points], [x["timestamp"] for x in points]

    def with_weekly_core() -> SurpriseDetector:
        detector = SurpriseDetector()
        detector._core = VolumeDetector(transform="identity", slots_per_week=168, refractory=0)
        return detector

    assert with_weekly_core().score_learn_many(values, times) == _scores(with_weekly_core(), points)


def test_a_calibration_pickled_as_a_fenwick_tree_resumes_with_the_same_tails() -> None:
    rng = random.Random(6)
    surprises = [rng.expovariate(0.7) for _ in range(3000)]
    calibration = TailCalibration()
    for surprise in surprises:
        calibration.update(surprise)
    # What versions before the two-level count pickled: a Fenwick tree over the bin counts.
    tree = [0] * (calibration.bins + 1)
    for index, count in enumerate(calibration.counts):
        position = index + 1
        while position <= calibration.bins:
            tree[position] += count
            position += position & -position
    state = {
        key: value for key, value in vars(calibration).items() if key not in ("counts", "blocks")
    }
    old = TailCalibration.__new__(TailCalibration)
    old.__setstate__({**state, "tree": tree})
    for surprise in (0.01, 0.3, 1.0, 2.5, 7.0, 40.0, 1e9):
        assert old.tail(surprise) == calibration.tail(surprise)
    old.update(3.0)
    calibration.update(3.0)
    assert old.tail(2.9) == calibration.tail(2.9)


def _hourly(rows: int, spikes: set[int]) -> list[dict]:
    rng = random.Random(8)
    points = []
    for row in range(rows):
        at = START + timedelta(hours=row)
        value = 100.0 + 20.0 * math.sin(2 * math.pi * at.hour / 24) + rng.gauss(0.0, 2.0)
        points.append({"value": value + (150.0 if row in spikes else 0.0), "timestamp": at})
    return points


def test_an_hourly_series_warms_up_for_a_day_and_rests_500_minutes_after_an_alarm() -> None:
    points = _hourly(24 * 20, spikes={300, 303, 320})
    scores = _scores(SurpriseDetector(), points)
    assert all(score == 0.0 for score in scores[:24])  # one day of hourly rows, not 288
    assert any(score > 0.0 for score in scores[24:48])
    assert scores[300] >= 0.995
    # Rest: 500 minutes are 9 hourly rows (100 rows would be four days): 303 is held, 320 not.
    assert scores[303] == 0.0 and scores[320] > 0.5  # (100 rows of rest would hold it at 0)
    # In rows only (no spans), the old behaviour: 288 rows of warm-up.
    rows_only = _scores(SurpriseDetector(warmup_span=None, rest_span=None), points)
    assert all(score == 0.0 for score in rows_only[:288])
    # 5-minute data: the spans are the row counts' own (288 rows a day, 100 rows of rest).
    five_minutes = _series(3000, 25.0, seed=4, spike_at=1500)
    assert _scores(SurpriseDetector(), five_minutes) == _scores(
        SurpriseDetector(warmup_span=None, rest_span=None), five_minutes
    )


def test_score_learn_many_paces_the_warm_up_as_score_one_does() -> None:
    points = _hourly(24 * 20, spikes={300, 303, 320})
    values, times = [x["value"] for x in points], [x["timestamp"] for x in points]
    expected = _scores(SurpriseDetector(), points)
    assert SurpriseDetector().score_learn_many(values, times) == expected
    detector = SurpriseDetector()  # the interval becomes known between two calls
    split = detector.score_learn_many(values[:1], times[:1])
    assert split + detector.score_learn_many(values[1:], times[1:]) == expected
    # A snapshot from before the spans: rows only, as it was.
    old = SurpriseDetector(warmup_span=None, rest_span=None)
    for name in ("warmup_span", "rest_span", "_paced", "_rest_rows", "_first_at"):
        old.__dict__.pop(name, None)
    assert _scores(old, points) == _scores(
        SurpriseDetector(warmup_span=None, rest_span=None), points
    )

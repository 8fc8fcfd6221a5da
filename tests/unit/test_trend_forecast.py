"""The hourly volume forecaster: learns a daily cycle, stays finite and non-negative, brackets its
expectation, and is deterministic."""

import doctest
import math
import random
from datetime import UTC, datetime, timedelta

import pytest

from socialpulse.trends import HourlyVolumeForecaster, forecast

MONDAY = datetime(2026, 6, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def daily_cycle(hour: int) -> float:
    """Quiet at night, busy in the evening: 20 to 220 posts an hour."""
    return 120 + 100 * math.sin(2 * math.pi * (hour - 12) / 24)


def noisy_daily_series(hours: int, seed: int = 7) -> list[float]:
    rng = random.Random(seed)
    return [
        max(0.0, round(rng.gauss(daily_cycle(h), math.sqrt(daily_cycle(h))))) for h in range(hours)
    ]


def trained(counts: list[float], start: datetime = MONDAY) -> HourlyVolumeForecaster:
    model = HourlyVolumeForecaster()
    for index, count in enumerate(counts):
        model.learn_one(start + index * HOUR, count)
    return model


def test_the_documented_example_holds() -> None:
    result = doctest.testmod(forecast)
    assert result.attempted > 0
    assert result.failed == 0


def test_a_daily_cycle_is_forecast_within_ten_percent_and_inside_the_interval() -> None:
    hours = 24 * 21
    model = trained(noisy_daily_series(hours))
    bands = model.forecast(horizon=24)
    truth = [daily_cycle(hours + lead) for lead in range(24)]
    errors = [
        abs(expected - true) / true for (expected, _, _), true in zip(bands, truth, strict=True)
    ]
    assert sum(errors) / len(errors) < 0.10
    assert all(low <= true <= high for (_, low, high), true in zip(bands, truth, strict=True))


@pytest.mark.parametrize("counts", [[0.0] * 400, [0.0, 0.0, 1.0, 0.0] * 100, [5000.0] * 5])
def test_forecasts_are_finite_non_negative_and_bracket_the_expectation(counts) -> None:
    for expected, low, high in trained(counts).forecast(24):
        assert all(math.isfinite(value) for value in (expected, low, high))
        assert 0.0 <= low <= expected <= high


def test_one_burst_moves_the_forecast_by_a_bounded_step() -> None:
    counts = noisy_daily_series(24 * 14)
    before = trained(counts).forecast(24)
    after = trained([*counts[:-1], 100 * counts[-1]]).forecast(24)
    assert all(a[0] < 1.5 * b[0] for a, b in zip(after, before, strict=True))


def test_the_season_follows_the_clock_when_hours_are_missing() -> None:
    counts = noisy_daily_series(24 * 21)
    model = HourlyVolumeForecaster()
    for index, count in enumerate(counts):
        if not 24 * 10 <= index < 24 * 11 + 5:  # a 29-hour outage: a positional season would shift
            model.learn_one(MONDAY + index * HOUR, count)
    expected = [band[0] for band in model.forecast(24)]
    truth = [daily_cycle(len(counts) + lead) for lead in range(24)]
    assert sum(abs(e - t) / t for e, t in zip(expected, truth, strict=True)) / 24 < 0.10


def test_same_input_same_forecast() -> None:
    counts = noisy_daily_series(24 * 10)
    assert trained(counts).forecast(24) == trained(counts).forecast(24)


def test_nothing_learned_means_no_forecast() -> None:
    assert HourlyVolumeForecaster().forecast(24) == []


@pytest.mark.parametrize(
    ("hours", "count", "message"),
    [
        ([MONDAY, MONDAY], 1.0, "time order"),
        ([MONDAY], -1.0, ">= 0"),
        ([MONDAY], float("nan"), ">= 0"),
    ],
)
def test_bad_input_is_refused_with_what_was_wrong(hours, count, message) -> None:
    model = HourlyVolumeForecaster()
    with pytest.raises(ValueError, match=message):
        for hour in hours:
            model.learn_one(hour, count)


def test_horizon_outside_one_to_24_is_refused() -> None:
    model = trained([1.0])
    with pytest.raises(ValueError, match="horizon"):
        model.forecast(25)


def test_a_key_that_posted_the_same_count_every_hour_still_follows_a_rise() -> None:
    from datetime import datetime, timedelta

    from socialpulse.trends import HourlyVolumeForecaster

    start, model = datetime(2024, 1, 1), HourlyVolumeForecaster()
    for hour in range(24 * 14):  # exactly 3 posts every hour: no surprise learned at all
        model.learn_one(start + timedelta(hours=hour), 3)
    for hour in range(24 * 14, 24 * 14 + 12):  # then 60 an hour: after 12 hours, at least double
        model.learn_one(start + timedelta(hours=hour), 60)
    assert model.forecast(horizon=1)[0][0] > 6
    for hour in range(24 * 14 + 12, 24 * 14 + 48):  # after two days, most of the way
        model.learn_one(start + timedelta(hours=hour), 60)
    # Without the counting-noise floor on the clip it stayed at 3.0 through both.
    assert model.forecast(horizon=1)[0][0] > 40

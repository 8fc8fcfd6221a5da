"""Next-hours forecast of one key's hourly post counts, learned online.

Why not `river.time_series.HoltWinters` (river 0.26.1)? It seasons by position, so a missing hour
shifts every later season; it gives no interval; one viral hour moves its level and season in
full; and it needs a whole season (168 hours) of values before it forecasts. Volumes of posts
have all four problems, so the model here is an additive exponential smoothing in log space,
with the season keyed by the hour's clock time:

    log1p(count) = level + daily[hour of day] + weekly[hour of week] + noise

- Log space: counts are positive and their noise grows with their level; the back-transformed
  forecast is a median, which is what an absolute error rewards.
- Daily profile learned from every day, weekly deviation from it learned slowly: after a few
  days the daily shape is known, the weekend's difference sharpens over the weeks.
- Each update's surprise is clipped at `CLIP` typical surprises, so a burst moves the baseline
  by a bounded step (a lasting change still gets through, a step per hour).
- The interval comes from the model's own recent errors at each lead (1 to 24 hours ahead):
  empirical quantiles of the last `RESIDUAL_MEMORY` errors, falling back to a width from the
  typical one-hour surprise until enough are seen.

Example: a series with a daily cycle is forecast close to its cycle.

>>> import math
>>> from datetime import datetime, timedelta
>>> start = datetime(2024, 1, 1)
>>> model = HourlyVolumeForecaster()
>>> for hour in range(24 * 21):
...     model.learn_one(start + timedelta(hours=hour), 100 + 50 * math.sin(2 * math.pi * hour / 24))
>>> expected, low, high = model.forecast(horizon=24)[6]  # 06:00 on day 22, the cycle's peak
>>> round(expected), low <= expected <= high
(148, True)
"""

from __future__ import annotations

import math
from collections import deque
from datetime import datetime, timedelta

from socialpulse.contracts import HOURS_PER_WEEK, hour_of_week

HOUR = timedelta(hours=1)
MAX_HORIZON = 24
# Smoothing weights per hour: the level forgets in about a day, the daily profile in about a week
# of days, the weekly deviation in about a month of weeks.
LEVEL_WEIGHT = 0.05
DAILY_WEIGHT = 0.15
WEEKLY_WEIGHT = 0.05
SURPRISE_WEIGHT = 0.02
CLIP = 3.0
# Central interval: 90% nominal.
INTERVAL_QUANTILES = (0.05, 0.95)
RESIDUAL_MEMORY = 24 * 14
MIN_RESIDUALS = 24 * 3
# Until the errors at a lead are known: a normal interval from the typical one-hour surprise
# (1.25 x mean absolute deviation ~ one standard deviation), widened with the lead.
FALLBACK_Z = 1.645


class HourlyVolumeForecaster:
    """Online forecaster of one key's hourly counts: `learn_one(hour_start, count)` then
    `forecast(horizon)` -> [(expected, low, high)] for the next `horizon` hours.

    Hours must arrive in time order; a skipped hour is simply not learned (the season follows the
    clock, not the row number). Deterministic: the same input gives the same output.
    """

    def __init__(self) -> None:
        self._last_hour: datetime | None = None
        self._level = 0.0
        self._daily = [0.0] * 24
        self._weekly = [0.0] * HOURS_PER_WEEK
        self._surprise: float | None = None
        # Paths forecast (log space) at recent hours, to measure errors by lead.
        self._paths: deque[tuple[datetime, list[float]]] = deque(maxlen=MAX_HORIZON)
        self._errors = [deque[float](maxlen=RESIDUAL_MEMORY) for _ in range(MAX_HORIZON)]

    def learn_one(self, hour_start: datetime, count: float) -> None:
        """Update the model with the count of posts in the hour starting at `hour_start`."""
        if count < 0 or not math.isfinite(count):
            raise ValueError(f"count must be a finite number >= 0, got {count!r} at {hour_start}")
        hour_start = hour_start.replace(minute=0, second=0, microsecond=0)
        if self._last_hour is not None and hour_start <= self._last_hour:
            raise ValueError(
                f"hours must arrive in time order: {hour_start} after {self._last_hour}"
            )
        observed = math.log1p(count)
        if self._last_hour is None:
            self._level = observed
        else:
            self._record_errors(hour_start, observed)
            self._update(hour_start, observed)
        self._last_hour = hour_start
        self._paths.append((hour_start, self._log_path(MAX_HORIZON)))

    def forecast(self, horizon: int = MAX_HORIZON) -> list[tuple[float, float, float]]:
        """(expected, low, high) counts for each of the `horizon` hours after the last one learned;
        [low, high] is a 90% interval. Empty until one hour has been learned."""
        if not 1 <= horizon <= MAX_HORIZON:
            raise ValueError(f"horizon must be 1 to {MAX_HORIZON} hours, got {horizon}")
        if self._last_hour is None:
            return []
        return [
            self._band(lead, centre) for lead, centre in enumerate(self._log_path(horizon), start=1)
        ]

    def _seasonal(self, at: datetime) -> float:
        return self._daily[at.hour] + self._weekly[hour_of_week(at)]

    def _log_path(self, horizon: int) -> list[float]:
        assert self._last_hour is not None
        return [
            self._level + self._seasonal(self._last_hour + lead * HOUR)
            for lead in range(1, horizon + 1)
        ]

    def _update(self, at: datetime, observed: float) -> None:
        """Error-correction form of additive smoothing, with the surprise clipped."""
        predicted = self._level + self._seasonal(at)
        surprise = observed - predicted
        if self._surprise is None:
            self._surprise = abs(surprise)
        # Never below the counting noise of the predicted count (about the standard deviation
        # of log1p of a Poisson count there): a key that has posted exactly 3 an hour for weeks
        # has learned a typical surprise near 0, and a clip at 3 times that would keep its
        # forecast at 3 through any rise.
        count = _count(predicted)
        limit = CLIP * max(self._surprise, math.sqrt(count + 1.0) / (count + 2.0))
        clipped = max(-limit, min(limit, surprise))
        self._surprise += SURPRISE_WEIGHT * (abs(clipped) - self._surprise)
        self._level += LEVEL_WEIGHT * clipped
        rest = (1 - LEVEL_WEIGHT) * clipped
        self._daily[at.hour] += DAILY_WEIGHT * rest
        self._weekly[hour_of_week(at)] += WEEKLY_WEIGHT * (rest - DAILY_WEIGHT * rest)
        self._centre_daily()

    def _centre_daily(self) -> None:
        """Keep the daily profile at mean zero, its mean moved into the level, so the profile
        is a shape and the level alone carries the volume."""
        mean = sum(self._daily) / 24
        self._daily = [value - mean for value in self._daily]
        self._level += mean

    def _record_errors(self, at: datetime, observed: float) -> None:
        for origin, path in self._paths:
            lead = round((at - origin) / HOUR)
            if 1 <= lead <= len(path):
                self._errors[lead - 1].append(observed - path[lead - 1])

    def _band(self, lead: int, centre: float) -> tuple[float, float, float]:
        errors = self._errors[lead - 1]
        if len(errors) >= MIN_RESIDUALS:
            ordered = sorted(errors)
            low_error, high_error = (_quantile(ordered, q) for q in INTERVAL_QUANTILES)
        else:
            width = FALLBACK_Z * 1.25 * (self._surprise or 1.0) * math.sqrt(lead)
            low_error, high_error = -width, width
        expected = _count(centre)
        return (
            expected,
            min(expected, _count(centre + low_error)),
            max(expected, _count(centre + high_error)),
        )


def _count(log_value: float) -> float:
    return max(0.0, math.expm1(log_value))


def _quantile(ordered: list[float], q: float) -> float:
    """Linear-interpolated quantile of a sorted list."""
    position = q * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (position - below) * (ordered[above] - ordered[below])

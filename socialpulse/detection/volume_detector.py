"""The stream's detector for per-window post volumes: seasonal, robust, multi-scale, bounded.

Per value (score first, then learn):

1. Transform the count: `log(1 + count)` (default; bursts of social volume are multiplicative)
   or `sqrt(count)` (stabilises the noise of small Poisson counts, e.g. one-minute windows).
2. Expected value = a level (exponentially weighted; a running average at first) plus the
   typical offset of the value's time-of-day slot (`SeasonalProfile`), optionally blended with
   the offset of its slot of the week (`WeeklyProfile`) as that slot gains weeks of history.
3. The residual is smoothed at a few time scales (River `EWMean`s); each smoothed residual is
   divided by its own robust spread (`RobustScale`, never below the Poisson noise of the expected
   count), and the largest ratio on the side of the current value is the surprise. Short scales
   catch sharp spikes, longer ones sustained rises that single values hide in noise.
4. Optionally (`peak_factor`), the surprise is scaled down so that the alarm level needs
   `peak_factor` times the median of the last `peak_periods` days' peak surprises
   (`PeakMedian`): a series with bursts every day alarms only on bursts beyond its usual ones.
   Score = surprise / (surprise + `half`), in [0, 1): 0.5 at `half` spreads, never saturating.
5. `Refractory`: once a score reaches `alarm`, the next `refractory` scores are 0, so one event
   raises one alarm (0 rows: off; the stream has its cooldown).

Every value is learned, clipped to `clip` spreads: a burst does not become the new normal, and
the model is never stuck. After a lasting shift (`shift_after` values in a row beyond the clip on
the same side) the level restarts from the recent values.

Defaults are the five-minute profile benchmarked on NAB realTweets (`benchmarks/nab`), less the
opt-in parts (`batch_detector()` is exactly `socialpulse detect`'s defaults);
`stream_detector()` is the profile of the stream's one-minute windows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from river import stats

from socialpulse.detection.online import (
    PeakMedian,
    Refractory,
    RobustScale,
    SeasonalProfile,
    WeeklyProfile,
    squash,
)


@dataclass(frozen=True, slots=True)
class Verdict:
    score: float  # in [0, 1]; 0 while warming up
    expected: float  # expected count
    low: float  # lower edge of the expected band (count)
    high: float  # upper edge of the expected band (count)


class VolumeDetector:
    """Score a window's count against the key's own seasonal, robustly scaled history.

    >>> from datetime import datetime, timedelta
    >>> detector, start = VolumeDetector(warmup=20), datetime(2026, 1, 5)
    >>> for row in range(300):  # five-minute counts of 20 to 22
    ...     at = start + timedelta(minutes=5 * row)
    ...     _ = detector.score_one(20.0 + row % 3, at)
    ...     detector.learn_one(20.0 + row % 3, at)
    >>> at = start + timedelta(minutes=1500)
    >>> burst = detector.score_one(200.0, at)
    >>> detector.score_one(21.0, at).score, round(burst.score, 2), round(burst.expected)
    (0.0, 0.72, 22)
    """

    # Fallbacks for detectors pickled (stream recovery snapshots) before these parts existed.
    week: WeeklyProfile | None = None
    week_blend = 2.0
    peaks: PeakMedian | None = None
    peak_factor = 0.0
    _alarm_surprise = 0.0
    _surprise = 0.0
    _scored: tuple[float, datetime | None] | None = None
    _centre: float | None = None
    _first = 0.0
    slot_spread = 0.0
    slot_mads: list[float] | None = None
    slot_visits: list[int] | None = None
    _slot = -1

    def __init__(
        self,
        level_alpha: float = 0.003,
        season_alpha: float = 0.02,
        slots_per_day: int = 24,
        scales: Sequence[float] = (0.3, 0.1),
        spread_alpha: float = 0.0005,
        clip: float = 5.0,
        min_spread: float = 0.05,
        half: float = 3.0,
        warmup: int = 288,
        drops: bool = False,
        alarm: float = 0.6,
        refractory: int = 288,
        shift_after: int = 36,
        band_z: float = 3.0,
        poisson: float = 1.0,
        transform: str = "log",
        slots_per_week: int = 0,
        week_blend: float = 2.0,
        peak_factor: float = 0.0,
        peak_rows: int = 288,
        peak_periods: int = 14,
        slot_spread: float = 0.0,
    ) -> None:
        if transform not in TRANSFORMS:
            raise ValueError(f"transform must be one of {sorted(TRANSFORMS)}, got {transform!r}")
        self.transform = transform
        self._forward, self._inverse, self._count_noise = TRANSFORMS[transform]
        if not scales or not all(0 < a <= 1 for a in scales):
            raise ValueError(f"scales must be fading factors in (0, 1], got {list(scales)}")
        self.level_alpha = level_alpha
        self.scales = tuple(scales)
        self.clip = clip
        self.half = half
        self.warmup = warmup
        self.drops = drops
        self.shift_after = shift_after
        self.band_z = band_z
        # Without slots (0) there is no seasonal term: one-minute streams get theirs from the batch.
        self.season = SeasonalProfile(slots_per_day, season_alpha) if slots_per_day else None
        # Slots of the week (0: none), blended in with weight weeks / (weeks + week_blend).
        if slots_per_week and self.season is None:
            raise ValueError("slots_per_week needs the time-of-day profile (slots_per_day > 0)")
        if week_blend <= 0:
            raise ValueError(f"week_blend must be positive, got {week_blend}")
        self.week = WeeklyProfile(slots_per_week, season_alpha) if slots_per_week else None
        self.week_blend = week_blend
        # The spread of each time-of-day slot (0: one spread for the whole day): a series that is
        # noisier at its busy hours is judged against its noise at that hour.
        if slot_spread and self.season is None:
            raise ValueError("slot_spread needs the time-of-day profile (slots_per_day > 0)")
        if not 0.0 <= slot_spread < 1.0:
            raise ValueError(
                f"slot_spread must be a fading factor in [0, 1) (0: off), got {slot_spread}"
            )
        self.slot_spread = slot_spread
        self.slot_mads = [0.0] * slots_per_day if slot_spread else None
        self.slot_visits = [0] * slots_per_day if slot_spread else None
        # The bar of the usual daily bursts (peak_factor 0: none).
        if peak_factor and not 0.0 < alarm < 1.0:
            raise ValueError(f"peak_factor needs an alarm in (0, 1), got {alarm}")
        self.peak_factor = peak_factor
        self.peaks = PeakMedian(peak_rows, peak_periods) if peak_factor else None
        # The surprise whose score is `alarm`.
        self._alarm_surprise = half * alarm / (1.0 - alarm) if 0.0 < alarm < 1.0 else 0.0
        self._surprise = 0.0
        self.residual_spread = RobustScale(spread_alpha, clip, min_spread)
        self.poisson = poisson
        # Standard deviation of an exponentially weighted mean of unit-variance noise.
        self._noise_factors = [math.sqrt(a / (2.0 - a)) for a in self.scales]
        self.smoothed = [stats.EWMean(fading_factor=a) for a in self.scales]
        self.spreads = [RobustScale(spread_alpha, clip, min_spread) for _ in self.scales]
        self.gate = Refractory(alarm, refractory)
        self.level: float | None = None
        self.recent = 0.0  # a fast mean of y less its seasonal offset: the level after a shift
        self.seen = 0
        self.run = 0  # signed count of consecutive values beyond the clip
        # Computed by score_one for learn_one (score, then learn, of the same value).
        self._y = 0.0
        self._season_value = 0.0
        self._residual = 0.0
        self._means: list[float] = [0.0] * len(self.scales)
        self._score = 0.0

    def _seasonal(self, at: datetime | None) -> float:
        if self.season is None:
            return 0.0
        daily = self.season.get(at)
        if self.week is None or at is None:
            return daily
        slot = self.week.slot(at)
        weeks = self.week.week_count[slot]
        if not weeks:
            return daily
        weight = weeks / (weeks + self.week_blend)
        return daily + weight * (self.week.means[slot] - daily)

    def score_one(self, value: float, at: datetime | None) -> Verdict:
        self._assess(value, at)
        return self._verdict()

    def _assess(self, value: float, at: datetime | None) -> None:
        """Score `value` (its surprise and `_score`) without building the `Verdict`.

        `SurpriseDetector` needs the surprise of every value but the expected band only when
        asked (`verdict_one`), so the band's three inverse transforms are left to `_verdict`.
        """
        self._scored = (value, at)
        if self.transform != "identity":
            value = value if value > 0.0 else 0.0  # counts: log and sqrt need them non-negative
        y = self._forward(value)
        self._y = y
        if self.level is None:
            self._score = 0.0
            self._centre = None
            self._first = value
            return
        seasonal = self._seasonal(at)
        self._season_value = seasonal
        # The slot's spread against the whole day's: the smoothed residuals' spreads scale by it.
        factor = 1.0
        if self.slot_mads is not None and at is not None:
            slot = self._slot = self.season.slot(at)  # type: ignore[union-attr]
            if self.slot_visits[slot] >= SLOT_VISITS:  # type: ignore[index]
                factor = self.slot_mads[slot] / self.residual_spread.get()
        else:
            self._slot = -1
        centre = self.level + seasonal
        residual = y - centre
        self._residual = residual
        # Values of any scale (poisson 0) have no counting noise: skip its two calls per value.
        poisson = self.poisson
        counting_noise = poisson * self._count_noise(self._inverse(centre)) if poisson else 0.0
        surprise = 0.0
        means = self._means
        started = self.seen > 1
        for index, (mean, scale, noise_factor, scaler) in enumerate(
            zip(self.smoothed, self.scales, self._noise_factors, self.spreads, strict=True)
        ):
            if started:
                previous = mean.get()
                smoothed = previous + scale * (residual - previous)
            else:
                smoothed = residual
            means[index] = smoothed
            floor = counting_noise * noise_factor
            spread = scaler.value * factor
            spread = spread if spread > scaler.floor else scaler.floor
            ratio = smoothed / (spread if spread > floor else floor)
            if ratio * residual > 0.0:
                # Only evidence on the side of the current value: the tail of a burst is not a
                # drop, and a quiet value after a burst is not a spike.
                ratio = -ratio if ratio < 0.0 and self.drops else ratio
                surprise = ratio if ratio > surprise else surprise
        self._surprise = surprise
        if self.peaks is not None:
            bar = self.peak_factor * self.peaks.median
            if bar > self._alarm_surprise:
                surprise *= self._alarm_surprise / bar
        self._score = squash(surprise, self.half) if self.seen >= self.warmup else 0.0
        self._centre = centre

    def _verdict(self) -> Verdict:
        """The `Verdict` of the value `_assess` scored last."""
        centre = self._centre
        if centre is None:  # the first value: no level yet
            return Verdict(0.0, self._first, self._first, self._first)
        band = self.band_z * self.residual_spread.get()
        return Verdict(
            score=self.gate.output(self._score),
            expected=self._inverse(centre),
            low=self._inverse(centre - band),
            high=self._inverse(centre + band),
        )

    def learn_one(self, value: float, at: datetime | None) -> None:
        # Uses what score_one computed for the same value (score, then learn); computes it when
        # score_one was not called for this value first.
        if self._scored != (value, at):
            self._assess(value, at)
        self._scored = None
        y = self._y
        self.seen += 1
        if self.level is None:
            self.level = self.recent = y
            return
        self.gate.learn(self._score)
        if self.peaks is not None and self.seen > self.warmup:
            self.peaks.update(self._surprise)
        residual = self._residual
        if self.slot_mads is not None and self._slot >= 0:
            # The slot's mean absolute residual, clipped like the day's spread.
            limit = self.clip * self.residual_spread.get()
            size = -residual if residual < 0.0 else residual
            size = limit if size > limit else size
            visits = self.slot_visits[self._slot] = self.slot_visits[self._slot] + 1  # type: ignore[index]
            rate = 1.0 / visits
            rate = self.slot_spread if self.slot_spread > rate else rate
            self.slot_mads[self._slot] += rate * (size - self.slot_mads[self._slot])
        for mean, spread, smoothed in zip(self.smoothed, self.spreads, self._means, strict=True):
            mean.update(residual)
            spread.update(smoothed)
        limit = self.clip * self.residual_spread.get()
        self.recent += 0.1 * (y - self._season_value - self.recent)
        beyond = 1 if residual > limit else -1 if residual < -limit else 0
        self.run = self.run + beyond if beyond and beyond * self.run >= 0 else beyond
        if self.shift_after and abs(self.run) >= self.shift_after:
            # A lasting change of level: move to the recent values at once, instead of creeping
            # there clip by clip, and smooth residuals from the new level on.
            self.level = self.recent
            self.smoothed = [stats.EWMean(fading_factor=a) for a in self.scales]
            self.run = 0
            return
        clipped = limit if residual > limit else -limit if residual < -limit else residual
        self.residual_spread.update(residual)
        rate = 1.0 / self.seen
        self.level += (self.level_alpha if self.level_alpha > rate else rate) * clipped
        if self.season is not None:
            self.season.update(at, self._season_value + clipped)
            if self.week is not None:
                self.week.update(at, self._season_value + clipped)


# A slot's spread counts once it has seen this many values (before: the whole day's).
SLOT_VISITS = 3


def _log_count_noise(expected: float) -> float:
    """About the standard deviation of log(1 + N) for a Poisson count N of this mean (at least 1):
    a key whose history is flat must not alert on one post more or less."""
    expected = expected if expected > 1.0 else 1.0  # not max(): this runs once per value
    return math.sqrt(expected) / (1.0 + expected)


def _sqrt_count_noise(expected: float) -> float:
    """The standard deviation of sqrt(N) for a Poisson count N of mean 1 or more."""
    return 0.5


def _no_count_noise(expected: float) -> float:
    return 0.0


def _same(y: float) -> float:
    return y


def _square(y: float) -> float:
    return y * y if y > 0.0 else 0.0


def _expm1(y: float) -> float:
    # Not max(): this runs four times per value.
    count = math.expm1(y)
    return count if count > 0.0 else 0.0


# name -> (transform, inverse, standard deviation of the transformed Poisson count of a mean).
# log: relative changes count (social volume is bursty, its noise multiplicative);
# sqrt: stabilises the variance of Poisson counts (sparse keys, one-minute windows).
TRANSFORMS: dict[
    str, tuple[Callable[[float], float], Callable[[float], float], Callable[[float], float]]
] = {
    "log": (math.log1p, _expm1, _log_count_noise),
    "sqrt": (math.sqrt, _square, _sqrt_count_noise),
    # Values of any scale and sign (CPU, latency, temperature): robust spreads alone set the noise.
    "identity": (_same, _same, _no_count_noise),
}


def volume_stream_detector() -> VolumeDetector:
    """The stream's profile before the calibrated `SurpriseDetector`: one key's one-minute windows.

    The raw residual (scale 1) answers in the first minute of a burst; drops matter (a collapse
    is an event); no time-of-day term, since the batch baselines bring the weekly rhythm
    (`baseline_verdict`); a tighter clip, because a young key learns fast (1/n) and a collapse
    must not teach it its own zeros; the monitor's cooldown replaces the refractory period; a
    lasting change is accepted after half an hour.
    """
    return VolumeDetector(
        scales=(1.0, 0.3),
        slots_per_day=0,
        clip=3.0,
        drops=True,
        warmup=10,
        refractory=0,
        shift_after=30,
    )


def batch_detector() -> VolumeDetector:
    """The profile of `socialpulse detect`'s defaults: five-minute counts of one series.

    The constructor's defaults plus the bar of the usual daily bursts: an alarm needs 1.3 times
    the median of the last 14 days' peak surprises (`peak_factor`); chosen on NAB realTweets,
    see benchmarks/nab/results.md.
    """
    return VolumeDetector(peak_factor=1.3, peak_rows=288, peak_periods=14)

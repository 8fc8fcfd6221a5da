"""A River anomaly detector whose score is a calibrated tail probability of its own surprise.

`SurpriseDetector` scores one series (`{"value": ..., "timestamp": ...}` per call):

1. `VolumeDetector` gives the raw surprise of the value: its residual from a level plus the
   time-of-day profile, smoothed at a few time scales and divided by robust spreads, on both
   sides (rises and drops).
2. Two more surprises read the same residual: a level shift (the residual's slow exponentially
   weighted mean over its own robust spread: a drift or step that single values hide) and a
   change of noise (a fast mean of the absolute residual over its long-run spread: a series that
   starts to oscillate).
3. `TailCalibration` turns each surprise into `P(S >= s)`, the share of the series' own past
   surprises of that kind at least as large (a log-spaced histogram: O(1) memory and time per
   value). The smallest of these tails, times the number of surprises (Bonferroni: each has its
   own chance to fire on noise), gives the score `1 - tail`. The score means the same on every
   series, whatever its scale, noise or sparsity, so one threshold serves all of them.
4. After a score reaches `alarm`, the next `rest` scores are 0: one event, one alarm.

Score first, then learn: `score_one` does not change the model, and `learn_one` works whether or
not `score_one` was called for the same value first.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from river import base

from socialpulse.detection.online import RobustScale
from socialpulse.detection.volume_detector import Verdict, VolumeDetector

# The mean absolute deviation of Gaussian noise in standard deviations (sqrt(2 / pi)).
GAUSSIAN_MAD = math.sqrt(2.0 / math.pi)
SQRT2 = math.sqrt(2.0)  # once, not per look-up


class TailCalibration:
    """Online `P(S >= s)` of a non-negative surprise: the series' own past surprises, with a prior.

    Past surprises go into a log-spaced histogram (`per_decade` bins per factor of ten from
    `floor` to `floor * 10**decades`; below the floor is bin 0, above the top the last bin). A
    young series has few of them, so the estimate starts from a prior worth `prior_weight`
    observations: the tail of Gaussian noise measured in mean absolute deviations (which are 0.8
    standard deviations), `erfc(0.8 s / sqrt(2))`. The series' own tail takes over as it grows:
    after n values, `(n_at_or_above + prior_weight * prior) / (n + prior_weight)`.

    >>> calibration = TailCalibration()
    >>> round(calibration.tail(1.0), 3), round(calibration.tail(6.0), 6)  # the prior alone
    (0.425, 2e-06)
    >>> for surprise in [0.5, 1.0, 1.5, 2.0] * 250:  # 1,000 ordinary surprises
    ...     calibration.update(surprise)
    >>> round(calibration.tail(1.4), 3), round(calibration.tail(6.0), 6)
    (0.493, 0.0)
    """

    def __init__(
        self,
        floor: float = 0.05,
        decades: int = 8,
        per_decade: int = 30,
        prior_weight: float = 30.0,
    ) -> None:
        self.floor = floor
        self.per_decade = per_decade
        self.prior_weight = prior_weight
        self.bins = decades * per_decade + 2
        # A Fenwick tree over the bins: counts below a bin in O(log bins), per value.
        self.tree = [0] * (self.bins + 1)
        self.seen = 0

    def bin(self, surprise: float) -> int:
        if surprise <= self.floor:
            return 0
        index = int(math.log10(surprise / self.floor) * self.per_decade) + 1
        return index if index < self.bins else self.bins - 1

    def tail(self, surprise: float) -> float:
        """The share of past surprises in `surprise`'s bin or above, with the prior's weight."""
        return self.tail_in(self.bin(surprise), surprise)

    def tail_in(self, index: int, surprise: float) -> float:
        """`tail(surprise)`, given `surprise`'s bin (`bin(surprise)`, computed once per value)."""
        below, tree = 0, self.tree
        while index > 0:
            below += tree[index]
            index -= index & -index
        prior = math.erfc(surprise * GAUSSIAN_MAD / SQRT2)
        weight = self.prior_weight
        return (self.seen - below + weight * prior) / (self.seen + weight)

    def update(self, surprise: float) -> None:
        self.add(self.bin(surprise))

    def add(self, index: int) -> None:
        """`update` of a surprise in bin `index`."""
        index, tree, size = index + 1, self.tree, self.bins
        while index <= size:
            tree[index] += 1
            index += index & -index
        self.seen += 1


class SurpriseDetector(base.AnomalyDetector):
    """Calibrated online anomaly detector for one series: River's `learn_one`/`score_one`.

    Parameters
    ----------
    value_key, time_key
        Keys of the value and of its timestamp (a `datetime`, or missing) in each `x`.
    alarm
        The score that starts a rest period; the threshold the product alarms at.
    rest
        Scores held at 0 after an alarm.
    prior_weight
        How many observations the calibration's prior is worth (`TailCalibration`).
    transform, drops, warmup, slots_per_day, scales
        The underlying `VolumeDetector`'s (`identity` for values of any scale and sign; `log`
        for counts), whether drops are surprises too, and its warm-up, time-of-day slots and
        smoothing scales.
    shift_scale
        Fading factor of the level-shift surprise (the residual's slow mean over its own robust
        spread); 0 turns it off.
    noise_scale
        Fading factor of the noise surprise (the recent mean absolute residual over the
        residual's long-run spread); 0 turns it off.

    A level series with one spike; the detector runs inside a River pipeline like any other:

    >>> from datetime import datetime, timedelta
    >>> from river import compose, preprocessing
    >>> model = compose.Pipeline(
    ...     compose.Select("value", "timestamp"), SurpriseDetector(warmup=100)
    ... )
    >>> start, scores = datetime(2026, 1, 5), []
    >>> for row in range(2000):
    ...     x = {"value": 50.0 + (row * 7919 % 11) + (400.0 if row == 1500 else 0.0),
    ...          "timestamp": start + timedelta(minutes=5 * row)}
    ...     scores.append(model.score_one(x))
    ...     model.learn_one(x)
    >>> alarms = [row for row, score in enumerate(scores) if score >= 0.995]
    >>> alarms, round(scores[1500], 4)
    ([1500], 1.0)
    """

    # Fallbacks for detectors pickled (stream recovery snapshots) before the level-shift and
    # noise surprises existed: those keep scoring with the value's surprise alone.
    shift_scale = 0.0
    noise_scale = 0.0
    _bin = 0

    def __init__(
        self,
        value_key: str = "value",
        time_key: str = "timestamp",
        alarm: float = 0.995,
        rest: int = 100,
        prior_weight: float = 30.0,
        transform: str = "identity",
        drops: bool = True,
        warmup: int = 288,
        slots_per_day: int = 24,
        scales: tuple[float, ...] = (0.3, 0.1),
        shift_scale: float = 0.01,
        noise_scale: float = 0.3,
    ) -> None:
        if not 0.0 < alarm < 1.0:
            raise ValueError(f"alarm must be in (0, 1), got {alarm}")
        for name, scale in (("shift_scale", shift_scale), ("noise_scale", noise_scale)):
            if not 0.0 <= scale < 1.0:
                raise ValueError(f"{name} must be a fading factor in [0, 1) (0: off), got {scale}")
        self.value_key = value_key
        self.time_key = time_key
        self.alarm = alarm
        self.rest = rest
        self.prior_weight = prior_weight
        self.transform = transform
        self.drops = drops
        self.warmup = warmup
        self.slots_per_day = slots_per_day
        self.scales = scales
        self.shift_scale = shift_scale
        self.noise_scale = noise_scale
        self._core = VolumeDetector(
            transform=transform,
            drops=drops,
            warmup=warmup,
            slots_per_day=slots_per_day,
            scales=scales,
            # Counts have a Poisson noise floor; other values only their own robust spread.
            poisson=0.0 if transform == "identity" else 1.0,
            refractory=0,
        )
        self._calibration = TailCalibration(prior_weight=prior_weight)
        # The level-shift and noise surprises: their state, calibrations and pending updates.
        self._shift_mean = 0.0
        self._shift_spread = RobustScale(0.0005, 5.0, 0.05)  # as the core's residual spread
        self._noise_mean = 0.0
        self._shift_calibration = TailCalibration(prior_weight=prior_weight)
        self._noise_calibration = TailCalibration(prior_weight=prior_weight)
        self._shift = self._noise = self._shift_surprise = self._noise_surprise = 0.0
        self._bin = self._shift_bin = self._noise_bin = 0
        self._unit = 0.0
        self._holding = 0
        # What score_one computed, for learn_one of the same x.
        self._surprise = 0.0
        self._score = 0.0

    def _unpack(self, x: dict[str, Any]) -> tuple[float, datetime | None]:
        value = float(x[self.value_key])
        if self._unit == 0.0 and self.transform == "identity":
            # The series' unit: its first non-zero magnitude. Values are measured in it, so the
            # spreads' small absolute floor means the same on every scale.
            self._unit = abs(value)
        return (value / self._unit if self._unit else value), x.get(self.time_key)

    def _evaluate(self, value: float, at: datetime | None) -> float:
        core = self._core
        core._assess(value, at)
        self._surprise = core._surprise
        residual = core._residual if core.level is not None else 0.0
        surprises = 1
        if self.shift_scale:
            shift = self._shift_mean + self.shift_scale * (residual - self._shift_mean)
            self._shift = shift
            if shift < 0.0:
                shift = -shift if self.drops else 0.0
            self._shift_surprise = shift / self._shift_spread.get()
            self._shift_bin = self._shift_calibration.bin(self._shift_surprise)
            surprises += 1
        if self.noise_scale:
            # With drops off, only rises count here too.
            size = -residual if residual < 0.0 and self.drops else residual
            size = size if size > 0.0 else 0.0
            noise = self._noise_mean + self.noise_scale * (size - self._noise_mean)
            self._noise = noise
            self._noise_surprise = noise / core.residual_spread.get()
            self._noise_bin = self._noise_calibration.bin(self._noise_surprise)
            surprises += 1
        # Each surprise's calibration bin, found once for the tail here and the update in learn_one.
        calibration = self._calibration
        self._bin = calibration.bin(self._surprise)
        if core.seen < core.warmup:
            self._score = 0.0
            return 0.0
        tail = calibration.tail_in(self._bin, self._surprise)
        if self.shift_scale:
            shift_tail = self._shift_calibration.tail_in(self._shift_bin, self._shift_surprise)
            tail = shift_tail if shift_tail < tail else tail
        if self.noise_scale:
            noise_tail = self._noise_calibration.tail_in(self._noise_bin, self._noise_surprise)
            tail = noise_tail if noise_tail < tail else tail
        tail *= surprises
        self._score = 1.0 - tail if tail < 1.0 else 0.0
        return self._score

    def score_one(self, x: dict[str, Any]) -> float:
        value, at = self._unpack(x)
        score = self._evaluate(value, at)
        return 0.0 if self._holding > 0 else score

    def verdict_one(self, x: dict[str, Any]) -> Verdict:
        """`score_one`, with the expected value and its band in the series' own units."""
        score = self.score_one(x)
        unit, core = self._unit or 1.0, self._core._verdict()
        return Verdict(score, core.expected * unit, core.low * unit, core.high * unit)

    def learn_one(self, x: dict[str, Any]) -> None:
        value, at = self._unpack(x)
        # The core remembers the value it last scored (only `_evaluate` scores it).
        if self._core._scored != (value, at):
            self._evaluate(value, at)
        if self.shift_scale:
            self._shift_spread.update(self._shift)
            self._shift_mean = self._shift
        if self.noise_scale:
            self._noise_mean = self._noise
        self._core.learn_one(value, at)
        if self._core.seen > self._core.warmup:
            self._calibration.add(self._bin)
            if self.shift_scale:
                self._shift_calibration.add(self._shift_bin)
            if self.noise_scale:
                self._noise_calibration.add(self._noise_bin)
        if self._holding > 0:
            self._holding -= 1
        elif self._score >= self.alarm:
            self._holding = self.rest


# The stream alarms at this calibrated score; benchmarks/stream_events/results.md shows why it is
# stricter than `socialpulse detect`'s 0.995 (many keys, scored every minute).
STREAM_ALARM = 0.999


def stream_detector() -> SurpriseDetector:
    """The profile of one key's one-minute window counts in the stream.

    Counts: the log transform with its Poisson noise floor. A short warm-up (5 windows), since
    the calibration's prior scores a young key from the start; the raw residual (scale 1) answers
    in the first minute of a burst; the time-of-day profile learns the key's day online (the batch
    `keyword_baselines` take over where they exist); no rest period, the monitor's cooldown does
    that job per direction. The value's surprise alone: the level-shift and noise surprises were
    measured on NAB, not on the stream's events (benchmarks/stream_events), so they stay off here.
    """
    return SurpriseDetector(
        alarm=STREAM_ALARM,
        rest=0,
        transform="log",
        warmup=5,
        scales=(1.0, 0.3),
        shift_scale=0.0,
        noise_scale=0.0,
    )


def build_detector() -> SurpriseDetector:
    return stream_detector()


def resume_detector(saved: SurpriseDetector | VolumeDetector) -> SurpriseDetector:
    """A detector from a recovery snapshot; one saved before the calibrated detector is wrapped.

    Snapshots taken by earlier versions hold a bare `VolumeDetector` per key. Its learned level,
    daily profile and spreads are kept as the new detector's core; the calibration starts from
    its prior, so the key keeps alerting across the upgrade without a fresh recovery directory.
    """
    if isinstance(saved, SurpriseDetector):
        return saved
    if isinstance(saved, VolumeDetector):
        detector = stream_detector()
        saved.gate.rows = 0  # the monitor's cooldown replaces the old refractory period
        detector._core = saved
        return detector
    raise TypeError(
        f"the recovery snapshot holds a {type(saved).__name__} where a detector was expected; "
        "start the stream with a fresh recovery directory (SOCIALPULSE_RECOVERY_DIR)"
    )

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
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from river import base, stats

from socialpulse.detection.online import RobustScale
from socialpulse.detection.volume_detector import SLOT_VISITS, Verdict, VolumeDetector

# The mean absolute deviation of Gaussian noise in standard deviations (sqrt(2 / pi)).
GAUSSIAN_MAD = math.sqrt(2.0 / math.pi)
SQRT2 = math.sqrt(2.0)  # once, not per look-up


class TailCalibration:
    """Online `P(S >= s)` of a non-negative surprise: the series' own past surprises, with a prior.

    Past surprises go into a log-spaced histogram (`per_decade` bins per factor of ten from
    `floor` to `floor * 10**decades`; below the floor is bin 0, above the top the last bin). A
    young series has few of them, so the estimate starts from a prior worth `prior_weight`
    observations: the tail of Gaussian noise measured in mean absolute deviations (which are 0.8
    standard deviations), `erfc(0.8 s / sqrt(2))`, or with `prior_rate` an exponential tail,
    `exp(-prior_rate * s)`. The series' own tail takes over as it grows: after n values,
    `(n_at_or_above + prior_weight * prior) / (n + prior_weight)`. Beyond the largest past
    surprise the prior alone ranks the values; the Gaussian tail calls any record past about 5
    deviations certain, the exponential one keeps ranking them by size.

    >>> calibration = TailCalibration()
    >>> round(calibration.tail(1.0), 3), round(calibration.tail(6.0), 6)  # the prior alone
    (0.425, 2e-06)
    >>> for surprise in [0.5, 1.0, 1.5, 2.0] * 250:  # 1,000 ordinary surprises
    ...     calibration.update(surprise)
    >>> round(calibration.tail(1.4), 3), round(calibration.tail(6.0), 6)
    (0.493, 0.0)
    >>> round(TailCalibration(prior_rate=1.5).tail(6.0), 6)  # an exponential prior
    0.000123
    """

    # Fallback for calibrations pickled (stream recovery snapshots) before the prior's shape was
    # a parameter: the Gaussian tail, as they scored.
    prior_rate = 0.0

    # Bins per block of the two-level count: a tail sums at most one block's bins and the blocks
    # above it, two C-level sums over short lists instead of a Python loop per value.
    BLOCK = 16

    def __init__(
        self,
        floor: float = 0.05,
        decades: int = 8,
        per_decade: int = 30,
        prior_weight: float = 30.0,
        prior_rate: float = 0.0,
    ) -> None:
        if prior_rate < 0.0:
            raise ValueError(f"prior_rate must be 0 (Gaussian prior) or positive, got {prior_rate}")
        self.floor = floor
        self.per_decade = per_decade
        self.prior_weight = prior_weight
        self.prior_rate = prior_rate
        self.bins = decades * per_decade + 2
        self.counts = [0] * self.bins
        self.blocks = [0] * (self.bins // self.BLOCK + 1)
        self.seen = 0

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Snapshots taken before the two-level count hold a Fenwick tree: rebuild the counts."""
        tree = state.pop("tree", None)
        self.__dict__.update(state)
        if tree is not None:

            def below(index: int) -> int:  # the tree's count of bins < index
                total = 0
                while index > 0:
                    total += tree[index]
                    index -= index & -index
                return total

            self.counts = [below(i + 1) - below(i) for i in range(self.bins)]
            self.blocks = [0] * (self.bins // self.BLOCK + 1)
            for index, count in enumerate(self.counts):
                self.blocks[index // self.BLOCK] += count

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
        block = index // self.BLOCK
        end = (block + 1) * self.BLOCK
        above = sum(self.counts[index:end]) + sum(self.blocks[block + 1 :])
        weight, rate = self.prior_weight, self.prior_rate
        prior = math.exp(-rate * surprise) if rate else math.erfc(surprise * GAUSSIAN_MAD / SQRT2)
        return (above + weight * prior) / (self.seen + weight)

    def update(self, surprise: float) -> None:
        self.add(self.bin(surprise))

    def add(self, index: int) -> None:
        """`update` of a surprise in bin `index`."""
        self.counts[index] += 1
        self.blocks[index // self.BLOCK] += 1
        self.seen += 1


# The fewest rows a warm-up given as a span lasts (a daily series would otherwise score its second).
MIN_PACED_WARMUP = 10


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
    prior_weight, prior_rate
        How many observations the calibration's prior is worth, and its shape: 0 the tail of
        Gaussian noise, otherwise the exponential tail `exp(-prior_rate * s)` (`TailCalibration`).
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
    slot_spread
        Fading factor of each time-of-day slot's own spread (the mean absolute residual of the
        values in that slot); the value's surprise is then measured against the noise of its
        hour rather than of the whole day. 0 turns it off (one spread for the day).
    warmup_span, rest_span
        The warm-up and the rest period as spans of time: once the series' interval is known
        (its first two distinct timestamps), each lasts `min(rows, span / interval)` rows, so an
        hourly series warms up for a day (24 rows, not 288 = 12 days) and rests 9 rows after an
        alarm (not 100 = 4 days); at least `MIN_PACED_WARMUP` rows of warm-up. The defaults
        (one day, 500 minutes) are the row counts' spans at 5-minute data, so 5-minute and finer
        series are unchanged. None: rows only.

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
    prior_rate = 0.0  # their calibrations' Gaussian prior
    noise_scale = 0.0
    slot_spread = 0.0
    warmup_span: timedelta | None = None
    rest_span: timedelta | None = None
    _paced = True
    _first_at: datetime | None = None
    _rest_rows: int | None = None  # None: `rest`
    _bin = 0

    def __init__(
        self,
        value_key: str = "value",
        time_key: str = "timestamp",
        alarm: float = 0.995,
        rest: int = 100,
        prior_weight: float = 30.0,
        prior_rate: float = 1.5,
        transform: str = "identity",
        drops: bool = True,
        warmup: int = 288,
        slots_per_day: int = 24,
        scales: tuple[float, ...] = (0.3, 0.1),
        shift_scale: float = 0.01,
        noise_scale: float = 0.2,
        slot_spread: float = 0.02,
        warmup_span: timedelta | None = timedelta(days=1),
        rest_span: timedelta | None = timedelta(minutes=500),
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
        self.prior_rate = prior_rate
        self.transform = transform
        self.drops = drops
        self.warmup = warmup
        self.slots_per_day = slots_per_day
        self.scales = scales
        self.shift_scale = shift_scale
        self.noise_scale = noise_scale
        self.slot_spread = slot_spread
        self.warmup_span = warmup_span
        self.rest_span = rest_span
        # Row counts until the series' interval is known (`_pace`); the rest period in rows.
        self._paced = warmup_span is None and rest_span is None
        self._rest_rows = rest
        self._core = VolumeDetector(
            transform=transform,
            drops=drops,
            warmup=warmup,
            slots_per_day=slots_per_day,
            scales=scales,
            # Counts have a Poisson noise floor; other values only their own robust spread.
            poisson=0.0 if transform == "identity" else 1.0,
            refractory=0,
            slot_spread=slot_spread if slots_per_day else 0.0,
        )
        self._calibration = TailCalibration(prior_weight=prior_weight, prior_rate=prior_rate)
        # The level-shift and noise surprises: their state, calibrations and pending updates.
        self._shift_mean = 0.0
        self._shift_spread = RobustScale(0.0005, 5.0, 0.05)  # as the core's residual spread
        self._noise_mean = 0.0
        self._shift_calibration = TailCalibration(prior_weight=prior_weight, prior_rate=prior_rate)
        self._noise_calibration = TailCalibration(prior_weight=prior_weight, prior_rate=prior_rate)
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
            self._holding = self.rest if self._rest_rows is None else self._rest_rows
        if not self._paced:
            self._pace(at)

    def _pace(self, at: datetime | None) -> None:
        """Warm-up and rest in rows, from the spans and the series' interval (see the class)."""
        if not isinstance(at, datetime) or self._core.seen >= MIN_PACED_WARMUP:
            self._paced = True
            return
        if self._first_at is None or at <= self._first_at:
            self._first_at = at if self._first_at is None else min(self._first_at, at)
            return
        interval = at - self._first_at
        if self.warmup_span is not None:
            rows = max(MIN_PACED_WARMUP, math.ceil(self.warmup_span / interval))
            self._core.warmup = min(self.warmup, rows)
        if self.rest_span is not None:
            self._rest_rows = min(self.rest, math.ceil(self.rest_span / interval))
        self._paced = True

    def score_learn_many(
        self, values: Sequence[float], timestamps: Sequence[datetime | None]
    ) -> list[float]:
        """`score_one`, then `learn_one`, of each value in order: the same scores, in one loop.

        What `socialpulse detect` runs over a whole series. The per-value methods spend most of
        their time calling the detector's parts; this loop keeps their state in local variables
        and writes it back at the end, so `score_one`/`learn_one` go on from where it stopped.
        Detectors with `VolumeDetector`'s opt-in parts (a daily-peak bar, slots of the week, a
        refractory period) take the per-value path.

        >>> from datetime import datetime, timedelta
        >>> start = datetime(2026, 1, 5)
        >>> values = [50.0 + (row * 7919 % 11) + (400.0 if row == 1500 else 0.0)
        ...           for row in range(2000)]
        >>> times = [start + timedelta(minutes=5 * row) for row in range(2000)]
        >>> one_by_one, scores = SurpriseDetector(warmup=100), []
        >>> for value, at in zip(values, times):
        ...     scores.append(one_by_one.score_one({"value": value, "timestamp": at}))
        ...     one_by_one.learn_one({"value": value, "timestamp": at})
        >>> SurpriseDetector(warmup=100).score_learn_many(values, times) == scores
        True
        """
        scores: list[float] = []
        if not self._paced:  # value by value until the warm-up and rest are known in rows
            head = 0
            while head < len(values) and not self._paced:
                x = {self.value_key: values[head], self.time_key: timestamps[head]}
                scores.append(self.score_one(x))
                self.learn_one(x)
                head += 1
            values, timestamps = values[head:], timestamps[head:]
        core = self._core
        calibrations = (self._calibration, self._shift_calibration, self._noise_calibration)
        if (
            core.peaks is not None
            or core.week is not None
            or core.gate.rows
            or len({(c.floor, c.per_decade, c.bins, c.BLOCK, c.prior_rate) for c in calibrations})
            > 1
        ):
            for value, at in zip(values, timestamps, strict=True):
                x = {self.value_key: value, self.time_key: at}
                scores.append(self.score_one(x))
                self.learn_one(x)
            return scores
        log10, erfc = math.log10, math.erfc
        # The series' unit (SurpriseDetector) and the holding of the rest period.
        unit, by_unit = self._unit, self.transform == "identity"
        holding, alarm = self._holding, self.alarm
        rest = self.rest if self._rest_rows is None else self._rest_rows
        # The core (VolumeDetector): transform, level, season, smoothed residuals, spreads.
        forward, inverse, count_noise = core._forward, core._inverse, core._count_noise
        clamp = core.transform != "identity"
        level, recent, seen, run = core.level, core.recent, core.seen, core.run
        level_alpha, clip, shift_after = core.level_alpha, core.clip, core.shift_after
        core_warmup, poisson, core_drops = core.warmup, core.poisson, core.drops
        season = core.season
        if season is not None:
            season_means, season_visits = season.means, season.visits
            season_slots, season_alpha = season.slots_per_day, season.alpha
        # Each time-of-day slot's spread (None: one spread for the day).
        slot_mads, slot_visits, slot_alpha = core.slot_mads, core.slot_visits, core.slot_spread
        slot = -1
        scales, factors, smoothed = core.scales, core._noise_factors, core.smoothed
        n_scales = len(scales)
        spreads = core.spreads
        spread_values = [spread.value for spread in spreads]
        spread_seen = [spread.seen for spread in spreads]
        spread_params = [(spread.alpha, spread.clip, spread.floor) for spread in spreads]
        means = [0.0] * n_scales
        residual_spread = core.residual_spread
        rs_value, rs_seen = residual_spread.value, residual_spread.seen
        rs_alpha, rs_clip, rs_floor = (
            residual_spread.alpha,
            residual_spread.clip,
            residual_spread.floor,
        )
        core_surprise = core._surprise
        # The level-shift and noise surprises.
        drops = self.drops
        shift_scale, noise_scale = self.shift_scale, self.noise_scale
        shift_mean, noise_mean = self._shift_mean, self._noise_mean
        shift_spread = self._shift_spread
        sh_value, sh_seen = shift_spread.value, shift_spread.seen
        sh_alpha, sh_clip, sh_floor = shift_spread.alpha, shift_spread.clip, shift_spread.floor
        surprises = 1 + (1 if shift_scale else 0) + (1 if noise_scale else 0)
        # The three calibrations (same bins and prior shape): counts, blocks, how many seen,
        # prior weight.
        first = calibrations[0]
        prior_rate, exp = first.prior_rate, math.exp
        floor, per_decade, bins, block_size = first.floor, first.per_decade, first.bins, first.BLOCK
        top = bins - 1
        value_counts, shift_counts, noise_counts = (c.counts for c in calibrations)
        value_blocks, shift_blocks, noise_blocks = (c.blocks for c in calibrations)
        value_seen, shift_seen, noise_seen = (c.seen for c in calibrations)
        value_weight, shift_weight, noise_weight = (c.prior_weight for c in calibrations)
        score = self._score
        shift = noise = shift_surprise = noise_surprise = 0.0
        append = scores.append
        for raw, at in zip(values, timestamps, strict=True):
            value = float(raw)
            if unit == 0.0 and by_unit:
                unit = abs(value)
            if unit:
                value = value / unit
            # The core's surprise (VolumeDetector._assess).
            if clamp:
                value = value if value > 0.0 else 0.0
            y = forward(value)
            if level is None:
                residual = seasonal = 0.0
            else:
                seasonal, slot, slot_factor = 0.0, -1, 1.0
                if season is not None and at is not None:
                    slot = (at.hour * 60 + at.minute) * season_slots // 1440
                    seasonal = season_means[slot]
                    if slot_mads is not None and slot_visits[slot] >= SLOT_VISITS:
                        slot_factor = slot_mads[slot] / (
                            rs_value if rs_value > rs_floor else rs_floor
                        )
                centre = level + seasonal
                residual = y - centre
                counting = poisson * count_noise(inverse(centre)) if poisson else 0.0
                surprise = 0.0
                started = seen > 1
                for index in range(n_scales):
                    if started:
                        previous = smoothed[index].get()
                        mean = previous + scales[index] * (residual - previous)
                    else:
                        mean = residual
                    means[index] = mean
                    noise_floor = counting * factors[index]
                    spread = spread_values[index] * slot_factor
                    spread_floor = spread_params[index][2]
                    spread = spread if spread > spread_floor else spread_floor
                    ratio = mean / (spread if spread > noise_floor else noise_floor)
                    if ratio * residual > 0.0:
                        ratio = -ratio if ratio < 0.0 and core_drops else ratio
                        surprise = ratio if ratio > surprise else surprise
                core_surprise = surprise
            # The level-shift and noise surprises of the residual, and the calibrated score.
            if shift_scale:
                shift = shift_mean + shift_scale * (residual - shift_mean)
                size = shift
                if size < 0.0:
                    size = -size if drops else 0.0
                shift_surprise = size / (sh_value if sh_value > sh_floor else sh_floor)
            if noise_scale:
                size = -residual if residual < 0.0 and drops else residual
                size = size if size > 0.0 else 0.0
                noise = noise_mean + noise_scale * (size - noise_mean)
                noise_surprise = noise / (rs_value if rs_value > rs_floor else rs_floor)
            # Each surprise's calibration bin, then (after the warm-up) its tail; the smallest
            # tail, times the number of surprises, gives the score (TailCalibration.tail_in).
            value_bin = shift_bin = noise_bin = 0
            if core_surprise > floor:
                value_bin = int(log10(core_surprise / floor) * per_decade) + 1
                value_bin = value_bin if value_bin < bins else top
            if shift_surprise > floor and shift_scale:
                shift_bin = int(log10(shift_surprise / floor) * per_decade) + 1
                shift_bin = shift_bin if shift_bin < bins else top
            if noise_surprise > floor and noise_scale:
                noise_bin = int(log10(noise_surprise / floor) * per_decade) + 1
                noise_bin = noise_bin if noise_bin < bins else top
            if seen < core_warmup:
                score = 0.0
            else:
                block = value_bin // block_size
                above = sum(value_counts[value_bin : (block + 1) * block_size]) + sum(
                    value_blocks[block + 1 :]
                )
                prior = (
                    exp(-prior_rate * core_surprise)
                    if prior_rate
                    else erfc(core_surprise * GAUSSIAN_MAD / SQRT2)
                )
                tail = (above + value_weight * prior) / (value_seen + value_weight)
                if shift_scale:
                    block = shift_bin // block_size
                    above = sum(shift_counts[shift_bin : (block + 1) * block_size]) + sum(
                        shift_blocks[block + 1 :]
                    )
                    prior = (
                        exp(-prior_rate * shift_surprise)
                        if prior_rate
                        else erfc(shift_surprise * GAUSSIAN_MAD / SQRT2)
                    )
                    other = (above + shift_weight * prior) / (shift_seen + shift_weight)
                    tail = other if other < tail else tail
                if noise_scale:
                    block = noise_bin // block_size
                    above = sum(noise_counts[noise_bin : (block + 1) * block_size]) + sum(
                        noise_blocks[block + 1 :]
                    )
                    prior = (
                        exp(-prior_rate * noise_surprise)
                        if prior_rate
                        else erfc(noise_surprise * GAUSSIAN_MAD / SQRT2)
                    )
                    other = (above + noise_weight * prior) / (noise_seen + noise_weight)
                    tail = other if other < tail else tail
                tail *= surprises
                score = 1.0 - tail if tail < 1.0 else 0.0
            append(0.0 if holding > 0 else score)
            # Learn (SurpriseDetector.learn_one, then VolumeDetector.learn_one).
            if shift_scale:
                sh_seen += 1
                size = -shift if shift < 0.0 else shift
                if sh_seen > 1:
                    limit = sh_clip * (sh_value if sh_value > sh_floor else sh_floor)
                    size = limit if size > limit else size
                rate = 1.0 / sh_seen
                sh_value += (sh_alpha if sh_alpha > rate else rate) * (size - sh_value)
                shift_mean = shift
            if noise_scale:
                noise_mean = noise
            seen += 1
            if level is None:
                level = recent = y
            else:
                if slot_mads is not None and slot >= 0:
                    limit = clip * (rs_value if rs_value > rs_floor else rs_floor)
                    size = -residual if residual < 0.0 else residual
                    size = limit if size > limit else size
                    slot_visits[slot] += 1
                    rate = 1.0 / slot_visits[slot]
                    rate = slot_alpha if slot_alpha > rate else rate
                    slot_mads[slot] += rate * (size - slot_mads[slot])
                for index in range(n_scales):
                    smoothed[index].update(residual)
                    alpha_, clip_, floor_ = spread_params[index]
                    spread_seen[index] += 1
                    size = means[index]
                    size = -size if size < 0.0 else size
                    spread = spread_values[index]
                    if spread_seen[index] > 1:
                        limit = clip_ * (spread if spread > floor_ else floor_)
                        size = limit if size > limit else size
                    rate = 1.0 / spread_seen[index]
                    spread_values[index] = spread + (alpha_ if alpha_ > rate else rate) * (
                        size - spread
                    )
                limit = clip * (rs_value if rs_value > rs_floor else rs_floor)
                recent += 0.1 * (y - seasonal - recent)
                beyond = 1 if residual > limit else -1 if residual < -limit else 0
                run = run + beyond if beyond and beyond * run >= 0 else beyond
                if shift_after and abs(run) >= shift_after:
                    level = recent
                    smoothed = [stats.EWMean(fading_factor=a) for a in scales]
                    run = 0
                else:
                    clipped = (
                        limit if residual > limit else -limit if residual < -limit else residual
                    )
                    rs_seen += 1
                    size = -residual if residual < 0.0 else residual
                    if rs_seen > 1:
                        rs_limit = rs_clip * (rs_value if rs_value > rs_floor else rs_floor)
                        size = rs_limit if size > rs_limit else size
                    rate = 1.0 / rs_seen
                    rs_value += (rs_alpha if rs_alpha > rate else rate) * (size - rs_value)
                    rate = 1.0 / seen
                    level += (level_alpha if level_alpha > rate else rate) * clipped
                    if season is not None and at is not None:
                        season_visits[slot] += 1
                        rate = 1.0 / season_visits[slot]
                        rate = season_alpha if season_alpha > rate else rate
                        season_means[slot] += rate * (seasonal + clipped - season_means[slot])
            if seen > core_warmup:
                value_counts[value_bin] += 1
                value_blocks[value_bin // block_size] += 1
                value_seen += 1
                if shift_scale:
                    shift_counts[shift_bin] += 1
                    shift_blocks[shift_bin // block_size] += 1
                    shift_seen += 1
                if noise_scale:
                    noise_counts[noise_bin] += 1
                    noise_blocks[noise_bin // block_size] += 1
                    noise_seen += 1
            if holding > 0:
                holding -= 1
            elif score >= alarm:
                holding = rest
        # Back into the parts, so the per-value methods go on from here.
        self._unit, self._holding, self._score = unit, holding, score
        self._shift_mean, self._noise_mean = shift_mean, noise_mean
        shift_spread.value, shift_spread.seen = sh_value, sh_seen
        for calibration, seen_here in zip(
            calibrations, (value_seen, shift_seen, noise_seen), strict=True
        ):
            calibration.seen = seen_here
        core.level, core.recent, core.seen, core.run = level, recent, seen, run
        core.smoothed = smoothed
        for spread, spread_value, seen_here in zip(
            spreads, spread_values, spread_seen, strict=True
        ):
            spread.value, spread.seen = spread_value, seen_here
        residual_spread.value, residual_spread.seen = rs_value, rs_seen
        core._surprise = self._surprise = core_surprise
        core._scored = None
        return scores


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
    The calibration's prior is `socialpulse detect`'s (the exponential tail, `prior_rate` 1.5):
    on the stream's events it raised the same alerts as the Gaussian prior the stream had before
    but one (188 against 187 over five seeds, the same 56 true positives and delays), and on NAB
    it scores higher. Keys resumed from older snapshots keep the prior they were saved with.
    """
    return SurpriseDetector(
        alarm=STREAM_ALARM,
        rest=0,
        transform="log",
        warmup=5,
        scales=(1.0, 0.3),
        shift_scale=0.0,
        noise_scale=0.0,
        slot_spread=0.0,
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

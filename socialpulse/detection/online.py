"""Small online building blocks of the volume detector, each O(1) per value and picklable.

- `SeasonalProfile`: the typical residual of each time-of-day slot, learned online per slot.
- `WeeklyProfile`: the same per slot of the week (day of week and time of day), with the number
  of distinct weeks each slot has seen, so a young slot can be blended with the daily profile.
- `RobustScale`: an exponentially weighted mean absolute deviation that learns from clipped
  values, so one burst cannot inflate it.
- `squash`: maps a non-negative surprise to [0, 1) without saturating (no ties at 1.0).
- `PeakMedian`: the median of the last few periods' (days') peak surprises: the height of the
  bursts a series has every day anyway, which an alarm should clear.
- `Refractory`: after an alarm, hold the output down for a while, so one event is one alarm.
"""

from __future__ import annotations

from datetime import datetime


def squash(surprise: float, half: float) -> float:
    """`surprise / (surprise + half)`: 0.5 at `half`, strictly increasing, below 1 for finite input.

    >>> squash(0.0, 3.0), squash(3.0, 3.0), squash(27.0, 3.0), squash(-1.0, 3.0)
    (0.0, 0.5, 0.9, 0.0)
    """
    if surprise <= 0.0:
        return 0.0
    return surprise / (surprise + half)


class SeasonalProfile:
    """Per-slot exponentially weighted mean of a residual; slots split the day evenly.

    Each slot starts as a running average (weight 1/visits) and then fades with `alpha`, so the
    first days are learned quickly and later ones follow a slowly changing rhythm.

    >>> from datetime import datetime
    >>> profile = SeasonalProfile(slots_per_day=24, alpha=0.1)
    >>> for day in range(1, 20):
    ...     profile.update(datetime(2026, 1, day, 9), 2.0)
    ...     profile.update(datetime(2026, 1, day, 21), -2.0)
    >>> nine, nine_pm = datetime(2026, 2, 1, 9, 30), datetime(2026, 2, 1, 21)
    >>> profile.get(nine), profile.get(nine_pm), profile.get(None)
    (2.0, -2.0, 0.0)
    """

    def __init__(self, slots_per_day: int = 24, alpha: float = 0.02) -> None:
        if not 1 <= slots_per_day <= 1440:
            raise ValueError(f"slots_per_day must be in [1, 1440], got {slots_per_day}")
        self.slots_per_day = slots_per_day
        self.alpha = alpha
        self.means = [0.0] * slots_per_day
        self.visits = [0] * slots_per_day

    def slot(self, at: datetime) -> int:
        return (at.hour * 60 + at.minute) * self.slots_per_day // 1440

    def get(self, at: datetime | None) -> float:
        return 0.0 if at is None else self.means[self.slot(at)]

    def update(self, at: datetime | None, value: float) -> None:
        if at is None:
            return
        slot = self.slot(at)
        self.visits[slot] += 1
        rate = 1.0 / self.visits[slot]
        rate = self.alpha if self.alpha > rate else rate
        self.means[slot] += rate * (value - self.means[slot])


class WeeklyProfile(SeasonalProfile):
    """Per-slot mean of a residual over the week: slots split Monday 00:00 to Sunday 24:00 evenly.

    `weeks(at)` is how many distinct weeks have visited `at`'s slot: a slot's mean is only as good
    as the weeks behind it, which the detector uses to blend it with the daily profile.

    >>> from datetime import datetime
    >>> profile = WeeklyProfile(slots_per_week=7, alpha=0.1)
    >>> for week in range(3):  # Mondays high, Sundays low
    ...     profile.update(datetime(2026, 1, 5 + 7 * week, 9), 1.0)
    ...     profile.update(datetime(2026, 1, 5 + 7 * week, 10), 1.0)
    ...     profile.update(datetime(2026, 1, 11 + 7 * week, 9), -1.0)
    >>> monday, sunday = datetime(2026, 2, 2, 12), datetime(2026, 2, 8, 12)
    >>> profile.get(monday), profile.get(sunday), profile.weeks(monday), profile.weeks(None)
    (1.0, -1.0, 3, 0)
    """

    def __init__(self, slots_per_week: int = 168, alpha: float = 0.02) -> None:
        if not 1 <= slots_per_week <= 7 * 1440:
            raise ValueError(f"slots_per_week must be in [1, 10080], got {slots_per_week}")
        self.slots_per_week = slots_per_week
        self.alpha = alpha
        self.means = [0.0] * slots_per_week
        self.visits = [0] * slots_per_week
        self.week_count = [0] * slots_per_week
        self.last_week = [-1] * slots_per_week

    def slot(self, at: datetime) -> int:
        minute = (at.weekday() * 24 + at.hour) * 60 + at.minute
        return minute * self.slots_per_week // (7 * 1440)

    def weeks(self, at: datetime | None) -> int:
        return 0 if at is None else self.week_count[self.slot(at)]

    def update(self, at: datetime | None, value: float) -> None:
        if at is None:
            return
        slot = self.slot(at)
        week = (at.toordinal() - 1) // 7  # ordinal 1 is a Monday
        if week != self.last_week[slot]:
            self.last_week[slot] = week
            self.week_count[slot] += 1
        self.visits[slot] += 1
        rate = 1.0 / self.visits[slot]
        rate = self.alpha if self.alpha > rate else rate
        self.means[slot] += rate * (value - self.means[slot])


class PeakMedian:
    """The median of the peaks of the last `periods` completed periods of `rows` values each.

    0 until two periods are complete. O(1) per value; a sort of at most `periods` values once a
    period.

    >>> peaks = PeakMedian(rows=3, periods=5)
    >>> for value in [1, 5, 2,  0, 3, 1,  9, 0, 0,  4, 4, 4]:
    ...     peaks.update(value)
    >>> peaks.get()  # the median of the peaks 5, 3, 9 and 4
    4.5
    """

    def __init__(self, rows: int = 288, periods: int = 14) -> None:
        if rows < 1 or periods < 1:
            raise ValueError(f"rows and periods must be positive, got {rows} and {periods}")
        self.rows = rows
        self.periods = periods
        self.peaks: list[float] = []
        self.current = 0.0
        self.filled = 0
        self.median = 0.0

    def get(self) -> float:
        return self.median

    def update(self, value: float) -> None:
        self.current = value if value > self.current else self.current
        self.filled += 1
        if self.filled < self.rows:
            return
        self.peaks.append(self.current)
        del self.peaks[: -self.periods]
        self.current = 0.0
        self.filled = 0
        if len(self.peaks) >= 2:
            ordered = sorted(self.peaks)
            middle = len(ordered) // 2
            self.median = (
                ordered[middle]
                if len(ordered) % 2
                else 0.5 * (ordered[middle - 1] + ordered[middle])
            )


class RobustScale:
    """Exponentially weighted mean absolute deviation, learned from deviations clipped at `clip`
    times the current scale (a running average until 1/alpha values have been seen).

    >>> scale = RobustScale(alpha=0.01, clip=5.0, floor=0.1)
    >>> for deviation in [1.0, -1.0] * 200:
    ...     scale.update(deviation)
    >>> round(scale.get(), 3)
    1.0
    >>> scale.update(1000.0)  # learned as 5.0: the scale moves by 1%, not by 10 times
    >>> round(scale.get(), 3)
    1.04
    """

    def __init__(self, alpha: float = 0.001, clip: float = 5.0, floor: float = 0.05) -> None:
        self.alpha = alpha
        self.clip = clip
        self.floor = floor
        self.value = 0.0
        self.seen = 0

    # Conditional expressions instead of min/max: these run several times per value.
    def get(self) -> float:
        return self.value if self.value > self.floor else self.floor

    def clipped(self, deviation: float) -> float:
        limit = self.clip * (self.value if self.value > self.floor else self.floor)
        return limit if deviation > limit else -limit if deviation < -limit else deviation

    def update(self, deviation: float) -> None:
        self.seen += 1
        magnitude = abs(deviation)
        if self.seen > 1:
            limit = self.clip * (self.value if self.value > self.floor else self.floor)
            magnitude = limit if magnitude > limit else magnitude
        rate = 1.0 / self.seen
        rate = self.alpha if self.alpha > rate else rate
        self.value += rate * (magnitude - self.value)


class Refractory:
    """Once a score reaches `alarm`, the next `rows` outputs are held at 0 (one event, one alarm).

    `output` does not change state (score first); `learn` moves it on by one row.

    >>> gate, shown = Refractory(alarm=0.6, rows=2), []
    >>> for score in [0.1, 0.7, 0.9, 0.8, 0.2, 0.65]:
    ...     shown.append(gate.output(score))
    ...     gate.learn(score)
    >>> shown
    [0.1, 0.7, 0.0, 0.0, 0.2, 0.65]
    """

    def __init__(self, alarm: float, rows: int) -> None:
        self.alarm = alarm
        self.rows = rows
        self.remaining = 0

    def output(self, score: float) -> float:
        return 0.0 if self.remaining > 0 else score

    def learn(self, score: float) -> None:
        if self.remaining > 0:
            self.remaining -= 1
        elif score >= self.alarm and self.rows > 0:
            self.remaining = self.rows

"""Small online building blocks of the volume detector, each O(1) per value and picklable.

- `SeasonalProfile`: the typical residual of each time-of-day slot, learned online per slot.
- `RobustScale`: an exponentially weighted mean absolute deviation that learns from clipped
  values, so one burst cannot inflate it.
- `squash`: maps a non-negative surprise to [0, 1) without saturating (no ties at 1.0).
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
        rate = max(self.alpha, 1.0 / self.visits[slot])
        self.means[slot] += rate * (value - self.means[slot])


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

"""Cooldown in event time: after an alert, the same key stays quiet for a while.

A change of direction (a spike after a drop, or a sentiment crisis during a spike) is a new story
and is let through; the same direction within the cooldown is the same event still going on.
"""

from __future__ import annotations

from datetime import datetime, timedelta


class Cooldown:
    def __init__(self, period: timedelta) -> None:
        self.period = period
        self.last: dict[str, tuple[datetime, str]] = {}

    def allow(self, key: str, at: datetime, direction: str) -> bool:
        previous = self.last.get(key)
        if previous is not None:
            when, previous_direction = previous
            if direction == previous_direction and at - when < self.period:
                return False
        self.last[key] = (at, direction)
        return True

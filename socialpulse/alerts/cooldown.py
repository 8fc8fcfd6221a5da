"""Cooldown in event time: after an alert, the same key stays quiet for a while.

A change of direction (a spike after a drop, or a sentiment crisis during a spike) is a new story
and is let through; the same direction within the cooldown is the same event still going on, also
when an alert of another direction came in between (a burst under a sentiment crisis raises one
spike and one sentiment_drop, not a spike after every sentiment_drop).

Order-independent: an alert is judged against the latest alert of its direction allowed for a window
that starts before its own (or before `decided_before`), never against one of a later window. So the
decision for a window depends only on the decisions for earlier windows, whatever order the windows
are decided in; a caller that decides a window before its predecessor has been decided passes
`decided_before` to leave that predecessor out (the stream's early alerts do).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any


class Cooldown:
    def __init__(self, period: timedelta) -> None:
        self.period = period
        # key -> window start -> direction of each alert allowed within the last two periods
        self.allowed: dict[str, dict[datetime, str]] = {}

    def allow(
        self, key: str, at: datetime, direction: str, decided_before: datetime | None = None
    ) -> bool:
        """Whether an alert of `key` in `direction` for the window starting `at` goes out.

        It is held back when the latest alert in the same direction allowed for a window
        starting before `decided_before` (default: `at`) is less than `period` before `at`.
        An allowed alert is remembered.
        """
        cutoff = at if decided_before is None else decided_before
        history = self.allowed.setdefault(key, {})
        earlier = [when for when, was in history.items() if when < cutoff and was == direction]
        if earlier and at - max(earlier) < self.period:
            return False
        history[at] = direction
        # Older alerts can no longer hold anything back: windows are decided at most a few
        # windows out of order, far less than a period.
        horizon = max(history) - 2 * self.period
        for when in [w for w in history if w < horizon]:
            del history[when]
        return True

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Snapshots taken before the cooldown was order-independent kept only the latest alert.
        if "last" in state:
            last = state.pop("last")
            state["allowed"] = {key: {when: direction} for key, (when, direction) in last.items()}
        self.__dict__.update(state)

"""Event-level scoring of stream alerts against the generator's injected events.

An event is detected when an alert on its key (and, unless `match_direction` is off, in its
direction) has a window overlapping [event start - 1 window, event end + `grace_windows`]. An
alert is a true positive when it matches some event, else a false positive. The delay of a
detected event is its first matching alert's window end minus the event's start.

>>> from datetime import datetime, timedelta
>>> from types import SimpleNamespace
>>> t0, minute = datetime(2026, 1, 5, 12), timedelta(minutes=1)
>>> burst = InjectedEvent("hashtag_burst", "hashtag:dance", t0, t0 + 10 * minute, "spike", 40.0)
>>> def alert(key, at, direction="spike"):
...     kind, _, value = key.partition(":")
...     return SimpleNamespace(key_kind=kind, key=value, window_start=at,
...                            window_end=at + minute, direction=direction)
>>> score = score_alerts([burst], [alert("hashtag:dance", t0 + 2 * minute),
...                               alert("hashtag:food", t0)], window=minute)
>>> score.precision, score.recall, score.outcomes[0].delay
(0.5, 1.0, datetime.timedelta(seconds=180))
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from socialpulse.generator.events import InjectedEvent


class AlertLike(Protocol):
    """What matching needs of an alert (`socialpulse.alerts.Alert` has it)."""

    key_kind: str
    key: str
    window_start: datetime
    window_end: datetime
    direction: str


@dataclass(frozen=True)
class EventOutcome:
    event: InjectedEvent
    delay: timedelta | None  # None: not detected

    @property
    def detected(self) -> bool:
        return self.delay is not None


@dataclass(frozen=True)
class StreamScore:
    alerts: int
    outcomes: tuple[EventOutcome, ...]
    false_positives: tuple[AlertLike, ...]  # the alerts that match no event

    @property
    def true_positives(self) -> int:
        return self.alerts - len(self.false_positives)

    @property
    def precision(self) -> float | None:
        return self.true_positives / self.alerts if self.alerts else None

    @property
    def recall(self) -> float | None:
        if not self.outcomes:
            return None
        return sum(o.detected for o in self.outcomes) / len(self.outcomes)

    def by_kind(self) -> dict[str, tuple[int, int]]:
        """Event kind -> (detected, total), in the order the kinds first appear."""
        counts: dict[str, tuple[int, int]] = {}
        for outcome in self.outcomes:
            detected, total = counts.get(outcome.event.kind, (0, 0))
            counts[outcome.event.kind] = (detected + outcome.detected, total + 1)
        return counts

    def delays(self) -> list[timedelta]:
        return [o.delay for o in self.outcomes if o.delay is not None]


def alert_matches(
    alert: AlertLike,
    event: InjectedEvent,
    window: timedelta,
    grace_windows: int = 3,
    match_direction: bool = True,
) -> bool:
    if f"{alert.key_kind}:{alert.key}" != event.key:
        return False
    if match_direction and alert.direction != event.direction:
        return False
    low, high = event.start - window, event.end + grace_windows * window
    return alert.window_start < high and alert.window_end > low


def score_alerts(
    events: Sequence[InjectedEvent],
    alerts: Iterable[AlertLike],
    window: timedelta,
    grace_windows: int = 3,
    match_direction: bool = True,
) -> StreamScore:
    alerts = list(alerts)
    first_end: dict[int, datetime] = {}
    false_positives: list[AlertLike] = []
    for alert in alerts:
        matched = False
        for index, event in enumerate(events):
            if alert_matches(alert, event, window, grace_windows, match_direction):
                matched = True
                if index not in first_end or alert.window_end < first_end[index]:
                    first_end[index] = alert.window_end
        if not matched:
            false_positives.append(alert)
    outcomes = tuple(
        EventOutcome(event, first_end[i] - event.start if i in first_end else None)
        for i, event in enumerate(events)
    )
    return StreamScore(
        alerts=len(alerts),
        outcomes=outcomes,
        false_positives=tuple(false_positives),
    )


def combine(scores: Iterable[StreamScore]) -> StreamScore:
    """One score over several runs (seeds): alerts, outcomes and false positives pooled."""
    scores = list(scores)
    return StreamScore(
        alerts=sum(s.alerts for s in scores),
        outcomes=tuple(o for s in scores for o in s.outcomes),
        false_positives=tuple(a for s in scores for a in s.false_positives),
    )

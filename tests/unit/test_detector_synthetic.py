"""The stream's detector finds the generator's injected events with few false alarms.

Per-minute counts per key are built from the generator's posts (hashtags as tagged, watch-list
keywords as mentioned in the text), every key with enough posts goes through the stream's own
`KeyMonitor` (detector, threshold, cooldown), and its alerts are compared with the labelled
events.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from socialpulse.generator import GeneratorConfig, InjectedEvent, generate_messages
from socialpulse.monitoring import KeyMonitor, MonitorConfig
from socialpulse.windows import WindowStats

MINUTE = timedelta(minutes=1)


def _minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


def minute_counts(config: GeneratorConfig) -> dict[str, Counter[datetime]]:
    counts: dict[str, Counter[datetime]] = defaultdict(Counter)
    for message in generate_messages(config):
        if message.post is None:
            continue
        minute = _minute(message.post.created_at)
        for tag in set(message.post.hashtags):
            counts[f"hashtag:{tag}"][minute] += 1
        text = message.post.text.lower()
        for keyword in config.keywords:
            if keyword in text:
                counts[f"keyword:{keyword}"][minute] += 1
    return counts


def alarms(key: str, series: Counter[datetime]) -> list[tuple[datetime, str]]:
    """(minute, direction) of every alert the stream's monitor raises on the key's windows."""
    monitor, found = KeyMonitor(MonitorConfig(), None), []
    at, last = min(series), max(series)
    while at <= last:
        if series.get(at):  # Bytewax emits no window for a silent minute; the monitor fills it
            alerts, _ = monitor.on_item((key, at, at + MINUTE, WindowStats(series[at])))
            found += [(at, alert.direction) for alert in alerts]
        at += MINUTE
    return found


def _during(at: datetime, event: InjectedEvent, after: timedelta) -> bool:
    return _minute(event.start) <= at <= event.end + after


@pytest.mark.parametrize(("seed", "posts"), [(7, 3000), (3, 6000), (11, 6000)])
def test_injected_bursts_and_collapse_are_found_with_few_false_alarms(
    seed: int, posts: int
) -> None:
    config = GeneratorConfig(count=posts, seed=seed, start=datetime(2026, 1, 5, 9, tzinfo=UTC))
    counts = minute_counts(config)
    events = config.resolved_events()
    expected = {
        ("hashtag:dance", "spike"),
        ("keyword:zestcola", "spike"),
        ("hashtag:fyp", "drop"),
        ("keyword:acme", "spike"),  # the sentiment crisis comes with extra posts
        ("hashtag:newchallenge", "spike"),  # born viral: alerted from its first windows
    }
    found, false_alarms = set(), []
    for key, series in counts.items():
        if sum(series.values()) < 100:
            continue  # the stream monitors heavy hitters only
        mine = [e for e in events if e.key == key]
        for at, direction in alarms(key, series):
            hits = [e for e in mine if _during(at, e, MINUTE)]
            if hits:
                found.add((key, direction))
            elif not any(_during(at, e, 5 * MINUTE) for e in mine):
                false_alarms.append((key, at, direction))
    assert expected <= found
    assert len(false_alarms) <= 2, false_alarms

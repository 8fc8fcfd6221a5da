"""The stream's detector finds the generator's injected events with few false alarms.

Per-minute counts per key are built from the generator's posts (hashtags as tagged, watch-list
keywords as mentioned in the text), every key with enough posts is scored by the stream profile,
and alarms (score at the monitor's threshold) are compared with the labelled events.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from socialpulse.detection import stream_detector
from socialpulse.generator import GeneratorConfig, InjectedEvent, generate_messages
from socialpulse.monitoring import MonitorConfig

MINUTE = timedelta(minutes=1)
COOLDOWN = MonitorConfig().cooldown


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


def alarms(series: Counter[datetime]) -> list[tuple[datetime, str]]:
    """(minute, spike or drop) of every scored minute at or above the monitor's threshold."""
    detector, found = stream_detector(), []
    threshold = MonitorConfig().score_threshold
    at, last = min(series), max(series)
    while at <= last:
        value = float(series.get(at, 0))  # silent minutes are zeros, as the monitor fills them
        verdict = detector.score_one(value, at)
        detector.learn_one(value, at)
        if verdict.score >= threshold:
            found.append((at, "spike" if value >= verdict.expected else "drop"))
        at += MINUTE
    return found


def _during(at: datetime, event: InjectedEvent, after: timedelta) -> bool:
    return _minute(event.start) <= at <= event.end + after


@pytest.mark.parametrize(("seed", "posts"), [(7, 3000), (3, 6000)])
def test_injected_bursts_and_collapse_are_found_with_few_false_alarms(
    seed: int, posts: int
) -> None:
    config = GeneratorConfig(count=posts, seed=seed, start=datetime(2026, 1, 5, 9, tzinfo=UTC))
    counts = minute_counts(config)
    events = [e for e in config.resolved_events() if e.kind != "new_challenge"]  # no history
    expected = {
        ("hashtag:dance", "spike"),
        ("keyword:zestcola", "spike"),
        ("hashtag:fyp", "drop"),
        ("keyword:acme", "spike"),  # the sentiment crisis comes with extra posts
    }
    found, false_alarms = set(), []
    for key, series in counts.items():
        if sum(series.values()) < 100:
            continue  # the stream monitors heavy hitters only
        mine = [e for e in events if e.key == key]
        last_false: datetime | None = None
        for at, direction in alarms(series):
            hits = [e for e in mine if _during(at, e, MINUTE)]
            if hits:
                found.add((key, direction))
            elif not any(_during(at, e, 5 * MINUTE) for e in mine):
                # Counted as the monitor would alert: once per cooldown.
                if last_false is None or at - last_false >= COOLDOWN:
                    false_alarms.append((key, at, direction))
                last_false = at
    assert expected <= found
    assert len(false_alarms) <= 2, false_alarms

"""A young key's monitor: no collapse against the quiet history it was given, and no "run" of a
single post when its expected count is near zero (benchmarks/stream_events counted both among
the stream's false alerts)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from monitor_samples import live_alerts

from socialpulse import monitoring
from socialpulse.alerts import Alert
from socialpulse.monitoring import KeyMonitor, MonitorConfig
from socialpulse.windows import Observation

MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)
T0 = datetime(2026, 1, 5, tzinfo=UTC)


def _live(key: str, counts: list[int], config: MonitorConfig, seed: int = 1) -> list[Alert]:
    """The alerts of `counts[w]` posts at random seconds of window w, fed live."""
    rng = random.Random(seed)
    posts = {
        window: [
            Observation(
                f"p{window}-{i}", T0 + window * MINUTE + rng.uniform(0, 59) * SECOND, 1, 0.1
            )
            for i in range(count)
        ]
        for window, count in enumerate(counts)
    }
    return [alert for _, alert in live_alerts(KeyMonitor(config, None), key, T0, posts)]


def test_a_new_hashtags_first_silent_minutes_are_no_collapse() -> None:
    # Crossed the support once (6 posts), then its ordinary few a minute with two silent ones.
    counts = [6, 3, 0, 0, 2, 3, 2]
    without_warmup = _live("hashtag:love", counts, MonitorConfig(drop_warmup=0))
    assert [a.direction for a in without_warmup] == ["drop"]  # against the assumed 4 a minute
    assert _live("hashtag:love", counts, MonitorConfig()) == []


def test_a_keywords_single_post_is_no_run_when_its_expected_count_is_near_zero(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A watched keyword at about one post every two minutes for twelve hours: the first minutes
    # of an hour whose slot starts silent expect about 0 posts.
    rng = random.Random(3)
    counts = [1 if rng.random() < 0.5 else 0 for _ in range(12 * 60)]
    monkeypatch.setattr(monitoring, "CALM_RATE_SHARE", 0.0)
    single_posts = _live("keyword:acme", counts, MonitorConfig())
    assert single_posts and all(a.direction == "spike" for a in single_posts)
    monkeypatch.undo()
    assert _live("keyword:acme", counts, MonitorConfig()) == []

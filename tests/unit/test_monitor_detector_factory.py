"""The monitor builds each key's detector from its config's factory (benchmarks swap it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from socialpulse.detection import Verdict, build_detector
from socialpulse.monitoring import KeyMonitor, MonitorConfig
from socialpulse.windows import WindowStats

T0 = datetime(2026, 6, 1, 12, tzinfo=UTC)


class AlwaysSurprised:
    """Scores every window as far above an expectation of one post."""

    def __init__(self) -> None:
        self.learned: list[float] = []

    def verdict_one(self, x: dict) -> Verdict:
        return Verdict(score=0.9999, expected=1.0, low=0.0, high=2.0)

    def learn_one(self, x: dict) -> None:
        self.learned.append(x["value"])


def test_the_default_factory_is_the_detection_package_builder() -> None:
    assert MonitorConfig().detector_factory is build_detector


def test_the_configured_factory_builds_the_keys_detector() -> None:
    monitor = KeyMonitor(MonitorConfig(detector_factory=AlwaysSurprised), None)
    # The default detector would not alert on a watched keyword's first window of 7 posts.
    alerts, _ = monitor.on_item(("keyword:acme", T0, T0 + timedelta(minutes=1), WindowStats(7)))
    assert isinstance(monitor.detector, AlwaysSurprised)
    assert monitor.detector.learned == [7.0]
    assert [(a.key, a.direction, a.observed) for a in alerts] == [("acme", "spike", 7.0)]


def test_a_snapshot_holding_the_previous_detector_resumes_with_its_learned_level() -> None:
    from socialpulse.detection import SurpriseDetector, volume_stream_detector

    old = volume_stream_detector()  # what recovery snapshots held before the calibrated detector
    for index in range(120):
        at = T0 + index * timedelta(minutes=1)
        old.score_one(40.0 + index % 3, at)
        old.learn_one(40.0 + index % 3, at)
    state = {"detector": old, "last_window_end": T0 + timedelta(minutes=120)}
    monitor = KeyMonitor(MonitorConfig(), state)
    assert isinstance(monitor.detector, SurpriseDetector)
    start = T0 + timedelta(minutes=120)
    calm, _ = monitor.on_item(
        ("hashtag:dance", start, start + timedelta(minutes=1), WindowStats(41))
    )
    burst_at = start + timedelta(minutes=1)
    burst, _ = monitor.on_item(
        ("hashtag:dance", burst_at, burst_at + timedelta(minutes=1), WindowStats(400))
    )
    assert calm == []  # the learned level of about 41 posts a minute carried over
    assert [(a.direction, round(a.expected)) for a in burst] == [("spike", 41)]


def test_a_snapshot_holding_something_else_is_refused_with_what_to_do() -> None:
    import pytest

    with pytest.raises(TypeError, match="fresh recovery directory"):
        KeyMonitor(MonitorConfig(), {"detector": object()})

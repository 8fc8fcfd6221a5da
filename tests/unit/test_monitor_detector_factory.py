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

    def score_one(self, value: float, at: datetime) -> Verdict:
        return Verdict(score=0.99, expected=1.0, low=0.0, high=2.0)

    def learn_one(self, value: float, at: datetime) -> None:
        self.learned.append(value)


def test_the_default_factory_is_the_detection_package_builder() -> None:
    assert MonitorConfig().detector_factory is build_detector


def test_the_configured_factory_builds_the_keys_detector() -> None:
    monitor = KeyMonitor(MonitorConfig(detector_factory=AlwaysSurprised), None)
    # The default detector is still warming up on a key's first window and would not alert.
    alerts, _ = monitor.on_item(("keyword:acme", T0, T0 + timedelta(minutes=1), WindowStats(7)))
    assert isinstance(monitor.detector, AlwaysSurprised)
    assert monitor.detector.learned == [7.0]
    assert [(a.key, a.direction, a.observed) for a in alerts] == [("acme", "spike", 7.0)]

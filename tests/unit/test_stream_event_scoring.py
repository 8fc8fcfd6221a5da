"""Matching stream alerts to injected events, and the stream_events benchmark's wiring."""

from __future__ import annotations

import doctest
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from benchmarks.stream_events.run_stream_events import (
    DEFAULT_DETECTOR,
    flow_config,
    load_factory,
    run_seed,
)
from socialpulse.detection import stream_detector
from socialpulse.generator import GeneratorConfig, InjectedEvent, evaluation
from socialpulse.generator.evaluation import combine, score_alerts

T0 = datetime(2026, 1, 5, 12, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
BURST = InjectedEvent(
    "hashtag_burst", "hashtag:dance", T0 + 30 * MINUTE, T0 + 40 * MINUTE, "spike", 40.0
)
COLLAPSE = InjectedEvent(
    "collapse", "hashtag:fyp", T0 + 60 * MINUTE, T0 + 90 * MINUTE, "drop", 0.05
)
CRISIS = InjectedEvent(
    "sentiment_crisis",
    "keyword:acme",
    T0 + 100 * MINUTE,
    T0 + 110 * MINUTE,
    "sentiment_drop",
    25.0,
)


@dataclass(frozen=True)
class FakeAlert:
    key_kind: str
    key: str
    window_start: datetime
    window_end: datetime
    direction: str


def alert(key: str, minute: int, direction: str) -> FakeAlert:
    kind, _, value = key.partition(":")
    start = T0 + minute * MINUTE
    return FakeAlert(kind, value, start, start + MINUTE, direction)


ALERTS = [
    alert("hashtag:dance", 29, "spike"),  # the window just before the burst: allowed, a TP
    alert("hashtag:dance", 31, "spike"),  # inside the burst: a TP, but not the first
    alert("hashtag:dance", 41, "drop"),  # the burst's end, within grace: key-only TP
    alert("hashtag:fyp", 94, "drop"),  # past the collapse's grace (90 + 3): an FP
    alert("hashtag:food", 35, "spike"),  # a key without an event: an FP
    alert("keyword:acme", 104, "spike"),  # the crisis's extra posts: key-only TP
]


def test_the_module_example_holds() -> None:
    result = doctest.testmod(evaluation)
    assert result.attempted and not result.failed


def test_key_and_direction_matching_counts_events_and_alerts() -> None:
    score = score_alerts([BURST, COLLAPSE, CRISIS], ALERTS, window=MINUTE, grace_windows=3)
    assert score.alerts == 6
    assert score.true_positives == 2
    assert score.precision == pytest.approx(2 / 6)
    assert score.recall == pytest.approx(1 / 3)
    assert score.by_kind() == {
        "hashtag_burst": (1, 1),
        "collapse": (0, 1),
        "sentiment_crisis": (0, 1),
    }
    # The first matching alert's window ends at minute 30, the burst starts at minute 30.
    assert [o.delay for o in score.outcomes] == [timedelta(0), None, None]
    assert [a.key for a in score.false_positives] == ["dance", "fyp", "food", "acme"]


def test_key_only_matching_accepts_any_direction() -> None:
    score = score_alerts([BURST, COLLAPSE, CRISIS], ALERTS, window=MINUTE, match_direction=False)
    assert score.true_positives == 4
    assert score.precision == pytest.approx(4 / 6)
    assert score.by_kind() == {
        "hashtag_burst": (1, 1),
        "collapse": (0, 1),
        "sentiment_crisis": (1, 1),
    }
    assert score.outcomes[2].delay == 5 * MINUTE  # minute 105 - minute 100


def test_windows_touching_the_span_only_at_its_edges_do_not_match() -> None:
    # The span is [minute 29, minute 43): a window ending at 29 or starting at 43 is outside.
    edges = [alert("hashtag:dance", 28, "spike"), alert("hashtag:dance", 43, "spike")]
    assert score_alerts([BURST], edges, window=MINUTE).true_positives == 0
    inside = [alert("hashtag:dance", 42, "spike")]
    assert score_alerts([BURST], inside, window=MINUTE).true_positives == 1


def test_no_alerts_means_no_precision_and_combine_pools_seeds() -> None:
    quiet = score_alerts([BURST], [], window=MINUTE)
    assert quiet.precision is None and quiet.recall == 0.0
    noisy = score_alerts([BURST], ALERTS[:2] + ALERTS[4:5], window=MINUTE)
    pooled = combine([quiet, noisy])
    assert (pooled.alerts, pooled.true_positives, pooled.recall) == (3, 2, 0.5)


def test_the_detector_option_names_a_factory_and_reaches_the_monitor() -> None:
    factory = load_factory("socialpulse.detection:stream_detector")
    assert factory is stream_detector
    assert flow_config(GeneratorConfig(), factory).monitor.detector_factory is stream_detector
    with pytest.raises(SystemExit, match="expected MODULE:FACTORY"):
        load_factory("socialpulse.detection")
    with pytest.raises(SystemExit, match="no callable 'nothing'"):
        load_factory("socialpulse.detection:nothing")


def test_a_short_seed_through_the_flow_finds_the_hashtag_burst() -> None:
    # The monitor's default detector, whatever it is today: this guards the wiring, not a score.
    run = run_seed(seed=1, hours=4, detector_factory=load_factory(DEFAULT_DETECTOR))
    assert run.posts > 5000 and run.dead_letters == 0
    score = score_alerts(run.events, run.alerts, window=MINUTE)
    assert score.by_kind()["hashtag_burst"] == (1, 1)

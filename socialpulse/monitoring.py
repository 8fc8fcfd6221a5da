"""Per-key monitoring: turns each closed window of one key into zero or more alerts.

One `KeyMonitor` lives per key in the stream's recoverable state. It scores a window before it
learns from it, fills silent windows with zeros (Bytewax emits no window for a key without posts,
and a collapse is exactly that), keeps a baseline of the key's sentiment learned only from calm
windows, applies a cooldown in event time, and lets go of its state when the key falls idle.

Heavy hitters only: a hashtag or sound gets a monitor once one of its windows reaches
`min_support` posts; below that nothing is kept, so millions of one-off hashtags cost no memory.
Watch-list keywords are always monitored.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from socialpulse import metrics
from socialpulse.alerts import Alert, Cooldown, alert_id_for
from socialpulse.detection import Verdict, build_detector
from socialpulse.settings import Settings
from socialpulse.windows import WindowStats, split_key

RETAIN, DISCARD = False, True

WindowItem = tuple[str, datetime, datetime, WindowStats]


@dataclass(frozen=True)
class MonitorConfig:
    window: timedelta = timedelta(minutes=1)
    min_support: int = 5
    # The online detector's score is surprise / (surprise + 3): 0.55 is 3.7 robust spreads.
    score_threshold: float = 0.55
    # `baseline_verdict` scores the normal tail probability: 0.999 is 3.3 standard deviations.
    baseline_threshold: float = 0.999
    cooldown: timedelta = timedelta(minutes=15)
    idle: timedelta = timedelta(hours=6)
    # A window's mean sentiment this far below the key's calm baseline is a sentiment crisis,
    # judged once the baseline has seen enough calm windows and the window enough scored posts.
    sentiment_drop: float = 0.35
    sentiment_warmup: int = 10
    max_gap_windows: int = 24 * 60
    # (key, window start) -> (posts per minute centre, spread) from `keyword_baselines`, if any.
    baselines: Callable[[str, datetime], tuple[float, float] | None] | None = None
    # Builds each key's detector (`score_one(value, at) -> Verdict`, `learn_one(value, at)`);
    # benchmarks/stream_events swaps it to compare detectors through the same flow.
    detector_factory: Callable[[], Any] = build_detector

    @classmethod
    def from_settings(cls, settings: Settings) -> MonitorConfig:
        return cls(
            window=timedelta(seconds=settings.window_seconds),
            min_support=settings.min_support,
            cooldown=timedelta(seconds=settings.alert_cooldown_seconds),
            idle=timedelta(seconds=settings.idle_key_seconds),
        )


def baseline_verdict(
    observed: float, baseline: tuple[float, float], window: timedelta, band_z: float = 3.0
) -> Verdict:
    """Score a window against a per-minute hour-of-week baseline scaled to the window length.

    The spread never goes below the Poisson spread of the expected count, so a key whose history
    is flat (spread 0) does not alert on one extra post.
    """
    minutes = window / timedelta(minutes=1)
    centre, spread = baseline[0] * minutes, baseline[1] * minutes
    spread = max(spread, math.sqrt(max(centre, 1.0)))
    z = (observed - centre) / spread
    return Verdict(
        score=math.erf(abs(z) / math.sqrt(2)),
        expected=centre,
        low=max(centre - band_z * spread, 0.0),
        high=centre + band_z * spread,
    )


class KeyMonitor:
    """Bytewax `StatefulLogic` for one key (duck-typed so the kernel does not import Bytewax)."""

    def __init__(self, config: MonitorConfig, resume_state: dict[str, Any] | None) -> None:
        self.config = config
        state = resume_state or {}
        self.detector = state.get("detector")
        self.cooldown: Cooldown = state.get("cooldown") or Cooldown(config.cooldown)
        self.last_window_end: datetime | None = state.get("last_window_end")
        self.sentiment_baseline: float | None = state.get("sentiment_baseline")
        self.calm_windows: int = state.get("calm_windows", 0)
        self.last_seen = datetime.now(UTC)

    def on_item(self, item: WindowItem) -> tuple[list[Alert], bool]:
        key, start, end, stats = item
        kind, _ = split_key(key)
        self.last_seen = datetime.now(UTC)
        if self.detector is None:
            if kind != "keyword" and stats.posts < self.config.min_support:
                return [], DISCARD
            self.detector = self.config.detector_factory()
        self._fill_silent_windows(start)
        alerts = self._score_and_learn(key, start, end, stats)
        self.last_window_end = end
        return alerts, RETAIN

    def _fill_silent_windows(self, start: datetime) -> None:
        if self.last_window_end is None:
            return
        missing = int((start - self.last_window_end) / self.config.window)
        for index in range(min(missing, self.config.max_gap_windows)):
            at = self.last_window_end + index * self.config.window
            self.detector.score_one(0.0, at)
            self.detector.learn_one(0.0, at)

    def _score_and_learn(
        self, key: str, start: datetime, end: datetime, stats: WindowStats
    ) -> list[Alert]:
        verdict = self.detector.score_one(float(stats.posts), start)
        self.detector.learn_one(float(stats.posts), start)
        baseline = self.config.baselines(key, start) if self.config.baselines else None
        if baseline is not None:
            # History by hour of week knows the daily and weekly rhythm the online model is
            # still learning: when the batch side has it, it sets the expectation.
            verdict = baseline_verdict(stats.posts, baseline, self.config.window)
        sentiment = stats.sentiment_mean
        shift = (
            sentiment - self.sentiment_baseline
            if sentiment is not None and self.sentiment_baseline is not None
            else None
        )
        threshold = (
            self.config.score_threshold if baseline is None else self.config.baseline_threshold
        )
        volume_alert = verdict.score >= threshold
        sentiment_crisis = (
            shift is not None
            and shift <= -self.config.sentiment_drop
            and self.calm_windows >= self.config.sentiment_warmup
            and stats.sentiment_n >= 2 * self.config.min_support
        )
        if not volume_alert and not sentiment_crisis and sentiment is not None:
            self.calm_windows += 1
            # The baseline learns from calm windows only, so a crisis cannot become normal.
            self.sentiment_baseline = (
                sentiment
                if self.sentiment_baseline is None
                else 0.9 * self.sentiment_baseline + 0.1 * sentiment
            )
        if not (volume_alert or sentiment_crisis):
            return []
        direction = (
            "sentiment_drop"
            if sentiment_crisis and not volume_alert
            else ("spike" if stats.posts >= verdict.expected else "drop")
        )
        if not self.cooldown.allow(key, start, direction):
            return []
        kind, value = split_key(key)
        metrics.ALERTS.labels(direction).inc()
        return [
            Alert(
                alert_id=alert_id_for(kind, value, start),
                key_kind=kind,
                key=value,
                window_start=start,
                window_end=end,
                metric="posts",
                observed=float(stats.posts),
                expected=verdict.expected,
                expected_low=verdict.low,
                expected_high=verdict.high,
                score=verdict.score,
                direction=direction,
                sentiment_mean=sentiment,
                sentiment_baseline=self.sentiment_baseline,
                sentiment_shift=shift,
                sample_post_ids=tuple(stats.sample_post_ids),
                detected_at=datetime.now(UTC),
            )
        ]

    def on_notify(self) -> tuple[list[Alert], bool]:
        # Only scheduled for idle eviction.
        return [], DISCARD

    def on_eof(self) -> tuple[list[Alert], bool]:
        return [], RETAIN

    def notify_at(self) -> datetime | None:
        return self.last_seen + self.config.idle

    def snapshot(self) -> dict[str, Any]:
        # Bytewax pickles snapshots later; a copy keeps them immune to the next windows.
        return copy.deepcopy(
            {
                "detector": self.detector,
                "cooldown": self.cooldown,
                "last_window_end": self.last_window_end,
                "sentiment_baseline": self.sentiment_baseline,
                "calm_windows": self.calm_windows,
            }
        )

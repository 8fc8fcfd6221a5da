"""Per-key monitoring: turns each closed window of one key into zero or more alerts.

One `KeyMonitor` lives per key in the stream's recoverable state. It scores a window before it
learns from it, fills silent windows with zeros (Bytewax emits no window for a key without posts,
and a collapse is exactly that), keeps a baseline of the key's sentiment learned only from calm
windows, applies a cooldown in event time, and lets go of its state when the key falls idle.

Heavy hitters only: a hashtag or sound gets a monitor once one of its windows reaches
`min_support` posts; below that nothing is kept, so millions of one-off hashtags cost no memory.
Watch-list keywords are always monitored.

Early alerts (`early_alerts`, SOCIALPULSE_EARLY_ALERTS; on by default). Besides its closed
windows, the monitor then receives each post of the key's windows
still open, and a spike fires as soon as an open window's count reaches the window's bar,
without waiting for the window to close (a minute plus the allowed lateness). What fires early,
and what the close does after, must not depend on when the posts and the closed windows arrive,
so that the same input raises the same alert ids whatever the batches, partition interleaving,
crashes and restarts:

- The early rule of window w judges its count with the detector as it was after window w-2 (or
  with the batch baseline of w, where there is one): window w-1 may or may not have closed when
  w's posts arrive, but w-2 has been learned before w's first post can be judged (until then the
  open window's posts wait, counted).
- The rule is a spike rule: `score >= threshold` and `posts >= expected`. Above the expected
  count the score only grows with the count (for `SurpriseDetector` a larger count gives a
  larger residual, a larger surprise and a smaller calibrated tail; for a baseline a larger z;
  `tests/unit/test_early_alerts.py` checks it), so the rule holds from one count on: the
  window's bar, found once (`_find_bar`) while the detector is the one after w-2, before it
  learns w-1. An open window's count only grows, so the rule holds on some running count of w
  if and only if it holds on w's final count; when w closes the final count is held against the
  same bar. "w fired early" is therefore `final count of w >= bar of w`, however the posts came.
- A hashtag or sound is monitored from its first window of `min_support` posts, with a quiet
  history assumed before it (`_assume_quiet_history`); that first window and the next are
  judged early against the same quiet history up to their window before last (`_birth_bar`),
  so a key born viral fires while its first windows are open too, before the first closes.
  The heavy-hitter gate passes a key's posts in order, so the lowest open window the monitor
  has seen is its first (a window before it whose posts came after would have been late). A
  watched keyword starts from no history (its detector warms up first).
- A drop cannot be seen before its window closes; drops, sentiment crises and windows whose
  final count stays below the bar keep the close's verdict (with the detector after w-1), as
  before.
- Runs of seconds. A burst that starts late in a window may not fill that window up to its bar
  before it ends, and the next window counts from zero: a whole window's bar alone lets a burst wait
  most of a minute. Windows therefore count their posts per 5-s slot too (`windows.SLOT`), and the
  rule also fires when a run of 1 to 8 slots (`RUN_SLOTS`) ending in the window (and starting there
  or in the window before) holds at least the run's bar: the bar's pace (its share of the window's
  bar), and at least a count that Poisson noise around the run's share of the expected count (at
  least of half the key's calm windows' rate) reaches less often than a tenth of the alarm level's
  tail shared among every run judged in a window (`_run_bars`), counting clusters of posts where the
  key's calm windows show them clustered. The run bars are found with the window's bar, from the
  same detector; counts of slots only grow, and the window before's slots are final once it has
  closed (before the window itself closes), so this rule too holds on the final counts exactly when
  it held on some running ones. Such an alert reports as `observed` the run's pace: its posts scaled
  to the window's length.
- One alert per (key, window): a window that reaches its bar is decided once, when its count
  first reaches it (or at its close). If its spike went out, its close raises nothing more; if
  the cooldown held it back, the close judges the window as before (a sentiment crisis under a
  burst still gets its alert). The alert carries the id the close would have given, the count
  at that moment (`observed`), and the verdict at the bar (`score`, `expected` and its band: the
  score of a larger count is at least as high).
- Cooldown: an early alert of w is judged against the alerts of windows up to w-2 only, since
  w-1 may still be open when w reaches its bar and its decision may come before or after w's;
  and w-1's decision never looks at w (`Cooldown` only looks back). Both are then functions of
  the input alone. The price: a burst whose first two windows both reach their bars (each
  judged against the history before the burst) raises two alerts, one per window; from the
  third window on, the cooldown holds it to those two.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from statistics import NormalDist
from typing import Any

from socialpulse import metrics
from socialpulse.alerts import Alert, Cooldown, alert_id_for
from socialpulse.contracts import BAND_WIDTH, band_spread, split_key
from socialpulse.detection import STREAM_ALARM, Verdict, build_detector, resume_detector
from socialpulse.settings import Settings
from socialpulse.windows import SLOT, KeyBatch, Observation, WindowStats, slot_of

RETAIN, DISCARD = False, True
# No early alert for a window needs more posts than this (a key whose detector rests, say).
MAX_BAR = 1 << 30
# Runs of this many `SLOT`s (5 s each) shorter than a window that the early rule judges besides
# the window's own count (see the module docstring).
RUN_SLOTS = (1, 2, 3, 4, 6, 8)
# The runs may add this share of the alarm level's false alarms (its tail: 0.001 at 0.999) to
# those of the window's own bar, for posts that come independently: a tenth (with the whole
# tail, benchmarks/stream_events saw twice the spikes at quiet times for the same events found).
RUN_TAIL_SHARE = 0.1
# The run bars' Poisson noise assumes at least this share of the key's calm windows' rate
# (`KeyMonitor.calm_rate`). The expected count sits a little below that rate anyway (the log
# transform's centre is a geometric mean), so the whole rate would raise every run bar; half of
# it only catches an expected count near 0 from a time-of-day slot learned from one silent
# minute, which let a single post make a "run" (benchmarks/stream_events: spikes of one post).
CALM_RATE_SHARE = 0.5

# A closed window of a key, and one post (or the posts read together) of a key's window that is
# still open.
WindowItem = tuple[str, datetime, datetime, WindowStats]
OpenWindowPost = tuple[str, datetime, datetime, Observation | KeyBatch]


@dataclass(frozen=True)
class MonitorConfig:
    window: timedelta = timedelta(minutes=1)
    min_support: int = 5
    # The detector's score is calibrated (one minus the tail probability of its surprise).
    score_threshold: float = STREAM_ALARM
    # `baseline_verdict` scores the normal tail probability: 0.999 is 3.3 standard deviations.
    baseline_threshold: float = 0.999
    cooldown: timedelta = timedelta(minutes=15)
    # Spikes judged on the posts of open windows too (see the module docstring): within seconds
    # of a burst's start, at the price of more alerts (docs/streaming.md, "When an alert fires").
    early_alerts: bool = True
    idle: timedelta = timedelta(hours=6)
    # A window's mean sentiment this far below the key's calm baseline is a sentiment crisis,
    # judged once the baseline has seen enough calm windows and the window enough scored posts,
    # and only when the drop is also `sentiment_z` standard errors of the window's mean (a mean
    # of 11 posts moves by chance far more than one of 100).
    sentiment_drop: float = 0.35
    sentiment_z: float = 3.09  # one-sided 0.999, the stream's alarm level
    sentiment_warmup: int = 10
    # A hashtag or sound starts from an assumed quiet history of `min_support - 1` posts a window
    # (`_assume_quiet_history`): an upper bound of its past, which keeps its spikes honest but
    # makes its first silent minutes look like a collapse (benchmarks/stream_events: 21 drop
    # alerts in three seeds, all at a key's third or fourth window). Its drops are judged only
    # once it has this many windows of its own; watched keywords have no assumed history.
    drop_warmup: int = 30
    max_gap_windows: int = 24 * 60
    # (key, window start) -> (posts per minute centre, spread) from `keyword_baselines`, if any.
    baselines: Callable[[str, datetime], tuple[float, float] | None] | None = None
    # Builds each key's detector (River style: `verdict_one(x) -> Verdict`, `learn_one(x)` with
    # x = {"value": posts, "timestamp": window start}); benchmarks/stream_events swaps it to
    # compare detectors through the same flow.
    detector_factory: Callable[[], Any] = build_detector

    @classmethod
    def from_settings(cls, settings: Settings) -> MonitorConfig:
        return cls(
            window=timedelta(seconds=settings.window_seconds),
            min_support=settings.min_support,
            cooldown=timedelta(seconds=settings.alert_cooldown_seconds),
            early_alerts=settings.early_alerts,
            idle=timedelta(seconds=settings.idle_key_seconds),
        )


def baseline_verdict(
    observed: float, baseline: tuple[float, float], window: timedelta, band_z: float = BAND_WIDTH
) -> Verdict:
    """Score a window against a per-minute hour-of-week baseline scaled to the window length.

    The spread never goes below the Poisson spread of the expected count, so a key whose history
    is flat (spread 0) does not alert on one extra post.
    """
    minutes = window / timedelta(minutes=1)
    centre, spread = baseline[0] * minutes, baseline[1] * minutes
    spread = band_spread(centre, spread)
    z = (observed - centre) / spread
    return Verdict(
        score=math.erf(abs(z) / math.sqrt(2)),
        expected=centre,
        low=max(centre - band_z * spread, 0.0),
        high=centre + band_z * spread,
    )


@dataclass(frozen=True)
class EarlyBar:
    """The least count of a window that fires its early alert (None: none does), the verdict at
    that count, and the least count of each run of slots that fires it ((slots, posts) pairs,
    only those below `posts`; none in bars from snapshots of earlier versions)."""

    posts: int | None
    verdict: Verdict | None
    runs: tuple[tuple[int, int], ...] = ()


def poisson_least(mean: float, tail: float) -> int:
    """The least k with P(X >= k) <= `tail` for X Poisson with `mean`.

    >>> poisson_least(0.25, 1e-5), poisson_least(1.0, 1e-5), poisson_least(0.0, 1e-5)
    (5, 9, 1)
    """
    if mean <= 0.0:
        return 1
    if mean > 500.0:  # normal approximation, with a continuity correction
        z = NormalDist().inv_cdf(1.0 - tail)
        return math.ceil(mean + z * math.sqrt(mean) + 0.5)
    k, pmf = 0, math.exp(-mean)
    below = pmf  # P(X <= k)
    while 1.0 - below > tail:
        k += 1
        pmf *= mean / k
        below += pmf
    return k + 1


class KeyMonitor:
    """Bytewax `StatefulLogic` for one key (duck-typed so the kernel does not import Bytewax)."""

    def __init__(self, config: MonitorConfig, resume_state: dict[str, Any] | None) -> None:
        self.config = config
        state = resume_state or {}
        saved = state.get("detector")
        self.detector = None if saved is None else resume_detector(saved)
        self.cooldown: Cooldown = state.get("cooldown") or Cooldown(config.cooldown)
        self.last_window_end: datetime | None = state.get("last_window_end")
        self.sentiment_baseline: float | None = state.get("sentiment_baseline")
        self.calm_windows: int = state.get("calm_windows", 0)
        # Posts times the squared deviation of calm windows' means from the baseline: the per-post
        # variance of the key's sentiment, from a prior of a typical scorer's spread (sd 0.5).
        self.sentiment_variance: float = state.get("sentiment_variance", 0.25)
        # Early alerts (see module): each open window's bar, found with the detector after the
        # window before last; the posts of open windows so far; the open windows whose early
        # alert has been decided, and whether it went out (True) or the cooldown held it.
        self.early_bars: dict[datetime, EarlyBar] = state.get("early_bars", {})
        self.open_windows: dict[datetime, WindowStats] = state.get("open_windows", {})
        self.early_decided: dict[datetime, bool] = state.get("early_decided", {})
        self.last_bar: int = state.get("last_bar", 1)  # where the next bar's search starts
        # The last closed window's start and its final posts per slot (runs may start there).
        self.closed_slots: tuple[datetime, dict[int, int]] | None = state.get("closed_slots")
        # How clustered the key's posts come within its calm windows: the variance of its posts
        # per slot over their mean (1 for posts that come independently), smoothed.
        self.slot_dispersion: float = state.get("slot_dispersion", 1.0)
        # Posts per window of the key's calm windows, smoothed like the dispersion: the run bars'
        # Poisson noise never assumes a rate below half of it (`CALM_RATE_SHARE`).
        self.calm_rate: float = state.get("calm_rate", 0.0)
        # Windows this monitor has judged on the key's own counts (silent ones included); keys
        # resumed from snapshots that did not count them have a history of their own.
        self.own_windows: int = state.get(
            "own_windows", 0 if resume_state is None else config.drop_warmup
        )
        # Copy of the state that changes only when a window closes, for snapshots (see there).
        self._frozen: dict[str, Any] | None = None
        self.last_seen = datetime.now(UTC)

    def on_item(self, item: WindowItem | OpenWindowPost) -> tuple[list[Alert], bool]:
        key, start, end, content = item
        self.last_seen = datetime.now(UTC)
        if isinstance(content, (Observation, KeyBatch)):
            return self._on_open_window_post(key, start, end, content)
        stats = content
        kind, _ = split_key(key)
        self._frozen = None
        if self.detector is None:
            if kind != "keyword" and stats.posts < self.config.min_support:
                return [], DISCARD
            if kind != "keyword" and self.config.early_alerts:
                self._birth_bar(key, start)
            self.detector = self.config.detector_factory()
            if kind != "keyword":
                self._assume_quiet_history(self.detector, start)
        alerts = self._fill_silent_windows(key, start)
        alerts += self._score_and_learn(key, start, end, stats, bar_for_next=True)
        if self.config.early_alerts:
            # Posts of open windows that waited for the detector after their window-before-last.
            alerts += self._judge_open_windows(key)
        return alerts, RETAIN

    def _on_open_window_post(
        self, key: str, start: datetime, end: datetime, observation: Observation | KeyBatch
    ) -> tuple[list[Alert], bool]:
        if self.detector is None:
            return self._on_unmonitored_post(key, start, end, observation)
        if self.last_window_end is not None and start < self.last_window_end:
            return [], RETAIN  # its window has closed (and was judged on its final count)
        stats = self.open_windows.setdefault(start, WindowStats())
        stats.add(observation)
        return self._judge_open_window(key, start, end, stats), RETAIN

    def _on_unmonitored_post(
        self, key: str, start: datetime, end: datetime, observation: Observation | KeyBatch
    ) -> tuple[list[Alert], bool]:
        """A post of a key not monitored yet. A watched keyword starts from no history: nothing
        to judge against until its first window closes. A hashtag or sound reaches the monitor
        once the heavy-hitter gate has admitted it, from its first window of `min_support` posts
        on (the lowest open window here): that window and the next are judged against the quiet
        history it will be given (`_birth_bar`); later ones wait for the detector, which comes
        when the first closes."""
        if split_key(key)[0] == "keyword":
            return [], DISCARD
        stats = self.open_windows.setdefault(start, WindowStats())
        stats.add(observation)
        if start - min(self.open_windows) > self.config.window or start in self.early_decided:
            return [], RETAIN
        fires = self._fires(start, stats, self._birth_bar(key, start))
        if fires is None:
            return [], RETAIN
        return self._decide_early(key, start, end, stats, *fires), RETAIN

    def _birth_bar(self, key: str, start: datetime) -> EarlyBar:
        """The bar of the first or second window of a hashtag or sound (from the first it is
        monitored): found with the quiet history the monitor gives it before its first window
        (`_assume_quiet_history`), up to the window before last like any window's bar; so the
        detector's own bar for the second window, found before it learns the first, is this
        one. The first window's bar is also the same if an earlier window turns out to be the
        first (its posts admitted late): the window before last is then quiet history too."""
        bar = self.early_bars.get(start)
        if bar is None:
            detector = self.config.detector_factory()
            self._assume_quiet_history(detector, start - self.config.window)
            bar = self.early_bars[start] = self._find_bar(key, start, detector)
        return bar

    def _judge_open_windows(self, key: str) -> list[Alert]:
        closed_before = self.last_window_end
        assert closed_before is not None
        self.open_windows = {s: w for s, w in self.open_windows.items() if s >= closed_before}
        self.early_decided = {s: f for s, f in self.early_decided.items() if s >= closed_before}
        self.early_bars = {s: b for s, b in self.early_bars.items() if s >= closed_before}
        alerts: list[Alert] = []
        for start, stats in sorted(self.open_windows.items()):
            alerts += self._judge_open_window(key, start, start + self.config.window, stats)
        return alerts

    def _judge_open_window(
        self, key: str, start: datetime, end: datetime, stats: WindowStats
    ) -> list[Alert]:
        if start in self.early_decided:
            return []
        fires = self._early_verdict(key, start, stats)
        return [] if fires is None else self._decide_early(key, start, end, stats, *fires)

    def _early_verdict(
        self, key: str, start: datetime, stats: WindowStats
    ) -> tuple[Verdict, float] | None:
        """The early rule's verdict (at the window's bar) and the count it fires on if `stats`
        of the window at `start` reach the bar or one of its runs does; None if not, or if the
        bar is not known yet (the window before last has not been learned)."""
        bar = self._bar(key, start)
        return None if bar is None else self._fires(start, stats, bar)

    def _fires(
        self, start: datetime, stats: WindowStats, bar: EarlyBar
    ) -> tuple[Verdict, float] | None:
        """Whether the posts so far of the window at `start` fire its early rule: its count
        reaches the bar, or a run of slots ending in it (and starting there or in the window
        before) reaches the run's bar. With the verdict at the bar and the count fired on: the
        window's, or for a run its pace (the run's posts scaled to the window's length)."""
        if bar.posts is None or bar.verdict is None:
            return None
        if stats.posts >= bar.posts:
            return bar.verdict, float(stats.posts)
        if not bar.runs or not stats.slots:
            return None
        per_window = self._slots_per_window
        first = slot_of(start)
        before = self._slots_before(start)
        counts = [before.get(slot, 0) for slot in range(first - per_window, first)]
        counts += [stats.slots.get(slot, 0) for slot in range(first, first + per_window)]
        totals = list(accumulate(counts, initial=0))
        if totals[-1] - totals[per_window - max(n for n, _ in bar.runs)] < min(
            b for _, b in bar.runs
        ):
            return None
        for length, run_bar in bar.runs:
            for end in range(per_window + 1, 2 * per_window + 1):
                posts = totals[end] - totals[end - length]
                if posts >= run_bar:
                    return bar.verdict, posts * per_window / length
        return None

    def _slots_before(self, start: datetime) -> dict[int, int]:
        """Posts per slot of the window before the one at `start`: final once it has closed,
        those seen so far while it is open (runs may start there), none if it had no posts."""
        before = start - self.config.window
        if self.closed_slots is not None and self.closed_slots[0] == before:
            return self.closed_slots[1]
        stats = self.open_windows.get(before)
        return stats.slots if stats is not None else {}

    def _bar(self, key: str, start: datetime) -> EarlyBar | None:
        """The bar of the window at `start`, found once the detector has learned every window
        up to the one before last (and not one more); None before that."""
        bar = self.early_bars.get(start)
        if bar is None and self.last_window_end == start - self.config.window:
            bar = self.early_bars[start] = self._find_bar(key, start, self.detector)
        return bar

    def _find_bar(self, key: str, start: datetime, detector: Any) -> EarlyBar:
        """The least count that fires the early rule in the window at `start`, with `detector`
        (or the window's batch baseline): the rule holds from there on, since above the expected
        count the score only grows with the count. For a hashtag or sound at least
        `min_support`, below which it is not monitored."""
        window = self.config.window
        least = 1 if split_key(key)[0] == "keyword" else self.config.min_support
        baseline = self.config.baselines(key, start) if self.config.baselines else None

        def judge(posts: int) -> tuple[Verdict, bool]:
            if baseline is not None:
                verdict = baseline_verdict(posts, baseline, window)
                threshold = self.config.baseline_threshold
            else:
                verdict = detector.verdict_one({"value": float(posts), "timestamp": start})
                threshold = self.config.score_threshold
            return verdict, verdict.score >= threshold and posts >= verdict.expected

        # From the key's previous bar (bars move little from one window to the next), gallop to
        # a count that fires and one that does not, then halve the gap: two verdicts when the bar
        # has not moved. Counts below the expected one are no spike.
        guess = self.last_bar
        verdict, fires = judge(guess)
        floor = max(least, math.ceil(verdict.expected))
        if guess < floor:
            guess = floor
            verdict, fires = judge(guess)
        step = 1
        if fires:
            low, high = floor - 1, guess  # `low` is known not to fire
            while high - step > low:
                candidate, candidate_fires = judge(high - step)
                if not candidate_fires:
                    low = high - step
                    break
                high, verdict = high - step, candidate
                step *= 2
        else:
            low = guess
            while True:
                if low >= MAX_BAR:
                    return EarlyBar(None, None)
                high = min(low + step, MAX_BAR)
                verdict, fires = judge(high)
                if fires:
                    break
                low, step = high, 2 * step
        while high - low > 1:
            middle = (low + high) // 2
            middle_verdict, fires = judge(middle)
            if fires:
                high, verdict = middle, middle_verdict
            else:
                low = middle
        self.last_bar = high
        threshold = (
            self.config.score_threshold if baseline is None else self.config.baseline_threshold
        )
        return EarlyBar(high, verdict, self._run_bars(high, verdict.expected, threshold, least))

    @property
    def _slots_per_window(self) -> int:
        """Slots in a window; 0 (no runs judged) when a window is not a whole number of them."""
        slots, rest = divmod(self.config.window, SLOT)
        return slots if not rest else 0

    def _run_bars(
        self, bar: int, expected: float, threshold: float, least: int
    ) -> tuple[tuple[int, int], ...]:
        """The least count of each run of `RUN_SLOTS` slots that fires early, for a window whose
        bar is `bar` and expected count `expected`: at least the bar's pace (its share of the
        bar) and a count that Poisson noise around the run's share of the expected count (at
        least of `CALM_RATE_SHARE` of the key's `calm_rate`) reaches less often than a tenth of
        what the alarm level allows (`RUN_TAIL_SHARE`), shared among every run judged in a window
        (each run length ending at each slot); for posts that come in clusters, the clusters are
        counted (the key's `slot_dispersion`)."""
        dispersion = max(1.0, self.slot_dispersion)
        rate = max(expected, CALM_RATE_SHARE * self.calm_rate)
        per_window = self._slots_per_window
        lengths = [n for n in RUN_SLOTS if n < per_window]
        if not lengths:
            return ()
        tail = RUN_TAIL_SHARE * (1.0 - threshold) / (len(lengths) * per_window)
        runs = []
        for length in lengths:
            share = length / per_window
            # Posts that come in clusters of about `dispersion` reach a count that much sooner.
            noise = math.ceil(dispersion * poisson_least(rate * share / dispersion, tail))
            run_bar = max(least, math.ceil(bar * share), noise)
            if run_bar < bar:
                runs.append((length, run_bar))
        return tuple(runs)

    def _decide_early(
        self,
        key: str,
        start: datetime,
        end: datetime,
        stats: WindowStats,
        verdict: Verdict,
        observed: float,
    ) -> list[Alert]:
        # Only windows up to start - 2 windows count: the one before may not be decided yet.
        before = start - self.config.window
        fired = self.cooldown.allow(key, start, "spike", decided_before=before)
        self.early_decided[start] = fired
        if not fired:
            return []
        return [self._alert(key, start, end, stats, verdict, "spike", observed)]

    def _assume_quiet_history(self, detector: Any, start: datetime) -> None:
        """A hashtag or sound is monitored from its first window of `min_support` posts; before
        that it had fewer. Learning that as its history lets a key that is born viral alert in
        its first window, while one that merely crossed the support does not."""
        below_support = float(self.config.min_support - 1)
        warmup = getattr(detector, "warmup", 0)
        for index in range(warmup, 0, -1):
            at = start - index * self.config.window
            detector.learn_one({"value": below_support, "timestamp": at})

    def _fill_silent_windows(self, key: str, start: datetime) -> list[Alert]:
        """Score the windows without posts since the last one: a collapse is exactly those.

        Bytewax emits no window for a silent key, so they are scored when its next window comes.
        """
        alerts: list[Alert] = []
        if self.last_window_end is None:
            return alerts
        first = self.last_window_end
        missing = int((start - first) / self.config.window)
        filled = min(missing, self.config.max_gap_windows)
        for index in range(filled):
            at = first + index * self.config.window
            alerts += self._score_and_learn(
                key,
                at,
                at + self.config.window,
                WindowStats(),
                silent_for=index + 1,
                # The window closing now has its bar from the detector before the last fill.
                bar_for_next=index == missing - 1,
            )
        return alerts

    def _score_and_learn(
        self,
        key: str,
        start: datetime,
        end: datetime,
        stats: WindowStats,
        silent_for: int = 0,
        bar_for_next: bool = False,
    ) -> list[Alert]:
        # The early rule on the final count; and the next window's bar, while the detector is
        # still the one after the window before it.
        early = self._early_verdict(key, start, stats) if self.config.early_alerts else None
        following = start + self.config.window
        if self.config.early_alerts and bar_for_next and following not in self.early_bars:
            self.early_bars[following] = self._find_bar(key, following, self.detector)
        x = {"value": float(stats.posts), "timestamp": start}
        verdict = self.detector.verdict_one(x)
        self.detector.learn_one(x)
        self.last_window_end = end
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
        volume_direction = "spike" if stats.posts >= verdict.expected else "drop"
        self.own_windows += 1
        if (
            volume_alert
            and volume_direction == "drop"
            and self.own_windows <= self.config.drop_warmup
            and split_key(key)[0] != "keyword"
        ):
            volume_alert = False  # a drop against the assumed history (`drop_warmup`)
        if silent_for:
            # Minutes without posts are ordinary for a key expecting a few: they alert only when
            # Poisson noise would leave the key silent that long less often than the alarm level.
            silence = math.exp(-silent_for * verdict.expected)
            volume_alert = volume_alert and silence < 1.0 - threshold
        standard_error = math.sqrt(self.sentiment_variance / max(stats.sentiment_n, 1))
        sentiment_crisis = (
            shift is not None
            and shift <= -self.config.sentiment_drop
            and shift <= -self.config.sentiment_z * standard_error
            and self.calm_windows >= self.config.sentiment_warmup
            and stats.sentiment_n >= 2 * self.config.min_support
        )
        if not volume_alert and start not in self.early_decided and early is None:
            self._learn_dispersion(stats)
        if not volume_alert and not sentiment_crisis and sentiment is not None:
            self.calm_windows += 1
            if shift is not None:
                deviation = stats.sentiment_n * shift * shift
                self.sentiment_variance += 0.05 * (deviation - self.sentiment_variance)
            # The baseline learns from calm windows only, so a crisis cannot become normal.
            self.sentiment_baseline = (
                sentiment
                if self.sentiment_baseline is None
                else 0.9 * self.sentiment_baseline + 0.1 * sentiment
            )
        self.closed_slots = (start, stats.slots)
        if early is not None and start not in self.early_decided:
            fired = self._decide_early(key, start, end, stats, *early)
            if fired:
                return fired
        if self.early_decided.get(start):
            return []  # it fired while open: one alert per window
        # Windows the early rule did not take, or whose early spike the cooldown held back (under
        # which a sentiment crisis may go on), get the close's verdict as before.
        if not (volume_alert or sentiment_crisis):
            return []
        # A crisis is named as such even when its volume moves too (it usually does): what a
        # brand team must hear first is that the mood turned.
        direction = "sentiment_drop" if sentiment_crisis else volume_direction
        if not self.cooldown.allow(key, start, direction):
            return []
        return [self._alert(key, start, end, stats, verdict, direction)]

    def _learn_dispersion(self, stats: WindowStats) -> None:
        """Learn how clustered the posts of a calm window came (its slots' index of dispersion);
        like the detector, only from windows that raised no spike."""
        self.calm_rate += 0.05 * (stats.posts - self.calm_rate)
        per_window = self._slots_per_window
        if per_window < 2 or stats.posts < 2 or not stats.slots:
            return
        mean = stats.posts / per_window
        squares = sum(count * count for count in stats.slots.values())
        variance = (squares - per_window * mean * mean) / (per_window - 1)
        self.slot_dispersion += 0.05 * (variance / mean - self.slot_dispersion)

    def _alert(
        self,
        key: str,
        start: datetime,
        end: datetime,
        stats: WindowStats,
        verdict: Verdict,
        direction: str,
        observed: float | None = None,
    ) -> Alert:
        kind, value = split_key(key)
        sentiment = stats.sentiment_mean
        shift = (
            sentiment - self.sentiment_baseline
            if sentiment is not None and self.sentiment_baseline is not None
            else None
        )
        metrics.ALERTS.labels(direction).inc()
        return Alert(
            alert_id=alert_id_for(kind, value, start),
            key_kind=kind,
            key=value,
            window_start=start,
            window_end=end,
            metric="posts",
            observed=float(stats.posts) if observed is None else observed,
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

    def on_notify(self) -> tuple[list[Alert], bool]:
        # Only scheduled for idle eviction.
        return [], DISCARD

    def on_eof(self) -> tuple[list[Alert], bool]:
        return [], RETAIN

    def notify_at(self) -> datetime | None:
        return self.last_seen + self.config.idle

    def snapshot(self) -> dict[str, Any]:
        # Bytewax pickles snapshots later; a copy keeps them immune to the next windows. Posts of
        # open windows make Bytewax snapshot a key every epoch, while the detector changes only
        # when a window closes: its copy is made once per closed window and shared until then
        # (nothing mutates it).
        if self._frozen is None:
            self._frozen = copy.deepcopy(
                {
                    "detector": self.detector,
                    "last_window_end": self.last_window_end,
                    "sentiment_baseline": self.sentiment_baseline,
                    "calm_windows": self.calm_windows,
                    "sentiment_variance": self.sentiment_variance,
                    "closed_slots": self.closed_slots,
                    "slot_dispersion": self.slot_dispersion,
                    "calm_rate": self.calm_rate,
                    "own_windows": self.own_windows,
                }
            )
        return {
            **self._frozen,
            **copy.deepcopy(
                {
                    "cooldown": self.cooldown,
                    "open_windows": self.open_windows,
                    "early_decided": self.early_decided,
                    "early_bars": self.early_bars,
                    "last_bar": self.last_bar,
                }
            ),
        }

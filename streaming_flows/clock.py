"""The windows' event-time clock: driven by the source's watermark, never by system time.

Bytewax's `EventClock` moves each key's watermark on with system time since the key's latest
post. Under a backlog that makes alerts depend on timing: while the machine is busy, system time
passes, a key's watermark moves on, and its posts that are still on their way arrive after their
window closed. Two runs over the same topic then count different windows and raise different
alerts, and a restart after downtime adds the downtime to every watermark.

Here event time is the source's:

- The Kafka source (`streaming_flows.kafka_io`) stamps each message it emits with the event-time
  watermark of the process's partitions at that moment: the lowest event time any active
  partition can still emit (the slowest partition holds it). Every post emitted later is stamped
  at or after it, up to the disorder inside a partition.
- `SourceWatermarkClock` moves a key's watermark to `stamp - allowed lateness` with each of the
  key's posts. A key's posts reach its window in the order the source emitted them (one worker;
  with several, up to what overtakes between workers), so a post is late only if it is more than
  the allowed lateness behind the slowest partition when it was read. No system time enters: the
  same input gives the same windows however fast or slow the run, and downtime costs nothing.
- A key that stops posting still gets its windows closed: `StreamTime` keeps the highest stamp
  any key's windows have received, and a key's clock looks at it about every second. Posts of
  other keys may be processed before this key's posts that were read earlier (Bytewax processes
  a batch key by key), so this path closes a window only once stream time is `in_flight_margin`
  beyond the point the key's own posts would close it.
- When every partition has been idle for a while (the stream is caught up and quiet) nothing is
  in flight: stream time then moves on with the wall clock from the latest post emitted, without
  the margin, so the last windows before a quiet spell close about `allowed lateness` after
  their end.

Messages without a source watermark (other sources, tests) are stamped with their own event
time, which for in-order input is what `EventClock` does without system time.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bytewax.operators.windowing import UTC_MAX, UTC_MIN, Clock, ClockLogic

from socialpulse import metrics

# A key with open windows looks at stream time again at least this often.
RECHECK = timedelta(seconds=1)
# How long posts took from the source to the windows is remembered this many seconds.
IN_FLIGHT_MEMORY = 60


@dataclass
class StreamTime:
    """The event time a process's windows have reached; shared by its workers and keys.

    `observe` takes the stamp of a message the windows received (monotone max). The source
    reports, through `source_idle`, when all of its partitions have read nothing for a while;
    from then on `closing_time` moves with the wall clock from the latest event time emitted.
    """

    monotonic: Callable[[], float] = time.monotonic
    wall_clock: Callable[[], float] = time.time
    _seen: datetime = UTC_MIN
    # [wall-clock second, longest time in flight noted in it], oldest first.
    _in_flight: list[list[float]] = field(default_factory=list, init=False, repr=False)
    # When the source emitted the batches of posts not yet past the flow's first steps (wall
    # clock, oldest first): a stall there (a model loading, a slow lake write) shows at once.
    _pending: deque[float] = field(default_factory=deque, init=False, repr=False)
    _idle_reached: datetime = UTC_MIN
    _idle_since: float | None = None
    _idle_from: datetime | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def observe(self, stamp: datetime) -> None:
        if stamp > self._seen:
            with self._lock:
                self._seen = max(self._seen, stamp)

    def note_in_flight(self, emitted_at: float) -> None:
        """A post the source emitted at wall-clock time `emitted_at` has reached the windows."""
        now = self.wall_clock()
        delay, second = now - emitted_at, float(int(now))
        buckets = self._in_flight
        if buckets and buckets[-1][0] == second:
            if delay > buckets[-1][1]:
                buckets[-1][1] = delay
            return
        if buckets:  # the second before is complete
            metrics.note_in_flight(max(buckets[-1][1], delay))
        with self._lock:
            buckets.append([second, delay])
            while buckets[0][0] <= second - IN_FLIGHT_MEMORY:
                del buckets[0]

    def note_emitted(self, emitted_at: float) -> None:
        """The source emitted posts at wall-clock time `emitted_at` (see `note_arrived`)."""
        if not self._pending or emitted_at > self._pending[-1]:
            self._pending.append(emitted_at)

    def note_arrived(self, emitted_at: float) -> None:
        """A post emitted at `emitted_at` is past the flow's first steps (parse, enrich): what
        was emitted up to then is not waiting there any more."""
        pending = self._pending
        while pending and pending[0] <= emitted_at:
            pending.popleft()

    def in_flight(self) -> float:
        """How long posts are in flight: the longest a post took from the source to the windows
        over the last `IN_FLIGHT_MEMORY` seconds, or the age of the oldest batch emitted and not
        past the first steps yet, if that is longer (0 if nothing was measured)."""
        now = self.wall_clock()
        since = int(now) - IN_FLIGHT_MEMORY
        with self._lock:
            measured = max((d for second, d in self._in_flight if second > since), default=0.0)
        try:
            waiting = now - self._pending[0]
        except IndexError:  # nothing waiting (another thread may just have taken the last)
            waiting = 0.0
        return max(measured, waiting)

    def source_idle(self, latest_emitted: datetime | None) -> None:
        """Every partition is idle; `latest_emitted` is the latest event time it emitted."""
        with self._lock:
            if self._idle_since is None and latest_emitted is not None:
                self._idle_since = self.monotonic()
                self._idle_from = latest_emitted

    def source_active(self) -> None:
        with self._lock:
            if self._idle_since is not None:
                # What the idle spell reached stays: closing time never goes back.
                self._idle_reached = max(self._idle_reached, self._idle_now())
            self._idle_since = None
            self._idle_from = None

    def _idle_now(self) -> datetime:
        assert self._idle_since is not None and self._idle_from is not None
        return self._idle_from + timedelta(seconds=self.monotonic() - self._idle_since)

    def closing_time(self, in_flight_margin: timedelta) -> datetime:
        """Event time up to which every post of every key has reached the windows."""
        with self._lock:
            reached = self._idle_reached
            if self._idle_since is not None:
                reached = max(reached, self._idle_now())
            if self._seen > UTC_MIN + in_flight_margin:
                reached = max(reached, self._seen - in_flight_margin)
            return reached

    @property
    def idle(self) -> bool:
        return self._idle_since is not None


@dataclass
class SourceClockState:
    watermark: datetime  # the last watermark this key's windows were given


@dataclass
class _SourceWatermarkLogic(ClockLogic[Any, SourceClockState]):
    stream_time: StreamTime
    ts_getter: Callable[[Any], datetime]
    stamp_getter: Callable[[Any], datetime | None]
    lateness: timedelta
    in_flight_margin: timedelta
    state: SourceClockState
    emitted_getter: Callable[[Any], float | None] | None = None

    def _advance(self, to: datetime) -> datetime:
        if to > UTC_MIN + self.lateness:
            self.state.watermark = max(self.state.watermark, to - self.lateness)
        return self.state.watermark

    def before_batch(self) -> None:
        pass

    def on_item(self, value: Any) -> tuple[datetime, datetime]:
        timestamp = self.ts_getter(value)
        stamp = self.stamp_getter(value)
        stamp = timestamp if stamp is None else stamp
        self.stream_time.observe(stamp)
        if self.emitted_getter is not None:
            emitted_at = self.emitted_getter(value)
            if emitted_at is not None:
                self.stream_time.note_in_flight(emitted_at)
        return timestamp, self._advance(stamp)

    def on_notify(self) -> datetime:
        return self._advance(self.stream_time.closing_time(self.in_flight_margin))

    def on_eof(self) -> datetime:
        return UTC_MAX

    def to_system_utc(self, timestamp: datetime) -> datetime | None:
        # Stream time moves with the data, often much faster than the wall clock: look again
        # within RECHECK, or at once if `timestamp` is due already.
        closing = self.stream_time.closing_time(self.in_flight_margin)
        due = timestamp + self.lateness <= closing
        return datetime.now(UTC) + (timedelta(0) if due else RECHECK)

    def snapshot(self) -> SourceClockState:
        return SourceClockState(self.state.watermark)


@dataclass
class SourceWatermarkClock(Clock[Any, SourceClockState]):
    """A key's watermark: the source's stamps on its posts, less `lateness` (see module)."""

    stream_time: StreamTime
    ts_getter: Callable[[Any], datetime]
    stamp_getter: Callable[[Any], datetime | None]
    lateness: timedelta
    in_flight_margin: timedelta = timedelta(minutes=2)
    # When the source emitted an item (wall-clock seconds; None: unknown): measures how long
    # posts are in flight to the windows (`StreamTime.in_flight`).
    emitted_getter: Callable[[Any], float | None] | None = None

    def build(self, resume_state: Any) -> _SourceWatermarkLogic:
        return _SourceWatermarkLogic(
            self.stream_time,
            self.ts_getter,
            self.stamp_getter,
            self.lateness,
            self.in_flight_margin,
            _resumed_state(resume_state),
            self.emitted_getter,
        )


def _resumed_state(resume_state: Any) -> SourceClockState:
    """The state to resume from, also from snapshots of the earlier system-time clocks.

    Those kept the key's latest post time less the lateness (`watermark_base`); it is where this
    key's watermark was when no system time had passed, so no window reopens.
    """
    if resume_state is None:
        return SourceClockState(UTC_MIN)
    if isinstance(resume_state, SourceClockState):
        return SourceClockState(resume_state.watermark)
    if isinstance(resume_state, ResumableClockState):
        resume_state = resume_state.clock
    base = getattr(resume_state, "watermark_base", None)
    return SourceClockState(base if isinstance(base, datetime) else UTC_MIN)


@dataclass(frozen=True)
class ResumableClockState:
    """State of the clock before this one (kept so that its snapshots can still be loaded)."""

    clock: Any  # the `EventClock` state (bytewax's `_EventClockState`)
    snapshot_at: datetime  # system time when it was snapshotted

"""The windows' event-time clock, without the time the stream was down.

Bytewax's `EventClock` moves each key's watermark on with system time since the key's latest
post, and its recovery snapshot keeps the system time of that post. After a crash the restarted
process adds the whole downtime to every watermark: with a restart delay longer than the allowed
lateness minus the partitions' event-time lead, the posts the replay re-reads arrive late for
windows it closed at once, and the alerts differ from a run that was never killed.

`ResumableEventClock` snapshots the system time of the snapshot beside the clock's state and, on
resume, moves the state's system time on by the downtime, so that each watermark resumes where the
snapshot left it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bytewax.operators.windowing import ClockLogic, EventClock


@dataclass(frozen=True)
class ResumableClockState:
    clock: Any  # the `EventClock` state (bytewax's `_EventClockState`)
    snapshot_at: datetime  # system time when it was snapshotted


@dataclass
class _ResumableLogic(ClockLogic[Any, ResumableClockState]):
    inner: ClockLogic[Any, Any]
    now_getter: Any

    def before_batch(self) -> None:
        self.inner.before_batch()

    def on_item(self, value: Any) -> tuple[datetime, datetime]:
        return self.inner.on_item(value)

    def on_notify(self) -> datetime:
        return self.inner.on_notify()

    def on_eof(self) -> datetime:
        return self.inner.on_eof()

    def to_system_utc(self, timestamp: datetime) -> datetime | None:
        return self.inner.to_system_utc(timestamp)

    def snapshot(self) -> ResumableClockState:
        return ResumableClockState(self.inner.snapshot(), self.now_getter())


@dataclass
class ResumableEventClock(EventClock):
    """`EventClock` whose watermarks do not advance while the process is down (see module)."""

    def build(self, resume_state: Any) -> ClockLogic[Any, Any]:
        state = resume_state
        if isinstance(resume_state, ResumableClockState):
            downtime = self.now_getter() - resume_state.snapshot_at
            state = resume_state.clock
            if downtime.total_seconds() > 0:
                state = replace(
                    state, system_time_of_max_event=state.system_time_of_max_event + downtime
                )
        # A plain `EventClock` state (a snapshot from before this clock) resumes as it was.
        return _ResumableLogic(super().build(state), self.now_getter)

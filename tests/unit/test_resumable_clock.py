"""The windows' clock resumes each watermark where the snapshot left it, downtime excluded."""

from datetime import UTC, datetime, timedelta

from bytewax.operators.windowing import EventClock

from streaming_flows.clock import ResumableEventClock

T0 = datetime(2026, 1, 5, tzinfo=UTC)
LATENESS = timedelta(seconds=30)


def _clocks(now: list[datetime]) -> tuple[EventClock, ResumableEventClock]:
    def args() -> dict:
        return {"wait_for_system_duration": LATENESS, "now_getter": lambda: now[0]}

    return EventClock(lambda t: t, **args()), ResumableEventClock(lambda t: t, **args())


def test_a_restart_after_a_long_downtime_resumes_the_watermark_of_the_snapshot() -> None:
    now = [datetime(2026, 11, 1, 12, tzinfo=UTC)]
    plain, resumable = _clocks(now)
    snapshots = []
    for clock in (plain, resumable):
        logic = clock.build(None)
        logic.before_batch()
        logic.on_item(T0 + timedelta(minutes=5))
        snapshots.append(logic.snapshot())
    now[0] += timedelta(minutes=2)  # down for two minutes
    watermarks = []
    for clock, snapshot in zip((plain, resumable), snapshots, strict=True):
        logic = clock.build(snapshot)
        logic.before_batch()
        # A replayed post 10 s behind the latest one: in time for its window.
        watermarks.append(logic.on_item(T0 + timedelta(minutes=4, seconds=50))[1])
    # The plain clock counts the downtime: the replayed post would be late.
    assert watermarks[0] == T0 + timedelta(minutes=5) - LATENESS + timedelta(minutes=2)
    assert watermarks[1] == T0 + timedelta(minutes=5) - LATENESS
    # And it goes on with system time once running again.
    now[0] += timedelta(seconds=20)
    assert logic.on_notify() == T0 + timedelta(minutes=5) - LATENESS + timedelta(seconds=20)

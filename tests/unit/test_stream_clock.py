"""The windows' clock: the source's stamps move it, system time never does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bytewax.operators.windowing import EventClock

from streaming_flows.clock import (
    RECHECK,
    ResumableClockState,
    SourceWatermarkClock,
    StreamTime,
)

T0 = datetime(2026, 1, 5, tzinfo=UTC)
LATENESS = timedelta(seconds=30)
MARGIN = timedelta(minutes=2)


@dataclass(frozen=True)
class Post:
    at: datetime
    stamp: datetime | None


def _clock(stream_time: StreamTime) -> SourceWatermarkClock:
    return SourceWatermarkClock(
        stream_time, lambda p: p.at, lambda p: p.stamp, lateness=LATENESS, in_flight_margin=MARGIN
    )


def test_a_key_s_watermark_follows_the_slowest_partition_stamped_on_its_posts() -> None:
    logic = _clock(StreamTime()).build(None)
    # A post from a partition 20 s ahead of the slowest one: stamped with the slowest's time.
    assert logic.on_item(Post(T0 + timedelta(seconds=20), T0)) == (
        T0 + timedelta(seconds=20),
        T0 - LATENESS,
    )
    # A post of the slowest partition, 45 s behind the key's latest, is in time.
    at, watermark = logic.on_item(Post(T0 - timedelta(seconds=25), T0))
    assert at >= watermark
    # One more than the lateness behind the stamp is late.
    at, watermark = logic.on_item(Post(T0 - timedelta(seconds=31), T0))
    assert at < watermark


def test_posts_of_other_keys_processed_first_make_no_post_of_this_key_late() -> None:
    stream_time = StreamTime()
    other, this = _clock(stream_time).build(None), _clock(stream_time).build(None)
    # Bytewax processes a batch key by key: another key's later posts come first.
    other.on_item(Post(T0 + timedelta(minutes=1), T0 + timedelta(minutes=1)))
    at, watermark = this.on_item(Post(T0, T0))
    assert at >= watermark


def test_a_key_without_posts_closes_on_stream_time_a_margin_behind() -> None:
    stream_time = StreamTime()
    quiet, busy = _clock(stream_time).build(None), _clock(stream_time).build(None)
    quiet.on_item(Post(T0, T0))
    busy.on_item(Post(T0 + timedelta(minutes=5), T0 + timedelta(minutes=5)))
    assert quiet.on_notify() == T0 + timedelta(minutes=5) - MARGIN - LATENESS


def test_system_time_alone_moves_no_watermark() -> None:
    clock = {"t": 1000.0}
    stream_time = StreamTime(monotonic=lambda: clock["t"])
    logic = _clock(stream_time).build(None)
    logic.on_item(Post(T0, T0))
    clock["t"] += 3600  # an hour of a busy or stopped machine, the source still reading
    assert logic.on_notify() == T0 - LATENESS
    at, watermark = logic.on_item(Post(T0 - timedelta(seconds=10), T0))
    assert at >= watermark


def test_once_every_partition_is_idle_stream_time_moves_with_the_wall_clock() -> None:
    clock = {"t": 1000.0}
    stream_time = StreamTime(monotonic=lambda: clock["t"])
    logic = _clock(stream_time).build(None)
    logic.on_item(Post(T0, T0))
    stream_time.source_idle(T0 + timedelta(seconds=10))  # the latest post emitted
    clock["t"] += 40
    # Nothing is in flight: no margin.
    assert logic.on_notify() == T0 + timedelta(seconds=50) - LATENESS
    # Posts again: what the quiet spell reached stays, closing time never goes back.
    stream_time.source_active()
    clock["t"] += 100
    assert stream_time.closing_time(MARGIN) == T0 + timedelta(seconds=50)


def test_a_window_end_is_looked_at_again_within_a_second_until_it_is_due() -> None:
    stream_time = StreamTime()
    logic = _clock(stream_time).build(None)
    logic.on_item(Post(T0, T0))
    before = datetime.now(UTC)
    wake = logic.to_system_utc(T0 + timedelta(minutes=1))
    assert before < wake <= datetime.now(UTC) + RECHECK
    assert logic.to_system_utc(T0 - MARGIN - LATENESS) <= datetime.now(UTC)


def test_messages_without_a_stamp_count_as_stamped_with_their_own_time() -> None:
    logic = _clock(StreamTime()).build(None)
    assert logic.on_item(Post(T0, None)) == (T0, T0 - LATENESS)


def test_snapshots_of_the_earlier_system_time_clocks_resume_where_they_stood() -> None:
    now = [datetime(2026, 11, 1, 12, tzinfo=UTC)]
    plain = EventClock(lambda t: t, wait_for_system_duration=LATENESS, now_getter=lambda: now[0])
    old = plain.build(None)
    old.before_batch()
    old.on_item(T0 + timedelta(minutes=5))
    for snapshot in (old.snapshot(), ResumableClockState(old.snapshot(), now[0])):
        logic = _clock(StreamTime()).build(snapshot)
        assert logic.on_notify() == T0 + timedelta(minutes=5) - LATENESS
        # A replayed post 10 s behind the latest one is in time for its window.
        at, watermark = logic.on_item(Post(T0 + timedelta(minutes=4, seconds=50), T0))
        assert at >= watermark
    # A snapshot of this clock resumes its own watermark.
    logic = _clock(StreamTime()).build(logic.snapshot())
    assert logic.on_notify() == T0 + timedelta(minutes=5) - LATENESS


def test_the_longest_time_in_flight_is_measured_at_the_windows_and_forgotten_after_a_minute() -> (
    None
):
    from streaming_flows.clock import IN_FLIGHT_MEMORY

    now = [1000.0]
    stream_time = StreamTime(wall_clock=lambda: now[0])
    logic = SourceWatermarkClock(
        stream_time,
        lambda p: p[0],
        lambda p: None,
        lateness=LATENESS,
        emitted_getter=lambda p: p[1],
    ).build(None)
    assert stream_time.in_flight() == 0.0
    logic.on_item((T0, 997.5))  # emitted 2.5 s ago
    logic.on_item((T0, 999.0))
    logic.on_item((T0, None))  # not from the stream's source: not measured
    assert stream_time.in_flight() == 2.5
    now[0] = 1030.0
    logic.on_item((T0, 1029.0))
    assert stream_time.in_flight() == 2.5  # still within the last minute
    now[0] = 1000.0 + IN_FLIGHT_MEMORY + 1
    logic.on_item((T0, now[0] - 0.5))
    assert stream_time.in_flight() == 1.0  # the 2.5 s is forgotten; 1 s at 1030 is not


def test_posts_waiting_in_the_first_steps_count_as_in_flight_from_when_they_were_emitted() -> None:
    now = [1000.0]
    stream_time = StreamTime(wall_clock=lambda: now[0])
    stream_time.note_emitted(1000.0)
    stream_time.note_emitted(1001.0)
    now[0] = 1004.0  # nothing has come out of the enrichment yet (a model loading, say)
    assert stream_time.in_flight() == 4.0
    stream_time.note_arrived(1000.0)  # the first batch is through; the second still waits
    assert stream_time.in_flight() == 3.0
    stream_time.note_arrived(1001.0)
    assert stream_time.in_flight() == 0.0  # nothing waits, and nothing reached the windows yet

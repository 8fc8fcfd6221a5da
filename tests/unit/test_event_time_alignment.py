"""The posts source's event-time alignment and future-stamp check, on in-memory partitions."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from bytewax.connectors.kafka import KafkaSourceMessage
from flow_samples import T0, histogram_count_and_sum, post_bytes

from socialpulse import metrics
from streaming_flows.kafka_io import EventTimeAligner, ParsedMessage, _AlignedPartition


class _ListPartition:
    """Stands in for a Kafka partition: fixed batches, then end of data (or nothing, tailing)."""

    def __init__(self, partition: int, batches: list[list[datetime]], tail: bool = False) -> None:
        self._batches = [
            [
                KafkaSourceMessage(
                    key=None,
                    value=post_bytes(partition * 1000 + i, at, ["dance"]),
                    topic="posts",
                    partition=partition,
                    offset=i,
                )
                for i, at in enumerate(batch, start=sum(len(b) for b in batches[:n]))
            ]
            for n, batch in enumerate(batches)
        ]
        self._tail = tail
        self._offset = 0

    def next_batch(self) -> list[Any]:
        if not self._batches:
            if self._tail:
                return []
            raise StopIteration
        batch = self._batches.pop(0)
        self._offset = batch[-1].offset + 1
        return batch

    def next_awake(self) -> None:
        return None

    def snapshot(self) -> int:
        return self._offset

    def close(self) -> None:
        pass


def _aligner(**overrides: Any) -> EventTimeAligner:
    settings = {"max_lead": timedelta(minutes=1), "max_future": timedelta(minutes=1)} | overrides
    return EventTimeAligner(**settings)


def _minutes(first: int, last: int) -> list[datetime]:
    return [T0 + timedelta(minutes=m) for m in range(first, last)]


def _times(items: list[Any]) -> list[datetime]:
    return [post.created_at for item in items for post in item.result.posts]


def _drain(parts: dict[str, _AlignedPartition]) -> list[tuple[str, datetime]]:
    """Round-robin like a worker, until every partition has ended."""
    emitted, live = [], dict(parts)
    while live:
        for name, part in list(live.items()):
            try:
                emitted.extend((name, at) for at in _times(part.next_batch()))
            except StopIteration:
                del live[name]
    return emitted


def test_a_partition_ahead_is_held_within_the_lead_of_the_slowest() -> None:
    aligner = _aligner()
    # One batch each, as Kafka hands them out while catching up: an hour apart in event time.
    parts = {
        "fast": _AlignedPartition(_ListPartition(0, [_minutes(60, 120)]), "fast", aligner),
        "slow": _AlignedPartition(
            _ListPartition(1, [_minutes(0, 60), _minutes(60, 120)]), "slow", aligner
        ),
    }
    emitted = _drain(parts)
    assert sorted(at for _, at in emitted) == sorted(_minutes(60, 120) + _minutes(0, 120))
    # What a window sees later is never more than the lead behind anything it saw before.
    seen = T0
    for _, at in emitted:
        assert at >= seen - timedelta(minutes=1)
        seen = max(seen, at)
    # The fast partition waited for the slow one's first hour.
    first_fast = next(i for i, (name, _) in enumerate(emitted) if name == "fast")
    assert [at for _, at in emitted[:first_fast]] == _minutes(0, 60)


def test_the_slowest_partition_always_goes_on_and_gaps_do_not_deadlock() -> None:
    aligner = _aligner(max_lead=timedelta(0))
    parts = {
        "a": _AlignedPartition(_ListPartition(0, [_minutes(0, 3), _minutes(30, 33)]), "a", aligner),
        "b": _AlignedPartition(
            _ListPartition(1, [_minutes(10, 13), _minutes(40, 43)]), "b", aligner
        ),
    }
    emitted = [at for _, at in _drain(parts)]
    assert emitted == sorted(emitted)
    assert len(emitted) == 12


def test_an_idle_partition_does_not_hold_the_others() -> None:
    aligner = _aligner(idle_after=timedelta(milliseconds=50))
    quiet = _AlignedPartition(_ListPartition(0, [], tail=True), "quiet", aligner)
    busy = _AlignedPartition(_ListPartition(1, [_minutes(0, 10)]), "busy", aligner)
    assert quiet.next_batch() == []
    # The quiet partition has read nothing yet: the busy one waits for it...
    assert busy.next_batch() == []
    time.sleep(0.06)
    # ...until it has read nothing for `idle_after`.
    assert quiet.next_batch() == []
    assert _times(busy.next_batch()) == _minutes(0, 10)


def test_the_snapshot_resumes_at_the_first_message_not_emitted() -> None:
    aligner = _aligner()
    fast = _AlignedPartition(_ListPartition(0, [_minutes(0, 10)]), "fast", aligner)
    slow = _AlignedPartition(_ListPartition(1, [_minutes(0, 3)], tail=True), "slow", aligner)
    assert fast.next_batch() == []  # the slow partition has not read yet
    assert _times(slow.next_batch()) == _minutes(0, 2)  # up to the fast one's minute 0 + 1
    # The slow partition's next post is minute 2: minutes 0 to 3 may go, 4 to 9 wait.
    assert _times(fast.next_batch()) == _minutes(0, 4)
    assert fast.snapshot() == 4
    # Held back, it asks to be called again at once (another partition may have moved on); a
    # call that emits nothing makes Bytewax wait 1 ms before the next, so it does not spin.
    assert fast.next_awake() is None
    assert fast.next_batch() == []


def test_a_post_stamped_far_ahead_is_rejected_and_does_not_move_event_time() -> None:
    aligner = _aligner()
    times = [*_minutes(0, 3), datetime(2099, 1, 1, tzinfo=T0.tzinfo), *_minutes(3, 5)]
    part = _AlignedPartition(_ListPartition(0, [times]), "only", aligner)
    items = part.next_batch()
    assert [item.result.reason for item in items] == [None] * 3 + ["future_timestamp"] + [None] * 2
    assert "2099-01-01T00:00:00Z" in items[3].result.detail
    assert "SOCIALPULSE_MAX_FUTURE_SECONDS" in items[3].result.detail
    assert isinstance(items[3], ParsedMessage) and items[3].message.offset == 3
    assert aligner.watermark() == T0 + timedelta(minutes=4)


def test_old_data_is_measured_from_the_wall_clock_and_data_ahead_of_it_from_itself() -> None:
    now = T0 + timedelta(days=30)
    aligner = _aligner(wall_clock=lambda: now)
    assert aligner.future_limit(None) == now + timedelta(minutes=1)
    ahead = now + timedelta(days=1)
    assert aligner.future_limit(ahead) == ahead + timedelta(minutes=1)


def test_a_partition_of_only_rejected_messages_does_not_hold_the_others() -> None:
    aligner = _aligner()
    garbage = _ListPartition(0, [], tail=True)
    garbage._batches = [
        [KafkaSourceMessage(key=None, value=b"{not json", topic="posts", partition=0, offset=0)]
    ]
    rejected = _AlignedPartition(garbage, "garbage", aligner)
    busy = _AlignedPartition(_ListPartition(1, [_minutes(0, 10)]), "busy", aligner)
    assert [item.result.reason for item in rejected.next_batch()] == ["not_json"]
    assert _times(busy.next_batch()) == _minutes(0, 10)


def test_each_message_carries_a_watermark_no_later_post_is_stamped_before() -> None:
    aligner = _aligner()
    parts = {
        "fast": _AlignedPartition(_ListPartition(0, [_minutes(60, 120)]), "fast", aligner),
        "slow": _AlignedPartition(
            _ListPartition(1, [_minutes(0, 60), _minutes(60, 120)]), "slow", aligner
        ),
    }
    stamped: list[tuple[datetime | None, datetime]] = []
    live = dict(parts)
    while live:
        for name, part in list(live.items()):
            try:
                stamped.extend(
                    (item.watermark, post.created_at)
                    for item in part.next_batch()
                    for post in item.result.posts
                )
            except StopIteration:
                del live[name]
    assert len(stamped) == 180
    watermarks = [w for w, _ in stamped if w is not None]
    assert watermarks == sorted(watermarks)  # it only moves on
    for index, (watermark, _) in enumerate(stamped):
        if watermark is not None:
            assert all(at >= watermark for _, at in stamped[index:])


def test_the_stream_time_hears_when_every_partition_is_idle_and_when_one_reads_again() -> None:
    from streaming_flows.clock import StreamTime

    stream_time = StreamTime()
    aligner = _aligner(idle_after=timedelta(milliseconds=50), stream_time=stream_time)
    inner = _ListPartition(0, [_minutes(0, 10)], tail=True)
    part = _AlignedPartition(inner, "only", aligner)
    assert _times(part.next_batch()) == _minutes(0, 10)
    assert not stream_time.idle
    part.next_batch()
    time.sleep(0.06)
    part.next_batch()  # nothing read for `idle_after`
    assert stream_time.idle
    assert stream_time.closing_time(timedelta(0)) >= T0 + timedelta(minutes=9)
    inner._batches = _ListPartition(0, [_minutes(0, 10), _minutes(10, 12)])._batches[1:]
    assert _times(part.next_batch()) == _minutes(10, 12)
    assert not stream_time.idle


class _Exchange:
    """Stands in for `ClusterTime`: the other processes' reports, as the test sets them."""

    def __init__(self, peers: list[Any] | None = None, started: bool = False) -> None:
        self.reports = peers if peers is not None else [None]
        self.started = started

    def peers(self) -> list[Any]:
        return list(self.reports)

    def startup_over(self) -> bool:
        return self.started


def test_another_process_holds_until_heard_from_then_bounds_the_lead_and_the_watermark() -> None:
    from streaming_flows.cluster_time import PeerTime

    exchange = _Exchange()
    aligner = _aligner(cluster=exchange, cluster_lead=timedelta(minutes=30))
    part = _AlignedPartition(_ListPartition(0, [_minutes(20, 120)]), "here", aligner)
    assert part.next_batch() == []  # the other process has not said where it stands
    exchange.reports = [PeerTime(T0 + timedelta(minutes=10), idle=False)]
    batch = part.next_batch()
    assert _times(batch) == _minutes(20, 41)  # up to its bound + the cluster's lead
    # Stamped with the cluster's slowest: the other process may still emit minute 10.
    assert {item.watermark for item in batch} == {T0 + timedelta(minutes=10)}
    assert aligner.local_time() == PeerTime(T0 + timedelta(minutes=41), idle=False)
    exchange.reports = [PeerTime(None, idle=True)]  # caught up: it holds nobody
    assert _times(part.next_batch()) == _minutes(41, 120)


def test_a_process_without_partitions_holds_the_cluster_until_startup_is_over() -> None:
    from streaming_flows.cluster_time import PeerTime

    exchange = _Exchange([PeerTime(T0, idle=False)])
    aligner = _aligner(cluster=exchange)
    assert aligner.local_time() == PeerTime(None, idle=False)  # not given partitions yet
    exchange.started = True
    assert aligner.local_time() == PeerTime(None, idle=True)
    # A bounded run whose partitions have all ended holds nobody either, without the grace.
    ended = _aligner(cluster=_Exchange([PeerTime(T0, idle=False)]))
    part = _AlignedPartition(_ListPartition(0, [_minutes(0, 2)]), "only", ended)
    assert ended.local_time() == PeerTime(None, idle=False)
    with pytest.raises(StopIteration):
        while True:
            part.next_batch()
    assert ended.local_time() == PeerTime(None, idle=True)


def test_two_processes_exchanging_reports_never_stamp_past_a_post_still_to_come() -> None:
    from streaming_flows.cluster_time import lowest

    # Two processes of two partitions each, an hour apart as on a backlog, that learn of each
    # other only through (instant) reports of their lowest recent bound.
    exchanges = [_Exchange(), _Exchange()]
    aligners = [_aligner(cluster=e, cluster_lead=timedelta(minutes=20)) for e in exchanges]
    history: list[list[Any]] = [[], []]

    def exchange() -> None:
        for me, other in ((0, 1), (1, 0)):
            history[me].append(aligners[me].local_time())
            exchanges[other].reports = [lowest(history[me][-3:])]

    batches = {0: _minutes(60, 180), 1: _minutes(0, 120), 2: _minutes(120, 180), 3: _minutes(0, 60)}
    parts = {
        (n, n % 2): _AlignedPartition(_ListPartition(n, [batches[n]]), f"p{n}", aligners[n % 2])
        for n in batches
    }
    stamped: list[tuple[datetime | None, datetime]] = []
    by_process: list[int] = []
    live = dict(parts)
    while live:
        exchange()
        for name, part in list(live.items()):
            try:
                batch = [
                    (item.watermark, post.created_at)
                    for item in part.next_batch()
                    for post in item.result.posts
                ]
            except StopIteration:
                del live[name]
                continue
            stamped.extend(batch)
            by_process.extend(name[1] for _ in batch)
    assert len(stamped) == sum(len(b) for b in batches.values())
    for index, (watermark, _) in enumerate(stamped):
        if watermark is not None:
            assert all(at >= watermark for _, at in stamped[index:]), index
    # Process 0 (minutes 60 and 120 on) waited: its first post came once process 1 had
    # emitted past minute 40 (60 less the lead), not while process 1 was still at minute 0.
    first_ahead = by_process.index(0)
    assert max(at for _, at in stamped[:first_ahead]) >= T0 + timedelta(minutes=40)


def test_the_published_bound_is_the_lowest_of_the_recent_reports() -> None:
    from streaming_flows.cluster_time import PeerTime, lowest

    at = [T0 + timedelta(minutes=m) for m in range(3)]
    assert lowest([PeerTime(at[0], False), PeerTime(at[2], False)]) == PeerTime(at[0], False)
    assert lowest([PeerTime(at[0], False), PeerTime(None, True)]) == PeerTime(None, True)
    assert lowest([PeerTime(None, True), PeerTime(at[1], False)]) == PeerTime(at[1], False)
    assert lowest([PeerTime(None, False), PeerTime(at[1], False)]) == PeerTime(None, False)
    cluster, process, report = PeerTime.from_json(PeerTime(at[1], False).to_json("c", 1))
    assert (cluster, process, report) == ("c", 1, PeerTime(at[1], False))
    _, _, report = PeerTime.from_json(PeerTime(at[0], False, latest=at[2]).to_json("c", 1))
    assert (report.bound, report.latest) == (at[0], at[2])
    # A report of an earlier version has no `latest`.
    _, _, report = PeerTime.from_json(
        b'{"cluster": "c", "process": 1, "bound": null, "idle": true}'
    )
    assert report.latest is None and report.idle


def test_another_process_paces_by_its_newest_bound_and_stamps_by_its_lowest() -> None:
    from streaming_flows.cluster_time import PeerTime

    exchange = _Exchange()
    aligner = _aligner(cluster=exchange, cluster_lead=timedelta(minutes=30))
    part = _AlignedPartition(_ListPartition(0, [_minutes(20, 120)]), "here", aligner)
    assert part.next_batch() == []  # the other process has not said where it stands
    # It may still emit minute 10 (posts in flight), but it has read up to minute 50.
    exchange.reports = [PeerTime(T0 + timedelta(minutes=10), False, latest=_minutes(50, 51)[0])]
    batch = part.next_batch()
    assert _times(batch) == _minutes(20, 81)  # up to its newest bound + the cluster's lead
    assert {item.watermark for item in batch} == {T0 + timedelta(minutes=10)}


def test_a_caught_up_partition_polls_less_and_less_often_up_to_64_ms() -> None:
    from datetime import UTC
    from itertools import pairwise

    inner = _ListPartition(0, [], tail=True)
    part = _AlignedPartition(inner, "quiet", _aligner())
    waits = []
    for _ in range(10):
        part.next_batch()
        waits.append((part.next_awake() - datetime.now(UTC)).total_seconds())
    assert waits[0] <= 0.002
    assert all(later >= earlier - 0.001 for earlier, later in pairwise(waits))
    assert 0.05 <= max(waits) <= 0.065
    # A post arrives: it is polled again at once, and the back-off starts over.
    inner._batches = _ListPartition(0, [_minutes(0, 2)])._batches
    assert _times(part.next_batch()) == _minutes(0, 2)
    assert part.next_awake() is None


def test_the_span_a_process_reports_its_lowest_bound_over_grows_with_the_time_in_flight() -> None:
    from streaming_flows.cluster_time import (
        IN_FLIGHT,
        IN_FLIGHT_FACTOR,
        MAX_IN_FLIGHT,
        ClusterTime,
        PeerTime,
    )

    cluster = ClusterTime({}, "cluster-time", "c", 0, 3)
    assert cluster.in_flight_span(0.0) == IN_FLIGHT  # nothing measured: the floor
    assert cluster.in_flight_span(4.0) == IN_FLIGHT_FACTOR * 4.0  # its own posts are slow
    # Another process's posts are slower still (the third is not heard from yet).
    cluster._peers[1] = PeerTime(T0, False, in_flight=9.0)
    assert cluster.in_flight_span(4.0) == IN_FLIGHT_FACTOR * 9.0
    cluster._peers[1] = PeerTime(T0, False, in_flight=1e6)
    assert cluster.in_flight_span(0.0) == MAX_IN_FLIGHT
    # Reports carry it; those of earlier versions do not (0).
    _, _, report = PeerTime.from_json(PeerTime(T0, False, in_flight=3.5).to_json("c", 1))
    assert report.in_flight == 3.5
    _, _, report = PeerTime.from_json(
        b'{"cluster": "c", "process": 1, "bound": null, "idle": true}'
    )
    assert report.in_flight == 0.0


def test_the_source_times_its_lag_behind_the_kafka_timestamps() -> None:
    inner = _ListPartition(0, [_minutes(0, 3), _minutes(3, 5)], tail=True)
    produced_ms = int((time.time() - 7.0) * 1000)  # produced 7 s ago
    inner._batches = [  # stamped as the producer stamps them (CreateTime)
        [replace(message, timestamp=(1, produced_ms)) for message in batch]
        for batch in inner._batches
    ]
    part = _AlignedPartition(inner, "0", _aligner())
    count, total = histogram_count_and_sum(metrics.SOURCE_LAG)
    assert len(part.next_batch()) == 3 and len(part.next_batch()) == 2
    assert part.next_batch() == []  # nothing read: nothing timed
    after_count, after_total = histogram_count_and_sum(metrics.SOURCE_LAG)
    assert after_count - count == 2  # one per emitted batch
    assert 14.0 <= after_total - total < 16.0  # 7 s each


def test_a_partition_held_back_looks_again_less_and_less_often_up_to_16_ms() -> None:
    from datetime import UTC
    from itertools import pairwise

    aligner = _aligner()
    slow = _AlignedPartition(_ListPartition(0, [_minutes(0, 1), _minutes(4, 5)]), "slow", aligner)
    ahead = _AlignedPartition(_ListPartition(1, [_minutes(5, 6)]), "ahead", aligner)
    # Both read their first batch; the slow one emits 00:00, the one at 00:05 is held.
    first = _times(slow.next_batch()) + _times(ahead.next_batch()) + _times(slow.next_batch())
    assert first == _minutes(0, 1)
    waits = []
    for _ in range(8):  # held: the slowest is at 00:00, the lead a minute
        assert ahead.next_batch() == []
        waits.append((ahead.next_awake() - datetime.now(UTC)).total_seconds())
    assert waits[0] <= 0.002
    assert all(later >= earlier - 0.001 for earlier, later in pairwise(waits))
    assert 0.014 <= max(waits) <= 0.017
    # The slowest moves on to 00:04: the held partition emits and goes on at once.
    assert _times(slow.next_batch()) == _minutes(4, 5)
    assert _times(ahead.next_batch()) == _minutes(5, 6)
    assert ahead.next_awake() is None

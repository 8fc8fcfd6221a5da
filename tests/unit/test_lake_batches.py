"""The lake's batching step: size, a flush deadline set by a batch's first record, snapshots.

Records come in lists (what the stream read of one Kafka partition at once)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bytewax.operators import StatefulLogic, _CollectState

from streaming_flows.lake_sink import PendingBatch, _LakeBatchLogic, _resumed

T0 = datetime(2026, 11, 30, 12, tzinfo=UTC)


def _logic(now: list[datetime], max_size: int = 3) -> _LakeBatchLogic:
    return _LakeBatchLogic(timedelta(seconds=10), max_size, PendingBatch(), now=lambda: now[0])


def test_a_steady_trickle_is_landed_within_the_flush_time_of_its_first_record() -> None:
    now = [T0]
    logic = _logic(now, max_size=5000)
    for second in range(8):  # a post every 2 s: Bytewax's collect restarted its timer each time
        now[0] = T0 + timedelta(seconds=2 * second)
        assert logic.on_item([{"n": second}]) == ((), StatefulLogic.RETAIN)
    assert logic.notify_at() == T0 + timedelta(seconds=10)
    batches, discard = logic.on_notify()
    assert [len(b) for b in batches] == [8] and discard == StatefulLogic.DISCARD


def test_a_full_batch_goes_out_at_once() -> None:
    logic = _logic([T0])
    assert logic.on_item([{"n": 0}])[1] == StatefulLogic.RETAIN
    assert logic.on_item([{"n": 1}])[1] == StatefulLogic.RETAIN
    batches, discard = logic.on_item([{"n": 2}])
    assert [[r["n"] for r in b] for b in batches] == [[0, 1, 2]]
    assert discard == StatefulLogic.DISCARD


def test_a_list_longer_than_a_batch_is_cut_and_its_rest_waits_with_a_new_deadline() -> None:
    now = [T0]
    logic = _logic(now)
    logic.on_item([{"n": 0}])
    now[0] = T0 + timedelta(seconds=4)
    batches, discard = logic.on_item([{"n": n} for n in range(1, 8)])
    assert [[r["n"] for r in b] for b in batches] == [[0, 1, 2], [3, 4, 5]]
    assert discard == StatefulLogic.RETAIN
    assert [r["n"] for r in logic.state.records] == [6, 7]
    assert logic.notify_at() == T0 + timedelta(seconds=14)
    assert logic.on_item([]) == ((), StatefulLogic.RETAIN)
    batches, _ = logic.on_eof()
    assert [[r["n"] for r in b] for b in batches] == [[6, 7]]


def test_the_snapshot_does_not_change_with_later_records_and_resumes() -> None:
    logic = _logic([T0], max_size=10)
    logic.on_item([{"n": 0}])
    snapshot = logic.snapshot()
    logic.on_item([{"n": 1}])
    assert [r["n"] for r in snapshot.records] == [0]
    resumed = _resumed(snapshot)
    assert [r["n"] for r in resumed.records] == [0] and resumed.flush_at == snapshot.flush_at


def test_a_snapshot_of_bytewax_collect_resumes_with_its_pending_records() -> None:
    old = _CollectState(acc=[{"n": 0}, {"n": 1}], timeout_at=T0)
    resumed = _resumed(old)
    assert resumed == PendingBatch([{"n": 0}, {"n": 1}], T0)
    assert _resumed(None) == PendingBatch()

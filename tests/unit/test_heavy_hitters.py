from dataclasses import replace
from datetime import UTC, datetime, timedelta

from socialpulse.heavy_hitters import HeavyHitterGate, shard_of
from socialpulse.windows import Observation

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _gate(min_support: int = 3) -> HeavyHitterGate:
    return HeavyHitterGate(
        window=timedelta(minutes=1), align_to=T0, min_support=min_support, idle_windows=5
    )


def _obs(post: str, minute: float) -> Observation:
    return Observation(post, T0 + timedelta(minutes=minute), 0, None)


def test_a_key_is_admitted_with_its_whole_first_window_once_it_reaches_support() -> None:
    gate = _gate()
    assert gate.offer("hashtag:x", _obs("a", 0.1)) == []
    assert gate.offer("hashtag:x", _obs("b", 0.2)) == []
    released = gate.offer("hashtag:x", _obs("c", 0.3))
    assert [o.post_id for _, o in released] == ["a", "b", "c"]
    assert [o.post_id for _, o in gate.offer("hashtag:x", _obs("d", 5.0))] == ["d"]


def test_support_is_counted_per_window_and_one_offs_are_forgotten() -> None:
    gate = _gate()
    gate.offer("hashtag:rare", _obs("a", 0.5))
    gate.offer("hashtag:rare", _obs("b", 1.5))  # next window: starts again from one
    assert gate.pending["hashtag:rare"][1] == [_obs("b", 1.5)]
    for minute in range(2, 6):
        gate.offer(f"hashtag:once{minute}", _obs(f"p{minute}", minute + 0.1))
    assert "hashtag:rare" not in gate.pending
    assert len(gate.pending) <= 2  # only the current and previous window are held


def test_watchlist_keywords_always_pass_and_idle_keys_are_evicted() -> None:
    gate = _gate()
    assert gate.offer("keyword:acme", _obs("k", 0)) == [("keyword:acme", _obs("k", 0))]
    for post in "abc":
        gate.offer("hashtag:x", _obs(post, 0.5))
    assert "hashtag:x" in gate.admitted
    gate.offer("keyword:acme", _obs("later", 10))
    assert "hashtag:x" not in gate.admitted
    assert gate.offer("hashtag:x", _obs("back", 10.1)) == []


def test_shards_are_stable_and_spread() -> None:
    assert shard_of("hashtag:dance", 64) == shard_of("hashtag:dance", 64)
    assert len({shard_of(f"hashtag:{i}", 64) for i in range(1000)}) == 64


def _released(gate: HeavyHitterGate, offers: list[tuple[str, Observation]]) -> set[str]:
    return {o.post_id for key, obs in offers for _, o in gate.offer(key, obs)}


def test_the_same_posts_pass_whatever_the_interleaving_of_two_partitions() -> None:
    # Window 0 has three posts, window 1 two, window 2 three: in order, 0 is admitted and the
    # key then passes 1 and 2 whole.
    partition_a = [_obs("a0", 0.1), _obs("a1", 0.2), _obs("a2", 1.1), _obs("a3", 2.1)]
    partition_b = [_obs("b0", 0.9), _obs("b1", 1.9), _obs("b2", 2.2), _obs("b3", 2.3)]
    in_order = sorted(partition_a + partition_b, key=lambda o: o.created_at)
    # Partition b read up to two windows ahead of partition a: within the gate's slack.
    skewed = [partition_b[1], partition_a[0], partition_b[2], partition_b[0], partition_a[1]]
    skewed += [partition_a[2], partition_b[3], partition_a[3]]
    expected = _released(_gate(), [("hashtag:x", o) for o in in_order])
    assert expected == {o.post_id for o in in_order}
    gate = replace(_gate(), slack_windows=2)
    assert _released(gate, [("hashtag:x", o) for o in skewed]) == expected


def test_a_window_below_support_stays_out_even_when_a_later_window_admits_the_key() -> None:
    offers = [_obs("late-window", 0.5), *(_obs(f"p{i}", 1.1 + i / 10) for i in range(3))]
    gate = _gate()
    in_order = _released(gate, [("hashtag:x", o) for o in offers])
    # The same posts, the one of window 0 arriving after window 1 admitted the key.
    assert _released(_gate(), [("hashtag:x", o) for o in [*offers[1:], offers[0]]]) == in_order
    assert in_order == {"p0", "p1", "p2"}


def test_posts_hours_behind_the_newest_are_held_while_the_watermark_is_behind_them() -> None:
    # A cluster: one process reads minute 120 while the other is still at minute 0. The newest
    # post must not make the gate forget the slow process's windows; the watermark (the slowest
    # process) decides what no post can reach in time any more.
    def stamped(post: str, minute: float, watermark_minute: float) -> Observation:
        return replace(_obs(post, minute), watermark=T0 + timedelta(minutes=watermark_minute))

    gate = _gate()
    gate.offer("hashtag:x", stamped("slow-a", 0.1, 0))
    gate.offer("hashtag:other", stamped("fast", 120.1, 0))  # the process ahead
    gate.offer("hashtag:x", stamped("slow-b", 0.2, 0))
    released = gate.offer("hashtag:x", stamped("slow-c", 0.3, 0))
    assert [o.post_id for _, o in released] == ["slow-a", "slow-b", "slow-c"]
    # Once the watermark has passed, the held posts of old windows are forgotten.
    gate.offer("hashtag:y", stamped("y", 0.5, 0))
    gate.offer("hashtag:other", stamped("fast-2", 121.1, 30))
    assert "hashtag:y" not in gate.pending

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

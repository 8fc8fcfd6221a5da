"""Early alerts: a spike fires while its window is open, once, with the id its close would give,
and the set of alert ids does not depend on when posts and closed windows reach the monitor."""

from __future__ import annotations

import math
import pickle
import random
import sys
import time
from dataclasses import replace
from datetime import timedelta

from bytewax.connectors.kafka import KafkaSourceMessage
from bytewax.testing import TestingSink, TestingSource, run_main
from flow_samples import (
    T0,
    dance_burst_at_minute_80,
    histogram_count_and_sum,
    kafka_message,
    keyword_sentiment,
)
from monitor_samples import live_alerts, window_stats

from socialpulse.alerts import Alert, Cooldown, alert_id_for
from socialpulse.detection import build_detector
from socialpulse.enrichment import Enricher
from socialpulse.generator import GeneratorConfig, generate_messages
from socialpulse.monitoring import KeyMonitor, MonitorConfig
from socialpulse.text import clean_text
from socialpulse.windows import Observation, WindowStats
from streaming_flows.pulse import FlowConfig, build_flow

MINUTE = timedelta(minutes=1)
KEY = "hashtag:dance"
CONFIG = MonitorConfig(window=MINUTE, min_support=3, early_alerts=True)


# --- one key's monitor, fed by hand -------------------------------------------------------------


def _posts_per_window(counts: list[int]) -> dict[int, list[Observation]]:
    posts: dict[int, list[Observation]] = {}
    for window, count in enumerate(counts):
        posts[window] = [
            Observation(f"p{window:03d}-{i:03d}", T0 + window * MINUTE + i * MINUTE / count, 1, 0.1)
            for i in range(count)
        ]
    return posts


# Sixty calm minutes, a burst over minutes 40-42, a collapse (silent minutes 50-52), and a burst
# in the minute right after the silence.
COUNTS = [5 + (w * 7 % 3) for w in range(60)]
COUNTS[40:43] = [40, 45, 30]
COUNTS[50:53] = [0, 0, 0]
COUNTS[53] = 35


def _schedule(counts: list[int], rng: random.Random | None) -> list[tuple]:
    """The monitor's items in one possible arrival order.

    Each post arrives up to 20 s after its time (None: no posts of open windows at all); a
    window closes after all its posts, 0 to 90 s after its end, in window order; a window
    without posts sends nothing (the monitor fills it in).
    """
    return _schedule_posts(_posts_per_window(counts), rng)


def _schedule_posts(posts: dict[int, list[Observation]], rng: random.Random | None) -> list[tuple]:
    """`_schedule` of the posts of each window (window number -> its posts)."""
    events: list[tuple[float, int, tuple]] = []
    closed_at = -math.inf
    for window, observations in posts.items():
        arrivals = []
        for observation in observations:
            at = (observation.created_at - T0).total_seconds()
            arrival = at + (rng.uniform(0, 20) if rng else 0.0)
            arrivals.append(arrival)
            if rng is not None:
                start = T0 + window * MINUTE
                events.append((arrival, 1, (KEY, start, start + MINUTE, observation)))
        if not observations:
            continue
        end = (window + 1) * 60.0
        closed_at = max(closed_at, end + (rng.uniform(0, 90) if rng else 0.0), *arrivals)
        start = T0 + window * MINUTE
        events.append((closed_at, 0, (KEY, start, start + MINUTE, window_stats(observations))))
    # Ties: the close first (a post at the same instant then belongs to a closed window).
    events.sort(key=lambda event: (event[0], event[1]))
    return [item for _, _, item in events]


def _run_monitor(items: list[tuple], restart_every: int = 0) -> list[Alert]:
    """The monitor's alerts; every `restart_every` items it restarts from its snapshot."""
    monitor = KeyMonitor(CONFIG, None)
    alerts: list[Alert] = []
    for index, item in enumerate(items):
        if restart_every and index % restart_every == restart_every - 1:
            # A restart from the snapshot, through pickle as Bytewax stores it.
            monitor = KeyMonitor(CONFIG, pickle.loads(pickle.dumps(monitor.snapshot())))
        emitted, _ = monitor.on_item(item)
        alerts += emitted
    return alerts


def _ids(alerts: list[Alert]) -> list[str]:
    return sorted(a.alert_id for a in alerts)


def test_a_burst_fires_while_its_window_is_open_once_with_the_close_s_id() -> None:
    # Every post arrives on time, every window closes 30 s after its end.
    items = _schedule(COUNTS, random.Random(0))
    monitor = KeyMonitor(CONFIG, None)
    fired_at: dict[str, int] = {}
    alerts: list[Alert] = []
    for index, item in enumerate(items):
        emitted, _ = monitor.on_item(item)
        alerts += emitted
        for alert in emitted:
            fired_at[alert.alert_id] = index
    burst = [a for a in alerts if a.window_start == T0 + 40 * MINUTE]
    assert len(burst) == 1
    alert = burst[0]
    assert alert.alert_id == alert_id_for("hashtag", "dance", T0 + 40 * MINUTE)
    assert alert.direction == "spike"
    # Fired on a running count, before the window's close reached the monitor.
    close = next(
        index
        for index, item in enumerate(items)
        if isinstance(item[3], WindowStats) and item[1] == alert.window_start
    )
    assert fired_at[alert.alert_id] < close
    seen = sum(
        1
        for item in items[: fired_at[alert.alert_id] + 1]
        if isinstance(item[3], Observation) and item[1] == alert.window_start
    )
    assert seen < COUNTS[40]
    # Each id once: nothing fired again at the close or on later posts.
    assert len(_ids(alerts)) == len(set(_ids(alerts)))


def test_the_alert_ids_do_not_depend_on_arrival_order_or_restarts() -> None:
    alerts = _run_monitor(_schedule(COUNTS, None))
    at_close = _ids(alerts)
    # The burst, and the collapse scored when the key posts again.
    assert ("spike", T0 + 40 * MINUTE) in {(a.direction, a.window_start) for a in alerts}
    assert "drop" in {a.direction for a in alerts}
    for seed in range(25):
        items = _schedule(COUNTS, random.Random(seed))
        assert _ids(_run_monitor(items)) == at_close, seed
        assert _ids(_run_monitor(items, restart_every=7 + seed)) == at_close, seed


def test_a_window_whose_predecessor_is_still_open_waits_for_the_window_before_last() -> None:
    monitor = KeyMonitor(CONFIG, None)
    posts = _posts_per_window(COUNTS)
    for window in range(38):
        start = T0 + window * MINUTE
        monitor.on_item((KEY, start, start + MINUTE, window_stats(posts[window])))
    # Minute 38 has not closed: minute 40 cannot be judged (it needs the detector after 38).
    burst_start = T0 + 40 * MINUTE
    for observation in posts[40]:
        assert monitor.on_item((KEY, burst_start, burst_start + MINUTE, observation))[0] == []
    assert monitor.open_windows[burst_start].posts == COUNTS[40]
    start = T0 + 38 * MINUTE
    alerts, _ = monitor.on_item((KEY, start, start + MINUTE, window_stats(posts[38])))
    # Judged once 38 is learned, on the count it has by then.
    assert [(a.window_start, a.observed) for a in alerts] == [(burst_start, COUNTS[40])]


def test_above_the_expected_count_the_stream_detector_s_score_grows_with_the_count() -> None:
    rng = random.Random(3)
    for level in (2.0, 8.0, 40.0, 300.0):
        detector = build_detector()
        for window in range(200):
            count = max(0, round(rng.gauss(level, math.sqrt(level))))
            x = {"value": float(count), "timestamp": T0 + window * MINUTE}
            detector.verdict_one(x)
            detector.learn_one(x)
        at = T0 + 200 * MINUTE
        expected = detector.verdict_one({"value": level, "timestamp": at}).expected
        scores = [
            detector.verdict_one({"value": float(count), "timestamp": at}).score
            for count in range(math.ceil(expected), int(20 * level) + 50)
        ]
        assert scores == sorted(scores), level
        assert scores[-1] >= CONFIG.score_threshold, level


# --- the cooldown -------------------------------------------------------------------------------


def test_the_cooldown_looks_back_only_whatever_the_order_of_decisions() -> None:
    in_order, reversed_order = Cooldown(timedelta(minutes=15)), Cooldown(timedelta(minutes=15))
    first, second = T0, T0 + MINUTE
    assert in_order.allow(KEY, first, "spike")
    assert not in_order.allow(KEY, second, "spike")
    # The later window decided first (an early alert): the earlier one is still judged only on
    # what came before it, so both go out.
    assert reversed_order.allow(KEY, second, "spike", decided_before=first)
    assert reversed_order.allow(KEY, first, "spike")
    # A third window sees the latest of them.
    assert not reversed_order.allow(KEY, T0 + 5 * MINUTE, "spike")


def test_a_cooldown_from_a_snapshot_of_the_earlier_class_resumes() -> None:
    old = Cooldown.__new__(Cooldown)
    old.__setstate__({"period": timedelta(minutes=15), "last": {KEY: (T0, "spike")}})
    assert not old.allow(KEY, T0 + MINUTE, "spike")
    assert old.allow(KEY, T0 + MINUTE, "drop")


# --- the whole flow -----------------------------------------------------------------------------


def _flow_alerts(
    messages: list[KafkaSourceMessage], config: FlowConfig, batch_size: int, enricher: Enricher
) -> list[Alert]:
    alerts: list[Alert] = []
    flow = build_flow(
        source=TestingSource(messages, batch_size=batch_size),
        dead_letter_sink=TestingSink([]),
        lake_sink=TestingSink([]),
        alert_sinks=[TestingSink(alerts)],
        config=config,
        enricher_factory=lambda: enricher,
    )
    run_main(flow)
    return alerts


def test_through_the_flow_the_burst_fires_early_once_and_as_the_close_would() -> None:
    messages = [kafka_message(i, v) for i, v in enumerate(dance_burst_at_minute_80())]
    enricher = Enricher(["acme"], str.lower, keyword_sentiment)
    monitor = CONFIG
    live = FlowConfig(allowed_lateness=timedelta(seconds=10), monitor=monitor)
    # A day of lateness: every window closes at the end of the input, so all is decided at close.
    at_close = FlowConfig(allowed_lateness=timedelta(days=1), monitor=monitor)
    # One post per batch: the windows' closes keep up with the posts, as in a live stream (in
    # bigger batches a batch's posts reach the monitor before the closes they cause).
    early = [a for a in _flow_alerts(messages, live, 1, enricher) if a.key == "dance"]
    closed = [a for a in _flow_alerts(messages, at_close, 37, enricher) if a.key == "dance"]
    assert [a.alert_id for a in early] == [a.alert_id for a in closed]
    # The burst's first window, and its second (an early alert's cooldown cannot see the
    # window before, which may still be open); the cooldown holds back the rest.
    assert [a.window_start for a in early] == [T0 + 80 * MINUTE, T0 + 81 * MINUTE]
    assert closed[0].observed == 40


def _generated(hours: float, seed: int) -> tuple[GeneratorConfig, list[KafkaSourceMessage]]:
    generator = GeneratorConfig(count=sys.maxsize, seed=seed, duration=timedelta(hours=hours))
    messages = [
        KafkaSourceMessage(m.key, m.value, topic="socialpulse.posts", partition=0, offset=offset)
        for offset, m in enumerate(generate_messages(generator))
    ]
    return generator, messages


def test_generated_stream_gives_the_same_ids_for_any_batch_size_and_at_close() -> None:
    generator, messages = _generated(hours=2, seed=2)
    enricher = Enricher(generator.keywords, clean_text, keyword_sentiment)
    early = MonitorConfig(early_alerts=True)
    live = FlowConfig(watchlist=generator.keywords, monitor=early)
    at_close = FlowConfig(
        watchlist=generator.keywords, allowed_lateness=timedelta(days=1), monitor=early
    )
    big = _flow_alerts(messages, live, 1000, enricher)
    small = _flow_alerts(messages, live, 37, enricher)
    closed = _flow_alerts(messages, at_close, 1000, enricher)
    assert big, "the generated stream should raise alerts"
    assert _ids(big) == _ids(small) == _ids(closed)
    assert len(set(_ids(big))) == len(big)
    # Some fired early: on fewer posts than their window had when it closed.
    final = {alert.alert_id: alert.observed for alert in closed}
    assert any(alert.observed < final[alert.alert_id] for alert in big)


def test_the_bar_is_the_least_count_that_fires_wherever_its_search_starts() -> None:
    monitor = KeyMonitor(CONFIG, None)
    posts = _posts_per_window(COUNTS)
    for window in range(30):
        start = T0 + window * MINUTE
        monitor.on_item((KEY, start, start + MINUTE, window_stats(posts[window])))
    start = T0 + 31 * MINUTE  # the detector has learned minute 29: it judges minute 31
    fires = [
        count
        for count in range(1, 200)
        if (verdict := monitor.detector.verdict_one({"value": float(count), "timestamp": start}))
        and verdict.score >= CONFIG.score_threshold
        and count >= verdict.expected
    ]
    assert fires == list(range(fires[0], 200))
    for guess in (1, 5, fires[0] - 1, fires[0], fires[0] + 1, 30, 10_000):
        monitor.last_bar = guess
        assert monitor._find_bar(KEY, start, monitor.detector).posts == fires[0], guess


def test_a_hashtag_born_viral_fires_in_its_first_window_while_it_is_open() -> None:
    key, start = "hashtag:newtrend", T0 + 10 * MINUTE
    posts = [Observation(f"n{i:03d}", start + i * MINUTE / 40, 1, 0.1) for i in range(40)]
    monitor = KeyMonitor(CONFIG, None)
    fired: list[tuple[int, Alert]] = []
    for count, observation in enumerate(posts, start=1):
        alerts, discard = monitor.on_item((key, start, start + MINUTE, observation))
        assert not discard
        fired += [(count, alert) for alert in alerts]
    assert monitor.detector is None  # not monitored until its first window closes
    closed, _ = monitor.on_item((key, start, start + MINUTE, window_stats(posts)))
    assert closed == []  # fired already: nothing more at the close
    [(count, alert)] = fired
    assert CONFIG.min_support <= count < 40
    assert alert.alert_id == alert_id_for("hashtag", "newtrend", start)
    # Decided at the close alone (no posts of open windows), the same window alerts.
    at_close, _ = KeyMonitor(CONFIG, None).on_item(
        (key, start, start + MINUTE, window_stats(posts))
    )
    assert [a.alert_id for a in at_close] == [alert.alert_id]
    assert at_close[0].observed == 40


def test_a_hashtag_born_late_in_a_window_fires_in_its_second_before_the_first_closes() -> None:
    key, first = "hashtag:latetrend", T0 + 10 * MINUTE
    # Three posts (the support) in the last seconds of its first window: too few for a run of
    # seconds to fire on. Then forty in the next.
    posts = [Observation(f"a{i}", first + timedelta(seconds=57 + i), 1, 0.1) for i in range(3)]
    second = first + MINUTE
    posts += [Observation(f"b{i:02d}", second + i * MINUTE / 40, 1, 0.1) for i in range(40)]
    monitor = KeyMonitor(CONFIG, None)
    fired: list[Alert] = []
    fed_when_fired = 0
    for fed, observation in enumerate(posts, start=1):
        start = first if observation.created_at < second else second
        fired += monitor.on_item((key, start, start + MINUTE, observation))[0]
        fed_when_fired = fed_when_fired or (fed if fired else 0)
    assert monitor.detector is None  # its first window has not closed yet
    assert [a.window_start for a in fired] == [second]
    assert fed_when_fired - 3 < 40  # on a running count of the second window
    # The same ids when the windows are only judged as they close.
    closes = [
        (key, first, second, window_stats(posts[:3])),
        (key, second, second + MINUTE, window_stats(posts[3:])),
    ]
    at_close = KeyMonitor(CONFIG, None)
    decided = [a for item in closes for a in at_close.on_item(item)[0]]
    assert _ids(decided) == _ids(fired)
    # And the monitor that fired early raises nothing more as they close.
    assert [a for item in closes for a in monitor.on_item(item)[0]] == []


# --- runs of seconds: a burst is seen within seconds, whatever its phase in its window ----------


def _calm_and_burst(burst_from: timedelta, rng: random.Random) -> dict[int, list[Observation]]:
    """An hour of 5 to 7 posts a minute at random seconds, then 40 more a minute (one every 1.5
    s) for two minutes from `burst_from` after the hour's start."""
    posts: dict[int, list[Observation]] = {}
    for window in range(63):
        times = sorted(rng.uniform(0, 60) for _ in range(5 + window * 7 % 3))
        posts[window] = [
            Observation(f"c{window:03d}-{i}", T0 + window * MINUTE + timedelta(seconds=s), 1, 0.1)
            for i, s in enumerate(times)
        ]
    for i in range(80):
        at = T0 + burst_from + timedelta(seconds=1.5 * i)
        posts[(at - T0) // MINUTE].append(Observation(f"b{i:03d}", at, 1, 0.1))
    for observations in posts.values():
        observations.sort(key=lambda o: o.created_at)
    return posts


def test_a_burst_late_in_a_window_fires_within_seconds_of_its_first_post() -> None:
    # The burst starts 50 s into minute 60: its window holds 10 s of it.
    burst_from = 60 * MINUTE + timedelta(seconds=50)
    posts = _calm_and_burst(burst_from, random.Random(1))
    # Live: every post on time, every window closed 30 s after its end.
    fired = list(live_alerts(KeyMonitor(CONFIG, None), KEY, T0, posts))
    assert fired, "the burst should alert"
    trigger, alert = fired[0]
    assert trigger is not None
    # Within 15 s of event time from the burst's first post (its window's own bar needs more
    # posts than 10 s of the burst give, and the next window's count starts from zero).
    assert trigger.created_at - (T0 + burst_from) <= timedelta(seconds=15)
    assert alert.direction == "spike"
    assert alert.window_start in (T0 + 60 * MINUTE, T0 + 61 * MINUTE)


def test_runs_of_seconds_give_the_same_ids_in_any_order_and_at_close() -> None:
    for burst_second in (5, 50):
        posts = _calm_and_burst(60 * MINUTE + timedelta(seconds=burst_second), random.Random(2))
        at_close = _ids(_run_monitor(_schedule_posts(posts, None)))
        assert at_close, burst_second
        for seed in range(15):
            items = _schedule_posts(posts, random.Random(seed))
            assert _ids(_run_monitor(items)) == at_close, (burst_second, seed)
            assert _ids(_run_monitor(items, restart_every=5 + seed)) == at_close, (
                burst_second,
                seed,
            )


def test_calm_posts_at_random_seconds_raise_next_to_no_early_alert() -> None:
    # Six hours of a key's ordinary traffic, 2 to 12 posts a minute at random seconds: runs of
    # seconds see clusters by chance all the time; their bars hold them below the alarm level.
    rng = random.Random(4)
    posts: dict[int, list[Observation]] = {}
    for window in range(360):
        count = max(0, round(rng.gauss(7, 2.5)))
        times = sorted(rng.uniform(0, 60) for _ in range(count))
        posts[window] = [
            Observation(f"q{window:03d}-{i}", T0 + window * MINUTE + timedelta(seconds=s), 1, 0.1)
            for i, s in enumerate(times)
        ]
    early = _run_monitor(_schedule_posts(posts, random.Random(5)))
    at_close_only = _run_monitor(_schedule_posts(posts, None))
    assert _ids(early) == _ids(at_close_only)
    assert len(early) <= 1


def test_the_stream_times_each_alert_from_its_post_leaving_the_source() -> None:
    from socialpulse import metrics
    from streaming_flows.pulse import TimedKeyMonitor

    # Every post left the source 3 s before now; the burst fires on one of them.
    emitted_at = time.time() - 3.0
    posts = {
        window: [replace(o, emitted_at=emitted_at) for o in observations]
        for window, observations in _calm_and_burst(
            60 * MINUTE + timedelta(seconds=5), random.Random(3)
        ).items()
    }
    count, total = histogram_count_and_sum(metrics.ALERT_DECISION)
    fired = list(live_alerts(TimedKeyMonitor(KeyMonitor(CONFIG, None)), KEY, T0, posts))
    on_posts = [alert for trigger, alert in fired if trigger is not None]
    assert on_posts, "the burst should alert on a post"
    after_count, after_total = histogram_count_and_sum(metrics.ALERT_DECISION)
    assert after_count - count == len(on_posts)
    assert 3.0 * len(on_posts) <= after_total - total < 4.0 * len(on_posts)

"""One key's monitor fed as the live stream feeds it: each post as it happens (a post of an open
window), each window's stats 30 s after its end (Bytewax's allowed lateness)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from socialpulse.alerts import Alert
from socialpulse.monitoring import KeyMonitor
from socialpulse.windows import Observation, WindowStats
from streaming_flows.pulse import TimedKeyMonitor

MINUTE = timedelta(minutes=1)
CLOSE_AFTER = timedelta(seconds=30)


def window_stats(observations: list[Observation]) -> WindowStats:
    stats = WindowStats()
    for observation in observations:
        stats.add(observation)
    return stats


def live_alerts(
    monitor: KeyMonitor | TimedKeyMonitor,
    key: str,
    start: datetime,
    posts: dict[int, list[Observation]],
) -> Iterator[tuple[Observation | None, Alert]]:
    """Feed `posts` (window number -> its posts; window w starts at `start + w` minutes) live and
    yield each alert with the post whose arrival raised it (None: the last windows' closes).

    A window is closed once a post 30 s past its end arrives, or after the last post; a window
    without posts sends nothing, as Bytewax emits no window for a silent key.
    """
    windows = max(posts, default=-1) + 1
    closed = 0

    def close_until(now: datetime) -> Iterator[Alert]:
        nonlocal closed
        while closed < windows and start + (closed + 1) * MINUTE + CLOSE_AFTER <= now:
            if posts.get(closed):
                begin = start + closed * MINUTE
                yield from monitor.on_item(
                    (key, begin, begin + MINUTE, window_stats(posts[closed]))
                )[0]
            closed += 1

    for post in sorted((p for w in posts.values() for p in w), key=lambda p: p.created_at):
        for alert in close_until(post.created_at):
            yield post, alert
        begin = start + (post.created_at - start) // MINUTE * MINUTE
        for alert in monitor.on_item((key, begin, begin + MINUTE, post))[0]:
            yield post, alert
    for alert in close_until(start + (windows + 1) * MINUTE + CLOSE_AFTER):
        yield None, alert

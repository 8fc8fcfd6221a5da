"""Which keys deserve per-key state: heavy hitters only.

Millions of hashtags appear once and never again. Giving each its own window and detector state
costs memory and time for nothing, so observations pass through a gate first: a hashtag or sound
is admitted once `min_support` of its posts fall in one event-time window (those posts are
released together, so its first window is counted in full); from then on it passes straight
through until it has been idle for `idle_windows`. Watch-list keywords always pass.

The gate is sharded by a hash of the key, so its state is a few dictionaries (one per shard), not
one entry per key in the dataflow's keyed state.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from socialpulse.contracts import KEYWORD_KIND, key_prefix
from socialpulse.windows import NO_WATERMARK, KeyBatch, Observation

# One post of a key, or a key's posts of one window read together (`socialpulse.windows`).
Counted = Observation | KeyBatch
Keyed = tuple[str, Counted]


def shard_of(key: str, shards: int) -> str:
    return str(zlib.crc32(key.encode()) % shards)


@dataclass
class HeavyHitterGate:
    """Admission is a property of (key, window), not of arrival order.

    Posts of one key may arrive slightly out of order (several Kafka partitions, each in order):
    a window's support is counted over all its posts whenever they come, and a key admitted from
    window `w` on lets through every later window, also posts of them that were held before.
    So the same posts pass whatever the interleaving, as long as it stays within `slack_windows`.
    """

    window: timedelta
    align_to: datetime
    min_support: int
    idle_windows: int
    # Windows before the latest one whose held posts are kept, for posts that arrive late.
    slack_windows: int = 1
    # key -> window id -> observations held back while that window is below support
    pending: dict[str, dict[int, list[Counted]]] = field(default_factory=dict)
    # admitted key -> last window id it was seen in
    admitted: dict[str, int] = field(default_factory=dict)
    # admitted key -> first window id it is admitted for
    admitted_from: dict[str, int] = field(default_factory=dict)
    # The window of the highest watermark seen (of the post's own time where it has none).
    latest_window: int = -(2**62)

    def _window_id(self, at: datetime) -> int:
        return int((at - self.align_to) / self.window)

    def offer(self, key: str, observation: Counted) -> list[Keyed]:
        window_id = self._window_id(observation.created_at)
        # Held posts are forgotten by the source's watermark, not by the newest post seen: in a
        # cluster one process may run hours ahead of another, whose posts are not late for that.
        reference = observation.watermark
        if reference is None or reference == NO_WATERMARK:
            reference = observation.created_at
        reference_window = self._window_id(reference)
        if reference_window > self.latest_window:
            self.latest_window = reference_window
            self._forget_old()
        if key.startswith(key_prefix(KEYWORD_KIND)):
            return [(key, observation)]
        if key in self.admitted and window_id >= self.admitted_from[key]:
            self.admitted[key] = max(window_id, self.admitted[key])
            return [(key, observation)]
        held_by_window = self.pending.setdefault(key, {})
        held = held_by_window.setdefault(window_id, [])
        held.append(observation)
        if sum(item.posts for item in held) < self.min_support:
            return []
        # This window reached support: admit the key from here on, with everything held for it
        # and for later windows; earlier windows keep waiting for their own support.
        released = [
            held_observation
            for held_window in sorted(held_by_window)
            if held_window >= window_id
            for held_observation in held_by_window.pop(held_window)
        ]
        if not held_by_window:
            del self.pending[key]
        self.admitted[key] = max(window_id, self.admitted.get(key, window_id))
        self.admitted_from[key] = min(window_id, self.admitted_from.get(key, window_id))
        return [(key, held_observation) for held_observation in released]

    def _forget_old(self) -> None:
        oldest_pending = self.latest_window - self.slack_windows
        pending: dict[str, dict[int, list[Counted]]] = {}
        for key, held_by_window in self.pending.items():
            kept = {w: held for w, held in held_by_window.items() if w >= oldest_pending}
            if kept:
                pending[key] = kept
        self.pending = pending
        oldest_admitted = self.latest_window - self.idle_windows
        self.admitted = {k: w for k, w in self.admitted.items() if w >= oldest_admitted}
        self.admitted_from = {k: w for k, w in self.admitted_from.items() if k in self.admitted}

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

from socialpulse.windows import Observation

Keyed = tuple[str, Observation]


def shard_of(key: str, shards: int) -> str:
    return str(zlib.crc32(key.encode()) % shards)


@dataclass
class HeavyHitterGate:
    window: timedelta
    align_to: datetime
    min_support: int
    idle_windows: int
    # key -> (window id, observations held back while below support in that window)
    pending: dict[str, tuple[int, list[Observation]]] = field(default_factory=dict)
    # admitted key -> last window id it was seen in
    admitted: dict[str, int] = field(default_factory=dict)
    latest_window: int = -(2**62)

    def _window_id(self, at: datetime) -> int:
        return int((at - self.align_to) / self.window)

    def offer(self, key: str, observation: Observation) -> list[Keyed]:
        window_id = self._window_id(observation.created_at)
        if window_id > self.latest_window:
            self.latest_window = window_id
            self._forget_old()
        if key.startswith("keyword:") or key in self.admitted:
            self.admitted[key] = max(window_id, self.admitted.get(key, window_id))
            return [(key, observation)]
        held_window, held = self.pending.get(key, (window_id, []))
        if held_window != window_id:
            held = []  # a new window: support is counted per window
        held.append(observation)
        if len(held) < self.min_support:
            self.pending[key] = (window_id, held)
            return []
        self.pending.pop(key, None)
        self.admitted[key] = window_id
        return [(key, held_observation) for held_observation in held]

    def _forget_old(self) -> None:
        # Keep one window of slack for posts that arrive slightly out of order.
        oldest_pending = self.latest_window - 1
        self.pending = {k: v for k, v in self.pending.items() if v[0] >= oldest_pending}
        oldest_admitted = self.latest_window - self.idle_windows
        self.admitted = {k: w for k, w in self.admitted.items() if w >= oldest_admitted}

"""A streaming detector for per-window post counts, on River's exponentially weighted statistics.

Counts are square-root transformed first (for Poisson-like counts this makes the spread roughly
independent of the level), then compared with an exponentially weighted mean and variance. The
score is the two-sided normal probability of the deviation, in [0, 1]. Windows scored as
anomalous are kept out of the statistics, so a long burst does not become the new normal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from river import stats


@dataclass(frozen=True, slots=True)
class Verdict:
    score: float  # in [0, 1]; 0 while warming up
    expected: float  # expected count
    low: float  # lower edge of the expected band (count)
    high: float  # upper edge of the expected band (count)


class CountDetector:
    """Score a window's count against the key's own history.

    >>> detector = CountDetector(warmup=5)
    >>> for minute in range(30):
    ...     _ = detector.score_one(5.0, None)
    ...     detector.learn_one(5.0, None)
    >>> round(detector.score_one(5.0, None).score, 3), detector.score_one(40.0, None).score > 0.99
    (0.0, True)
    """

    def __init__(
        self,
        alpha: float = 0.05,
        warmup: int = 10,
        min_spread: float = 0.5,
        band_z: float = 3.0,
        learn_threshold: float = 0.999,
    ) -> None:
        self.mean = stats.EWMean(fading_factor=alpha)
        self.var = stats.EWVar(fading_factor=alpha)
        self.warmup = warmup
        self.min_spread = min_spread
        self.band_z = band_z
        self.learn_threshold = learn_threshold
        self.seen = 0
        self._last_score = 0.0

    def _spread(self) -> float:
        return max(math.sqrt(max(self.var.get(), 0.0)), self.min_spread)

    def score_one(self, value: float, at: datetime | None) -> Verdict:
        centre = self.mean.get() if self.seen else math.sqrt(max(value, 0.0))
        spread = self._spread()
        low = max(centre - self.band_z * spread, 0.0) ** 2
        high = (centre + self.band_z * spread) ** 2
        if self.seen < self.warmup:
            self._last_score = 0.0
            return Verdict(0.0, centre**2, low, high)
        z = (math.sqrt(max(value, 0.0)) - centre) / spread
        score = math.erf(abs(z) / math.sqrt(2))
        self._last_score = score
        return Verdict(score, centre**2, low, high)

    def learn_one(self, value: float, at: datetime | None) -> None:
        # The score of the same value was just computed by score_one (score, then learn).
        if self._last_score >= self.learn_threshold:
            return
        transformed = math.sqrt(max(value, 0.0))
        self.mean.update(transformed)
        self.var.update(transformed)
        self.seen += 1


def build_detector() -> CountDetector:
    return CountDetector()

"""VADER as published: its lexicon and rules, which ship inside its PyPI package.

No network and no model download at run time. Scores are VADER's compound score in [-1, 1];
labels use VADER's published cut-offs (±0.05). This is the baseline the stream's default scorer
(`socialpulse.sentiment.fast`) is measured against in benchmarks/sentiment/.
"""

from __future__ import annotations

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

NEUTRAL_BAND = 0.05


def label_for(score: float) -> str:
    if score >= NEUTRAL_BAND:
        return "positive"
    if score <= -NEUTRAL_BAND:
        return "negative"
    return "neutral"


class LexiconScorer:
    def __init__(self) -> None:
        self._analyzer = SentimentIntensityAnalyzer()

    def __call__(self, text: str) -> tuple[str, float]:
        score = self._analyzer.polarity_scores(text)["compound"]
        return label_for(score), score

"""Enrichment of a parsed post: clean text, matched brand keywords, sentiment."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from socialpulse.settings import Settings
from socialpulse.text import clean_text, tokenize

SentimentScorer = Callable[[str], tuple[str, float]]


def keyword_pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    """One regex matching any watch-list term as whole words, case-insensitively.

    Longer terms come first so "acme cola" wins over "acme" where both are watched.
    """
    ordered = sorted({t.strip().lower() for t in terms if t.strip()}, key=len, reverse=True)
    if not ordered:
        return None
    alternatives = "|".join(re.escape(term).replace(r"\ ", r"\s+") for term in ordered)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def match_keywords(
    pattern: re.Pattern[str] | None, text: str, hashtags: Iterable[str], terms: Iterable[str]
) -> list[str]:
    """Watch-list terms mentioned in the text or used as a hashtag (`#acmecola` for "acme cola")."""
    if pattern is None:
        return []
    found = {re.sub(r"\s+", " ", m.group(0).lower()) for m in pattern.finditer(text)}
    squashed = {term.replace(" ", ""): term for term in terms}
    found.update(squashed[tag.lower()] for tag in hashtags if tag.lower() in squashed)
    return sorted(found)


class Enricher:
    def __init__(
        self,
        watchlist: Iterable[str],
        clean: Callable[[str], str],
        sentiment: SentimentScorer,
    ) -> None:
        self.terms = tuple(sorted({t.strip().lower() for t in watchlist if t.strip()}))
        self._pattern = keyword_pattern(self.terms)
        self._clean = clean
        self._sentiment = sentiment

    @classmethod
    def from_settings(cls, settings: Settings) -> Enricher:
        from socialpulse.sentiment import load_stream_scorer

        return cls(settings.watchlist_terms, clean_text, load_stream_scorer())

    def enrich(self, record: dict[str, Any]) -> dict[str, Any]:
        text = record.get("text") or ""
        label, score = self._sentiment(text)
        clean = self._clean(text)
        return {
            **record,
            "clean_text": clean,
            "tokens": tokenize(clean),
            "keywords": match_keywords(
                self._pattern, text, record.get("hashtags") or (), self.terms
            ),
            "sentiment_label": label,
            "sentiment_score": score,
            "ingested_at": datetime.now(UTC),
        }

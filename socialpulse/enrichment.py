"""Enrichment of a parsed post: clean text, matched brand keywords, sentiment."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from socialpulse.settings import Settings
from socialpulse.text import clean_text, tokenize

SentimentScorer = Callable[[str], tuple[str, float]]
log = logging.getLogger(__name__)


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
    """Clean text, tokens, watch-list keywords and sentiment for one post record.

    With a `terms_source`, the watch-list is re-read every `refresh_seconds` (the dashboard's
    editor writes it), so a running stream picks up new brand keywords without a restart; a
    failed read keeps the previous terms.
    """

    def __init__(
        self,
        watchlist: Iterable[str],
        clean: Callable[[str], str],
        sentiment: SentimentScorer,
        *,
        terms_source: Callable[[], Iterable[str]] | None = None,
        refresh_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._set_terms(watchlist)
        self._clean = clean
        self._sentiment = sentiment
        self._terms_source = terms_source
        self._refresh_seconds = refresh_seconds
        self._clock = clock
        self._loaded_at = clock()

    def _set_terms(self, watchlist: Iterable[str]) -> None:
        self.terms = tuple(sorted({t.strip().lower() for t in watchlist if t.strip()}))
        self._pattern = keyword_pattern(self.terms)

    def _refresh(self) -> None:
        now = self._clock()
        if self._terms_source is None or now - self._loaded_at < self._refresh_seconds:
            return
        self._loaded_at = now
        try:
            terms = tuple(self._terms_source())
        except (OSError, ValueError) as error:
            log.warning("keeping the watch-list %s: re-reading it failed: %s", self.terms, error)
            return
        if tuple(sorted({t.strip().lower() for t in terms if t.strip()})) != self.terms:
            self._set_terms(terms)
            log.info("watch-list now %s", ", ".join(self.terms) or "empty")

    @classmethod
    def from_settings(cls, settings: Settings) -> Enricher:
        from socialpulse.models.registry import ModelRegistry
        from socialpulse.sentiment import load_stream_scorer
        from socialpulse.watchlist import load_watchlist

        return cls(
            load_watchlist(settings),
            clean_text,
            load_stream_scorer(
                registry=ModelRegistry.from_settings(settings),
                refresh_seconds=settings.model_refresh_seconds,
            ),
            terms_source=lambda: load_watchlist(settings),
        )

    def enrich(self, record: dict[str, Any]) -> dict[str, Any]:
        return self.enrich_batch([record])[0]

    def enrich_batch(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """`enrich` of each record; the sentiment of the whole batch in one call where the
        scorer has `score_batch` (the built-in and trained scorers have)."""
        self._refresh()
        texts = [record.get("text") or "" for record in records]
        score_batch = getattr(self._sentiment, "score_batch", None)
        if score_batch is not None and len(texts) > 1:
            scored = score_batch(texts)
        else:
            scored = [self._sentiment(text) for text in texts]
        ingested_at = datetime.now(UTC)
        enriched = []
        for record, text, (label, score) in zip(records, texts, scored, strict=True):
            clean = self._clean(text)
            enriched.append(
                {
                    **record,
                    "clean_text": clean,
                    "tokens": tokenize(clean),
                    "keywords": match_keywords(
                        self._pattern, text, record.get("hashtags") or (), self.terms
                    ),
                    "sentiment_label": label,
                    "sentiment_score": score,
                    "ingested_at": ingested_at,
                }
            )
        return enriched

"""Which sentiment scorer the stream and the CLI use: a trained model by path, else the version
promoted in the model registry, else a built-in one (`fast`: hashed word n-grams and a softmax
layer, `ngrams.NgramScorer`; `accurate`: the multilingual encoder and the head shipped in the
package). The stream's scorer follows the registry: a newly promoted version replaces the one
in use within `refresh_seconds`, without a restart."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from socialpulse.sentiment.ngrams import NgramScorer

if TYPE_CHECKING:
    from socialpulse.models.registry import ModelRegistry

log = logging.getLogger(__name__)

MODEL_ENV = "SOCIALPULSE_SENTIMENT_MODEL"
# The registry kind of sentiment models (`socialpulse models promote sentiment VERSION`).
SENTIMENT_KIND = "sentiment"
BuiltinScorer = Literal["fast", "accurate"]

SentimentScorer = Callable[[str], tuple[str, float]]


def load_scorer(
    model_path: str | Path | None = None,
    builtin: BuiltinScorer = "fast",
    registry: ModelRegistry | None = None,
) -> SentimentScorer:
    """The scorer for this process, chosen once: the model at `model_path`, else at
    $SOCIALPULSE_SENTIMENT_MODEL, else the version promoted in `registry` (if one is), else the
    built-in scorer `builtin`. All return (label, score in [-1, 1]) and have
    `score_batch(texts)`."""
    chosen = model_path or os.environ.get(MODEL_ENV) or None
    if chosen:
        return _cached_scorer(str(Path(chosen).resolve()))
    promoted = registry.promoted(SENTIMENT_KIND) if registry else None
    if registry and promoted:
        return _cached_scorer(str(registry.fetch(SENTIMENT_KIND, promoted)))
    return _cached_builtin(builtin)


def load_stream_scorer(
    model_path: str | Path | None = None,
    builtin: BuiltinScorer = "fast",
    registry: ModelRegistry | None = None,
    refresh_seconds: float = 60.0,
    clock: Callable[[], float] = time.monotonic,
) -> SentimentScorer:
    """The stream's scorer (`fast` by default: the `accurate` one embeds about a dozen texts per
    second and core). A model path, given or in $SOCIALPULSE_SENTIMENT_MODEL, is used as it is;
    otherwise, with a `registry`, a `PromotedModelScorer` that follows its promotions."""
    if model_path or os.environ.get(MODEL_ENV) or registry is None:
        return load_scorer(model_path, builtin)
    return PromotedModelScorer(
        registry, lambda: _cached_builtin(builtin), refresh_seconds=refresh_seconds, clock=clock
    )


class PromotedModelScorer:
    """The registry's promoted sentiment version (or `fallback()` while none is promoted),
    re-reading the pointer at most every `refresh_seconds` of `clock` and swapping in a newly
    promoted version. A version that cannot be fetched or loaded is logged and the scorer in
    use kept, and tried again at the next refresh."""

    def __init__(
        self,
        registry: ModelRegistry,
        fallback: Callable[[], SentimentScorer],
        refresh_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._registry = registry
        self._refresh_seconds = refresh_seconds
        self._clock = clock
        # At start, failing is clearer than scoring with another model than the promoted one.
        self.version = registry.promoted(SENTIMENT_KIND)
        self._scorer = self._load(self.version) if self.version else fallback()
        self._checked_at = clock()

    def _load(self, version: str) -> SentimentScorer:
        return _cached_scorer(str(self._registry.fetch(SENTIMENT_KIND, version)))

    def _refresh(self) -> None:
        now = self._clock()
        if now - self._checked_at < self._refresh_seconds:
            return
        self._checked_at = now
        try:
            promoted = self._registry.promoted(SENTIMENT_KIND)
            if promoted is None or promoted == self.version:
                return
            scorer = self._load(promoted)
        # A model that is not ours can fail to fetch or unpickle in many ways; none may stop
        # the stream, which keeps scoring with the model it has.
        except Exception as error:
            log.warning(
                "keeping sentiment model %s: loading the promoted one failed: %s",
                self.version or "(built-in)",
                error,
            )
            return
        log.info("sentiment model now %s (was %s)", promoted, self.version or "built-in")
        self._scorer, self.version = scorer, promoted

    def __call__(self, text: str) -> tuple[str, float]:
        self._refresh()
        return self._scorer(text)

    def score_batch(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        self._refresh()
        batch = getattr(self._scorer, "score_batch", None)
        return batch(texts) if batch else [self._scorer(text) for text in texts]


@lru_cache(maxsize=2)
def _cached_builtin(builtin: BuiltinScorer) -> SentimentScorer:
    # One scorer per process: loading reads the n-gram weights, or maps the encoder's weights.
    if builtin == "fast":
        return NgramScorer.load()
    if builtin == "accurate":
        from socialpulse.sentiment.encoder import load_encoder_scorer

        return load_encoder_scorer()
    raise ValueError(f"unknown built-in sentiment scorer {builtin!r}: fast or accurate")


@lru_cache(maxsize=4)
def _cached_scorer(model_path: str) -> SentimentScorer:
    # One scorer per process and path: loading unpickles the model or reads the head.
    from socialpulse.sentiment.model import load_model

    return load_model(Path(model_path))

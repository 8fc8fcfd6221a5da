"""Which sentiment scorer the stream and the CLI use: a trained model by path, or a built-in one
(`fast`: hashed word n-grams and a softmax layer, `ngrams.NgramScorer`; `accurate`: the
multilingual encoder and the head shipped in the package)."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Literal

from socialpulse.sentiment.ngrams import NgramScorer

MODEL_ENV = "SOCIALPULSE_SENTIMENT_MODEL"
BuiltinScorer = Literal["fast", "accurate"]

SentimentScorer = Callable[[str], tuple[str, float]]


def load_stream_scorer(
    model_path: str | Path | None = None, builtin: BuiltinScorer = "fast"
) -> SentimentScorer:
    """The scorer for this process: the model at `model_path`, else at $SOCIALPULSE_SENTIMENT_MODEL,
    else the built-in scorer `builtin` (`fast` for the stream: the `accurate` one embeds about a
    dozen texts per second and core). All return (label, score in [-1, 1]) and have
    `score_batch(texts)`.
    """
    chosen = model_path or os.environ.get(MODEL_ENV) or None
    if chosen:
        return _cached_scorer(str(Path(chosen).resolve()))
    return _cached_builtin(builtin)


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

"""Which sentiment scorer the stream and the CLI use: the fast one, or a trained model by path."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from socialpulse.sentiment.fast import FastScorer

MODEL_ENV = "SOCIALPULSE_SENTIMENT_MODEL"

SentimentScorer = Callable[[str], tuple[str, float]]


def load_stream_scorer(model_path: str | Path | None = None) -> SentimentScorer:
    """The scorer for this process: the model at `model_path`, else at $SOCIALPULSE_SENTIMENT_MODEL,
    else the fast lexicon scorer shipped with the package. Both return (label, score in [-1, 1]).
    """
    chosen = model_path or os.environ.get(MODEL_ENV) or None
    return _cached_scorer(str(Path(chosen).resolve()) if chosen else None)


@lru_cache(maxsize=4)
def _cached_scorer(model_path: str | None) -> SentimentScorer:
    # One scorer per process and path: loading reads the lexicon or unpickles the model.
    if model_path is None:
        return FastScorer.load()
    from socialpulse.sentiment.model import load_model

    return load_model(Path(model_path))

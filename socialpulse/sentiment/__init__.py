"""Sentiment scoring for the stream and the CLI, training of a classifier, and toxicity flags."""

from socialpulse.sentiment.fast import FastScorer
from socialpulse.sentiment.lexicon import LexiconScorer, label_for
from socialpulse.sentiment.ngrams import NgramScorer
from socialpulse.sentiment.scorers import MODEL_ENV, load_scorer, load_stream_scorer
from socialpulse.sentiment.toxicity_flag import toxicity

__all__ = [
    "MODEL_ENV",
    "FastScorer",
    "LexiconScorer",
    "NgramScorer",
    "label_for",
    "load_model",
    "load_scorer",
    "load_stream_scorer",
    "toxicity",
]


def __getattr__(name: str) -> object:
    # load_model pulls in scikit-learn; the stream's default path does not need it.
    if name == "load_model":
        from socialpulse.sentiment.model import load_model

        return load_model
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

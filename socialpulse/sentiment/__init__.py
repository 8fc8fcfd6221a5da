"""Sentiment scoring for the stream and the CLI."""

from socialpulse.sentiment.lexicon import LexiconScorer, label_for, load_stream_scorer

__all__ = ["LexiconScorer", "label_for", "load_stream_scorer"]

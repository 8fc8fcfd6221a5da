"""Text processing for posts."""

from socialpulse.text.cleaning import clean_text, tokenize
from socialpulse.text.pipeline import content_tokens
from socialpulse.text.stemming import porter_stem
from socialpulse.text.stopwords import remove_stopwords, stopwords_for

__all__ = [
    "clean_text",
    "content_tokens",
    "porter_stem",
    "remove_stopwords",
    "stopwords_for",
    "tokenize",
]

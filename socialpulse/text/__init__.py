"""Text processing for posts."""

from socialpulse.text.cleaning import clean_text, tokenize

__all__ = ["clean_text", "tokenize"]

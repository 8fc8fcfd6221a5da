"""Text processing for posts."""

from socialpulse.text.cleaning import clean_text

__all__ = ["clean_text"]

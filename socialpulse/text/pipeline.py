"""From a raw post to the content words that phrase statistics and word clouds count."""

from __future__ import annotations

from collections.abc import Sequence

from socialpulse.text.cleaning import clean_text, tokenize
from socialpulse.text.stemming import porter_stem
from socialpulse.text.stopwords import remove_stopwords


def content_tokens(text: str, languages: Sequence[str] = ("en",), stem: bool = False) -> list[str]:
    """Clean, tokenize, drop stopwords of `languages` and, if `stem`, Porter-stem English words.

    >>> content_tokens("RT @bob: The new phones are AMAZING!!! https://t.co/x #Launch")
    ['new', 'phones', 'amazing', '#launch']
    >>> content_tokens("The new phones are amazing", stem=True)
    ['new', 'phone', 'amaz']
    """
    tokens = remove_stopwords(tokenize(clean_text(text)), languages)
    return [porter_stem(token) for token in tokens] if stem else tokens

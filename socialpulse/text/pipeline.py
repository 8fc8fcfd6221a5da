"""From a raw post to the content words that phrase statistics and word clouds count."""

from __future__ import annotations

from collections.abc import Sequence

from socialpulse.text.cleaning import clean_text, tokenize
from socialpulse.text.stemming import stem as stem_word
from socialpulse.text.stopwords import remove_stopwords


def content_tokens(text: str, languages: Sequence[str] = ("en",), stem: bool = False) -> list[str]:
    """Clean, tokenize, drop stopwords of `languages` and, if `stem`, stem the words: in the
    post's language when `languages` names just one (it is known), in English otherwise.

    >>> content_tokens("RT @bob: The new phones are AMAZING!!! https://t.co/x #Launch")
    ['new', 'phones', 'amazing', '#launch']
    >>> content_tokens("The new phones are amazing", stem=True)
    ['new', 'phone', 'amaz']
    >>> content_tokens("Las canciones nuevas", ("es",), stem=True)
    ['cancion', 'nuev']
    """
    tokens = remove_stopwords(tokenize(clean_text(text)), languages)
    if not stem:
        return tokens
    language = languages[0] if len(languages) == 1 else None
    return [stem_word(token, language) for token in tokens]

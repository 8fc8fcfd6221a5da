"""Stemming with the Snowball stemmers (the `snowballstemmer` package), per language, so that
"connected", "connecting" and "connection" (or "canciones" and "canción") count as one word in
phrase statistics.

Posts come in English, Spanish, Portuguese, French and German (and Italian, which Snowball also
covers); a post in another or an unknown language is stemmed with the English rules. Only plain
lower-case Latin words are stemmed; anything else (hashtags, mentions, numbers, non-Latin
scripts, emoji) comes back unchanged. Words of one or two letters are left alone.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import snowballstemmer
from snowballstemmer.basestemmer import BaseStemmer

# ISO 639-1 code -> Snowball algorithm.
SNOWBALL_LANGUAGES = {
    "en": "english",
    "es": "spanish",
    "pt": "portuguese",
    "fr": "french",
    "de": "german",
    "it": "italian",
}
DEFAULT_LANGUAGE = "en"
_ASCII_WORD = re.compile(r"[a-z]+")
# Lower-case a-z and the Latin-1 letters (ß, à-ö, ø-ÿ) plus œ: the alphabets of the languages above.
_LATIN_WORD = re.compile(r"[a-zß-öø-ÿœ]+")
# A Snowball stemmer keeps its state between calls: one per algorithm, used under a lock.
_stemmers: dict[str, BaseStemmer] = {}
_lock = threading.Lock()


def _stem_with(algorithm: str, word: str) -> str:
    with _lock:
        stemmer = _stemmers.get(algorithm)
        if stemmer is None:
            stemmer = _stemmers[algorithm] = snowballstemmer.stemmer(algorithm)
        return stemmer.stemWord(word)


def stemming_language(language: str | None) -> str:
    """The language a post is stemmed in: its own when Snowball has it, else English.

    >>> stemming_language("pt"), stemming_language("pt-BR"), stemming_language("ja")
    ('pt', 'pt', 'en')
    >>> stemming_language(None)
    'en'
    """
    code = (language or "").lower().split("-")[0].split("_")[0]
    return code if code in SNOWBALL_LANGUAGES else DEFAULT_LANGUAGE


@lru_cache(maxsize=65536)
def stem(word: str, language: str | None = DEFAULT_LANGUAGE) -> str:
    """The Snowball stem of `word` in the post's `language` (English when unknown).

    >>> [stem(w, "es") for w in ["canciones", "canción"]]
    ['cancion', 'cancion']
    >>> [stem(w, "de") for w in ["häuser", "häusern"]]
    ['haus', 'haus']
    >>> [stem(w) for w in ["#loving", "東京", "2026", "ok"]]
    ['#loving', '東京', '2026', 'ok']
    """
    if len(word) <= 2 or not _LATIN_WORD.fullmatch(word):
        return word
    return _stem_with(SNOWBALL_LANGUAGES[stemming_language(language)], word)


@lru_cache(maxsize=65536)
def porter_stem(word: str) -> str:
    """The Porter (1980) stem of an English word (Snowball's `porter`); other tokens unchanged.

    >>> [porter_stem(w) for w in ["caresses", "ponies", "relational", "hopping", "happy"]]
    ['caress', 'poni', 'relat', 'hop', 'happi']
    >>> [porter_stem(w) for w in ["#loving", "été", "東京", "2026"]]
    ['#loving', 'été', '東京', '2026']
    """
    if len(word) <= 2 or not _ASCII_WORD.fullmatch(word):
        return word
    return _stem_with("porter", word)

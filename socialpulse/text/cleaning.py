"""Cleaning of social media text: what the keyword matcher, word counts and models read."""

from __future__ import annotations

import html
import re

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@\w{1,30}")
# Three or more of the same letter become two: "soooo" -> "soo" keeps the emphasis as a signal.
_REPEATS = re.compile(r"(\w)\1{2,}")
_SPACES = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """Unescape HTML, drop URLs and @mentions, squeeze repeated letters and whitespace.

    Emoji and hashtags stay: both carry sentiment and topic.

    >>> clean_text("Sooooo good!!! &amp; @bob see https://t.co/x 😍 #Dance")
    'Soo good!!! & see 😍 #Dance'
    """
    text = html.unescape(text)
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _REPEATS.sub(r"\1\1", text)
    return _SPACES.sub(" ", text).strip()


_TOKEN = re.compile("#?\\w[\\w'\u2019]*", re.UNICODE)  # apostrophes: l'été, l\u2019été


def tokenize(clean: str) -> list[str]:
    """Lower-cased word tokens of cleaned text, hashtags kept with their `#`.

    >>> tokenize("Soo good!!! Ça va? #Dance l'été 2026")
    ['soo', 'good', 'ça', 'va', '#dance', "l'été", '2026']
    """
    return [token.lower() for token in _TOKEN.findall(clean)]

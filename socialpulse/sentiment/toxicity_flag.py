"""A toxicity flag from a small offline lexicon (`data/toxic_terms.txt`), robust to the usual
disguises: masking ("f*ck", "sh#t"), leetspeak ("sh1t", "@ss"), separators ("f.u.c.k"),
stretched letters ("fuuuuck"), stylised Unicode letters and common English endings ("idiots").

Limits, by design of a word list (see docs/sentiment.md): English only; blind to context, so
quoting, reporting or reclaiming a word flags the same as using it ("Dick" the name, "chink in
the armour", "fags" meaning cigarettes); misses insults made of ordinary words, sarcasm and new
slang; and masking that leaves fewer than two letters ("f***") is not guessed at.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib.resources import files
from typing import NamedTuple

_LEET = str.maketrans("013457@$!", "oieastasi")
_TOKEN = re.compile(r"[\w@$*#!.'\-]+")
_EDGES = ".-_'!"
_SEPARATORS = re.compile(r"(?<=\w)[.\-_](?=\w)")
_STRETCHED = re.compile(r"(\w)\1{2,}")
_RUNS = re.compile(r"(\w)\1+")
_MASKS = "*#"
_ENDINGS = ("ings", "ing", "ers", "er", "ed", "es", "s", "in", "y", "z")


class ToxicityFlag(NamedTuple):
    flag: bool
    matched_terms: tuple[str, ...]


class ToxicLexicon(NamedTuple):
    categories: dict[str, str]  # term -> profanity | insult | hate | threat
    words: frozenset[str]  # whole-word terms
    inside_words: tuple[str, ...]  # terms that also match inside longer words
    phrases: tuple[str, ...]


@lru_cache(maxsize=1)
def toxic_lexicon() -> ToxicLexicon:
    text = files("socialpulse.sentiment").joinpath("data/toxic_terms.txt").read_text("utf-8")
    categories: dict[str, str] = {}
    words: set[str] = set()
    inside: list[str] = []
    phrases: list[str] = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        category, term = line.split("\t")
        term = term.strip().lower()
        if term.endswith("*"):
            term = term[:-1]
            inside.append(term)
        if " " in term:
            phrases.append(term)
        else:
            words.add(term)
        categories[term] = category
    return ToxicLexicon(categories, frozenset(words), tuple(inside), tuple(phrases))


def _normalise(token: str) -> str:
    token = token.strip(_EDGES)
    token = _SEPARATORS.sub("", token)
    return token.translate(_LEET)


def _stems(word: str) -> list[str]:
    forms = [word]
    forms += [word[: -len(e)] for e in _ENDINGS if word.endswith(e) and len(word) - len(e) >= 3]
    return forms


@lru_cache(maxsize=1)
def _mask_tolerant() -> tuple[tuple[str, re.Pattern[str], bool], ...]:
    """Per single-word term, a regex where any letter but the first may be masked:
    "fuck" -> f[u*#][c*#][k*#]. Disguises keep the first letter; without it guesses go wild."""
    lexicon = toxic_lexicon()
    endings = "|".join(_ENDINGS)
    compiled = []
    for term in sorted(lexicon.words):
        body = re.escape(term[0]) + "".join(
            f"[{re.escape(c)}{re.escape(_MASKS)}]" for c in term[1:]
        )
        inside = term in lexicon.inside_words
        pattern = body if inside else rf"{body}(?:{endings})?"
        compiled.append((term, re.compile(pattern), inside))
    return tuple(compiled)


def _masked_match(token: str) -> str | None:
    if sum(c.isalpha() for c in token) < 2:
        return None  # "f***" or "****" could be anything
    for term, pattern, inside in _mask_tolerant():
        if len(term) >= 3 and (pattern.search(token) if inside else pattern.fullmatch(token)):
            return term
    return None


def _word_match(word: str, lexicon: ToxicLexicon) -> str | None:
    candidates = [word]
    if _STRETCHED.search(word):
        # "fuuuuck" -> "fuck"; only for clearly stretched words, so "ass" never becomes "as".
        candidates += [_STRETCHED.sub(r"\1\1", word), _RUNS.sub(r"\1", word)]
    for candidate in candidates:
        for form in _stems(candidate):
            if form in lexicon.words:
                return form
        for term in lexicon.inside_words:
            if term in candidate:
                return term
    return None


def toxicity(text: str) -> ToxicityFlag:
    """Whether the post uses a listed toxic term, and which (canonical forms, sorted).

    >>> toxicity("what a f*cking id10t")
    ToxicityFlag(flag=True, matched_terms=('fuck', 'idiot'))
    >>> toxicity("Scunthorpe United won 3-1").flag
    False
    """
    lexicon = toxic_lexicon()
    plain = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'")
    words = [_normalise(token) for token in _TOKEN.findall(plain)]
    found: set[str] = set()
    for word in words:
        if not word:
            continue
        match = (
            _masked_match(word) if any(c in _MASKS for c in word) else _word_match(word, lexicon)
        )
        if match:
            found.add(match)
    joined = f" {' '.join(w for w in words if w)} "
    found.update(phrase for phrase in lexicon.phrases if f" {phrase} " in joined)
    return ToxicityFlag(bool(found), tuple(sorted(found)))

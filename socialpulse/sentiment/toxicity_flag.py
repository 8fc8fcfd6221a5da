"""A toxicity flag from a small offline lexicon (`data/toxic_terms.txt`), robust to the usual
disguises: masking ("f*ck", "sh#t"), leetspeak ("sh1t", "@ss"), separators ("f.u.c.k"),
stretched letters ("fuuuuck"), stylised Unicode letters and common English endings ("idiots").
Terms marked `*` also match inside a longer word, but only as a compound of known parts
("motherfucker", "shithead", "#fuckoff"), so "shitake" and "#parikshitsolutions" are not flagged.

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
# Punctuation inside a token: a disguise ("sh!t", "f.u.c.k") or two words run together
# ("bitch!shut", "scream.bitch", "fuck@user"); the pieces are looked up as well.
_JOINS = re.compile(r"[^\w*]+")
_EDGES = ".-_'!"
_SEPARATORS = re.compile(r"(?<=\w)[.\-_](?=\w)")
_STRETCHED = re.compile(r"(\w)\1{2,}")
_RUNS = re.compile(r"(\w)\1+")
_MASKS = "*#"
_ENDINGS = ("ings", "ing", "ers", "er", "ed", "es", "s", "in", "y", "z")
# A `*` term inside a longer word counts only as part of a compound. Before it: nothing or a
# listed word (names such as "Parikshit" or "Harshit" end in "shit", so the words that go in
# front are listed rather than guessed). After it: nothing, endings ("shitty" with its doubled
# letter), a listed word, or a word glued on that starts with a consonant ("#fuckbitches",
# "shitlibs"); a vowel there is another word that happens to hold the letters ("shitake").
# Word lists as text: one per line in a list literal would take sixty lines.
_COMPOUND_PREFIXES = frozenset(
    "mother motha bull horse ape bat rat chicken dip dog cluster holy dumb fat sonofa sonuva "  # noqa: SIM905
    "jack lame crazy silly funny stupid lazy little big old total abso un as go ho okay resting "
    "ass the your ur my he she you this what lil".split()
)
_COMPOUND_SUFFIXES = "head face wit wad bag hole ass off up it out all".split()  # noqa: SIM905
_COMPOUND_ENDINGS = (*_ENDINGS, "iest", "ier", "ies", "ery", "ey", "en", "e", "able")
_COMPOUND_TAIL = re.compile(
    rf"(?:{'|'.join(_COMPOUND_SUFFIXES)})?(?:{'|'.join(_COMPOUND_ENDINGS)}){{0,2}}"
    r"(?:[^aeiou\W\d_].*)?"
)


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
    # A leading "#" marks a hashtag, not a masked first letter (which is never guessed at).
    token = token.strip(_EDGES).lstrip("#")
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


def _compound(word: str, term: str, start: int, end: int) -> bool:
    """Whether `word[start:end]`, an occurrence of `term`, is part of a compound within its run
    of letters (and masks): "mother|fuck|ers", "shit|ty", "fuck|bitches", not "pariks|shit"."""
    left, right = start, end
    while left and (word[left - 1].isalpha() or word[left - 1] in _MASKS):
        left -= 1
    while right < len(word) and (word[right].isalpha() or word[right] in _MASKS):
        right += 1
    prefix, tail = word[left:start], word[end:right].rstrip(_MASKS)
    if prefix and prefix not in _COMPOUND_PREFIXES:
        return False
    if tail.startswith(term[-1]) and _COMPOUND_TAIL.fullmatch(tail[1:]):
        return True  # a doubled last letter before an ending: "shitty"
    return _COMPOUND_TAIL.fullmatch(tail) is not None


def _inside_match(word: str, term: str, pattern: re.Pattern[str] | None = None) -> bool:
    """Whether `term` (or `pattern`, its masked form) occurs in `word` as part of a compound."""
    if pattern is not None:
        spans = [m.span() for m in pattern.finditer(word)]
    else:
        spans = []
        start = word.find(term)
        while start != -1:
            spans.append((start, start + len(term)))
            start = word.find(term, start + 1)
    return any(_compound(word, term, start, end) for start, end in spans)


def _masked_match(token: str) -> str | None:
    if sum(c.isalpha() for c in token) < 2:
        return None  # "f***" or "****" could be anything
    for term, pattern, inside in _mask_tolerant():
        if len(term) < 3:
            continue
        if _inside_match(token, term, pattern) if inside else pattern.fullmatch(token):
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
            if term in candidate and _inside_match(candidate, term):
                return term
    return None


def _candidates(token: str, word: str) -> list[str]:
    """The normalised token and, when punctuation splits it, its normalised pieces."""
    inner = token.strip(_EDGES).lstrip("#")
    pieces = [_normalise(piece) for piece in _JOINS.split(inner)] if _JOINS.search(inner) else []
    return [w for w in (word, *pieces) if w]


def toxicity(text: str) -> ToxicityFlag:
    """Whether the post uses a listed toxic term, and which (canonical forms, sorted).

    >>> toxicity("what a f*cking id10t")
    ToxicityFlag(flag=True, matched_terms=('fuck', 'idiot'))
    >>> toxicity("Scunthorpe United won 3-1").flag
    False
    >>> toxicity("shitake risotto by #parikshitsolutions").flag
    False
    """
    lexicon = toxic_lexicon()
    plain = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'")
    raw_tokens = _TOKEN.findall(plain)
    words = [_normalise(token) for token in raw_tokens]
    found: set[str] = set()
    for token, word in zip(raw_tokens, words, strict=True):
        for candidate in _candidates(token, word):
            match = (
                _masked_match(candidate)
                if any(c in _MASKS for c in candidate)
                else _word_match(candidate, lexicon)
            )
            if match:
                found.add(match)
    joined = f" {' '.join(w for w in words if w)} "
    found.update(phrase for phrase in lexicon.phrases if f" {phrase} " in joined)
    return ToxicityFlag(bool(found), tuple(sorted(found)))

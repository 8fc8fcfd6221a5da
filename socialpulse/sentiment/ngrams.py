"""The stream's default scorer: hashed word n-grams and a linear softmax layer, in numpy.

A post is normalised (lower-cased; `\\uXXXX` escapes and HTML entities decoded; URLs, @mentions
and digit runs written as placeholder words; letters repeated three or more times squeezed to
two), split into tokens (words, emoticons, runs of "!"/"?", ellipses, one emoji per token), and
each unigram and bigram is hashed into one of `buckets` rows of a weight table with crc32 (so a
token lands in the same row in every process; Python's `hash()` would not). The logits are the
sum of those rows, plus a bias, plus five lexicon numbers times their weights
(`valence_features`: VADER's valences of the same tokens, with negation); label = most
probable class, score = P(positive) - P(negative), in [-1, 1]. `score_batch` does the sums for
a whole batch in numpy; one text at a time runs in plain Python (no numpy call per text).

The shipped weights (`data/fast_ngrams.npz`) are a class-balanced multinomial logistic
regression fitted on SemEval 2013-16 English tweets and UMSAB train (8 languages), less copies
of TweetEval and UMSAB validation tweets; `benchmarks/sentiment/fit_fast_ngrams.py` regenerates
them and records their provenance in the file. See docs/sentiment.md.
"""

from __future__ import annotations

import html
import io
import json
import math
import re
import zlib
from array import array
from collections.abc import Sequence
from importlib.resources import files
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from socialpulse.sentiment.encoder import _ESCAPE, _unescape_json_escapes
from socialpulse.sentiment.fast import LABELS, softmax, verdict
from socialpulse.sentiment.features import NEGATION_SCALAR, NEGATIONS, NORMALIZE_ALPHA, valences

DEFAULT_WEIGHTS = files("socialpulse.sentiment").joinpath("data/fast_ngrams.npz")
FORMAT_VERSION = 1

_URL = re.compile(r"https?://\S+|www\.\S+|\bhttp\b")
_USER = re.compile(r"(?<!\w)@\w+")
_STRETCH = re.compile(r"(\w)\1\1+")
_NUMBER = re.compile(r"\d+")
# Words first (most tokens), then !?-runs (cut in pieces of at most three), emoticons of the
# lower-cased text (:) ;-( :d =p and reversed), ellipses, one emoji per token.
_TOKEN = re.compile(
    r"\w+(?:'\w+)*|[!?]{1,3}|[:;=x][\-o\*']?[\)\]\(\[dp/\\|3]+(?!\w)|[\)\(][\-o']?[:;=]"
    r"|\.\.\.?|\u2026|[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff]"
)


def normalise(text: str) -> str:
    """Lower-cased text with escapes decoded, URLs and mentions as placeholder words, digit
    runs as 0, letters repeated three or more times squeezed to two, <3 as a heart.

    >>> normalise("Soooo GOOD!!! @bob http://t.co/x at 10am <3")
    'soo good!!!  usertoken   urltoken  at 0am  \u2665 '
    """
    if "\\u" in text:
        text = _ESCAPE.sub(_unescape_json_escapes, text)
    if "&" in text:
        text = html.unescape(text)
    text = text.lower().replace("\u2019", "'")
    if "http" in text or "www." in text:
        text = _URL.sub(" urltoken ", text)
    if "@" in text:
        text = _USER.sub(" usertoken ", text)
    if "<3" in text:
        text = text.replace("<3", " \u2665 ")
    text = _NUMBER.sub("0", text)
    return _STRETCH.sub(r"\1\1", text)


def tokens(text: str) -> list[str]:
    """The normalised text's tokens.

    >>> tokens("Je DÉTESTE ce produit :( !!!!")
    ['je', 'déteste', 'ce', 'produit', ':(', '!!!', '!']
    """
    return _TOKEN.findall(normalise(text))


_CACHE: dict[str, int] = {}
_CACHE_LIMIT = 100_000  # words (about 12 MB); cleared when full: results never depend on it
BIGRAM_MULTIPLIER = 0x01000193  # bigram hash = (crc32(a) * M) ^ crc32(b), before masking


def word_hashes(words: Sequence[str]) -> list[int]:
    """crc32 of each word's UTF-8 bytes: the same numbers in every process and on every machine."""
    get = _CACHE.get
    hashes = [get(w, -1) for w in words]
    if -1 in hashes:
        if len(_CACHE) > _CACHE_LIMIT:
            _CACHE.clear()
        for i, h in enumerate(hashes):
            if h == -1:
                hashes[i] = _CACHE[words[i]] = zlib.crc32(words[i].encode("utf-8"))
    return hashes


def hashed_features(text: str, buckets: int) -> list[int]:
    """Rows of the text's unigrams, then of its bigrams, in a table of `buckets` (a power of
    two); a row appears once per occurrence."""
    return _rows(word_hashes(tokens(text)), buckets - 1)


def _rows(hashes: list[int], mask: int) -> list[int]:
    m = BIGRAM_MULTIPLIER
    return [h & mask for h in hashes] + [(a * m ^ b) & mask for a, b in pairwise(hashes)]


def batch_rows(word_lists: Sequence[Sequence[str]], buckets: int) -> tuple[np.ndarray, np.ndarray]:
    """What `hashed_features` gives, for a batch at once: the text number and the row of every
    unigram and bigram (words hashed once per batch, bigrams in numpy)."""
    flat = [word for words in word_lists for word in words]
    hashes = np.asarray(word_hashes(flat), dtype=np.uint64)
    rows = np.repeat(np.arange(len(word_lists)), [len(words) for words in word_lists])
    mask = np.uint64(buckets - 1)
    index = hashes & mask
    if len(hashes) > 1:
        same = rows[1:] == rows[:-1]
        pairs = (hashes[:-1] * np.uint64(BIGRAM_MULTIPLIER) ^ hashes[1:]) & mask
        index = np.concatenate([index, pairs[same]])
        rows = np.concatenate([rows, rows[:-1][same]])
    return rows, index.astype(np.intp)


VALENCE_FEATURES = (
    "compound",
    "positive_mass",
    "negative_mass",
    "positive_words",
    "negative_words",
)


def valence_features(words: Sequence[str]) -> tuple[float, float, float, float, float]:
    """Five lexicon numbers over the n-gram tokens, a cheap stand-in for the fast lexicon
    features (`features.lexicon_features`, which tokenises again and costs as much as all the
    rest): VADER's valences (`features.valences`, emoji included) summed, a sentiment word within
    three words after a negation flipped (x -0.74); VADER-style compound of the total, log of
    positive and negative mass and of the counts of positive and negative words.

    >>> [round(x, 2) for x in valence_features(tokens("not good at all, but I love it 😍"))]
    [0.78, 1.97, 0.88, 1.1, 0.69]
    """
    get = valences().get
    pos = neg = 0.0
    positive = negative = negate = 0
    for word in words:
        valence = get(word)
        if valence is None:
            if word in NEGATIONS or word.endswith("n't"):
                negate = 3
            elif negate:
                negate -= 1
            continue
        if negate:
            valence *= NEGATION_SCALAR
            negate = 0
        if valence > 0:
            pos += valence
            positive += 1
        elif valence < 0:
            neg -= valence
            negative += 1
    total = pos - neg
    return (
        total / math.sqrt(total * total + NORMALIZE_ALPHA),
        math.log1p(pos),
        math.log1p(neg),
        math.log1p(positive),
        math.log1p(negative),
    )


class NgramScorer:
    """`scorer(text) -> (label, score)` and `scorer.score_batch(texts)`; no scikit-learn."""

    def __init__(
        self,
        bucket_weights: np.ndarray,
        bias: Sequence[float],
        valence_weights: np.ndarray,
        provenance: dict[str, Any] | None = None,
    ) -> None:
        weights = np.ascontiguousarray(bucket_weights, dtype=np.float32)
        buckets = len(weights)
        if weights.ndim != 2 or weights.shape[1] != len(LABELS) or buckets & (buckets - 1):
            raise ValueError(f"bucket weights must be (2**k, {len(LABELS)}), got {weights.shape}")
        self.weights = weights
        self.buckets = buckets
        self.bias = np.asarray(bias, dtype=np.float64).reshape(len(LABELS))
        self.valence_weights = np.asarray(valence_weights, dtype=np.float64).reshape(
            len(VALENCE_FEATURES), len(LABELS)
        )
        self.provenance = dict(provenance or {})
        # For one text at a time: plain-Python views (one float32 column per label).
        self._columns = []
        for k in range(len(LABELS)):
            column = array("f")
            column.frombytes(np.ascontiguousarray(weights[:, k]).tobytes())
            self._columns.append(column)
        self._bias = self.bias.tolist()
        self._valence = self.valence_weights.T.tolist()  # per label

    # -- scoring

    def probabilities(self, text: str) -> tuple[float, float, float]:
        words = tokens(text)
        rows = _rows(word_hashes(words), self.buckets - 1)
        lexicon = valence_features(words)
        logits = [
            bias + sum(map(column.__getitem__, rows)) + sum(map(float.__mul__, lexicon, weights))
            for bias, column, weights in zip(self._bias, self._columns, self._valence, strict=True)
        ]
        return softmax(logits)

    def __call__(self, text: str) -> tuple[str, float]:
        return verdict(text, self.probabilities)

    def logits_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Each text's logits; words hashed once per batch, bigrams and sums in numpy."""
        n = len(texts)
        word_lists = [tokens(text) for text in texts]
        lexicon = [valence_features(words) for words in word_lists]
        rows, index = batch_rows(word_lists, self.buckets)
        gathered = self.weights[index]
        out = np.empty((n, len(LABELS)))
        for k in range(len(LABELS)):
            out[:, k] = np.bincount(rows, weights=gathered[:, k], minlength=n)
        out += self.bias
        out += np.array(lexicon, dtype=np.float64).reshape(n, -1) @ self.valence_weights
        return out

    def score_batch(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """`[scorer(text) for text in texts]`, faster."""
        texts = list(texts)
        if not texts:
            return []
        logits = self.logits_batch(texts)
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        best = probs.argmax(axis=1)
        scores = probs[:, 2] - probs[:, 0]
        return [
            (LABELS[b], s) if text.strip() else ("neutral", 0.0)
            for text, b, s in zip(texts, best.tolist(), scores.tolist(), strict=True)
        ]

    # -- storage

    def save(self, path: Path) -> None:
        """A compressed .npz: float16 bucket weights, float64 bias and valence weights, and the
        provenance as JSON text (it loads with allow_pickle=False)."""
        with path.open("wb") as handle:
            np.savez_compressed(
                handle,
                format_version=np.array(FORMAT_VERSION),
                labels=np.array(LABELS),
                bucket_weights=self.weights.astype(np.float16),
                bias=self.bias,
                valence_features=np.array(VALENCE_FEATURES),
                valence_weights=self.valence_weights,
                provenance=np.array(json.dumps(self.provenance, sort_keys=True)),
            )

    @classmethod
    def load(cls, path: Path | None = None) -> NgramScorer:
        """The shipped weights (package data), or those saved at `path`."""
        raw = path.read_bytes() if path else DEFAULT_WEIGHTS.read_bytes()
        with np.load(io.BytesIO(raw), allow_pickle=False) as data:
            if int(data["format_version"]) != FORMAT_VERSION or tuple(data["labels"]) != LABELS:
                raise ValueError(
                    f"{path or DEFAULT_WEIGHTS}: not n-gram weights of format "
                    f"{FORMAT_VERSION} for labels {LABELS}"
                )
            if tuple(data["valence_features"]) != VALENCE_FEATURES:
                raise ValueError(
                    f"n-gram weights are for lexicon features {list(data['valence_features'])}, "
                    f"this code computes {list(VALENCE_FEATURES)}: refit them with "
                    "benchmarks/sentiment/fit_fast_ngrams.py"
                )
            return cls(
                data["bucket_weights"],
                data["bias"],
                data["valence_weights"],
                json.loads(str(data["provenance"])),
            )

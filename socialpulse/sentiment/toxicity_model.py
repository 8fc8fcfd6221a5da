"""A trained toxicity classifier: hashed word n-grams and the lexicon's categories, in numpy.

A post goes through the fast sentiment scorer's tokeniser and hashing (`ngrams.tokens`,
`ngrams.word_hashes`: unigrams and bigrams, crc32 into `buckets` rows), and through the toxicity
word list (`toxicity_flag.toxicity`), whose matches count per category (profanity, insult, hate,
threat) as four more features. One or more logistic heads (e.g. one for hate speech and one for
offensive language) each give a logit; each head's decision threshold, chosen by
cross-validation on the training data, is moved to 0.5 (`sigmoid(logit - logit(threshold))`),
and the post's score is the highest head's. So `toxic` is exactly `score >= 0.5`, and a score
is comparable across heads; it is a ranking in [0, 1], not a calibrated probability.

The shipped weights (`data/toxicity_ngrams.npz`) are fitted on the TweetEval hate and offensive
train splits by `benchmarks/toxicity/fit_toxicity.py`, which records in the file how the heads,
C and thresholds were chosen and what they scored on the validation splits. English only, like
the data. See docs/sentiment.md.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from socialpulse.sentiment.ngrams import batch_rows, tokens
from socialpulse.sentiment.toxicity_flag import toxic_lexicon, toxicity

DEFAULT_WEIGHTS = files("socialpulse.sentiment").joinpath("data/toxicity_ngrams.npz")
FORMAT_VERSION = 1
LEXICON_FEATURES = ("profanity", "insult", "hate", "threat")


def lexicon_features(text: str) -> tuple[float, ...]:
    """How many distinct listed terms of each category (`LEXICON_FEATURES`) the text uses.

    >>> lexicon_features("you stupid f*cking idiot")
    (1.0, 2.0, 0.0, 0.0)
    """
    categories = toxic_lexicon().categories
    counts = dict.fromkeys(LEXICON_FEATURES, 0.0)
    for term in toxicity(text).matched_terms:
        counts[categories[term]] += 1
    return tuple(counts.values())


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


class ToxicityScorer:
    """`scorer(text) -> (toxic, score)` and `scorer.score_batch(texts)`; no scikit-learn."""

    def __init__(
        self,
        heads: Sequence[str],
        bucket_weights: np.ndarray,
        bias: Sequence[float],
        lexicon_weights: np.ndarray,
        thresholds: Sequence[float],
        provenance: dict[str, Any] | None = None,
    ) -> None:
        self.heads = tuple(heads)
        n = len(self.heads)
        weights = np.asarray(bucket_weights, dtype=np.float32).reshape(len(bucket_weights), n)
        buckets = len(weights)
        if buckets & (buckets - 1):
            raise ValueError(f"bucket weights need a power-of-two number of rows, got {buckets}")
        self.weights = weights
        self.buckets = buckets
        self.bias = np.asarray(bias, dtype=np.float64).reshape(n)
        self.lexicon_weights = np.asarray(lexicon_weights, dtype=np.float64).reshape(
            len(LEXICON_FEATURES), n
        )
        self.thresholds = np.asarray(thresholds, dtype=np.float64).reshape(n)
        if not ((self.thresholds > 0) & (self.thresholds < 1)).all():
            raise ValueError(f"thresholds must lie in (0, 1), got {self.thresholds.tolist()}")
        # Each head's threshold lands at logit 0, i.e. score 0.5.
        self._offset = self.bias - np.array([_logit(t) for t in self.thresholds])
        self.provenance = dict(provenance or {})

    # -- scoring

    def head_logits(self, texts: Sequence[str]) -> np.ndarray:
        """(texts, heads) logits, threshold-centred; words hashed once per batch."""
        n = len(texts)
        rows, index = batch_rows([tokens(text) for text in texts], self.buckets)
        lexicon = np.array([lexicon_features(text) for text in texts], dtype=np.float64)
        gathered = self.weights[index]
        out = np.empty((n, len(self.heads)))
        for k in range(len(self.heads)):
            out[:, k] = np.bincount(rows, weights=gathered[:, k], minlength=n)
        out += self._offset
        out += lexicon.reshape(n, -1) @ self.lexicon_weights
        return out

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Each text's score in [0, 1] (blank text 0): the highest head's."""
        texts = list(texts)
        if not texts:
            return np.zeros(0)
        best = self.head_logits(texts).max(axis=1)
        result = 1 / (1 + np.exp(-best))
        result[[not text.strip() for text in texts]] = 0.0
        return result

    def score_batch(self, texts: Sequence[str]) -> list[tuple[bool, float]]:
        """`[scorer(text) for text in texts]`, faster."""
        return [(s >= 0.5, s) for s in self.scores(texts).tolist()]

    def __call__(self, text: str) -> tuple[bool, float]:
        return self.score_batch([text])[0]

    # -- storage

    def save(self, path: Path) -> None:
        """A compressed .npz: float16 bucket weights, float64 bias, lexicon weights and
        thresholds, and the provenance as JSON text (it loads with allow_pickle=False)."""
        with path.open("wb") as handle:
            np.savez_compressed(
                handle,
                format_version=np.array(FORMAT_VERSION),
                heads=np.array(self.heads),
                bucket_weights=self.weights.astype(np.float16),
                bias=self.bias,
                lexicon_features=np.array(LEXICON_FEATURES),
                lexicon_weights=self.lexicon_weights,
                thresholds=self.thresholds,
                provenance=np.array(json.dumps(self.provenance, sort_keys=True)),
            )

    @classmethod
    def load(cls, path: Path | None = None) -> ToxicityScorer:
        """The shipped weights (package data), or those saved at `path`."""
        raw = path.read_bytes() if path else DEFAULT_WEIGHTS.read_bytes()
        with np.load(io.BytesIO(raw), allow_pickle=False) as data:
            if int(data["format_version"]) != FORMAT_VERSION:
                raise ValueError(
                    f"{path or DEFAULT_WEIGHTS}: not toxicity weights of format {FORMAT_VERSION}"
                )
            if tuple(data["lexicon_features"]) != LEXICON_FEATURES:
                raise ValueError(
                    f"toxicity weights are for lexicon features {list(data['lexicon_features'])}"
                    f", this code computes {list(LEXICON_FEATURES)}: refit them with "
                    "benchmarks/toxicity/fit_toxicity.py"
                )
            return cls(
                tuple(str(h) for h in data["heads"]),
                data["bucket_weights"],
                data["bias"],
                data["lexicon_weights"],
                data["thresholds"],
                json.loads(str(data["provenance"])),
            )

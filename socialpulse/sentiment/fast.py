"""The stream's default scorer: lexicon features and a 33-weight softmax layer.

`lexicon_features` turns a post into ten numbers (VADER-style compound, positive and negative
mass, counts of sentiment words, negations, "!", "?", emoji valence, length); a multinomial
logistic layer turns them into probabilities of negative, neutral and positive. The label is the
most probable class and the score is P(positive) - P(negative), in [-1, 1].

The shipped weights (`data/fast_scorer.json`) were fitted on the 2,000 tweets of the TweetEval
sentiment validation split; their quality was measured by 5-fold cross-validation only (out of
fold), and the file records that measurement with its provenance. See docs/sentiment.md.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from socialpulse.sentiment.features import FEATURE_NAMES, lexicon_features

LABELS = ("negative", "neutral", "positive")
DEFAULT_WEIGHTS = files("socialpulse.sentiment").joinpath("data/fast_scorer.json")


def softmax(logits: Sequence[float]) -> tuple[float, float, float]:
    """Probabilities of `LABELS` from their logits."""
    top = max(logits)
    exp = [math.exp(logit - top) for logit in logits]
    total = sum(exp)
    return exp[0] / total, exp[1] / total, exp[2] / total


def verdict(
    text: str, probabilities: Callable[[str], tuple[float, float, float]]
) -> tuple[str, float]:
    """(the most probable label, P(positive) - P(negative)); blank text is neutral, 0."""
    if not text.strip():
        return "neutral", 0.0  # nothing said, nothing felt
    probs = probabilities(text)
    best = max(range(len(LABELS)), key=probs.__getitem__)
    return LABELS[best], probs[2] - probs[0]


@dataclass(frozen=True)
class FastScorer:
    """Score one post in a few microseconds; `weights[k]` and `bias[k]` belong to `LABELS[k]`."""

    weights: tuple[tuple[float, ...], ...]
    bias: tuple[float, ...]
    provenance: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if len(self.weights) != len(LABELS) or len(self.bias) != len(LABELS):
            raise ValueError(f"a fast scorer needs one weight row and bias per label {LABELS}")
        if any(len(row) != len(FEATURE_NAMES) for row in self.weights):
            raise ValueError(f"each weight row needs {len(FEATURE_NAMES)} values {FEATURE_NAMES}")

    def probabilities(self, text: str) -> tuple[float, float, float]:
        return self.layer(lexicon_features(text).vector())

    def layer(self, x: Sequence[float]) -> tuple[float, float, float]:
        """The softmax layer alone, on a feature vector (`FEATURE_NAMES` order)."""
        logits = [
            b + sum(w * v for w, v in zip(row, x, strict=True))
            for row, b in zip(self.weights, self.bias, strict=True)
        ]
        return softmax(logits)

    def __call__(self, text: str) -> tuple[str, float]:
        return verdict(text, self.probabilities)

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": 1,
            "labels": list(LABELS),
            "features": list(FEATURE_NAMES),
            "weights": [list(row) for row in self.weights],
            "bias": list(self.bias),
            "provenance": self.provenance,
        }

    @classmethod
    def from_json(cls, payload: dict[str, Any]) -> FastScorer:
        if tuple(payload.get("features", ())) != FEATURE_NAMES:
            raise ValueError(
                f"fast scorer weights are for features {payload.get('features')}, this code "
                f"computes {list(FEATURE_NAMES)}: refit them with "
                "benchmarks/sentiment/fit_fast_scorer.py"
            )
        return cls(
            weights=tuple(tuple(float(w) for w in row) for row in payload["weights"]),
            bias=tuple(float(b) for b in payload["bias"]),
            provenance=dict(payload.get("provenance", {})),
        )

    @classmethod
    def load(cls, path: Path | None = None) -> FastScorer:
        """The shipped weights, or those in `path` (a JSON written by `to_json`)."""
        text = path.read_text(encoding="utf-8") if path else DEFAULT_WEIGHTS.read_text("utf-8")
        return cls.from_json(json.loads(text))


def fit_fast_scorer(
    texts: Sequence[str], labels: Sequence[int], regularization: float = 10.0
) -> FastScorer:
    """Fit the softmax layer (class-balanced, so macro recall is what it optimises for).

    `labels` are indices into `LABELS`. scikit-learn is needed here only, not for scoring.
    """
    from sklearn.linear_model import LogisticRegression

    features = [lexicon_features(text).vector() for text in texts]
    model = LogisticRegression(C=regularization, class_weight="balanced", max_iter=5000)
    model.fit(features, list(labels))
    if list(model.classes_) != list(range(len(LABELS))):
        raise ValueError(f"training labels must cover all of {LABELS}, got {set(labels)}")
    return FastScorer(
        weights=tuple(tuple(float(w) for w in row) for row in model.coef_),
        bias=tuple(float(b) for b in model.intercept_),
    )


REGULARIZATION_GRID = (0.1, 1.0, 10.0)


def tune_fast_scorer(
    texts: Sequence[str],
    labels: Sequence[int],
    folds: int = 5,
    grid: Sequence[float] = REGULARIZATION_GRID,
) -> FastScorer:
    """Choose the regularization by `folds`-fold macro recall on these texts, then refit on all.

    Measure the result with `evaluation.out_of_fold_labels(tune_fast_scorer, ...)`: the choice
    is then made inside each training fold, never on the texts being scored.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV

    features = [lexicon_features(text).vector() for text in texts]
    search = GridSearchCV(
        LogisticRegression(class_weight="balanced", max_iter=5000),
        {"C": list(grid)},
        scoring="recall_macro",
        cv=folds,
    )
    search.fit(features, list(labels))
    best = float(search.best_params_["C"])
    scorer = fit_fast_scorer(texts, labels, regularization=best)
    return FastScorer(
        scorer.weights,
        scorer.bias,
        {"regularization": best, "inner_cv_macro_recall": round(float(search.best_score_), 4)},
    )

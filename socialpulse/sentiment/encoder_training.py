"""Training the encoder scorer's head: embeddings -> class-balanced logistic regression.

The features are fixed (the encoder is not fine-tuned), so all the work after embedding is a few
logistic regressions on 384 numbers per text: the regularisation `C` is chosen by stratified
cross-validation on macro recall, and the whole procedure is measured by nested
cross-validation (each outer fold's `C` chosen without its texts). The head is one linear layer
and a softmax (`EncoderHead`), stored as JSON.
"""

from __future__ import annotations

import json
import platform
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from socialpulse.sentiment.datasets import LabelledTexts, require_examples_per_label
from socialpulse.sentiment.encoder import HEAD_FILE, EncoderHead, Progress
from socialpulse.sentiment.evaluation import macro_recall
from socialpulse.sentiment.fast import LABELS

HEAD_FORMAT = 1
C_GRID = (0.3, 1.0, 3.0, 10.0)
INNER_FOLDS = 3


def fit_head(embeddings: np.ndarray, labels: np.ndarray, c: float) -> EncoderHead:
    """A class-balanced multinomial logistic regression on the (L2-normalised) embeddings as
    they come: standardising them first scored lower on TweetEval validation at every C."""
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=3000)
    model.fit(embeddings, labels)
    order = [list(model.classes_).index(k) for k in range(len(LABELS))]
    return EncoderHead(
        model.coef_[order].astype(np.float32), model.intercept_[order].astype(np.float32)
    )


def predicted_labels(head: EncoderHead, embeddings: np.ndarray) -> np.ndarray:
    return head.probabilities(embeddings).argmax(axis=1)


def _folds(labels: np.ndarray, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(labels)), labels))


def _score(labels: np.ndarray, predicted: np.ndarray) -> float:
    return macro_recall([LABELS[k] for k in labels], [LABELS[k] for k in predicted])


def choose_c(
    embeddings: np.ndarray, labels: np.ndarray, folds: int, seed: int
) -> tuple[float, dict[float, float]]:
    """The C of `C_GRID` with the best `folds`-fold macro recall, and every C's score."""
    scores: dict[float, float] = {}
    splits = _folds(labels, folds, seed)
    for c in C_GRID:
        predicted = np.zeros_like(labels)
        for train, test in splits:
            predicted[test] = predicted_labels(
                fit_head(embeddings[train], labels[train], c), embeddings[test]
            )
        scores[c] = _score(labels, predicted)
    return max(scores, key=lambda c: scores[c]), scores


def nested_cv_labels(
    embeddings: np.ndarray,
    labels: np.ndarray,
    folds: int = 5,
    seed: int = 0,
    progress: Progress | None = None,
) -> np.ndarray:
    """Out-of-fold predictions, each outer fold's C chosen on its training part only."""
    predicted = np.zeros_like(labels)
    for number, (train, test) in enumerate(_folds(labels, folds, seed), 1):
        c, _ = choose_c(embeddings[train], labels[train], INNER_FOLDS, seed)
        predicted[test] = predicted_labels(
            fit_head(embeddings[train], labels[train], c), embeddings[test]
        )
        if progress:
            progress(
                f"fold {number}/{folds}: C={c}, macro recall "
                f"{_score(labels[test], predicted[test]):.4f}"
            )
    return predicted


def train_encoder_head(
    data: LabelledTexts,
    embeddings: np.ndarray,
    encoder: dict[str, Any],
    folds: int = 5,
    nested: bool = True,
    seed: int = 0,
    progress: Progress | None = None,
) -> EncoderHead:
    """Choose C, measure (nested CV, if `nested`), refit on everything; the head's metadata
    records how, on what, and how well."""
    say = progress or (lambda _message: None)
    labels = np.asarray(data.labels)
    counts = Counter(data.labels)
    require_examples_per_label(data.labels, folds * INNER_FOLDS if nested else folds, folds)
    started = time.perf_counter()
    nested_recall = None
    if nested:
        nested_recall = _score(labels, nested_cv_labels(embeddings, labels, folds, seed, say))
        say(f"nested CV macro recall: {nested_recall:.4f}")
    c, scores = choose_c(embeddings, labels, folds, seed)
    say(f"C={c}: {folds}-fold macro recall {scores[c]:.4f} (grid {scores})")
    head = fit_head(embeddings, labels, c)
    metadata = {
        "format_version": HEAD_FORMAT,
        "kind": "encoder",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "labels": list(LABELS),
        "model": "encoder embeddings -> class-balanced multinomial LogisticRegression",
        "encoder": encoder,
        "params": {"C": c},
        "param_grid": {"C": list(C_GRID)},
        "cv": {
            "scoring": "recall_macro",
            "folds": folds,
            "seed": seed,
            "grid_best_cv_macro_recall": round(scores[c], 4),
            "nested_cv_macro_recall": None if nested_recall is None else round(nested_recall, 4),
            "nested_inner_folds": INNER_FOLDS if nested else None,
        },
        "data": {
            "files": data.files,
            "sha256": data.sha256,
            "texts": len(data.texts),
            "label_counts": {LABELS[k]: n for k, n in sorted(counts.items())},
        },
        "versions": {"sklearn": sklearn.__version__, "python": platform.python_version()},
        "training_seconds": round(time.perf_counter() - started, 1),
    }
    return EncoderHead(head.weights, head.bias, metadata)


def save_encoder_head(head: EncoderHead, directory: Path) -> Path:
    """Write `head.json` (weights and metadata) and `metrics.json` (metadata) into `directory`;
    never overwrite an artifact."""
    if (directory / HEAD_FILE).exists():
        raise FileExistsError(f"{directory / HEAD_FILE} exists: choose another --output")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / HEAD_FILE).write_text(head.to_json() + "\n", encoding="utf-8")
    (directory / "metrics.json").write_text(
        json.dumps(head.metadata, indent=2) + "\n", encoding="utf-8"
    )
    return directory

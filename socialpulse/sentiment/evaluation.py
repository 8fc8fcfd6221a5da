"""Honest measurement: out-of-fold predictions and macro-averaged recall (TweetEval's metric)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from socialpulse.sentiment.fast import LABELS

Scorer = Callable[[str], tuple[str, float]]
Progress = Callable[[str], None]


def macro_recall(truth: Sequence[str], predicted: Sequence[str]) -> float:
    """Mean over the classes present in `truth` of the share of that class labelled right.

    >>> macro_recall(["negative", "neutral", "positive", "positive"],
    ...              ["negative", "positive", "positive", "neutral"])
    0.5
    """
    if len(truth) != len(predicted):
        raise ValueError(f"{len(truth)} true labels but {len(predicted)} predictions")
    classes = sorted(set(truth))
    recalls = []
    for label in classes:
        hits = [p == label for t, p in zip(truth, predicted, strict=True) if t == label]
        recalls.append(sum(hits) / len(hits))
    return sum(recalls) / len(recalls)


def stratified_folds(labels: Sequence[int], folds: int, seed: int = 0) -> list[list[int]]:
    """Indices of each test fold, every class spread evenly (scikit-learn's StratifiedKFold)."""
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return [list(test) for _, test in splitter.split(list(labels), list(labels))]


def out_of_fold_labels(
    fit: Callable[[list[str], list[int]], Scorer],
    texts: Sequence[str],
    labels: Sequence[int],
    folds: int = 5,
    seed: int = 0,
    progress: Progress | None = None,
) -> list[str]:
    """Each text labelled by a scorer fitted on the other folds only: never train and score
    on the same text. `fit` does any tuning itself, on its training folds (nested CV)."""
    predicted = [""] * len(texts)
    started = time.perf_counter()
    for number, test in enumerate(stratified_folds(labels, folds, seed), 1):
        held_out = set(test)
        train = [i for i in range(len(texts)) if i not in held_out]
        scorer = fit([texts[i] for i in train], [labels[i] for i in train])
        for i in test:
            predicted[i] = scorer(texts[i])[0]
        if progress:
            truth = [LABELS[labels[i]] for i in test]
            fold_recall = macro_recall(truth, [predicted[i] for i in test])
            progress(
                f"fold {number}/{folds}: macro recall {fold_recall:.4f} "
                f"({time.perf_counter() - started:.0f}s elapsed)"
            )
    return predicted

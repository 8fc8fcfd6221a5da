"""Macro recall and out-of-fold predictions: no text is ever scored by a model that saw it."""

import doctest

import pytest

import socialpulse.sentiment.evaluation as evaluation
from socialpulse.sentiment.evaluation import macro_recall, out_of_fold_labels, stratified_folds


def test_docstring_examples() -> None:
    assert doctest.testmod(evaluation).failed == 0


def test_macro_recall_weights_classes_equally() -> None:
    truth = ["neutral"] * 8 + ["negative", "positive"]
    assert macro_recall(truth, ["neutral"] * 10) == pytest.approx(1 / 3)
    assert macro_recall(truth, truth) == 1.0
    with pytest.raises(ValueError, match="predictions"):
        macro_recall(truth, truth[:-1])


def test_folds_partition_and_stratify() -> None:
    labels = [0] * 10 + [1] * 20 + [2] * 10
    folds = stratified_folds(labels, 5)
    assert sorted(i for fold in folds for i in fold) == list(range(40))
    for fold in folds:
        assert sorted(labels[i] for i in fold) == [0, 0, 1, 1, 1, 1, 2, 2]


def test_out_of_fold_never_scores_a_training_text() -> None:
    texts = [f"text {i}" for i in range(30)]
    labels = [i % 3 for i in range(30)]
    seen_by_model: list[set[str]] = []

    def memorise(train_texts: list[str], train_labels: list[int]):
        memory = dict(zip(train_texts, train_labels, strict=True))
        seen_by_model.append(set(memory))
        names = ("negative", "neutral", "positive")
        return lambda text: (names[memory[text]] if text in memory else "unseen", 0.0)

    predicted = out_of_fold_labels(memorise, texts, labels, folds=3)
    assert predicted == ["unseen"] * 30  # a memorising model gets no credit out of fold
    assert len(seen_by_model) == 3 and all(len(seen) == 20 for seen in seen_by_model)

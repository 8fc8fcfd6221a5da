"""Sentiment models in the registry: what `sentiment train` and the `sentiment_model` asset
publish, and the comparison on validation data that gates a promotion."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socialpulse import __version__
from socialpulse.models.registry import ModelRegistry, ModelVersion, fingerprint_examples
from socialpulse.sentiment.datasets import LabelledTexts
from socialpulse.sentiment.evaluation import Scorer, macro_recall
from socialpulse.sentiment.fast import LABELS
from socialpulse.sentiment.scorers import SENTIMENT_KIND


def describe_data(data: LabelledTexts) -> dict[str, Any]:
    """What a manifest records of a labelled set: fingerprint, files, size and label counts."""
    counts = Counter(data.labels)
    return {
        "fingerprint": fingerprint_examples(data.texts, data.labels),
        "files": data.files,
        "texts": len(data.texts),
        "label_counts": {LABELS[k]: n for k, n in sorted(counts.items())},
    }


def publish_sentiment_model(
    registry: ModelRegistry,
    directory: Path,
    artifact_metrics: dict[str, Any],
    training: LabelledTexts,
    validation: dict[str, Any] | None = None,
    code_version: str = __version__,
) -> ModelVersion:
    """Publish a `sentiment train` artifact (tfidf or encoder) as a new `sentiment` version.

    Its metrics are the artifact's cross-validated macro recalls, plus `validation_macro_recall`
    when `validation` (`describe_data` of the validation set, its `path` and `split`, and
    `macro_recall`) is given; the fingerprint is of the training examples."""
    cv = artifact_metrics["cv"]
    metrics: dict[str, Any] = {
        "cv_macro_recall": cv["grid_best_cv_macro_recall"],
        "nested_cv_macro_recall": cv["nested_cv_macro_recall"],
    }
    details: dict[str, Any] = {
        "artifact": artifact_metrics.get("kind", "tfidf"),
        "params": artifact_metrics.get("params", {}),
        "training_data": describe_data(training),
    }
    if validation is not None:
        metrics["validation_macro_recall"] = validation["macro_recall"]
        details["validation_data"] = {k: v for k, v in validation.items() if k != "macro_recall"}
    return registry.publish(
        SENTIMENT_KIND,
        directory,
        metrics=metrics,
        fingerprint=details["training_data"]["fingerprint"],
        code_version=code_version,
        details=details,
    )


def _load_model(path: Path) -> Scorer:
    from socialpulse.sentiment.model import load_model  # scikit-learn: only when comparing

    return load_model(path)


def validation_macro_recall(scorer: Scorer, data: LabelledTexts) -> float:
    """Macro recall of `scorer`'s labels on `data` (TweetEval's metric)."""
    batch = getattr(scorer, "score_batch", None)
    results = batch(data.texts) if batch else [scorer(text) for text in data.texts]
    return macro_recall([LABELS[y] for y in data.labels], [label for label, _ in results])


@dataclass(frozen=True)
class PromotionComparison:
    """A candidate version against the promoted one, both scored on the same validation data."""

    candidate: str
    candidate_recall: float
    promoted: str | None
    promoted_recall: float | None
    validation_texts: int

    @property
    def candidate_may_be_promoted(self) -> bool:
        """Nothing promoted yet, or the candidate scores at least as well (a tie keeps the
        newer model: same quality, fresher data)."""
        return self.promoted_recall is None or self.candidate_recall >= self.promoted_recall

    def summary(self) -> str:
        if self.promoted_recall is None:
            return (
                f"{self.candidate}: validation macro recall {self.candidate_recall:.4f}; "
                "no version promoted yet"
            )
        verdict = "not below" if self.candidate_may_be_promoted else "below"
        return (
            f"{self.candidate}: validation macro recall {self.candidate_recall:.4f}, {verdict} "
            f"the promoted {self.promoted}'s {self.promoted_recall:.4f} "
            f"({self.validation_texts} texts)"
        )


def compare_with_promoted(
    registry: ModelRegistry,
    candidate: str,
    validation: LabelledTexts,
    load: Callable[[Path], Scorer] | None = None,
) -> PromotionComparison:
    """Score `candidate` and the promoted `sentiment` version (if any, and if another one) on
    `validation`: the same texts for both, so their macro recalls compare."""

    def recall(version: str) -> float:
        path = registry.fetch(SENTIMENT_KIND, version)
        return validation_macro_recall((load or _load_model)(path), validation)

    promoted = registry.promoted(SENTIMENT_KIND)
    candidate_recall = recall(candidate)
    if promoted == candidate:
        promoted_recall: float | None = candidate_recall
    else:
        promoted_recall = recall(promoted) if promoted else None
    return PromotionComparison(
        candidate, candidate_recall, promoted, promoted_recall, len(validation.texts)
    )

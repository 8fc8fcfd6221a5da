"""A trained sentiment classifier: TF-IDF word and character n-grams plus lexicon features, into
a class-balanced logistic regression tuned for macro recall.

`train_classifier` tunes by grid search and measures by nested cross-validation (each outer
fold's model is tuned and fitted without its tweets); `save_model` writes a versioned artifact
directory (`model.joblib` + `metrics.json`); `load_model` returns a scorer with the stream's
(label, score) interface. Artifacts are pickles: load only those you or your team trained.
"""

from __future__ import annotations

import json
import math
import platform
import time
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline

from socialpulse.sentiment.datasets import LabelledTexts, require_examples_per_label
from socialpulse.sentiment.encoder import HEAD_FILE, EncoderScorer
from socialpulse.sentiment.evaluation import Progress, macro_recall, out_of_fold_labels
from socialpulse.sentiment.fast import LABELS
from socialpulse.sentiment.features import lexicon_features
from socialpulse.text.cleaning import clean_text

ARTIFACT_FORMAT = 1
MODEL_FILE = "model.joblib"
METRICS_FILE = "metrics.json"
PARAM_GRID: dict[str, list[float]] = {
    "classifier__C": [0.3, 1.0, 3.0],
    "features__lexicon__weight": [0.1, 0.3, 1.0],
}
INNER_FOLDS = 3


def prepare_for_ngrams(text: str) -> str:
    """What the n-gram vectorizers read: cleaned (no URLs or @mentions), lower-cased."""
    return clean_text(text).lower()


class LexiconVectorizer(TransformerMixin, BaseEstimator):
    """The fast scorer's lexicon features, standardized and scaled by `weight` so that the
    grid search can set how much they count next to the sparse n-gram features."""

    def __init__(self, weight: float = 1.0) -> None:
        self.weight = weight

    @staticmethod
    def _features(texts: Sequence[str]) -> np.ndarray:
        return np.array([lexicon_features(text).vector() for text in texts], dtype=float)

    def fit(self, texts: Sequence[str], y: Any = None) -> LexiconVectorizer:
        features = self._features(texts)
        self.mean_ = features.mean(axis=0)
        spread = features.std(axis=0)
        self.scale_ = np.where(spread > 0, spread, 1.0)
        return self

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        return (self._features(texts) - self.mean_) / self.scale_ * self.weight


def build_pipeline() -> Pipeline:
    return Pipeline(
        [
            (
                "features",
                FeatureUnion(
                    [
                        (
                            "words",
                            TfidfVectorizer(
                                preprocessor=prepare_for_ngrams,
                                ngram_range=(1, 2),
                                sublinear_tf=True,
                            ),
                        ),
                        (
                            "chars",
                            TfidfVectorizer(
                                preprocessor=prepare_for_ngrams,
                                analyzer="char_wb",
                                ngram_range=(2, 5),
                                sublinear_tf=True,
                                min_df=2,
                            ),
                        ),
                        ("lexicon", LexiconVectorizer()),
                    ]
                ),
            ),
            ("classifier", LogisticRegression(class_weight="balanced", max_iter=3000)),
        ]
    )


def _search(folds: int, jobs: int, seed: int) -> GridSearchCV:
    return GridSearchCV(
        build_pipeline(),
        PARAM_GRID,
        scoring="recall_macro",
        cv=StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed),
        n_jobs=jobs,
    )


class ModelScorer:
    """A trained pipeline behind the stream's interface: (label, P(positive) - P(negative))."""

    def __init__(self, pipeline: Pipeline, metrics: dict[str, Any] | None = None) -> None:
        self.pipeline = pipeline
        self.metrics = metrics or {}
        classes = [int(c) for c in pipeline.classes_]
        if sorted(classes) != list(range(len(LABELS))):
            raise ValueError(f"model predicts classes {classes}, expected indices of {LABELS}")
        self._columns = [classes.index(k) for k in range(len(LABELS))]

    def score_batch(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """Score many texts in one call: much faster per text than calling one by one."""
        results: list[tuple[str, float]] = [("neutral", 0.0)] * len(texts)
        said = [i for i, text in enumerate(texts) if text.strip()]
        if not said:
            return results
        probabilities = self.pipeline.predict_proba([texts[i] for i in said])
        ordered = probabilities[:, self._columns]
        for i, row in zip(said, ordered, strict=True):
            results[i] = (LABELS[int(row.argmax())], float(row[2] - row[0]))
        return results

    def __call__(self, text: str) -> tuple[str, float]:
        return self.score_batch([text])[0]


@dataclass
class TrainedModel:
    scorer: ModelScorer
    metrics: dict[str, Any]


def _package_version() -> str:
    try:
        return version("socialpulse")
    except PackageNotFoundError:
        return "unknown"


def inner_folds(folds: int) -> int:
    return max(2, min(INNER_FOLDS, folds - 1))


def nested_cv_labels(
    data: LabelledTexts,
    folds: int = 5,
    jobs: int = 1,
    seed: int = 0,
    progress: Progress | None = None,
    on_model: Callable[[ModelScorer], None] | None = None,
) -> list[str]:
    """Out-of-fold labels where each outer fold's model was tuned (grid search on inner folds)
    and fitted without that fold's texts: the honest estimate of the whole training procedure.
    `on_model` sees each fold's fitted scorer (the benchmark times one)."""
    inner = inner_folds(folds)
    if progress:
        progress(f"nested CV: {folds} outer folds, {inner}-fold grid search inside each")

    def fit(texts: list[str], labels: list[int]) -> ModelScorer:
        scorer = ModelScorer(_search(inner, jobs, seed).fit(texts, labels).best_estimator_)
        if on_model:
            on_model(scorer)
        return scorer

    return out_of_fold_labels(fit, data.texts, data.labels, folds, seed, progress)


def train_classifier(
    data: LabelledTexts,
    folds: int = 5,
    nested: bool = True,
    jobs: int = 1,
    seed: int = 0,
    progress: Progress | None = None,
) -> TrainedModel:
    """Tune on `folds`-fold macro recall, refit on all of `data`, and (if `nested`) measure the
    whole procedure by nested cross-validation: the number to quote."""
    say = progress or (lambda _message: None)
    # Nested CV splits each outer training part again, so it needs a few more per label.
    needed = max(folds, math.ceil(inner_folds(folds) * folds / (folds - 1))) if nested else folds
    require_examples_per_label(data.labels, needed, folds)
    counts = Counter(data.labels)
    started = time.perf_counter()
    nested_recall = None
    if nested:
        predicted = nested_cv_labels(data, folds, jobs, seed, progress)
        nested_recall = macro_recall([LABELS[y] for y in data.labels], predicted)
        say(f"nested CV macro recall: {nested_recall:.4f}")
    candidates = int(np.prod([len(values) for values in PARAM_GRID.values()]))
    say(f"grid search on all {len(data.texts)} texts: {candidates} candidates x {folds} folds")
    search = _search(folds, jobs, seed).fit(data.texts, data.labels)
    say(f"best {search.best_params_}: CV macro recall {search.best_score_:.4f}")
    metrics = {
        "format_version": ARTIFACT_FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "labels": list(LABELS),
        "model": "tfidf word(1-2) + char_wb(2-5) + lexicon features -> LogisticRegression",
        "params": {key: float(value) for key, value in search.best_params_.items()},
        "param_grid": PARAM_GRID,
        "cv": {
            "scoring": "recall_macro",
            "folds": folds,
            "seed": seed,
            "grid_best_cv_macro_recall": round(float(search.best_score_), 4),
            "nested_cv_macro_recall": None if nested_recall is None else round(nested_recall, 4),
            "nested_inner_folds": inner_folds(folds) if nested else None,
        },
        "data": {
            "files": data.files,
            "sha256": data.sha256,
            "texts": len(data.texts),
            "label_counts": {LABELS[k]: n for k, n in sorted(counts.items())},
        },
        "versions": {
            "socialpulse": _package_version(),
            "sklearn": sklearn.__version__,
            "python": platform.python_version(),
        },
        "training_seconds": round(time.perf_counter() - started, 1),
    }
    return TrainedModel(ModelScorer(search.best_estimator_, metrics), metrics)


def default_model_dir(state_dir: Path, metrics: dict[str, Any]) -> Path:
    """`<state_dir>/models/sentiment/<created>-<data hash>`: one directory per training run."""
    stamp = metrics["created_at"].replace("-", "").replace(":", "").replace("+0000", "Z")
    return state_dir / "models" / "sentiment" / f"{stamp}-{metrics['data']['sha256'][:8]}"


def save_model(model: TrainedModel, directory: Path) -> Path:
    """Write `model.joblib` and `metrics.json` into `directory`; never overwrite an artifact."""
    if (directory / MODEL_FILE).exists():
        raise FileExistsError(f"{directory / MODEL_FILE} exists: choose another --output")
    directory.mkdir(parents=True, exist_ok=True)
    joblib.dump(model.scorer.pipeline, directory / MODEL_FILE, compress=3)
    (directory / METRICS_FILE).write_text(
        json.dumps(model.metrics, indent=2) + "\n", encoding="utf-8"
    )
    return directory


def load_model(path: Path | str) -> ModelScorer | EncoderScorer:
    """The scorer saved at `path`: an artifact directory or its `model.joblib`, or an encoder
    head (`sentiment train --kind encoder`: a directory holding head.json, or that file)."""
    path = Path(path)
    if (path / HEAD_FILE).exists() or (path.name == HEAD_FILE and path.exists()):
        from socialpulse.sentiment.encoder import load_encoder_scorer

        return load_encoder_scorer(path)
    model_file = path / MODEL_FILE if path.is_dir() else path
    if not model_file.exists():
        raise FileNotFoundError(
            f"no sentiment model at {model_file}: give the directory that `socialpulse "
            "sentiment train` wrote (it holds model.joblib and metrics.json, or head.json)"
        )
    metrics_file = model_file.parent / METRICS_FILE
    metrics = json.loads(metrics_file.read_text("utf-8")) if metrics_file.exists() else {}
    if metrics.get("format_version", ARTIFACT_FORMAT) != ARTIFACT_FORMAT:
        raise ValueError(
            f"{model_file} is artifact format {metrics['format_version']}; this version of "
            f"socialpulse reads format {ARTIFACT_FORMAT}: retrain it with "
            "`socialpulse sentiment train`"
        )
    trained_with = metrics.get("versions", {}).get("sklearn")
    if trained_with and trained_with != sklearn.__version__:
        warnings.warn(
            f"{model_file} was trained with scikit-learn {trained_with}, running "
            f"{sklearn.__version__}: scores may differ; retrain to be sure",
            stacklevel=2,
        )
    return ModelScorer(joblib.load(model_file), metrics)

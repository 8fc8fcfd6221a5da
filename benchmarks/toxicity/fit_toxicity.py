"""Choose, fit and measure the toxicity classifier (`socialpulse.sentiment.toxicity_model`), and
write its weights with their provenance.

    PYTHONPATH=. nice -n 10 .venv/bin/python benchmarks/toxicity/fit_toxicity.py \\
        [--datasets ../shared/datasets] --output socialpulse/sentiment/data/toxicity_ngrams.npz

Data: TweetEval hate (HatEval) and offensive (OffensEval) train splits only; their val splits
are used once, at the end, to measure. Features: hashed word unigrams and bigrams (the fast
sentiment scorer's tokeniser and hashing) and the word list's four category counts.

Two designs, each a class-balanced logistic regression per head:
- `union`: one head trained on both train splits, a text toxic when hate or offensive;
- `two_heads`: a hate head on hate train and an offensive head on offensive train, a text
  toxic when either head passes its own threshold.
Each design and C is judged by stratified 5-fold CV on train: out-of-fold scores on every train
text (for `two_heads`, the other head, trained on the other dataset, scores it as it is), the
threshold(s) that maximise the mean of the macro F1 on hate train and on offensive train (the
single `toxic` output against each dataset's own label), and that mean. The best design and C
are refitted on all of train; the val splits then give macro F1 beside the word-list flag's.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import product
from pathlib import Path

import numpy as np
import sklearn
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from socialpulse.sentiment.ngrams import _rows, tokens, word_hashes
from socialpulse.sentiment.toxicity_flag import toxicity
from socialpulse.sentiment.toxicity_model import LEXICON_FEATURES, ToxicityScorer, lexicon_features

DEFAULT_DATASETS = Path(__file__).resolve().parents[3] / "shared/datasets"
DATASETS = ("hate", "offensive")
BUCKETS = 2**18
C_GRID = (0.03, 0.1, 0.3, 1.0)
FOLDS = 5
SEED = 17
THRESHOLDS = np.round(np.arange(0.05, 0.951, 0.01), 2)


@dataclass(frozen=True)
class Split:
    texts: list[str]
    labels: np.ndarray


def read_split(directory: Path, split: str) -> Split:
    """TweetEval's `<split>_text.txt` and `<split>_labels.txt` (0 no, 1 yes)."""
    # split("\n"), not splitlines(): tweets may hold form feeds or other separators.
    texts = (directory / f"{split}_text.txt").read_text("utf-8").removesuffix("\n").split("\n")
    labels = [int(x) for x in (directory / f"{split}_labels.txt").read_text("utf-8").split()]
    texts = [text.removesuffix("\r") for text in texts]
    if len(texts) != len(labels):
        raise ValueError(f"{directory}/{split}: {len(texts)} texts but {len(labels)} labels")
    return Split(texts, np.array(labels))


def design_matrix(texts: list[str]) -> sparse.csr_matrix:
    """What ToxicityScorer sums: counts of the hashed n-gram rows, then the lexicon counts."""
    indptr = [0]
    indices: list[int] = []
    for text in texts:
        indices += _rows(word_hashes(tokens(text)), BUCKETS - 1)
        indptr.append(len(indices))
    counts = sparse.csr_matrix(
        (np.ones(len(indices)), np.asarray(indices), np.asarray(indptr)),
        shape=(len(texts), BUCKETS),
    )
    counts.sum_duplicates()
    lexicon = sparse.csr_matrix(np.array([lexicon_features(t) for t in texts]))
    return sparse.hstack([counts, lexicon], format="csr")


def fit(x: sparse.csr_matrix, y: np.ndarray, c: float) -> LogisticRegression:
    model = LogisticRegression(C=c, class_weight="balanced", solver="liblinear", tol=1e-4)
    return model.fit(x, y)


def out_of_fold(x: sparse.csr_matrix, y: np.ndarray, c: float, strata: np.ndarray) -> np.ndarray:
    """P(toxic) of every row from a model that did not see it (stratified 5-fold)."""
    scores = np.empty(len(y))
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED)
    for train, held in folds.split(x, strata):
        scores[held] = fit(x[train], y[train], c).predict_proba(x[held])[:, 1]
    return scores


def macro_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    """sklearn's binary macro F1 (checked against it in main), fast enough for a threshold grid."""
    truth, predicted = truth.astype(bool), predicted.astype(bool)
    tp = np.sum(truth & predicted)
    tn = np.sum(~truth & ~predicted)
    wrong = np.sum(truth != predicted)
    return float((tp / (2 * tp + wrong) + tn / (2 * tn + wrong)) if wrong else 1.0)


def best_thresholds(
    scores: dict[str, np.ndarray], truth: dict[str, np.ndarray], heads: int
) -> tuple[tuple[float, ...], dict[str, float]]:
    """The per-head thresholds maximising the mean macro F1 over the datasets; `scores[d]` is
    (texts, heads), a text toxic when any head reaches its threshold."""
    best: tuple[float, tuple[float, ...], dict[str, float]] = (-1.0, (), {})
    for chosen in product(THRESHOLDS, repeat=heads):
        f1 = {
            d: macro_f1(truth[d], (scores[d] >= np.array(chosen)).any(axis=1).astype(int))
            for d in DATASETS
        }
        mean = sum(f1.values()) / len(f1)
        if mean > best[0]:
            best = (mean, tuple(float(t) for t in chosen), f1)
    return best[1], best[2]


def cv_union(x: dict[str, sparse.csr_matrix], y: dict[str, np.ndarray], c: float) -> np.ndarray:
    """Out-of-fold scores of one head on both train splits, folds stratified by dataset and
    label; returned in DATASETS order."""
    xs = sparse.vstack([x[d] for d in DATASETS], format="csr")
    ys = np.concatenate([y[d] for d in DATASETS])
    strata = np.concatenate([y[d] + 2 * i for i, d in enumerate(DATASETS)])
    return out_of_fold(xs, ys, c, strata)


def cv_two_heads(
    x: dict[str, sparse.csr_matrix], y: dict[str, np.ndarray], c: float
) -> dict[str, np.ndarray]:
    """(texts, 2) scores per dataset: its own head out of fold, the other head fitted on the
    other dataset's whole train split."""
    whole = {d: fit(x[d], y[d], c) for d in DATASETS}
    scores = {}
    for d in DATASETS:
        columns = [
            out_of_fold(x[d], y[d], c, y[d]) if h == d else whole[h].predict_proba(x[d])[:, 1]
            for h in DATASETS
        ]
        scores[d] = np.column_stack(columns)
    return scores


def throughputs(scorer: ToxicityScorer, texts: list[str], passes: int = 3) -> dict[str, int]:
    """Texts per CPU-second (time.process_time), best of `passes`: this model in batches of 500
    and one text per call, and the word-list flag alone (which the model calls)."""
    ways: dict[str, Callable[[], object]] = {
        "batches_of_500": lambda: [
            scorer.score_batch(texts[i : i + 500]) for i in range(0, len(texts), 500)
        ],
        "one_text_per_call": lambda: [scorer(text) for text in texts],
        "word_list_flag_alone": lambda: [toxicity(text) for text in texts],
    }
    best = dict.fromkeys(ways, 0.0)
    for _ in range(passes):
        for name, run in ways.items():
            started = time.process_time()
            run()
            best[name] = max(best[name], len(texts) / (time.process_time() - started))
    return {f"texts_per_second_one_core_{name}": round(rate) for name, rate in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args()

    train = {d: read_split(args.datasets / f"tweeteval-{d}", "train") for d in DATASETS}
    val = {d: read_split(args.datasets / f"tweeteval-{d}", "val") for d in DATASETS}
    x = {d: design_matrix(train[d].texts) for d in DATASETS}
    y = {d: train[d].labels for d in DATASETS}
    sizes = [len(y[d]) for d in DATASETS]
    print(f"train texts: {dict(zip(DATASETS, sizes, strict=True))}", flush=True)

    cv: dict[str, dict[str, object]] = {}
    for design, c in product(("union", "two_heads"), C_GRID):
        started = time.perf_counter()
        if design == "union":
            flat = cv_union(x, y, c)
            scores = dict(zip(DATASETS, np.split(flat[:, None], [sizes[0]]), strict=True))
        else:
            scores = cv_two_heads(x, y, c)
        thresholds, f1 = best_thresholds(scores, y, scores[DATASETS[0]].shape[1])
        mean = sum(f1.values()) / len(f1)
        cv[f"{design} C={c}"] = {
            "design": design,
            "C": c,
            "thresholds": thresholds,
            "macro_f1": {d: round(v, 4) for d, v in f1.items()},
            "mean": round(mean, 4),
        }
        seconds = time.perf_counter() - started
        print(f"CV {design} C={c}: {f1} mean {mean:.4f} at {thresholds} ({seconds:.0f} s)")

    chosen = max(cv.values(), key=lambda row: row["mean"])
    design, c, thresholds = chosen["design"], chosen["C"], chosen["thresholds"]
    if design == "union":
        heads = ("toxic",)
        xs = sparse.vstack([x[d] for d in DATASETS], format="csr")
        models = [fit(xs, np.concatenate([y[d] for d in DATASETS]), c)]
    else:
        heads = DATASETS
        models = [fit(x[d], y[d], c) for d in DATASETS]
    coef = np.column_stack([m.coef_[0] for m in models])  # (buckets + lexicon, heads)
    scorer = ToxicityScorer(
        heads,
        coef[:BUCKETS].astype(np.float16),  # what is shipped, and measured below
        [m.intercept_[0] for m in models],
        coef[BUCKETS:],
        thresholds,
    )

    measured: dict[str, object] = {}
    for d in DATASETS:
        truth = val[d].labels
        model = [int(toxic) for toxic, _ in scorer.score_batch(val[d].texts)]
        flag = [int(toxicity(t).flag) for t in val[d].texts]
        assert (
            abs(macro_f1(truth, np.array(model)) - f1_score(truth, model, average="macro")) < 1e-9
        )
        measured[f"{d}_val_macro_f1"] = round(macro_f1(truth, np.array(model)), 4)
        measured[f"{d}_val_macro_f1_word_list_flag"] = round(macro_f1(truth, np.array(flag)), 4)
    all_val = [t for d in DATASETS for t in val[d].texts]
    measured.update(throughputs(scorer, all_val))
    measured["load_average_1min"] = round(os.getloadavg()[0], 1)

    digest = hashlib.sha256()
    for d in DATASETS:
        for text, label in zip(train[d].texts, y[d].tolist(), strict=True):
            digest.update(f"{d}\t{label}\t{text}\n".encode())
    scorer.provenance = {
        "model": f"class-balanced LogisticRegression (liblinear) per head over crc32-hashed word "
        f"unigrams and bigrams and the word list's {list(LEXICON_FEATURES)} counts",
        "design": design,
        "heads": list(heads),
        "C": c,
        "thresholds": list(thresholds),
        "buckets": BUCKETS,
        "selection": f"design, C in {list(C_GRID)} and thresholds by stratified {FOLDS}-fold CV "
        "on train (seed 17): the mean of macro F1 on hate train and offensive train, out of fold",
        "cv": cv,
        "trained_on": "tweeteval-hate/train (9,000) and tweeteval-offensive/train (11,916)",
        "training_data_sha256": digest.hexdigest(),
        "evaluation": "tweeteval-hate/val and tweeteval-offensive/val, never trained or tuned on",
        "measured": measured,
        "weights_dtype": "float16",
        "sklearn_version": sklearn.__version__,
        "fitted_at": datetime.now(UTC).strftime("%Y-%m-%d"),
    }
    scorer.save(args.output)
    print(f"chosen {design} C={c} thresholds {thresholds}")
    print(f"wrote {args.output} ({args.output.stat().st_size} bytes): {measured}")


if __name__ == "__main__":
    main()

"""Refit the fast scorer's shipped weights and record how good they are, out of fold.

    .venv/bin/python benchmarks/sentiment/fit_fast_scorer.py \
        --data ../shared/datasets/tweeteval-sentiment-val \
        --output socialpulse/sentiment/data/fast_scorer.json

The regularization is chosen by inner cross-validation inside each outer training fold (nested
CV), so the recorded macro recall never scores a tweet that its model or its tuning has seen.
The shipped weights are then fitted on all the texts with the same tuning.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import sklearn

from socialpulse.sentiment.datasets import load_labelled_dir
from socialpulse.sentiment.evaluation import macro_recall, out_of_fold_labels
from socialpulse.sentiment.fast import LABELS, REGULARIZATION_GRID, tune_fast_scorer

DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared/datasets/tweeteval-sentiment-val"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()

    data = load_labelled_dir(args.data)
    print(f"{len(data.texts)} texts from {args.data} ({', '.join(data.files)})")
    predicted = out_of_fold_labels(
        lambda texts, labels: tune_fast_scorer(texts, labels, folds=args.folds),
        data.texts,
        data.labels,
        folds=args.folds,
        progress=print,
    )
    recall = macro_recall([LABELS[y] for y in data.labels], predicted)
    print(f"out-of-fold macro recall: {recall:.4f}")

    scorer = tune_fast_scorer(data.texts, data.labels, folds=args.folds)
    payload = scorer.to_json()
    payload["provenance"] = {
        **scorer.provenance,
        "trained_on": args.data.name,
        "files": data.files,
        "data_sha256": data.sha256,
        "texts": len(data.texts),
        "label_counts": {LABELS[k]: n for k, n in sorted(Counter(data.labels).items())},
        "regularization_grid": list(REGULARIZATION_GRID),
        "evaluation": f"nested {args.folds}-fold cross-validation, out-of-fold predictions",
        "out_of_fold_macro_recall": round(recall, 4),
        "sklearn_version": sklearn.__version__,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    args.output.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output} (regularization {scorer.provenance['regularization']})")


if __name__ == "__main__":
    main()

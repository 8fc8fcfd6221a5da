"""Topic discovery on TweetEval stance (five subjects) through `socialpulse topics`, beside a
TF-IDF + k-means baseline: normalized mutual information with the subjects, topics found, texts/s.

The subject is the folder name; stance labels are not used. Each split's texts are pooled and
shuffled with a fixed seed (a file sorted by subject would flatter nothing here, but order is
how posts arrive), written to one file, and the CLI runs on it in a subprocess, timed whole
(encoder load included). Baseline: TF-IDF (English stopwords, sublinear tf, min_df 2) into
k-means, k chosen by cosine silhouette over 2..20, and k = 5 told (it knows the answer's size).

    python benchmarks/topics/bench_topics.py [--data DIR] [--split train --split val]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import normalized_mutual_info_score, silhouette_score

DEFAULT_DATA = Path("/work/shared/datasets/tweeteval-stance-topics")
KS = range(2, 21)


def load_split(data: Path, split: str) -> tuple[list[str], list[str]]:
    """Texts and their subjects, pooled over the subject folders and shuffled (seed 0)."""
    rows = [
        (line, folder.name)
        for folder in sorted(path for path in data.iterdir() if path.is_dir())
        for line in (folder / f"{split}_text.txt").read_text("utf-8").splitlines()
    ]
    random.Random(0).shuffle(rows)
    return [text for text, _ in rows], [subject for _, subject in rows]


def run_cli(texts: list[str], folder: Path) -> tuple[list[int], float]:
    """Topic ids from `socialpulse topics` on the texts, and the command's wall time."""
    source, output = folder / "texts.txt", folder / "topics.csv"
    source.write_text("".join(text + "\n" for text in texts), encoding="utf-8")
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "socialpulse", "topics", "-i", str(source), "-o", str(output)],
        check=True,
    )
    elapsed = time.perf_counter() - started
    return pl.read_csv(output)["topic"].to_list(), elapsed


def kmeans_baseline(texts: list[str], subjects: list[str]) -> dict[str, tuple[int, float, float]]:
    """(k, NMI, texts/s) of TF-IDF + k-means with k by silhouette over KS, and with k = 5."""
    started = time.perf_counter()
    matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=2).fit_transform(texts)
    runs = {k: KMeans(k, n_init=10, random_state=0).fit_predict(matrix) for k in KS}
    silhouettes = {
        k: silhouette_score(matrix, labels, metric="cosine") for k, labels in runs.items()
    }
    chosen = max(silhouettes, key=lambda k: silhouettes[k])
    rate = len(texts) / (time.perf_counter() - started)  # the whole search, all k
    return {
        f"TF-IDF + k-means, k by silhouette over {KS.start}..{KS.stop - 1}": (
            chosen,
            normalized_mutual_info_score(subjects, runs[chosen]),
            rate,
        ),
        "TF-IDF + k-means, k = 5 told": (5, normalized_mutual_info_score(subjects, runs[5]), rate),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--split", action="append", default=None)
    args = parser.parse_args()
    print("| split | texts | method | topics | NMI | texts/s |")
    print("| --- | ---: | --- | ---: | ---: | ---: |")
    for split in args.split or ["train", "val"]:
        texts, subjects = load_split(args.data, split)
        with tempfile.TemporaryDirectory() as folder:
            topics, elapsed = run_cli(texts, Path(folder))
        found = len({topic for topic in topics if topic >= 0})
        nmi = normalized_mutual_info_score(subjects, topics)
        rows = {"`socialpulse topics` (number found)": (found, nmi, len(texts) / elapsed)}
        rows.update(kmeans_baseline(texts, subjects))
        for method, (k, score, rate) in rows.items():
            print(f"| {split} | {len(texts):,} | {method} | {k} | {score:.3f} | {rate:,.1f} |")


if __name__ == "__main__":
    main()

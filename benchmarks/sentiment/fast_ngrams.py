"""A candidate fast scorer for the stream (issue 17): hashed word n-grams (+ lexicon features)
and a multinomial logistic regression, trained on SemEval 2013-16 and UMSAB train, compared in
one run with today's fast scorer.

    PYTHONPATH=. .venv/bin/python benchmarks/sentiment/fast_ngrams.py \
        [--datasets ../shared/datasets] [--output benchmarks/sentiment/fast_ngrams_results.md]

Training data: SemEval 2013-2016 Task 4A (49,471 English tweets) and UMSAB train of all 8
languages, less every copy (`datasets.overlap_key`) of a TweetEval validation tweet or of any
UMSAB validation tweet, and less duplicates within the training set (first copy kept).
Hyper-parameters (C, and the feature set among a few variants) are chosen by stratified 3-fold
cross-validation on the training data only; the criterion is the mean of the held-out SemEval
macro recall and the held-out UMSAB pooled macro F1. Evaluation sets (never trained or tuned
on): TweetEval sentiment validation (macro recall) and UMSAB validation per language (macro F1).

Scoring path measured for speed: pure Python + numpy, no scikit-learn: normalise, tokenise,
crc32-hash unigrams and bigrams (and char n-grams in the variants that have them) into a fixed
number of buckets, sum the buckets' weight rows, add the lexicon features times their weights,
softmax. Lexicon features: `+lex` the fast scorer's 10 (`features.lexicon_features`, which
tokenises again and costs about as much as everything else together), `+vlex` five cheaper
numbers from VADER's valences over the n-gram tokens (`valence_vector`). Character n-grams
(`cN`) are implemented but hashing them alone ran at 9,000-12,000 texts/s, under the budget.
Throughput: CPU time (time.process_time) of scoring the TweetEval validation texts in batches,
one process, scorers taking turns pass by pass.

The chosen variant (`w12+vlex`) ships as `socialpulse.sentiment.ngrams.NgramScorer`, whose
normalisation, hashing and lexicon numbers are a copy of this file's (`fit_fast_ngrams.py`
refits it and reproduced this benchmark's validation figures to the fourth decimal); this file
keeps its own copy so that it stays the record of the experiment.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
import zlib
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import numpy as np
import sklearn
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from socialpulse.sentiment.datasets import (
    load_labelled_dir,
    load_labelled_tsv,
    overlap_key,
)
from socialpulse.sentiment.evaluation import macro_recall, out_of_fold_labels
from socialpulse.sentiment.fast import LABELS, FastScorer, tune_fast_scorer
from socialpulse.sentiment.features import NEGATIONS, lexicon_features, valences

# The product's own tokenising and hashing (the shipped NgramScorer's), not a copy.
from socialpulse.sentiment.ngrams import BIGRAM_MULTIPLIER, tokens, word_hashes

LANGUAGES = ("arabic", "english", "french", "german", "hindi", "italian", "portuguese", "spanish")
DEFAULT_DATASETS = Path(__file__).resolve().parents[3] / "shared/datasets"

# ---------------------------------------------------------------- normalisation and hashing


def hashed_features(text: str, mask: int, bigrams: bool = True, chars: int = 0) -> list[int]:
    """Bucket numbers of the text's unigrams, bigrams and (if `chars`) the character n-grams of
    length `chars` of each word, framed by \\x01. crc32-based: stable across processes."""
    words = tokens(text)
    hashes = word_hashes(words)
    grams = [h & mask for h in hashes]
    if bigrams:
        m = BIGRAM_MULTIPLIER
        grams += [(a * m ^ b) & mask for a, b in pairwise(hashes)]
    if chars:
        crc = zlib.crc32
        for w in words:
            if len(w) >= chars:
                framed = f"\x01{w}\x01"
                grams += [
                    crc(framed[i : i + chars].encode()) & mask
                    for i in range(len(framed) - chars + 1)
                ]
    return grams


def valence_vector(words: Sequence[str]) -> tuple[float, ...]:
    """A cheap stand-in for the 10 lexicon features, over the n-gram tokens: VADER valences
    (features.valences) summed, a sentiment word after a negation (up to 3 words back) flipped
    (x -0.74). Compound-like total, log positive and negative mass and word counts."""
    get = valences().get
    pos = neg = 0.0
    npos = nneg = 0
    negate = 0
    for w in words:
        v = get(w)
        if v is None:
            if w in NEGATIONS or w.endswith("n't"):
                negate = 3
            elif negate:
                negate -= 1
            continue
        if negate:
            v *= -0.74
            negate = 0
        if v > 0:
            pos += v
            npos += 1
        elif v < 0:
            neg -= v
            nneg += 1
    total = pos - neg
    return (
        total / math.sqrt(total * total + 15.0),
        math.log1p(pos),
        math.log1p(neg),
        math.log1p(npos),
        math.log1p(nneg),
    )


# ---------------------------------------------------------------- the pure numpy scorer


class HashedScorer:
    """Scoring without scikit-learn: sum of bucket weight rows + lexicon features @ weights."""

    def __init__(
        self,
        bucket_weights: np.ndarray,  # (buckets, 3)
        lexicon_weights: np.ndarray | None,  # (10, 3) or None
        bias: np.ndarray,  # (3,)
        bigrams: bool,
        chars: int,
        scale: bool = False,
        vlex: bool = False,
    ) -> None:
        self.w = np.ascontiguousarray(bucket_weights, dtype=np.float32)
        self.lex = None if lexicon_weights is None else np.asarray(lexicon_weights, np.float64)
        self.bias = np.asarray(bias, dtype=np.float64)
        self.mask = len(self.w) - 1
        self.bigrams = bigrams
        self.chars = chars
        self.scale = scale  # n-gram counts divided by sqrt(number of n-grams in the text)
        self.vlex = vlex  # lexicon weights are for valence_vector, not lexicon_features

    def logits_batch(self, texts: Sequence[str]) -> np.ndarray:
        n = len(texts)
        if self.chars:  # character n-grams: per text
            ids: list[int] = []
            lengths = []
            for text in texts:
                grams = hashed_features(text, self.mask, self.bigrams, self.chars)
                ids += grams
                lengths.append(len(grams))
            rows = np.repeat(np.arange(n), lengths)
            index = np.asarray(ids, dtype=np.int64)
        else:  # words: hash each once, bigrams from the word hashes for the whole batch
            flat: list[str] = []
            lengths = []
            token_lists = []
            for text in texts:
                words = tokens(text)
                flat += words
                lengths.append(len(words))
                token_lists.append(words)
            hashes = np.asarray(word_hashes(flat), dtype=np.uint64)
            rows = np.repeat(np.arange(n), lengths)
            index = hashes & np.uint64(self.mask)
            if self.bigrams and len(hashes) > 1:
                same = rows[1:] == rows[:-1]
                pairs = (hashes[:-1] * np.uint64(BIGRAM_MULTIPLIER) ^ hashes[1:]) & np.uint64(
                    self.mask
                )
                index = np.concatenate([index, pairs[same]])
                rows = np.concatenate([rows, rows[:-1][same]])
            index = index.astype(np.int64)
        gathered = self.w[index]
        out = np.empty((n, 3))
        for k in range(3):
            out[:, k] = np.bincount(rows, weights=gathered[:, k], minlength=n)
        if self.scale:
            out /= np.sqrt(np.maximum(np.bincount(rows, minlength=n), 1))[:, None]
        out += self.bias
        if self.lex is not None and self.vlex:
            out += np.array([valence_vector(words) for words in token_lists]) @ self.lex
        elif self.lex is not None:
            lex = np.array([lexicon_features(t).vector() for t in texts])
            out += lex @ self.lex
        return out

    def score_batch(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        logits = self.logits_batch(texts)
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        best = probs.argmax(axis=1)
        return [
            ("neutral", 0.0) if not t.strip() else (LABELS[b], float(p[2] - p[0]))
            for t, b, p in zip(texts, best, probs, strict=True)
        ]

    def __call__(self, text: str) -> tuple[str, float]:
        if not text.strip():
            return "neutral", 0.0
        grams = hashed_features(text, self.mask, self.bigrams, self.chars)
        logits = self.w[grams].sum(axis=0, dtype=np.float64)
        if self.scale and grams:
            logits /= np.sqrt(len(grams))
        logits += self.bias
        if self.lex is not None and self.vlex:
            logits += np.asarray(valence_vector(tokens(text))) @ self.lex
        elif self.lex is not None:
            logits += np.asarray(lexicon_features(text).vector()) @ self.lex
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        return LABELS[int(probs.argmax())], float(probs[2] - probs[0])


# ---------------------------------------------------------------- data


def load_training(datasets: Path) -> tuple[list[str], list[int], list[str], dict]:
    """Training texts, labels and group (`semeval` or the UMSAB language), with what was removed."""
    held_out = load_labelled_dir(datasets / "tweeteval-sentiment-val").texts
    for language in LANGUAGES:
        held_out += load_labelled_dir(datasets / "umsab-sentiment" / language, ["val"]).texts
    held_keys = {overlap_key(t) for t in held_out}
    parts = [
        (
            "semeval",
            load_labelled_tsv(datasets / "semeval-sentiment-train/semeval2013_2016_taskA.tsv"),
        )
    ]
    for language in LANGUAGES:
        parts.append(
            (language, load_labelled_dir(datasets / "umsab-sentiment" / language, ["train"]))
        )
    texts, labels, groups = [], [], []
    seen: set[str] = set()
    removed = Counter()
    duplicates = Counter()
    raw = Counter()
    for group, part in parts:
        for text, label in zip(part.texts, part.labels, strict=True):
            raw[group] += 1
            key = overlap_key(text)
            if key in held_keys:
                removed[group] += 1
                continue
            if key in seen:
                duplicates[group] += 1
                continue
            seen.add(key)
            texts.append(text)
            labels.append(label)
            groups.append(group)
    info = {"raw": raw, "removed_validation_copies": removed, "duplicates": duplicates}
    return texts, labels, groups, info


# ---------------------------------------------------------------- fitting


def design_matrix(
    texts: Sequence[str],
    buckets: int,
    bigrams: bool,
    chars: int,
    lex: np.ndarray | None,
    scale: bool = False,
) -> sparse.csr_matrix:
    mask = buckets - 1
    indptr = [0]
    indices: list[int] = []
    for text in texts:
        indices += hashed_features(text, mask, bigrams, chars)
        indptr.append(len(indices))
    lengths = np.diff(indptr)
    data = np.ones(len(indices), dtype=np.float64)
    if scale:
        data /= np.repeat(np.sqrt(np.maximum(lengths, 1)), lengths)
    matrix = sparse.csr_matrix(
        (data, np.asarray(indices), np.asarray(indptr)), shape=(len(texts), buckets)
    )
    matrix.sum_duplicates()
    if lex is not None:
        matrix = sparse.hstack([matrix, sparse.csr_matrix(lex)], format="csr")
    return matrix


def lexicon_matrix(variant: dict, lex: np.ndarray, vlex: np.ndarray) -> np.ndarray | None:
    if not variant["lexicon"]:
        return None
    return vlex if variant.get("vlex") else lex


def fit(x: sparse.csr_matrix, y: np.ndarray, c: float) -> LogisticRegression:
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, tol=1e-4)
    model.fit(x, y)
    return model


def to_scorer(model: LogisticRegression, buckets: int, variant: dict) -> HashedScorer:
    coef = model.coef_.T  # (features, 3)
    return HashedScorer(
        coef[:buckets],
        coef[buckets:] if variant["lexicon"] else None,
        model.intercept_,
        variant["bigrams"],
        variant["chars"],
        variant.get("scale", False),
        variant.get("vlex", False),
    )


def selection_score(y: np.ndarray, pred: np.ndarray, groups: np.ndarray) -> tuple[float, float]:
    semeval = groups == "semeval"
    recall = macro_recall(list(y[semeval]), list(pred[semeval]))
    f1 = f1_score(y[~semeval], pred[~semeval], average="macro")
    return recall, f1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument("--output", type=Path)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--grid", type=float, nargs="+", default=[0.1, 0.3, 1.0])
    parser.add_argument("--variants", nargs="+", default=["w12", "w12+lex", "w12c4+lex"])
    parser.add_argument("--buckets", type=int, default=2**18)
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    started = time.perf_counter()
    log = lambda message: print(f"[{time.perf_counter() - started:6.0f}s] {message}", flush=True)  # noqa: E731

    variants = {
        "w12": {"bigrams": True, "chars": 0, "lexicon": False},
        "w12+lex": {"bigrams": True, "chars": 0, "lexicon": True},
        "w1+lex": {"bigrams": False, "chars": 0, "lexicon": True},
        "w12c3+lex": {"bigrams": True, "chars": 3, "lexicon": True},
        "w12c4+lex": {"bigrams": True, "chars": 4, "lexicon": True},
        "w12c4": {"bigrams": True, "chars": 4, "lexicon": False},
        "w12s": {"bigrams": True, "chars": 0, "lexicon": False, "scale": True},
        "w12s+lex": {"bigrams": True, "chars": 0, "lexicon": True, "scale": True},
        "w12+vlex": {"bigrams": True, "chars": 0, "lexicon": True, "vlex": True},
    }
    texts, labels, groups, info = load_training(args.datasets)
    y = np.array(labels)
    g = np.array(groups)
    log(f"training texts {len(texts)}: {dict(Counter(groups))}; info {info}")
    lex_train = np.array([lexicon_features(t).vector() for t in texts])
    vlex_train = np.array([valence_vector(tokens(t)) for t in texts])

    val = load_labelled_dir(args.datasets / "tweeteval-sentiment-val")
    umsab_val = {
        lang: load_labelled_dir(args.datasets / "umsab-sentiment" / lang, ["val"])
        for lang in LANGUAGES
    }

    # --- choose the variant and C by CV on the training data only
    strata = np.array([f"{a}-{b}" for a, b in zip(groups, labels, strict=True)])
    splits = list(StratifiedKFold(args.folds, shuffle=True, random_state=0).split(texts, strata))
    cv_rows = []
    best = None
    for name in args.variants:
        variant = variants[name]
        x = design_matrix(
            texts,
            args.buckets,
            variant["bigrams"],
            variant["chars"],
            lexicon_matrix(variant, lex_train, vlex_train),
            variant.get("scale", False),
        )
        for c in args.grid:
            pred = np.empty(len(y), dtype=object)
            for train, test in splits:
                model = fit(x[train], y[train], c)
                pred[test] = [LABELS[k] for k in model.predict(x[test])]
            truth = np.array([LABELS[k] for k in y], dtype=object)
            recall, f1 = selection_score(truth, pred, g)
            criterion = (recall + f1) / 2
            cv_rows.append((name, c, recall, f1, criterion))
            log(f"CV {name} C={c}: SemEval macro recall {recall:.4f}, UMSAB F1 {f1:.4f}")
            if best is None or criterion > best[2]:
                best = (name, c, criterion)
    name, c, _ = best
    variant = variants[name]
    log(f"chosen: {name} C={c}")
    x = design_matrix(
        texts,
        args.buckets,
        variant["bigrams"],
        variant["chars"],
        lexicon_matrix(variant, lex_train, vlex_train),
        variant.get("scale", False),
    )
    model = fit(x, y, c)
    candidate = to_scorer(model, args.buckets, variant)
    # every other variant at its own best C, for the side-by-side table
    extra = {}
    for other in args.variants:
        if other != name:
            best_c = max((r for r in cv_rows if r[0] == other), key=lambda r: r[4])[1]
            v = variants[other]
            m = fit(
                design_matrix(
                    texts,
                    args.buckets,
                    v["bigrams"],
                    v["chars"],
                    lexicon_matrix(v, lex_train, vlex_train),
                    v.get("scale", False),
                ),
                y,
                best_c,
            )
            extra[f"{other} (C={best_c})"] = to_scorer(m, args.buckets, v)
    log("final fits done")

    # --- evaluation
    fast = FastScorer.load()
    scorers = {f"candidate {name} (C={c})": candidate, **extra, "today's FastScorer": fast}
    truth = [LABELS[k] for k in val.labels]

    def labels_of(scorer, items) -> list[str]:
        if hasattr(scorer, "score_batch"):
            return [lab for lab, _ in scorer.score_batch(items)]
        return [scorer(t)[0] for t in items]

    results = {}
    for key, scorer in scorers.items():
        row = {"tweeteval": macro_recall(truth, labels_of(scorer, val.texts))}
        pooled_t, pooled_p = [], []
        for lang, data in umsab_val.items():
            pred = labels_of(scorer, data.texts)
            gold = [LABELS[k] for k in data.labels]
            row[lang] = f1_score(gold, pred, average="macro")
            pooled_t += gold
            pooled_p += pred
        row["pooled"] = f1_score(pooled_t, pooled_p, average="macro")
        results[key] = row
        log(f"{key}: {row}")
    # batch and per-text paths agree
    batch = candidate.score_batch(val.texts)
    single = [candidate(t) for t in val.texts]
    agree = sum(
        a[0] == b[0] and abs(a[1] - b[1]) < 1e-6 for a, b in zip(batch, single, strict=True)
    )
    log(f"batch vs per-text agreement {agree}/{len(batch)}")
    # nested CV of today's fast scorer on TweetEval val (its weights were fitted on val)
    nested = out_of_fold_labels(
        lambda t, lab: tune_fast_scorer(t, lab, folds=5), val.texts, val.labels, folds=5
    )
    fast_nested = macro_recall(truth, nested)
    log(f"today's FastScorer nested CV on TweetEval val: {fast_nested:.4f}")

    # --- speed: CPU time, batches, taking turns pass by pass
    timed = {
        f"{k} [batch {args.batch}]": s for k, s in scorers.items() if hasattr(s, "score_batch")
    }
    timed[f"candidate {name} (C={c}) [one text per call]"] = candidate
    timed["today's FastScorer [one text per call]"] = fast
    best_rate: dict[str, float] = {}
    items = list(val.texts)
    for _ in range(args.passes):
        for key, scorer in timed.items():
            t0 = time.process_time()
            if key.endswith("per call]"):
                for text in items:
                    scorer(text)
            else:
                for i in range(0, len(items), args.batch):
                    scorer.score_batch(items[i : i + args.batch])
            rate = len(items) / (time.process_time() - t0)
            best_rate[key] = max(best_rate.get(key, 0.0), rate)
    for key, rate in best_rate.items():
        log(f"speed {key}: {rate:,.0f} texts/s (best of {args.passes} passes, CPU time)")
    load = os.getloadavg()
    log(f"load average {load}")

    if args.output:
        write_report(
            args,
            texts,
            groups,
            info,
            cv_rows,
            (name, c),
            results,
            fast_nested,
            best_rate,
            agree,
            len(batch),
            load,
            candidate,
        )


def write_report(
    args,
    texts,
    groups,
    info,
    cv_rows,
    chosen,
    results,
    fast_nested,
    best_rate,
    agree,
    n,
    load,
    candidate,
) -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Fast n-gram scorer candidate (issue 17)",
        "",
        f"Run {now}: `PYTHONPATH=. python {' '.join(sys.argv)}`; Python "
        f"{platform.python_version()}, scikit-learn {sklearn.__version__}, numpy "
        f"{np.__version__}; {os.cpu_count()} cores shared with other jobs, load average "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min) at the end of the run.",
        "",
        "## Training data",
        "",
        f"{len(texts):,} texts after removing copies (`overlap_key`) of the 2,000 TweetEval "
        "validation tweets and of all UMSAB validation tweets, and duplicates within training:",
        "",
        "| source | raw | validation copies removed | duplicates removed | kept |",
        "| --- | --- | --- | --- | --- |",
    ]
    kept = Counter(groups)
    for group in info["raw"]:
        lines.append(
            f"| {group} | {info['raw'][group]:,} | {info['removed_validation_copies'][group]:,} "
            f"| {info['duplicates'][group]:,} | {kept[group]:,} |"
        )
    lines += [
        "",
        f"Features: {args.buckets:,} buckets (crc32 of the UTF-8 token, masked); variants: "
        "`w12` word unigrams + bigrams, `+lex` the fast scorer's 10 lexicon features "
        "(features.lexicon_features), `+vlex` 5 cheaper lexicon numbers over the n-gram tokens "
        "(`valence_vector`: VADER valences with negation), `cN` character N-grams of each word, "
        "`s` counts divided by sqrt(number of n-grams). Class-balanced multinomial "
        "LogisticRegression (lbfgs).",
        "",
        f"## Selection: {args.folds}-fold stratified CV on the training data only",
        "",
        "Criterion: mean of held-out SemEval macro recall and held-out UMSAB pooled macro F1.",
        "",
        "| variant | C | SemEval macro recall | UMSAB macro F1 | criterion |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, c, recall, f1, crit in cv_rows:
        lines.append(f"| {name} | {c} | {100 * recall:.1f} | {100 * f1:.1f} | {100 * crit:.1f} |")
    lines += [
        "",
        f"Chosen: {chosen[0]}, C = {chosen[1]}; refitted on all {len(texts):,} training texts.",
        "",
        "## Evaluation (validation splits, never trained or tuned on)",
        "",
        "TweetEval: macro recall on the 2,000 validation tweets. UMSAB: macro F1 per language "
        "on its validation split (323 tweets each), and pooled over the 8 languages.",
        "",
        "| scorer | TweetEval val | " + " | ".join(LANGUAGES) + " | UMSAB pooled |",
        "| --- | --- | " + " | ".join("---" for _ in LANGUAGES) + " | --- |",
    ]
    for key, row in results.items():
        lines.append(
            f"| {key} | {100 * row['tweeteval']:.1f} | "
            + " | ".join(f"{100 * row[lang]:.1f}" for lang in LANGUAGES)
            + f" | {100 * row['pooled']:.1f} |"
        )
    lines += [
        "",
        f"Today's FastScorer was fitted on the TweetEval validation tweets, so its TweetEval row "
        f"(and its UMSAB English column: UMSAB's English validation tweets are TweetEval "
        f"validation tweets) scores its own training data; its honest TweetEval figure is the "
        f"nested 5-fold CV one, measured again in this run: {100 * fast_nested:.1f}.",
        "",
        f"Batch path vs per-text path of the candidate: same label and score (within 1e-6) "
        f"on {agree}/{n} tweets.",
        "",
        "## Speed",
        "",
        f"CPU time (time.process_time) of scoring the 2,000 TweetEval validation texts, best of "
        f"{args.passes} passes, scorers taking turns pass by pass, one process:",
        "",
        "| scorer | texts/s per core |",
        "| --- | --- |",
    ]
    for key, rate in best_rate.items():
        lines.append(f"| {key} | {rate:,.0f} |")
    lines.append("")
    args.output.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()

"""Labelled texts on disk, for training and evaluation.

Two layouts. TweetEval's: a directory holds `<split>_text.txt` and `<split>_labels.txt` pairs
(one tweet and one integer label per line) and optionally `mapping.txt` (`0<TAB>negative` ...).
Without `mapping.txt`, labels are TweetEval's: 0 negative, 1 neutral, 2 positive. Or one
tab-separated file (`.tsv`) with a header naming at least a `label` and a `text` column, labels
coded the same way (the SemEval 2013-2016 collection in shared/datasets is such a file).
"""

from __future__ import annotations

import csv
import hashlib
import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from socialpulse.sentiment.encoder import prepare_for_encoder
from socialpulse.sentiment.fast import LABELS

_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class LabelledTexts:
    texts: list[str]
    labels: list[int]  # indices into LABELS
    files: list[str]
    sha256: str  # of the text and label bytes, in file order: what a model was trained on


def _lines(path: Path) -> list[str]:
    # split("\n"), not splitlines(): tweets may hold form feeds or other separators.
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r") for line in lines]


def _label_names(directory: Path) -> dict[str, int]:
    mapping = directory / "mapping.txt"
    if not mapping.exists():
        return {str(i): i for i in range(len(LABELS))}
    names: dict[str, int] = {}
    for number, line in enumerate(_lines(mapping), 1):
        if not line.strip():
            continue
        code, _, name = line.partition("\t")
        if name.strip() not in LABELS:
            raise ValueError(
                f"{mapping}:{number}: label name {name.strip()!r} is not one of {LABELS}"
            )
        names[code.strip()] = LABELS.index(name.strip())
    return names


def load_labelled_dir(directory: Path, splits: Sequence[str] = ()) -> LabelledTexts:
    """Every `<split>_text.txt`/`<split>_labels.txt` pair in `directory`, or only `splits`."""
    if not directory.is_dir():
        raise FileNotFoundError(f"{directory} is not a directory of labelled texts")
    available = sorted(p.name.removesuffix("_text.txt") for p in directory.glob("*_text.txt"))
    chosen = list(splits) or available
    missing = [s for s in chosen if s not in available]
    if not chosen or missing:
        raise FileNotFoundError(
            f"{directory}: no {missing or '<split>'}_text.txt with its _labels.txt; "
            f"splits found: {available or 'none'}"
        )
    codes = _label_names(directory)
    digest = hashlib.sha256()
    texts: list[str] = []
    labels: list[int] = []
    files: list[str] = []
    for split in chosen:
        text_file = directory / f"{split}_text.txt"
        label_file = directory / f"{split}_labels.txt"
        if not label_file.exists():
            raise FileNotFoundError(f"{text_file} has no {label_file.name} beside it")
        split_texts, split_labels = _lines(text_file), _lines(label_file)
        if len(split_texts) != len(split_labels):
            raise ValueError(
                f"{text_file} has {len(split_texts)} lines but {label_file} has "
                f"{len(split_labels)}: they must pair up line by line"
            )
        for number, code in enumerate(split_labels, 1):
            if code.strip() not in codes:
                raise ValueError(
                    f"{label_file}:{number}: label {code!r} is not one of {sorted(codes)}"
                )
            labels.append(codes[code.strip()])
        texts.extend(text.strip() for text in split_texts)
        files.extend([text_file.name, label_file.name])
        digest.update(text_file.read_bytes())
        digest.update(label_file.read_bytes())
    return LabelledTexts(texts=texts, labels=labels, files=files, sha256=digest.hexdigest())


def load_labelled_tsv(path: Path) -> LabelledTexts:
    """The `label` and `text` columns of a tab-separated file with a header (no quoting)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = {"label", "text"} - set(rows.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: no {sorted(missing)} column in its header {rows.fieldnames}")
        texts: list[str] = []
        labels: list[int] = []
        for number, row in enumerate(rows, 2):
            code = (row["label"] or "").strip()
            if code not in {str(i) for i in range(len(LABELS))}:
                raise ValueError(f"{path}:{number}: label {code!r} is not one of 0, 1, 2")
            texts.append((row["text"] or "").strip())
            labels.append(int(code))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return LabelledTexts(texts=texts, labels=labels, files=[path.name], sha256=digest)


def load_labelled(path: Path, splits: Sequence[str] = ()) -> LabelledTexts:
    """A TweetEval-layout directory (its `splits`, or all) or a `.tsv` file."""
    if path.is_file():
        if path.suffix != ".tsv":
            raise ValueError(f"{path}: give a directory of <split>_text.txt pairs or a .tsv file")
        return load_labelled_tsv(path)
    return load_labelled_dir(path, splits)


def combine(parts: Sequence[tuple[str, LabelledTexts]]) -> LabelledTexts:
    """Several labelled sets as one, in order; files named `<name>/<file>`, one digest."""
    digest = hashlib.sha256()
    for _, part in parts:
        digest.update(part.sha256.encode())
    return LabelledTexts(
        texts=[text for _, part in parts for text in part.texts],
        labels=[label for _, part in parts for label in part.labels],
        files=[f"{name}/{file}" for name, part in parts for file in part.files],
        sha256=digest.hexdigest() if len(parts) > 1 else parts[0][1].sha256,
    )


def overlap_key(text: str) -> str:
    """What two copies of one tweet share: its letters and digits, lower-cased, after the
    encoder's preparation, without `@user` and `http`. Quoting, mentions, links and escapes
    differ between the collections that republish the same tweets.

    >>> overlap_key('"Good chat with @bob about it\\\\u2019s run http://t.co/x"')
    'goodchatwithaboutitsrun'
    """
    prepared = prepare_for_encoder(text).replace("@user", "").replace("http", "")
    return _NOT_ALPHANUMERIC.sub("", prepared.lower())


def without_texts(data: LabelledTexts, held_out: Sequence[str], name: str) -> LabelledTexts:
    """`data` less every example that is a copy (`overlap_key`) of one of `held_out`: keeps
    evaluation texts out of training when collections overlap."""
    keys = {overlap_key(text) for text in held_out}
    kept = [i for i, text in enumerate(data.texts) if overlap_key(text) not in keys]
    digest = hashlib.sha256(f"{data.sha256} without {name}".encode())
    for text in held_out:
        digest.update(text.encode("utf-8"))
    return LabelledTexts(
        texts=[data.texts[i] for i in kept],
        labels=[data.labels[i] for i in kept],
        files=[*data.files, f"-{name}"],
        sha256=digest.hexdigest(),
    )


def sample(data: LabelledTexts, size: int, seed: int = 0) -> LabelledTexts:
    """The first `size` examples of a seeded random permutation of `data` (all, if fewer)."""
    if size >= len(data.texts):
        return data
    order = list(range(len(data.texts)))
    random.Random(seed).shuffle(order)
    chosen = order[:size]
    digest = hashlib.sha256(f"{data.sha256} sample {size} seed {seed}".encode())
    return LabelledTexts(
        texts=[data.texts[i] for i in chosen],
        labels=[data.labels[i] for i in chosen],
        files=[f"{file}[sample {size}, seed {seed}]" for file in data.files],
        sha256=digest.hexdigest(),
    )


def require_examples_per_label(labels: Sequence[int], needed: int, folds: int) -> None:
    """Raise the message `sentiment train` shows when a label has fewer than `needed` examples
    for `folds`-fold cross-validation (label k is `LABELS[k]`)."""
    counts = Counter(labels)
    if min(counts.get(k, 0) for k in range(len(LABELS))) < needed:
        raise ValueError(
            f"each label needs at least {needed} examples for --folds={folds}; counts are "
            f"{ {LABELS[k]: counts.get(k, 0) for k in range(len(LABELS))} }: "
            "add examples or lower --folds"
        )

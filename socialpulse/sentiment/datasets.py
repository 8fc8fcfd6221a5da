"""Labelled texts on disk in the TweetEval layout, for training and evaluation.

A directory holds `<split>_text.txt` and `<split>_labels.txt` pairs (one tweet and one integer
label per line) and optionally `mapping.txt` (`0<TAB>negative` ...). Without `mapping.txt`,
labels are TweetEval's: 0 negative, 1 neutral, 2 positive.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from socialpulse.sentiment.fast import LABELS


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

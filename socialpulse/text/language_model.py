"""A bigram language model with add-k smoothing, and the phrases that set one group of posts
apart from the rest (per sentiment label, per keyword).

A phrase is characteristic of a group when the group's model gives it a much higher probability
than the whole corpus's model: score = log P_group(a b) - log P_corpus(a b), where
P(a b) = P(a) P(b | a), both add-k smoothed over the corpus vocabulary so that the two models
are comparable and unseen pairs are never infinitely surprising.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from socialpulse.text.pipeline import content_tokens

START, END = "<s>", "</s>"


@dataclass
class BigramModel:
    """Counts of words and adjacent word pairs; `k` is the add-k smoothing constant.

    >>> model = BigramModel.fit([["battery", "died"], ["battery", "died"], ["battery", "ok"]])
    >>> round(model.conditional("battery", "died"), 3)  # (2 + 0.5) / (3 + 0.5 * 5)
    0.455
    """

    k: float = 0.5
    unigrams: Counter[str] = field(default_factory=Counter)
    bigrams: Counter[tuple[str, str]] = field(default_factory=Counter)
    vocabulary: set[str] = field(default_factory=set)

    @classmethod
    def fit(
        cls,
        sentences: Iterable[Sequence[str]],
        k: float = 0.5,
        vocabulary: Iterable[str] = (),
    ) -> BigramModel:
        """Count `sentences` (token lists); `vocabulary` adds words seen elsewhere, so that a
        group's model smooths over the same vocabulary as the corpus's."""
        if k <= 0:
            raise ValueError(f"add-k smoothing needs k > 0, got {k}")
        model = cls(k=k)
        for sentence in sentences:
            padded = [START, *sentence, END]
            model.unigrams.update(padded[:-1])  # a history count for each bigram that starts here
            model.bigrams.update(itertools.pairwise(padded))
        model.vocabulary = {w for w, _ in model.bigrams} | {w for _, w in model.bigrams}
        model.vocabulary.update(vocabulary)
        return model

    @property
    def size(self) -> int:
        return len(self.vocabulary)

    def conditional(self, previous: str, word: str) -> float:
        """P(word | previous) = (c(previous word) + k) / (c(previous) + k V)."""
        return (self.bigrams[(previous, word)] + self.k) / (
            self.unigrams[previous] + self.k * self.size
        )

    def unigram(self, word: str) -> float:
        total = sum(self.unigrams.values())
        return (self.unigrams[word] + self.k) / (total + self.k * self.size)

    def phrase(self, first: str, second: str) -> float:
        """P(first second) as a phrase anywhere in a post: P(first) P(second | first)."""
        return self.unigram(first) * self.conditional(first, second)

    def log_probability(self, sentence: Sequence[str]) -> float:
        padded = [START, *sentence, END]
        return sum(math.log(self.conditional(a, b)) for a, b in itertools.pairwise(padded))

    def perplexity(self, sentences: Iterable[Sequence[str]]) -> float:
        log_total, count = 0.0, 0
        for sentence in sentences:
            log_total += self.log_probability(sentence)
            count += len(sentence) + 1
        return math.exp(-log_total / count) if count else math.inf


@dataclass(frozen=True)
class Phrase:
    text: str
    count: int  # in the group
    log_ratio: float  # log P_group - log P_corpus


def characteristic_phrases(
    texts_by_group: Mapping[str, Sequence[str]],
    top: int = 10,
    k: float = 0.5,
    min_count: int = 2,
    tokens_of: Callable[[str], list[str]] = content_tokens,
) -> dict[str, list[Phrase]]:
    """For each group, the `top` bigrams seen at least `min_count` times in it whose probability
    under the group's model most exceeds that under the whole corpus's model."""
    tokenized = {group: [tokens_of(t) for t in texts] for group, texts in texts_by_group.items()}
    corpus = BigramModel.fit((s for sentences in tokenized.values() for s in sentences), k)
    phrases: dict[str, list[Phrase]] = {}
    for group, sentences in tokenized.items():
        model = BigramModel.fit(sentences, k, vocabulary=corpus.vocabulary)
        scored = [
            Phrase(
                f"{a} {b}",
                count,
                math.log(model.phrase(a, b)) - math.log(corpus.phrase(a, b)),
            )
            for (a, b), count in model.bigrams.items()
            if count >= min_count and START not in (a, b) and END not in (a, b)
        ]
        scored.sort(key=lambda p: (-p.log_ratio, -p.count, p.text))
        phrases[group] = scored[:top]
    return phrases


def texts_by_field(records: Iterable[Mapping[str, Any]], field_name: str) -> dict[str, list[str]]:
    """Group enriched posts' texts by a field: `sentiment_label` (one value) or `keywords` (a
    list: a post joins every keyword's group)."""
    groups: dict[str, list[str]] = {}
    for record in records:
        value = record.get(field_name)
        keys = value if isinstance(value, list | tuple) else [value]
        for key in keys:
            if key is not None and key != "":
                groups.setdefault(str(key), []).append(record.get("text") or "")
    return groups

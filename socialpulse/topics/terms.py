"""Naming topics by their top terms: class-based TF-IDF over the project's content tokens.

A term names a topic when it is frequent in the topic's texts and rare elsewhere (BERTopic's
c-TF-IDF: a topic's texts are read as one document). A word every topic uses, such as a hashtag
on every post of a crawl, names nothing: terms found in over half of all texts are left out
when there is more than one topic.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from socialpulse.text import content_tokens


def topic_terms(
    tokens: Sequence[Sequence[str]], labels: Sequence[int], count: int
) -> dict[int, list[str]]:
    """The `count` best terms of each label. Terms found in two or more of the topic's texts
    come first, so that one long text does not name its topic alone; the others fill in when
    there are too few. Ties go alphabetically."""
    per_topic: dict[int, Counter[str]] = {}
    texts_with: dict[int, Counter[str]] = {}
    for words, label in zip(tokens, labels, strict=True):
        per_topic.setdefault(label, Counter()).update(words)
        texts_with.setdefault(label, Counter()).update(set(words))
    overall: Counter[str] = Counter()
    for counts in per_topic.values():
        overall.update(counts)
    average = sum(overall.values()) / max(len(per_topic), 1)
    in_texts: Counter[str] = Counter()
    for present in texts_with.values():
        in_texts.update(present)
    # A term in most texts (a crawl's own hashtag) tells topics apart from nothing.
    boilerplate = (
        {t for t, n in in_texts.items() if n > len(tokens) / 2} if len(per_topic) > 1 else set()
    )
    named: dict[int, list[str]] = {}
    for label in sorted(set(labels)):
        counts = per_topic.get(label, Counter())
        total = sum(counts.values())
        scored = [
            (
                texts_with[label][term] < 2,
                -count_ / total * math.log(1 + average / overall[term]),
                term,
            )
            for term, count_ in counts.items()
            if term not in boilerplate
        ]
        named[label] = [term for *_, term in sorted(scored)[:count]]
    return named


def text_tokens(text: str) -> list[str]:
    """The words that can name a topic: cleaned, tokenised, English stopwords out (the lists
    of the other languages collide with English words, see socialpulse.text.stopwords)."""
    return content_tokens(text)

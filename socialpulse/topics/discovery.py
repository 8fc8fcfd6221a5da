"""Topic discovery over a set of posts: embed, link near neighbours, find communities, name them.

The method picks the number of topics (Louvain modularity on a nearest-neighbour graph of the
multilingual encoder's embeddings, see `graph`); each topic is named by its top terms (`terms`)
and shows the texts nearest its centre. Discovery runs over a batch (a file, a window of the
stream); `DiscoveredTopics.assign` then labels posts that arrive later, one at a time if need be,
by their nearest topic centre, until the next discovery. Same input, same topics: the encoder
is deterministic and Louvain is seeded.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from socialpulse.text import clean_text
from socialpulse.topics.graph import (
    by_size,
    communities,
    fold_small,
    nearest_neighbours,
    neighbour_graph,
    unit_rows,
)
from socialpulse.topics.terms import text_tokens, topic_terms

Embed = Callable[[Sequence[str]], np.ndarray]
Progress = Callable[[str], None]

NO_TOPIC = -1  # the label of a text with nothing to read (blank, or only a URL or mention)


@dataclass(frozen=True)
class DiscoverySettings:
    """One configuration for every input; chosen on TweetEval stance train (benchmarks/topics)."""

    neighbours: int = 20  # links per text in the graph
    resolution: float = 1.0  # Louvain resolution: above 1 more, smaller topics
    min_share: float = 0.01  # communities under this share of the texts are folded away
    terms: int = 5  # top terms that name a topic
    examples: int = 3  # texts nearest the centre, shown with a topic
    seed: int = 0


@dataclass(frozen=True)
class Topic:
    id: int
    size: int
    terms: list[str]
    examples: list[str]


@dataclass(frozen=True)
class DiscoveredTopics:
    labels: list[int]  # one per input text, NO_TOPIC for a blank one
    topics: list[Topic]  # by id: topics[i].id == i, largest first
    mean: np.ndarray  # the embeddings' mean, taken out before comparing
    centroids: np.ndarray  # (topics, dim) unit-length centres

    def terms_of(self, label: int) -> list[str]:
        return [] if label == NO_TOPIC else self.topics[label].terms

    def assign(self, embeddings: np.ndarray) -> list[int]:
        """The topic of each later text: the nearest centre (cosine), as discovery compared."""
        if not self.topics or len(embeddings) == 0:
            return [NO_TOPIC] * len(embeddings)
        centred = embeddings - self.mean
        return np.argmax(centred @ self.centroids.T, axis=1).tolist()


def discover_topics(
    texts: Sequence[str],
    embed: Embed | None = None,
    settings: DiscoverySettings = DiscoverySettings(),
    progress: Progress | None = None,
) -> DiscoveredTopics:
    """Topics of `texts` (any number, blanks allowed); `embed` defaults to the multilingual
    encoder, `progress` hears embedding counts and rates."""
    readable = [i for i, text in enumerate(texts) if clean_text(text)]
    if embed is None:
        embed = _default_embed(progress)
    embeddings = embed([texts[i] for i in readable]) if readable else np.zeros((0, 1))
    return topics_from_embeddings(texts, readable, embeddings, settings)


def _default_embed(progress: Progress | None) -> Embed:
    from socialpulse.sentiment.encoder import TextEncoder

    encoder = TextEncoder()
    return lambda texts: encoder.embed(texts, progress=progress)


def topics_from_embeddings(
    texts: Sequence[str],
    readable: Sequence[int],
    embeddings: np.ndarray,
    settings: DiscoverySettings = DiscoverySettings(),
) -> DiscoveredTopics:
    """Topics of `texts` given the embeddings of its `readable` texts (the others get NO_TOPIC)."""
    labels = np.full(len(texts), NO_TOPIC, dtype=np.int64)
    if not readable:
        return DiscoveredTopics(labels.tolist(), [], np.zeros(1), np.zeros((0, 1)))
    mean = embeddings.mean(axis=0)
    unit = unit_rows(embeddings)
    found = by_size(_communities(unit, settings))
    labels[list(readable)] = found
    centroids = np.stack([unit[found == label].mean(axis=0) for label in range(found.max() + 1)])
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    tokens = [text_tokens(texts[i]) for i in readable]
    named = topic_terms(tokens, found.tolist(), settings.terms)
    topics = [
        Topic(
            id=label,
            size=int((found == label).sum()),
            terms=named[label],
            examples=_examples(texts, readable, unit, found, centroids[label], label, settings),
        )
        for label in range(len(centroids))
    ]
    return DiscoveredTopics(labels.tolist(), topics, mean, centroids)


def _communities(unit: np.ndarray, settings: DiscoverySettings) -> np.ndarray:
    """Community labels of the rows of `unit`: one community when there is no structure to
    find (one or two texts, or texts that are all alike)."""
    if len(unit) <= 2:
        return np.zeros(len(unit), dtype=np.int64)
    graph = neighbour_graph(*nearest_neighbours(unit, settings.neighbours))
    if graph.size(weight="weight") <= 0:
        return np.zeros(len(unit), dtype=np.int64)
    labels = communities(graph, settings.resolution, settings.seed)
    min_size = max(2, math.ceil(settings.min_share * len(unit)))
    return fold_small(unit, labels, min_size)


def _examples(
    texts: Sequence[str],
    readable: Sequence[int],
    unit: np.ndarray,
    found: np.ndarray,
    centre: np.ndarray,
    label: int,
    settings: DiscoverySettings,
) -> list[str]:
    """Distinct texts of the topic nearest its centre."""
    members = np.flatnonzero(found == label)
    order = members[np.argsort(-(unit[members] @ centre), kind="stable")]
    examples: list[str] = []
    for row in order.tolist():
        text = texts[readable[row]].strip()
        if text not in examples:
            examples.append(text)
        if len(examples) == settings.examples:
            break
    return examples

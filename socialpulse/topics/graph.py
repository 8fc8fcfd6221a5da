"""Topics as communities of a nearest-neighbour graph of text embeddings.

Each text links to the `neighbours` texts most similar to it (cosine of centred embeddings);
Louvain's modularity optimisation then finds the communities, and so how many there are: no
number of topics is given. Small communities are folded into the nearest large one, so that a
stray pair of odd texts does not become a topic of its own.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

# Rows of the similarity matrix computed at once: memory stays O(block * n), not O(n^2).
_BLOCK = 1024


def unit_rows(embeddings: np.ndarray) -> np.ndarray:
    """Embeddings centred on their mean and scaled to length 1: what every text shares (the
    encoder's constant direction) would otherwise dominate every similarity."""
    centred = embeddings - embeddings.mean(axis=0)
    norms = np.linalg.norm(centred, axis=1, keepdims=True)
    return centred / np.where(norms > 0, norms, 1.0)


def nearest_neighbours(unit: np.ndarray, neighbours: int) -> tuple[np.ndarray, np.ndarray]:
    """For each row, the indices of its `neighbours` most similar other rows and those
    similarities; ties go to the lower index, so the graph is the same run after run."""
    count = len(unit)
    k = min(neighbours, count - 1)
    indices = np.zeros((count, k), dtype=np.int64)
    similarities = np.zeros((count, k), dtype=np.float64)
    for start in range(0, count, _BLOCK):
        block = unit[start : start + _BLOCK] @ unit.T
        rows = np.arange(len(block))
        block[rows, start + rows] = -np.inf  # a text is not its own neighbour
        order = np.argsort(-block, axis=1, kind="stable")[:, :k]
        indices[start : start + len(block)] = order
        similarities[start : start + len(block)] = np.take_along_axis(block, order, axis=1)
    return indices, similarities


def neighbour_graph(indices: np.ndarray, similarities: np.ndarray) -> nx.Graph:
    """An undirected graph weighted by similarity (negative ones count as 0); a link found from
    both ends counts twice, so mutual neighbours bind tighter."""
    graph = nx.Graph()
    graph.add_nodes_from(range(len(indices)))
    for source, (targets, weights) in enumerate(zip(indices, similarities, strict=True)):
        for target, weight in zip(targets.tolist(), weights.tolist(), strict=True):
            weight = max(weight, 0.0)
            if graph.has_edge(source, target):
                graph[source][target]["weight"] += weight
            else:
                graph.add_edge(source, target, weight=weight)
    return graph


def communities(graph: nx.Graph, resolution: float, seed: int) -> np.ndarray:
    """Louvain communities as one label per node, numbered by their smallest member."""
    found = nx.community.louvain_communities(
        graph, weight="weight", resolution=resolution, seed=seed
    )
    labels = np.zeros(graph.number_of_nodes(), dtype=np.int64)
    for label, members in enumerate(sorted(found, key=min)):
        labels[sorted(members)] = label
    return labels


def fold_small(unit: np.ndarray, labels: np.ndarray, min_size: int) -> np.ndarray:
    """Members of communities smaller than `min_size` move to the most similar centroid of a
    large one; if none is large, the labels stay as they are."""
    names, sizes = np.unique(labels, return_counts=True)
    large = names[sizes >= min_size]
    if len(large) == 0 or len(large) == len(names):
        return labels
    centroids = np.stack([unit[labels == name].mean(axis=0) for name in large])
    folded = labels.copy()
    small = ~np.isin(labels, large)
    folded[small] = large[np.argmax(unit[small] @ centroids.T, axis=1)]
    return folded


def by_size(labels: np.ndarray) -> np.ndarray:
    """Labels renumbered 0, 1, ... from the largest community down (ties: earliest member
    first), so topic 0 is always the biggest."""
    names, first, sizes = np.unique(labels, return_index=True, return_counts=True)
    order = sorted(range(len(names)), key=lambda i: (-sizes[i], first[i]))
    mapping = {int(names[i]): rank for rank, i in enumerate(order)}
    return np.array([mapping[int(label)] for label in labels], dtype=np.int64)

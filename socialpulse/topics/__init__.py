"""Topic discovery: what a set of posts is about, with the number of topics found, not given."""

from socialpulse.topics.discovery import (
    NO_TOPIC,
    DiscoveredTopics,
    DiscoverySettings,
    Topic,
    discover_topics,
    topics_from_embeddings,
)

__all__ = [
    "NO_TOPIC",
    "DiscoveredTopics",
    "DiscoverySettings",
    "Topic",
    "discover_topics",
    "topics_from_embeddings",
]

"""A day's topics for the batch graph, and which of them are emerging.

Discovery (`socialpulse.topics`) runs on a deterministic sample of the day's posts: the posts
with the smallest md5 of their id, at most `sample_posts` of them (the same sample on every
rerun, drawn by the warehouse in either dialect). Each topic becomes one row with its top terms,
its posts in the sample and its share of the sample's posts that have a topic.

A topic is matched to the earlier days' topics (up to `MATCH_LOOKBACK_DAYS` back) by the Jaccard
overlap of their top terms: the best overlap wins if it reaches `MATCH_MIN_JACCARD` (ties go to
the most recent day, then to the bigger topic). A topic is *emerging* when nothing matches it
(new) or when its share is at least `EMERGING_SHARE_GROWTH` times its match's (growing). With
no earlier topics at all there is nothing to compare with and no topic is flagged
(`history_days` = 0 says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:  # discovery imports networkx: only the runs that discover load it
    from socialpulse.topics import DiscoveredTopics

MATCH_LOOKBACK_DAYS = 7
MATCH_MIN_JACCARD = 0.25  # e.g. two shared terms of five each: 2 / 8
EMERGING_SHARE_GROWTH = 2.0  # a matched topic whose share at least doubled

TOPIC_SCHEMA = {
    "day": pl.Date,
    "topic_id": pl.Int32,  # 0 is the day's biggest topic
    "terms": pl.List(pl.String),
    "post_count": pl.Int64,  # posts of the sample in the topic
    "share": pl.Float64,  # of the sample's posts that have a topic
    "example_posts": pl.List(pl.String),
    "sampled_posts": pl.Int64,
    "day_posts": pl.Int64,
}
EMERGING_SCHEMA = {
    "emerging": pl.Boolean,
    # Why a topic is emerging, decided here only (the marts, dashboard and report read it):
    # "new" (nothing earlier matched it), "growing" (its share grew sharply), null otherwise.
    "emerging_reason": pl.String,
    "matched_day": pl.Date,
    "matched_topic_id": pl.Int32,
    "term_overlap": pl.Float64,  # Jaccard of the top terms with the matched topic
    "history_days": pl.Int32,  # earlier days with topics that the day was compared with
}
DAILY_TOPICS_SCHEMA = {**TOPIC_SCHEMA, **EMERGING_SCHEMA}
PREVIOUS_COLUMNS = ("day", "topic_id", "terms", "share")


def day_posts_count_sql() -> str:
    return "SELECT count(*) AS n FROM posts WHERE created_at >= ? AND created_at < ?"


def sample_posts_sql() -> str:
    """The day's sample (parameters: start, end, cap): md5 of the id orders it the same way in
    DuckDB and Postgres, and a post's place does not depend on the others'."""
    return (
        "SELECT id, text FROM posts WHERE created_at >= ? AND created_at < ? "
        "ORDER BY md5(id), id LIMIT ?"
    )


def previous_topics_sql() -> str:
    """The earlier days' topics (parameters: first day, the day itself)."""
    return (
        f"SELECT {', '.join(PREVIOUS_COLUMNS)} FROM daily_topics "
        "WHERE day >= ? AND day < ? ORDER BY day, topic_id"
    )


def topic_rows(
    day: date, found: DiscoveredTopics, sampled_posts: int, day_posts: int
) -> pl.DataFrame:
    """One row per named topic of `found` (a topic whose texts give no term is left out: see
    `unnamed_topics`); the emerging columns are left for `flag_emerging`."""
    with_topic = sum(topic.size for topic in found.topics)
    rows = [
        {
            "day": day,
            "topic_id": topic.id,
            "terms": topic.terms,
            "post_count": topic.size,
            "share": topic.size / with_topic,
            "example_posts": topic.examples,
            "sampled_posts": sampled_posts,
            "day_posts": day_posts,
        }
        for topic in found.topics
        if topic.terms
    ]
    return pl.DataFrame(rows, schema=TOPIC_SCHEMA)


def unnamed_topics(found: DiscoveredTopics) -> list[int]:
    """Ids of topics whose texts have no term to name them by (only emoji or stopwords)."""
    return [topic.id for topic in found.topics if not topic.terms]


def jaccard(first: Sequence[str], second: Sequence[str]) -> float:
    a, b = set(first), set(second)
    return len(a & b) / len(a | b) if a | b else 0.0


def best_match(
    terms: Sequence[str], earlier: Sequence[tuple[date, int, list[str], float]]
) -> tuple[float, date, int, float] | None:
    """The earlier topic (day, topic_id, terms, share) whose terms overlap `terms` most, as
    (overlap, day, topic_id, share), if the overlap reaches `MATCH_MIN_JACCARD`. Ties go to the
    most recent day, then to the bigger topic, then to the smaller id."""
    ranked = [
        ((jaccard(terms, earlier_terms), day, share, -topic_id), (day, topic_id, share))
        for day, topic_id, earlier_terms, share in earlier
    ]
    if not ranked:
        return None
    (overlap, *_), (day, topic_id, share) = max(ranked)
    return (overlap, day, topic_id, share) if overlap >= MATCH_MIN_JACCARD else None


def flag_emerging(today: pl.DataFrame, previous: pl.DataFrame) -> pl.DataFrame:
    """`today`'s topics (terms, share) with `emerging`, their match among `previous` (earlier
    days' topics: day, topic_id, terms, share) and the overlap: the rule of the module docstring."""
    earlier = list(previous.select(PREVIOUS_COLUMNS).iter_rows()) if previous.height else []
    history_days = len({row[0] for row in earlier})
    flags: list[dict] = []
    for terms, share in today.select("terms", "share").iter_rows():
        match = best_match(terms, earlier)
        grown = match is not None and share >= EMERGING_SHARE_GROWTH * match[3]
        emerging = history_days > 0 and (match is None or grown)
        flags.append(
            {
                "emerging": emerging,
                "emerging_reason": ("new" if match is None else "growing") if emerging else None,
                "matched_day": match[1] if match else None,
                "matched_topic_id": match[2] if match else None,
                "term_overlap": match[0] if match else None,
                "history_days": history_days,
            }
        )
    return pl.concat(
        [today.drop(list(EMERGING_SCHEMA), strict=False), pl.DataFrame(flags, EMERGING_SCHEMA)],
        how="horizontal",
    )


def unsound_topics(topics: pl.DataFrame) -> pl.DataFrame:
    """Rows that break the table's contract: no non-blank term, or no post."""
    named = (
        pl.col("terms")
        .list.eval(pl.element().str.strip_chars().str.len_chars() > 0)
        .list.any()
        .fill_null(False)
    )
    return topics.filter(~named | (pl.col("post_count").fill_null(0) <= 0))


def topics_markdown(topics: pl.DataFrame) -> str:
    """The day's topics as a markdown list, emerging ones flagged (new or growing)."""
    lines = []
    for topic_id, terms, posts, share, reason in topics.select(
        "topic_id", "terms", "post_count", "share", "emerging_reason"
    ).iter_rows():
        flag = f" **emerging: {reason}**" if reason else ""
        lines.append(f"- {topic_id}: {' '.join(terms)} ({posts} posts, {share:.0%}){flag}")
    return "\n".join(lines) or "no topic: no post with text on this day"

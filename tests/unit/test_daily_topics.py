"""Emerging topics on hand-made days: a new topic, a growing one and a steady one; the rows the
daily_topics table gets, and the rule its check enforces."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from socialpulse.batch.daily_topics import (
    EMERGING_SHARE_GROWTH,
    MATCH_MIN_JACCARD,
    TOPIC_SCHEMA,
    best_match,
    flag_emerging,
    jaccard,
    topic_rows,
    unsound_topics,
)
from socialpulse.topics import DiscoveredTopics, Topic

DAY = date(2024, 3, 10)
YESTERDAY = date(2024, 3, 9)
EARLIER = date(2024, 3, 8)

FOOTBALL = ["football", "goal", "match", "striker", "league"]
COOKING = ["recipe", "baking", "bread", "oven", "pasta"]
MARKETS = ["stocks", "shares", "rates", "bank", "inflation"]


def topics(day: date, *rows: tuple[int, list[str], float]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"day": day, "topic_id": i, "terms": t, "share": s} for i, t, s in rows],
        schema={"day": pl.Date, "topic_id": pl.Int32, "terms": pl.List(pl.String), "share": float},
    )


def test_a_new_topic_a_growing_one_and_a_steady_one() -> None:
    previous = topics(
        YESTERDAY,
        (0, FOOTBALL, 0.6),
        (1, COOKING, 0.2),
    )
    today = topics(
        DAY,
        (0, ["football", "goal", "match", "penalty", "referee"], 0.5),  # 3 of 7: steady
        (1, ["recipe", "baking", "bread", "cake", "chocolate"], 0.4),  # 0.2 -> 0.4: growing
        (2, MARKETS, 0.1),  # nothing like it before: new
    )
    flagged = flag_emerging(today, previous)
    assert flagged.select("topic_id", "emerging", "matched_day", "matched_topic_id").rows() == [
        (0, False, YESTERDAY, 0),
        (1, True, YESTERDAY, 1),
        (2, True, None, None),
    ]
    assert flagged["term_overlap"].to_list() == [3 / 7, 3 / 7, None]
    assert flagged["history_days"].to_list() == [1, 1, 1]


def test_the_thresholds_are_the_named_constants() -> None:
    previous = topics(YESTERDAY, (0, COOKING, 0.2))
    # Exactly the growth ratio is emerging; just under it is not.
    at_ratio = topics(DAY, (0, COOKING, 0.2 * EMERGING_SHARE_GROWTH))
    under = topics(DAY, (0, COOKING, 0.2 * EMERGING_SHARE_GROWTH * 0.99))
    assert flag_emerging(at_ratio, previous)["emerging"].to_list() == [True]
    assert flag_emerging(under, previous)["emerging"].to_list() == [False]
    # One shared term of five each is 1/9, under the threshold: not a match, so new.
    one_shared = ["recipe", "garden", "flowers", "spring", "seeds"]
    assert jaccard(one_shared, COOKING) == 1 / 9 < MATCH_MIN_JACCARD
    assert best_match(one_shared, [(YESTERDAY, 0, COOKING, 0.2)]) is None
    two_shared = ["recipe", "baking", "flowers", "spring", "seeds"]
    assert jaccard(two_shared, COOKING) == 2 / 8 >= MATCH_MIN_JACCARD
    assert best_match(two_shared, [(YESTERDAY, 0, COOKING, 0.2)]) == (0.25, YESTERDAY, 0, 0.2)


def test_the_best_overlap_wins_and_ties_go_to_the_most_recent_day() -> None:
    earlier = [
        (EARLIER, 3, FOOTBALL, 0.1),
        (YESTERDAY, 5, FOOTBALL, 0.3),
        (YESTERDAY, 0, ["football", "goal", "x", "y", "z"], 0.5),
    ]
    assert best_match(FOOTBALL, earlier) == (1.0, YESTERDAY, 5, 0.3)
    assert best_match(FOOTBALL, earlier[:1]) == (1.0, EARLIER, 3, 0.1)
    # Compared with its match's share (yesterday's 0.3), not with the smaller older one.
    today = topics(DAY, (0, FOOTBALL, 0.4))
    previous = pl.concat([topics(d, (i, t, s)) for d, i, t, s in earlier])
    flagged = flag_emerging(today, previous)
    columns = ("emerging", "matched_day", "matched_topic_id", "history_days")
    assert flagged.select(columns).row(0) == (False, YESTERDAY, 5, 2)


def test_without_earlier_topics_nothing_is_flagged() -> None:
    flagged = flag_emerging(topics(DAY, (0, FOOTBALL, 1.0)), topics(YESTERDAY))
    assert flagged.select("emerging", "matched_day", "history_days").row(0) == (False, None, 0)


def test_topic_rows_keep_named_topics_with_their_share_of_the_sample() -> None:
    found = DiscoveredTopics(
        labels=[0, 0, 0, 1, 2, -1],
        topics=[
            Topic(0, 3, FOOTBALL, ["a goal"]),
            Topic(1, 1, COOKING, ["bread"]),
            Topic(2, 1, [], ["😂"]),  # nothing to name it by
        ],
        mean=np.zeros(2),
        centroids=np.zeros((3, 2)),
    )
    rows = topic_rows(DAY, found, sampled_posts=6, day_posts=1000)
    assert rows.schema == pl.Schema(TOPIC_SCHEMA)
    assert rows.select("topic_id", "post_count", "share").rows() == [(0, 3, 0.6), (1, 1, 0.2)]
    assert rows["sampled_posts"].to_list() == [6, 6] and rows["day_posts"].to_list() == [1000] * 2


def test_unsound_topics_are_those_without_a_term_or_a_post() -> None:
    frame = pl.DataFrame(
        {
            "topic_id": [0, 1, 2, 3, 4],
            "terms": [FOOTBALL, [], ["  "], None, COOKING],
            "post_count": [3, 2, 2, 2, 0],
        }
    )
    assert unsound_topics(frame)["topic_id"].to_list() == [1, 2, 3, 4]

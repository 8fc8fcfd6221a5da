"""The Twitter v2 search response shape: `data` (one tweet or a list) plus `includes.users`.

Authors are joined by `author_id` through an index of `includes.users` by id, never by position:
the API does not promise the two lists line up.

Each post keeps its own payload: a message of one tweet is its own `raw`; in a message of many,
each post's `raw` is a Twitter v2 response holding only its tweet and that tweet's author (which
parses back to the same post), never a copy of the whole message.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from socialpulse.adapters.fields import (
    Rejection,
    bounded_name,
    count,
    event_time,
    optional_str,
    optional_text,
    required_id,
)
from socialpulse.schema import MAX_COUNT, CanonicalPost


def looks_twitter(payload: dict[str, Any]) -> bool:
    return "data" in payload


def _users_by_id(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    includes = payload.get("includes") or {}
    users = includes.get("users") if isinstance(includes, dict) else None
    if not isinstance(users, list):
        return {}
    return {str(u["id"]): u for u in users if isinstance(u, dict) and "id" in u}


def _hashtags(tweet: dict[str, Any]) -> tuple[str, ...]:
    entities = tweet.get("entities")
    tags = entities.get("hashtags") if isinstance(entities, dict) else None
    if not isinstance(tags, list):
        return ()
    return tuple(
        bounded_name(t["tag"], "entities.hashtags")
        for t in tags
        if isinstance(t, dict) and isinstance(t.get("tag"), str)
    )


def _own_response(tweet: dict[str, Any], author: dict[str, Any]) -> str:
    own: dict[str, Any] = {"data": tweet}
    if author:
        own["includes"] = {"users": [author]}
    return orjson.dumps(own).decode()


def _tweet(tweet: Any, users: dict[str, dict[str, Any]], raw: str | None) -> CanonicalPost:
    if not isinstance(tweet, dict):
        raise Rejection("bad_type:data", "each tweet in data must be an object")
    metrics = tweet.get("public_metrics") or {}
    if not isinstance(metrics, dict):
        raise Rejection("bad_type:public_metrics", "public_metrics must be an object")
    author_id = required_id(tweet.get("author_id"), "data.author_id")
    author = users.get(author_id, {})
    shares = count(metrics.get("retweet_count"), "public_metrics.retweet_count") + count(
        metrics.get("quote_count"), "public_metrics.quote_count"
    )
    if shares > MAX_COUNT:
        raise Rejection(
            "bad_value:public_metrics.retweet_count",
            f"retweets plus quotes is {shares}, more than the largest count {MAX_COUNT}",
        )
    return CanonicalPost(
        id=required_id(tweet.get("id"), "data.id"),
        platform="twitter",
        created_at=event_time(tweet.get("created_at"), "data.created_at"),
        author_id=author_id,
        author_name=optional_str(author.get("username"), "includes.users.username"),
        text=optional_text(tweet.get("text"), "data.text"),
        hashtags=_hashtags(tweet),
        plays=count(metrics.get("impression_count"), "public_metrics.impression_count"),
        likes=count(metrics.get("like_count"), "public_metrics.like_count"),
        shares=shares,
        comments=count(metrics.get("reply_count"), "public_metrics.reply_count"),
        language=optional_str(tweet.get("lang"), "data.lang"),
        raw=raw if raw is not None else _own_response(tweet, author),
    )


def from_twitter(payload: dict[str, Any], raw: str) -> Iterator[CanonicalPost]:
    """Posts one at a time, so the caller can stop at its limit without building the rest."""
    data = payload["data"]
    users = _users_by_id(payload)
    tweets = data if isinstance(data, list) else [data]
    if not tweets:
        raise Rejection("empty", "data holds no tweets")
    whole_message = raw if len(tweets) == 1 else None
    for tweet in tweets:
        yield _tweet(tweet, users, whole_message)

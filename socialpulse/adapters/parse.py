"""`parse_message`: bytes in, canonical posts or a precise rejection out; never raises.

Work per message is bounded: at most `max_posts` posts (more is `too_many_posts`), text cut to
`max_text_chars` and hashtags to the first `max_hashtags` (each post's `raw` keeps the original),
and every post checked against the lake's columns, so what parses can always be landed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import orjson

from socialpulse.adapters.canonical import from_canonical, looks_canonical
from socialpulse.adapters.fields import Rejection
from socialpulse.adapters.tiktok import from_tiktok, looks_tiktok
from socialpulse.adapters.twitter import from_twitter, looks_twitter
from socialpulse.schema import CanonicalPost, post_problem
from socialpulse.settings import Settings

MAX_MESSAGE_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """What one message may hold; the `SOCIALPULSE_MAX_*` settings (see docs/streaming.md)."""

    max_posts: int
    max_hashtags: int
    max_text_chars: int

    @classmethod
    def from_settings(cls, settings: Settings) -> ParseLimits:
        return cls(
            max_posts=settings.max_posts_per_message,
            max_hashtags=settings.max_hashtags_per_post,
            max_text_chars=settings.max_text_chars,
        )


# The settings' defaults, without reading the environment.
DEFAULT_LIMITS = ParseLimits.from_settings(Settings.model_construct())


@dataclass(frozen=True, slots=True)
class ParseResult:
    """Either `posts` (one or more) or a `reason` code with a human-readable `detail`."""

    posts: list[CanonicalPost] = field(default_factory=list)
    reason: str | None = None
    detail: str = ""
    format: str | None = None


def parse_message(
    value: bytes, max_bytes: int = MAX_MESSAGE_BYTES, limits: ParseLimits = DEFAULT_LIMITS
) -> ParseResult:
    if len(value) > max_bytes:
        return ParseResult(reason="oversize", detail=f"{len(value)} bytes > limit {max_bytes}")
    try:
        payload = orjson.loads(value)
    except orjson.JSONDecodeError as error:
        return ParseResult(reason="not_json", detail=str(error)[:200])
    if not isinstance(payload, dict):
        return ParseResult(
            reason="not_object", detail=f"top level is {type(payload).__name__}, not an object"
        )
    raw = value.decode("utf-8", errors="replace")
    # Order matters: the canonical shape is checked first, Twitter's `data` is the loosest.
    for name, looks, adapt in (
        ("canonical", looks_canonical, from_canonical),
        ("tiktok", looks_tiktok, from_tiktok),
        ("twitter", looks_twitter, from_twitter),
    ):
        if looks(payload):
            try:
                return ParseResult(posts=_bounded(adapt(payload, raw), limits), format=name)
            except Rejection as rejection:
                return ParseResult(reason=rejection.reason, detail=rejection.detail, format=name)
            except (TypeError, ValueError, KeyError, AttributeError) as error:
                # A shape no adapter anticipated: still a reason, never a crash of the stream.
                return ParseResult(reason="malformed", detail=repr(error)[:200], format=name)
    return ParseResult(
        reason="unknown_format",
        detail="expected a canonical post, a pushshift TikTok record (itemInfos) "
        "or a Twitter v2 response (data)",
    )


def _bounded(posts: Iterable[CanonicalPost], limits: ParseLimits) -> list[CanonicalPost]:
    bounded: list[CanonicalPost] = []
    for post in posts:
        if len(bounded) == limits.max_posts:
            raise Rejection(
                "too_many_posts",
                f"more than {limits.max_posts} posts in one message: split it, or raise "
                "SOCIALPULSE_MAX_POSTS_PER_MESSAGE",
            )
        bounded.append(_landable(post, limits))
    return bounded


def _landable(post: CanonicalPost, limits: ParseLimits) -> CanonicalPost:
    if len(post.text) > limits.max_text_chars or len(post.hashtags) > limits.max_hashtags:
        post = replace(
            post,
            text=post.text[: limits.max_text_chars],
            hashtags=post.hashtags[: limits.max_hashtags],
        )
    problem = post_problem(post.to_record())
    if problem is not None:
        column, why = problem
        raise Rejection(f"bad_value:{column}", f"{column} {why}")
    return post

"""`parse_message`: bytes in, canonical posts or a precise rejection out; never raises."""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson

from socialpulse.adapters.canonical import from_canonical, looks_canonical
from socialpulse.adapters.fields import Rejection
from socialpulse.adapters.tiktok import from_tiktok, looks_tiktok
from socialpulse.adapters.twitter import from_twitter, looks_twitter
from socialpulse.schema import CanonicalPost

MAX_MESSAGE_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class ParseResult:
    """Either `posts` (one or more) or a `reason` code with a human-readable `detail`."""

    posts: list[CanonicalPost] = field(default_factory=list)
    reason: str | None = None
    detail: str = ""
    format: str | None = None


def parse_message(value: bytes, max_bytes: int = MAX_MESSAGE_BYTES) -> ParseResult:
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
                return ParseResult(posts=adapt(payload, raw), format=name)
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

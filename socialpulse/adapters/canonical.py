"""The canonical shape itself (what `CanonicalPost.to_canonical_json()` writes)."""

from __future__ import annotations

from typing import Any

from socialpulse.adapters.fields import (
    Rejection,
    count,
    event_time,
    optional_str,
    optional_text,
    required_id,
    string_list,
)
from socialpulse.schema import PLATFORMS, CanonicalPost


def looks_canonical(payload: dict[str, Any]) -> bool:
    return "platform" in payload and "author_id" in payload


def from_canonical(payload: dict[str, Any], raw: str) -> list[CanonicalPost]:
    platform = payload.get("platform")
    if platform not in PLATFORMS:
        raise Rejection(
            "bad_value:platform", f"platform must be one of {PLATFORMS}, got {platform!r:.40}"
        )
    return [
        CanonicalPost(
            id=required_id(payload.get("id"), "id"),
            platform=platform,
            created_at=event_time(payload.get("created_at"), "created_at"),
            author_id=required_id(payload.get("author_id"), "author_id"),
            author_name=optional_str(payload.get("author_name"), "author_name"),
            text=optional_text(payload.get("text"), "text"),
            hashtags=string_list(payload.get("hashtags"), "hashtags"),
            music_id=optional_str(payload.get("music_id"), "music_id"),
            music_title=optional_str(payload.get("music_title"), "music_title"),
            music_author=optional_str(payload.get("music_author"), "music_author"),
            plays=count(payload.get("plays"), "plays"),
            likes=count(payload.get("likes"), "likes"),
            shares=count(payload.get("shares"), "shares"),
            comments=count(payload.get("comments"), "comments"),
            language=optional_str(payload.get("language"), "language"),
            raw=raw,
        )
    ]

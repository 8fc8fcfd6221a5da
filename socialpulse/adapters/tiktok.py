"""The pushshift TikTok dump shape: authorInfos, challengeInfoList, itemInfos, musicInfos.

Real dumps have nested objects missing or null, counts as strings, `createTime` as epoch seconds
in a string, and the replayer's optional `time_stamp` (when the record was sent). Event time is
`itemInfos.createTime`; `time_stamp` is only a fallback when it is missing.
"""

from __future__ import annotations

from typing import Any

from socialpulse.adapters.fields import (
    Rejection,
    bounded_name,
    count,
    event_time,
    optional_str,
    optional_text,
    required_id,
)
from socialpulse.schema import CanonicalPost


def looks_tiktok(payload: dict[str, Any]) -> bool:
    return "itemInfos" in payload


def _object(payload: dict[str, Any], field: str) -> dict[str, Any]:
    value = payload.get(field)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Rejection(f"bad_type:{field}", f"{field} must be an object")
    return value


def _challenges(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise Rejection("bad_type:challengeInfoList", "challengeInfoList must be a list")
    names = []
    for entry in value:
        if isinstance(entry, dict):
            name = entry.get("challengeName") or entry.get("title")
            if isinstance(name, str) and name.strip("#"):
                names.append(bounded_name(name.lstrip("#"), "challengeInfoList.challengeName"))
    return tuple(names)


def from_tiktok(payload: dict[str, Any], raw: str) -> list[CanonicalPost]:
    item = _object(payload, "itemInfos")
    author = _object(payload, "authorInfos")
    music = _object(payload, "musicInfos")
    created = item.get("createTime")
    if created in (None, "") and payload.get("time_stamp") not in (None, ""):
        created = payload["time_stamp"]
    music_id = music.get("musicId")
    return [
        CanonicalPost(
            id=required_id(item.get("id"), "itemInfos.id"),
            platform="tiktok",
            created_at=event_time(created, "itemInfos.createTime"),
            author_id=required_id(
                author.get("userId") or item.get("authorId") or author.get("uniqueId"),
                "authorInfos.userId",
            ),
            author_name=optional_str(author.get("uniqueId"), "authorInfos.uniqueId"),
            text=optional_text(item.get("text"), "itemInfos.text"),
            hashtags=_challenges(payload.get("challengeInfoList")),
            music_id=None
            if music_id in (None, "")
            else required_id(music_id, "musicInfos.musicId"),
            music_title=optional_str(music.get("musicName"), "musicInfos.musicName"),
            music_author=optional_str(music.get("authorName"), "musicInfos.authorName"),
            plays=count(item.get("playCount"), "itemInfos.playCount"),
            likes=count(item.get("diggCount"), "itemInfos.diggCount"),
            shares=count(item.get("shareCount"), "itemInfos.shareCount"),
            comments=count(item.get("commentCount"), "itemInfos.commentCount"),
            language=optional_str(item.get("language"), "itemInfos.language"),
            raw=raw,
        )
    ]

"""The word-cloud PNGs that the text_insights asset writes to `reports/wordclouds/dt=<day>/`."""

from __future__ import annotations

import posixpath
import re

from socialpulse.contracts import report_folder
from socialpulse.lake import Lake

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# group_file_name() only produces word characters and dashes, so anything else is not ours.
_NAME = re.compile(r"^[\w\-]+$")


def word_cloud_folder(lake: Lake, day: str | None = None) -> str:
    return lake.path(report_folder("wordclouds", day))


def word_cloud_days(lake: Lake) -> list[str]:
    """Days that have word clouds, newest first."""
    base = word_cloud_folder(lake)
    if not lake.fs.exists(base):
        return []
    names = (posixpath.basename(p.rstrip("/")) for p in lake.fs.ls(base, detail=False))
    return sorted((n[3:] for n in names if n.startswith("dt=") and _DAY.match(n[3:])), reverse=True)


def word_cloud_groups(lake: Lake, day: str) -> list[str]:
    """The PNG names (without `.png`) of one day, sentiment groups first."""
    if not _DAY.match(day):
        raise ValueError(f"day {day!r} is not YYYY-MM-DD")
    folder = word_cloud_folder(lake, day)
    if not lake.fs.exists(folder):
        return []
    names = [
        posixpath.basename(p)[: -len(".png")]
        for p in lake.fs.ls(folder, detail=False)
        if p.endswith(".png")
    ]
    return sorted(names, key=lambda n: (not n.startswith("sentiment-"), n))


def read_word_cloud(lake: Lake, day: str, name: str) -> bytes:
    """The PNG bytes; raises ValueError for a malformed day or name, FileNotFoundError if none."""
    if not _DAY.match(day) or not _NAME.match(name):
        raise ValueError(f"no word cloud named {name!r} for day {day!r}")
    path = posixpath.join(word_cloud_folder(lake, day), f"{name}.png")
    if not lake.fs.exists(path):
        raise FileNotFoundError(path)
    with lake.fs.open(path, "rb") as file:
        return file.read()

"""Word clouds per group of posts (per sentiment label, per keyword) as PNG files.

Words are the posts' content tokens (cleaned, stopwords removed, not stemmed so they stay
readable); size is frequency within the group. Rendering uses the font bundled in the
`wordcloud` wheel, so nothing is fetched. Sentiment groups get their own colours.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from socialpulse.text.pipeline import content_tokens

# By sentiment label; text_insights names these groups "sentiment:<label>".
COLORMAPS = {"positive": "Greens", "negative": "Reds", "neutral": "Greys"}
_UNSAFE = re.compile(r"[^\w\-]+")


def group_file_name(group: str) -> str:
    """A file name for a group: "#Acme Cola" -> "acme-cola".

    >>> group_file_name("#Acme Cola"), group_file_name("../etc"), group_file_name("😀")
    ('acme-cola', 'etc', 'group')
    """
    return _UNSAFE.sub("-", group.lower()).strip("-_") or "group"


def colormap_for(group: str) -> str:
    """The matplotlib colormap of a group's cloud: its sentiment's colours, else viridis.

    >>> colormap_for("sentiment:negative"), colormap_for("positive"), colormap_for("hashtag:dance")
    ('Reds', 'Greens', 'viridis')
    """
    return COLORMAPS.get(group.lower().removeprefix("sentiment:"), "viridis")


LAYOUT_SCALE = 2


def word_frequencies(
    texts: Sequence[str], tokens_of: Callable[[str], list[str]] = content_tokens
) -> Counter[str]:
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(tokens_of(text))
    return counts


def write_word_clouds(
    texts_by_group: Mapping[str, Sequence[str]],
    out_dir: Path,
    max_words: int = 100,
    width: int = 800,
    height: int = 400,
    tokens_of: Callable[[str], list[str]] = content_tokens,
) -> dict[str, Path]:
    """One PNG per group that has any content words, in `out_dir`; returns group -> path.

    Groups whose posts hold no content words (empty, only stopwords or URLs) get no file.
    """
    from wordcloud import WordCloud

    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    taken: set[str] = set()
    for group, texts in texts_by_group.items():
        frequencies = word_frequencies(texts, tokens_of)
        if not frequencies:
            continue
        name = group_file_name(group)
        stem, n = name, 1
        while name in taken:  # "Acme!" and "acme" must not overwrite each other
            n += 1
            name = f"{stem}-{n}"
        taken.add(name)
        cloud = WordCloud(
            # Laid out on a half-size canvas and drawn at twice the scale: the same width x
            # height picture in a third of the CPU time (0.24 s instead of 0.75 s per cloud).
            width=width // LAYOUT_SCALE,
            height=height // LAYOUT_SCALE,
            scale=LAYOUT_SCALE,
            max_words=max_words,
            background_color="white",
            colormap=colormap_for(group),
            random_state=0,  # the same posts give the same picture
            collocations=False,
        ).generate_from_frequencies(frequencies)
        path = out_dir / f"{name}.png"
        cloud.to_file(str(path))
        written[group] = path
    return written

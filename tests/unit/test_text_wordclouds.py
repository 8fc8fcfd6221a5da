"""Word clouds per group as PNG files."""

import doctest
from pathlib import Path

import numpy as np
import polars as pl
from PIL import Image

import socialpulse.text.wordclouds as wordclouds
from socialpulse.text.wordclouds import word_frequencies, write_word_clouds
from socialpulse_assets.assets.text_insights import text_groups


def test_docstring_examples() -> None:
    assert doctest.testmod(wordclouds).failed == 0


def test_one_png_per_group_with_words(tmp_path: Path) -> None:
    groups = {
        "positive": ["love the new camera", "new camera is great 😍"],
        "negative": ["battery died again", "the battery is awful"],
        "#Acme Cola": ["acme cola is back", "RT @x: acme cola!!!"],
        "acme-cola": ["a different group with the same file name"],
        "empty": ["the and of", "", "https://t.co/x"],
    }
    written = write_word_clouds(groups, tmp_path / "clouds", width=200, height=100)
    assert set(written) == {"positive", "negative", "#Acme Cola", "acme-cola"}
    assert written["#Acme Cola"].name == "acme-cola.png"
    assert written["acme-cola"].name == "acme-cola-2.png"
    for path in written.values():
        with Image.open(path) as image:
            assert image.format == "PNG" and image.size == (200, 100)
            assert len(np.unique(np.asarray(image.convert("L")))) > 2  # words were drawn


def test_positive_cloud_is_drawn_in_green(tmp_path: Path) -> None:
    path = write_word_clouds({"positive": ["love love great"]}, tmp_path, width=200, height=100)
    pixels = np.asarray(Image.open(path["positive"]).convert("RGB")).reshape(-1, 3).astype(int)
    inked = pixels[pixels.sum(axis=1) < 600]
    assert len(inked) and (inked[:, 1] >= inked[:, 0]).mean() > 0.9


def test_sentiment_groups_as_text_insights_names_them_get_their_colours(tmp_path: Path) -> None:
    posts = pl.DataFrame(
        {
            "text": ["battery died awful battery", "love love great"],
            "sentiment_label": ["negative", "positive"],
            "keywords": [[], []],
            "hashtags": [[], []],
        },
        schema_overrides={"keywords": pl.List(pl.String), "hashtags": pl.List(pl.String)},
    )
    groups = text_groups(posts)
    assert set(groups) == {"sentiment:negative", "sentiment:positive"}
    written = write_word_clouds(groups, tmp_path, width=200, height=100)
    for group, (ink, other) in {"sentiment:negative": (0, 1), "sentiment:positive": (1, 0)}.items():
        pixels = np.asarray(Image.open(written[group]).convert("RGB")).reshape(-1, 3).astype(int)
        inked = pixels[pixels.sum(axis=1) < 600]
        assert len(inked) and (inked[:, ink] > inked[:, other]).mean() > 0.9, group


def test_frequencies_drop_stopwords_and_urls() -> None:
    counts = word_frequencies(["The battery died https://t.co/x", "battery dead"])
    assert counts == {"battery": 2, "died": 1, "dead": 1}

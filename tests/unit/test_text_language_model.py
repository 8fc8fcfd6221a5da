"""The add-k bigram language model and the characteristic phrases it surfaces per group."""

import doctest
import math

import pytest

import socialpulse.text.language_model as language_model
from socialpulse.text.language_model import BigramModel, characteristic_phrases, texts_by_field


def test_docstring_examples() -> None:
    assert doctest.testmod(language_model).failed == 0


def test_add_k_probabilities_are_normalised_and_never_zero() -> None:
    model = BigramModel.fit([["battery", "died"], ["battery", "ok"], ["screen", "ok"]], k=0.1)
    for previous in ["<s>", "battery", "screen", "unseen"]:
        total = sum(model.conditional(previous, w) for w in model.vocabulary)
        assert total == pytest.approx(1.0)
    assert model.conditional("screen", "died") > 0
    assert model.conditional("battery", "died") > model.conditional("screen", "died")


def test_smaller_k_trusts_counts_more() -> None:
    sentences = [["battery", "died"]] * 3 + [["battery", "ok"]]
    sharp, smooth = BigramModel.fit(sentences, k=0.01), BigramModel.fit(sentences, k=2)
    assert sharp.conditional("battery", "died") > smooth.conditional("battery", "died")
    with pytest.raises(ValueError, match="k > 0"):
        BigramModel.fit(sentences, k=0)


def test_perplexity_is_lower_on_text_like_the_training_text() -> None:
    model = BigramModel.fit([["love", "new", "camera"]] * 5 + [["battery", "died"]] * 5)
    assert model.perplexity([["love", "new", "camera"]]) < model.perplexity([["camera", "love"]])
    assert math.isinf(model.perplexity([]))


def test_characteristic_phrases_per_sentiment_label() -> None:
    groups = {
        "negative": [
            "battery died again",
            "my battery died after an hour",
            "customer service never answered",
            "customer service is a joke",
            "the new camera is fine",
        ],
        "positive": [
            "love the new camera",
            "the new camera is stunning",
            "new camera, love it",
            "battery life is fine",
        ],
    }
    phrases = characteristic_phrases(groups, top=3, min_count=2)
    negative = [p.text for p in phrases["negative"]]
    assert set(negative[:2]) == {"battery died", "customer service"}
    assert phrases["positive"][0].text == "new camera"
    assert all(p.log_ratio > 0 and p.count >= 2 for p in phrases["positive"])
    # "new camera" is said in both groups but is far more typical of the positive one.
    assert "new camera" not in negative


def test_texts_grouped_by_label_and_by_keyword() -> None:
    records = [
        {"text": "a", "sentiment_label": "positive", "keywords": ["acme", "acme cola"]},
        {"text": "b", "sentiment_label": "negative", "keywords": []},
        {"text": "c", "sentiment_label": "positive", "keywords": ["acme"]},
    ]
    assert texts_by_field(records, "sentiment_label") == {"positive": ["a", "c"], "negative": ["b"]}
    assert texts_by_field(records, "keywords") == {"acme": ["a", "c"], "acme cola": ["a"]}

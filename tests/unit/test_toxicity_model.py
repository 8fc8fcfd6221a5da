"""The trained toxicity classifier: the shipped weights load, scores lie in [0, 1] with toxic
exactly from 0.5, batch and one-at-a-time agree, and the word-list features respect word
boundaries."""

import doctest
from pathlib import Path

import numpy as np
import pytest

import socialpulse.sentiment.toxicity_model as toxicity_model
from socialpulse.sentiment.toxicity_model import (
    LEXICON_FEATURES,
    ToxicityScorer,
    lexicon_features,
)

TEXTS = [
    "you are a fucking idiot",
    "Go back to your country, vermin",
    "lovely weather for a picnic",
    "shitake risotto tonight",
    "congrats to #parikshitsolutions on the launch",
    "",
    "   ",
    "😍😍😍",
    "@user @user http://t.co/x",
]


@pytest.fixture(scope="module")
def scorer() -> ToxicityScorer:
    return ToxicityScorer.load()


def test_docstring_examples() -> None:
    assert doctest.testmod(toxicity_model).failed == 0


def test_shipped_weights_load_with_provenance(scorer: ToxicityScorer) -> None:
    assert scorer.buckets & (scorer.buckets - 1) == 0
    assert scorer.weights.shape == (scorer.buckets, len(scorer.heads))
    assert ((scorer.thresholds > 0) & (scorer.thresholds < 1)).all()
    assert {"design", "cv", "measured", "trained_on", "training_data_sha256"} <= set(
        scorer.provenance
    )


def test_scores_in_range_toxic_from_one_half_and_blank_is_clean(scorer: ToxicityScorer) -> None:
    results = scorer.score_batch(TEXTS)
    assert len(results) == len(TEXTS)
    for toxic, score in results:
        assert 0.0 <= score <= 1.0
        assert toxic == (score >= 0.5)
    assert results[0][0] is True
    assert results[2][0] is False
    assert results[5] == (False, 0.0) and results[6] == (False, 0.0)
    assert scorer.score_batch([]) == []


def test_one_text_per_call_matches_the_batch(scorer: ToxicityScorer) -> None:
    batch = scorer.score_batch(TEXTS)
    for text, (toxic, score) in zip(TEXTS, batch, strict=True):
        alone = scorer(text)
        assert alone[0] == toxic and alone[1] == pytest.approx(score, abs=1e-12)


@pytest.mark.parametrize("text", ["shitake", "#parikshitsolutions", "Harshit and Parikshit"])
def test_word_list_features_ignore_terms_inside_other_words(text: str) -> None:
    assert lexicon_features(text) == (0.0,) * len(LEXICON_FEATURES)


def test_save_and_load_round_trip(scorer: ToxicityScorer, tmp_path: Path) -> None:
    path = tmp_path / "weights.npz"
    scorer.save(path)
    again = ToxicityScorer.load(path)
    assert again.heads == scorer.heads and again.provenance == scorer.provenance
    assert np.allclose(again.scores(TEXTS), scorer.scores(TEXTS))


def test_refuses_weights_for_other_lexicon_features(tmp_path: Path) -> None:
    path = tmp_path / "other.npz"
    np.savez(
        path,
        format_version=np.array(1),
        heads=np.array(["toxic"]),
        bucket_weights=np.zeros((4, 1), dtype=np.float16),
        bias=np.zeros(1),
        lexicon_features=np.array(["profanity"]),
        lexicon_weights=np.zeros((1, 1)),
        thresholds=np.array([0.5]),
        provenance=np.array("{}"),
    )
    with pytest.raises(ValueError, match="refit them"):
        ToxicityScorer.load(path)

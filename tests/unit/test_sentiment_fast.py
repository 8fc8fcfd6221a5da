"""The stream's default sentiment scorer: lexicon features, the softmax layer, and loading."""

import doctest
import json
from pathlib import Path

import pytest

import socialpulse.sentiment.features as features_module
from socialpulse.sentiment import FastScorer, load_stream_scorer
from socialpulse.sentiment.fast import LABELS, fit_fast_scorer
from socialpulse.sentiment.features import FEATURE_NAMES, lexicon_features, valences


def test_docstring_examples() -> None:
    assert doctest.testmod(features_module).failed == 0


def test_lexicon_comes_from_the_installed_vader_wheel_with_emoji() -> None:
    table = valences()
    assert table["love"] > 2 and table["awful"] <= -2
    assert table["😍"] > 0 and table["😭"] < 0  # from the emoji descriptions
    assert ":)" in table


def test_hand_made_emoji_table_corrects_misleading_descriptions() -> None:
    table = valences()
    assert table["💔"] < 0  # "broken heart" would sum to positive
    assert table["🔥"] > 0  # "fire" would be negative
    assert table["😡"] < 0 and table["👍"] > 0  # absent from the descriptions' words
    scorer = FastScorer.load()
    assert scorer("echt schlecht 💔")[0] == "negative"
    assert scorer("new drop 🔥🔥")[0] == "positive"
    assert scorer("ich liebe das ❤️")[0] == "positive"  # variation selector ignored


def test_negation_flips_and_booster_strengthens() -> None:
    good = lexicon_features("the food was good")
    assert good.compound > 0 and good.negated == 0
    assert lexicon_features("the food was not good").compound < 0
    assert lexicon_features("the food wasn't good").negated == 1
    assert lexicon_features("the food was very good").compound > good.compound


def test_but_moves_weight_to_the_second_clause() -> None:
    assert lexicon_features("the staff were great but the food was bad").compound < 0
    assert lexicon_features("the food was bad but the staff were great").compound > 0


def test_caps_emphasis_only_when_the_rest_is_not_shouted() -> None:
    plain = lexicon_features("this is great").compound
    assert lexicon_features("this is GREAT").compound > plain
    assert lexicon_features("THIS IS GREAT").compound == pytest.approx(plain)


def test_emoji_next_to_words_count() -> None:
    glued = lexicon_features("new phone😍😍")
    assert glued.positive_words == 2 and glued.emoji_valence > 0
    assert lexicon_features("new phone").compound == 0


def test_empty_and_symbol_only_text() -> None:
    empty = lexicon_features("")
    assert empty.compound == 0 and empty.length == 0
    assert len(empty.vector()) == len(FEATURE_NAMES)
    assert lexicon_features("!!! ??? ...").compound == 0


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("I love this so much 😍", "positive"),
        ("Best day ever, thank you all!!", "positive"),
        ("this is awful, never again", "negative"),
        ("worst service, I hate waiting 😡", "negative"),
        ("not happy with the update at all", "negative"),
        ("the store opens at 9am on Monday", "neutral"),
        ("", "neutral"),
        ("   ", "neutral"),
    ],
)
def test_shipped_scorer_labels_clear_cases(text: str, label: str) -> None:
    assert FastScorer.load()(text)[0] == label


def test_score_is_bounded_and_agrees_with_the_label() -> None:
    scorer = FastScorer.load()
    for text in ["great!!!", "terrible :(", "meeting moved to 3pm", "ok", "😭😭😭😭"]:
        label, score = scorer(text)
        assert -1 <= score <= 1
        if label == "positive":
            assert score > 0
        if label == "negative":
            assert score < 0


def test_shipped_weights_record_their_out_of_fold_quality() -> None:
    provenance = FastScorer.load().provenance
    assert provenance["evaluation"].startswith("nested 5-fold")
    assert provenance["out_of_fold_macro_recall"] > 0.6
    assert provenance["texts"] == sum(provenance["label_counts"].values())


def test_json_round_trip_and_feature_mismatch_is_refused(tmp_path: Path) -> None:
    scorer = FastScorer.load()
    path = tmp_path / "weights.json"
    path.write_text(json.dumps(scorer.to_json()))
    again = FastScorer.load(path)
    assert again("so happy today") == scorer("so happy today")
    payload = scorer.to_json()
    payload["features"] = ["compound"]
    path.write_text(json.dumps(payload))
    with pytest.raises(ValueError, match="refit"):
        FastScorer.load(path)


def test_fit_learns_from_labelled_texts() -> None:
    texts = ["love it", "great job", "happy days", "awful", "hate it", "so sad", "at noon", "a car"]
    labels = [2, 2, 2, 0, 0, 0, 1, 1]
    scorer = fit_fast_scorer(texts * 3, labels * 3)
    assert scorer("I love this great thing")[0] == "positive"
    assert scorer("this is awful and sad")[0] == "negative"
    with pytest.raises(ValueError, match="cover all"):
        fit_fast_scorer(["love it", "awful"], [2, 0])


def test_stream_scorer_default_is_no_longer_the_lexicon_layer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The stream's built-in fast scorer is now ngrams.NgramScorer (tests in
    # test_sentiment_ngrams.py); FastScorer and its JSON weights stay loadable as above.
    monkeypatch.delenv("SOCIALPULSE_SENTIMENT_MODEL", raising=False)
    scorer = load_stream_scorer()
    assert not isinstance(scorer, FastScorer)
    assert scorer("I love it")[0] in LABELS

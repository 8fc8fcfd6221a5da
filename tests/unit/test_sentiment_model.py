"""Training, saving and loading the sentiment classifier, on a tiny hand-made labelled set."""

import json
import random
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from socialpulse.cli.main import app
from socialpulse.sentiment import load_stream_scorer
from socialpulse.sentiment.datasets import load_labelled_dir
from socialpulse.sentiment.model import ModelScorer, load_model, save_model, train_classifier
from socialpulse.settings import Settings

POSITIVE = ["love", "great", "amazing", "happy", "wonderful", "best", "brilliant", "enjoy"]
NEGATIVE = ["hate", "awful", "terrible", "worst", "sad", "broken", "angry", "horrible"]
NEUTRAL = ["monday", "schedule", "meeting", "report", "announced", "station", "update", "tuesday"]
SUBJECTS = ["the phone", "this film", "the new album", "our hotel", "the game"]


def labelled_dir(directory: Path, per_label: int = 10, split: str = "train") -> Path:
    rng = random.Random(7)
    lines: list[tuple[str, int]] = []
    for code, words in ((0, NEGATIVE), (1, NEUTRAL), (2, POSITIVE)):
        for _ in range(per_label):
            lines.append((f"{rng.choice(SUBJECTS)} {rng.choice(words)} {rng.choice(words)}", code))
    rng.shuffle(lines)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{split}_text.txt").write_text("".join(f"{t} \n" for t, _ in lines), "utf-8")
    (directory / f"{split}_labels.txt").write_text("".join(f"{c}\n" for _, c in lines), "utf-8")
    (directory / "mapping.txt").write_text("0\tnegative\n1\tneutral\n2\tpositive\n", "utf-8")
    return directory


def test_loader_pairs_texts_and_labels(tmp_path: Path) -> None:
    data = load_labelled_dir(labelled_dir(tmp_path / "d"))
    assert len(data.texts) == len(data.labels) == 30
    assert sorted(set(data.labels)) == [0, 1, 2]
    assert all(t == t.strip() for t in data.texts)
    assert data.files == ["train_text.txt", "train_labels.txt"]
    assert load_labelled_dir(tmp_path / "d").sha256 == data.sha256


def test_loader_errors_name_the_file_and_line(tmp_path: Path) -> None:
    directory = labelled_dir(tmp_path / "d")
    (directory / "train_labels.txt").write_text("0\n1\n", "utf-8")
    with pytest.raises(ValueError, match=r"train_text\.txt has 30 lines"):
        load_labelled_dir(directory)
    (directory / "train_labels.txt").write_text("0\n" * 29 + "7\n", "utf-8")
    with pytest.raises(ValueError, match=r"train_labels.txt:30: label '7'"):
        load_labelled_dir(directory)
    with pytest.raises(FileNotFoundError, match="splits found: \\['train'\\]"):
        load_labelled_dir(directory, ["test"])


def test_train_save_load_round_trip(tmp_path: Path) -> None:
    data = load_labelled_dir(labelled_dir(tmp_path / "d"))
    trained = train_classifier(data, folds=3, nested=True)
    cv = trained.metrics["cv"]
    assert cv["scoring"] == "recall_macro"
    assert 0.6 <= cv["nested_cv_macro_recall"] <= 1  # the words are separable
    assert trained.metrics["data"]["sha256"] == data.sha256
    assert set(trained.metrics["params"]) == {"classifier__C", "features__lexicon__weight"}

    directory = save_model(trained, tmp_path / "artifact")
    metrics = json.loads((directory / "metrics.json").read_text())
    assert metrics["format_version"] == 1 and metrics["versions"]["sklearn"]
    with pytest.raises(FileExistsError):
        save_model(trained, directory)

    scorer = load_model(directory)
    assert isinstance(scorer, ModelScorer)
    assert scorer("the hotel was terrible and awful")[0] == "negative"
    assert scorer("what a brilliant wonderful film")[0] == "positive"
    assert scorer("") == ("neutral", 0.0)
    batch = scorer.score_batch(["I love it", "", "meeting on tuesday"])
    assert [label for label, _ in batch][1] == "neutral"
    assert all(-1 <= s <= 1 for _, s in batch)
    assert batch[0] == scorer("I love it")


def test_too_few_examples_per_label_is_explained(tmp_path: Path) -> None:
    data = load_labelled_dir(labelled_dir(tmp_path / "d", per_label=2))
    with pytest.raises(ValueError, match="lower --folds"):
        train_classifier(data, folds=3)


def test_missing_model_is_explained(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="sentiment train"):
        load_model(tmp_path)


def test_cli_train_then_score_with_model_and_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, process_settings: Settings
) -> None:
    runner = CliRunner()
    data = labelled_dir(tmp_path / "d")
    artifact = tmp_path / "model"
    result = runner.invoke(
        app,
        [
            *("sentiment", "train", "--data", str(data), "--output", str(artifact)),
            *("--folds", "3", "--no-nested"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "saved" in result.output and (artifact / "model.joblib").exists()
    assert "published as sentiment model" in result.output
    assert list((process_settings.state_dir / "lake" / "models" / "sentiment").iterdir())
    assert (
        json.loads((artifact / "metrics.json").read_text())["cv"]["nested_cv_macro_recall"] is None
    )

    texts = tmp_path / "texts.txt"
    texts.write_text("the game was horrible and broken\nbest album, I love it\n\n", "utf-8")
    out = tmp_path / "out.csv"
    args = ["sentiment", "--input", str(texts), "--output", str(out), "--model", str(artifact)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert pl.read_csv(out)["label"].to_list() == ["negative", "positive", "neutral"]

    monkeypatch.setenv("SOCIALPULSE_SENTIMENT_MODEL", str(artifact))
    assert isinstance(load_stream_scorer(), ModelScorer)


def test_cli_scoring_without_files_says_what_to_give() -> None:
    result = CliRunner().invoke(app, ["sentiment"])
    assert result.exit_code != 0
    assert "--input" in result.output


def test_training_names_the_label_with_too_few_examples_for_the_folds() -> None:
    from socialpulse.sentiment.datasets import require_examples_per_label

    # Labels are indices into LABELS (negative, neutral, positive): one negative only.
    with pytest.raises(ValueError, match=r"at least 5 examples for --folds=5.*'negative': 1"):
        require_examples_per_label([0] + [1] * 5 + [2] * 5, 5, 5)
    require_examples_per_label([0, 1, 2] * 5, 5, 5)  # enough of each: no error

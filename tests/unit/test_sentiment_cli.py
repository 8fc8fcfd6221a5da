"""The `socialpulse sentiment` contract of DESIGN.md: one row per input line, label and score."""

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from socialpulse.cli.main import app


def test_one_row_per_line_in_order_with_label_and_bounded_score(tmp_path: Path) -> None:
    texts = ["I love this so much 😍", "this is awful, never again", "", "new video up\r"]
    source = tmp_path / "texts.txt"
    source.write_text("\n".join(texts) + "\n", encoding="utf-8")
    output = tmp_path / "out.csv"
    result = CliRunner().invoke(app, ["sentiment", "--input", str(source), "--output", str(output)])
    assert result.exit_code == 0, result.output
    scored = pl.read_csv(output)
    assert scored.height == 4
    assert scored["label"].to_list() == ["positive", "negative", "neutral", "neutral"]
    assert scored["score"].is_between(-1, 1).all()
    assert scored["text"].fill_null("").to_list() == [
        "I love this so much 😍",
        "this is awful, never again",
        "",
        "new video up",
    ]

"""The `socialpulse toxicity` contract of DESIGN.md: one row per input line, in order, with
`text`, `toxic` (`true`/`false`) and `score` in [0, 1]; bad input is a clear message."""

from pathlib import Path

import polars as pl
from typer.testing import CliRunner, Result

from socialpulse.cli.main import app


def run(*args: str) -> Result:
    return CliRunner().invoke(app, ["toxicity", *args])


def said(result: Result) -> str:
    """The output with rich's panel borders and line wrapping taken out."""
    text = result.output
    for border in "│╭╮╰╯─":
        text = text.replace(border, " ")
    return " ".join(text.split())


def test_one_row_per_line_in_order_with_flag_and_bounded_score(tmp_path: Path) -> None:
    texts = ["you are a fucking idiot", "lovely weather for a picnic", "", "new video up\r"]
    source = tmp_path / "texts.txt"
    source.write_text("\n".join(texts) + "\n", encoding="utf-8")
    output = tmp_path / "out.csv"
    result = run("--input", str(source), "--output", str(output))
    assert result.exit_code == 0, result.output
    assert output.read_text().splitlines()[0] == "text,toxic,score"
    scored = pl.read_csv(output)
    assert scored["text"].fill_null("").to_list() == [
        "you are a fucking idiot",
        "lovely weather for a picnic",
        "",
        "new video up",
    ]
    assert scored["toxic"].to_list() == [True, False, False, False]
    assert scored["score"].is_between(0, 1).all()
    assert scored["score"][2] == 0.0  # blank text
    assert {line.split(",")[-2] for line in output.read_text().splitlines()[1:]} == {
        "true",
        "false",
    }


def test_undecodable_lines_are_named_and_scored_as_empty(tmp_path: Path) -> None:
    source = tmp_path / "texts.txt"
    source.write_bytes(
        b"\xef\xbb\xbfwhat an idiot\n" + b"caf\xe9 latin-1\n" + b"nice day\r\n\xff\n"
    )
    output = tmp_path / "out.csv"
    result = run("-i", str(source), "-o", str(output))
    assert result.exit_code == 0, result.output
    assert "line(s) 2, 4 are not valid UTF-8; scored as empty" in said(result)
    scored = pl.read_csv(output)
    assert scored["text"].fill_null("").to_list() == ["what an idiot", "", "nice day", ""]
    assert scored["toxic"].to_list()[1::2] == [False, False]
    assert scored["score"].to_list()[1::2] == [0.0, 0.0]


def test_an_empty_file_gives_only_the_header(tmp_path: Path) -> None:
    source = tmp_path / "empty.txt"
    source.write_bytes(b"")
    output = tmp_path / "out.csv"
    result = run("-i", str(source), "-o", str(output))
    assert result.exit_code == 0, result.output
    assert output.read_text().splitlines() == ["text,toxic,score"]


def test_a_missing_input_or_output_folder_is_a_usage_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing.txt"
    result = run("-i", str(missing), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 2
    assert "does not exist" in said(result) and "Traceback" not in result.output
    source = tmp_path / "texts.txt"
    source.write_text("hello\n")
    result = run("-i", str(source), "-o", str(tmp_path / "no" / "out.csv"))
    assert result.exit_code == 2
    assert "--output" in said(result) and "does not exist" in said(result)
    result = run("-i", str(tmp_path), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 2 and "is a directory" in said(result)

"""Topic discovery and the `socialpulse topics` contract of DESIGN.md: one row per input line with
text, topic id and the topic's top terms; the number of topics found, not given."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
from sklearn.metrics import normalized_mutual_info_score
from typer.testing import CliRunner, Result

from socialpulse.cli.main import app
from socialpulse.topics import NO_TOPIC, topics_from_embeddings
from socialpulse.topics.terms import topic_terms
from tests.topic_samples import COOKING, FOOTBALL, MARKETS


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def said(result: Result) -> str:
    text = result.output
    for border in "│╭╮╰╯─":
        text = text.replace(border, " ")
    return " ".join(text.split())


def test_three_obvious_subjects_come_out_as_three_topics(tmp_path: Path) -> None:
    texts = [text for trio in zip(FOOTBALL, COOKING, MARKETS, strict=True) for text in trio]
    truth = [i % 3 for i in range(len(texts))]
    source = tmp_path / "texts.txt"
    source.write_text("\n".join(texts) + "\n\n", encoding="utf-8")  # and one blank line
    output = tmp_path / "topics.csv"
    result = run("topics", "--input", str(source), "--output", str(output))
    assert result.exit_code == 0, result.output
    found = pl.read_csv(output)
    assert found.columns == ["text", "topic", "terms"]
    assert found.height == len(texts) + 1
    assert found["text"].fill_null("").to_list() == [*texts, ""]
    assert found["topic"][-1] == NO_TOPIC and found["terms"].fill_null("")[-1] == ""
    topics = found["topic"].to_list()[:-1]
    assert len(set(topics)) == 3
    assert normalized_mutual_info_score(truth, topics) == 1.0
    terms = dict(zip(found["topic"], found["terms"], strict=True))
    assert "football" in terms[topics[0]].split()
    assert "recipe" in terms[topics[1]].split()
    assert "3 topics in 25 texts" in said(result)


def test_same_input_same_topics_and_terms(tmp_path: Path) -> None:
    source = tmp_path / "texts.txt"
    source.write_text("\n".join(FOOTBALL + MARKETS + COOKING) + "\n", encoding="utf-8")
    outputs = []
    for run_number in range(2):
        output = tmp_path / f"run{run_number}.csv"
        assert run("topics", "-i", str(source), "-o", str(output)).exit_code == 0
        outputs.append(output.read_bytes())
    assert outputs[0] == outputs[1]


def test_communities_on_given_embeddings_are_found_without_a_count() -> None:
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(4, 32)) * 3
    embeddings = np.concatenate([centre + rng.normal(size=(30, 32)) for centre in centres])
    texts = [f"text {i}" for i in range(len(embeddings))]
    found = topics_from_embeddings(texts, range(len(texts)), embeddings)
    truth = np.repeat(np.arange(4), 30)
    assert len(found.topics) == 4
    assert normalized_mutual_info_score(truth, found.labels) == 1.0
    assert [topic.size for topic in found.topics] == [30, 30, 30, 30]
    assert found.assign(centres) == [found.labels[i * 30] for i in range(4)]


def test_terms_leave_out_what_every_text_says() -> None:
    tokens = [["#crawl", "god", "faith"], ["#crawl", "god"], ["#crawl", "climate"], ["#crawl"]]
    named = topic_terms(tokens, [0, 0, 1, 1], count=2)
    assert named == {0: ["god", "faith"], 1: ["climate"]}


def test_undecodable_lines_are_named_and_read_as_empty(tmp_path: Path) -> None:
    source = tmp_path / "texts.txt"
    source.write_bytes(
        b"\xef\xbb\xbfThe football match\n" + b"caf\xe9 latin-1\n" + b"A goal in football\r\n"
    )
    output = tmp_path / "out.csv"
    result = run("topics", "-i", str(source), "-o", str(output))
    assert result.exit_code == 0, result.output
    assert f"{source}: line(s) 2 are not valid UTF-8; read as empty (no topic)" in said(result)
    found = pl.read_csv(output)
    assert found["text"].fill_null("").to_list() == ["The football match", "", "A goal in football"]
    assert found["topic"].to_list() == [0, NO_TOPIC, 0]


def assert_usage_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in said(result), said(result)


def test_missing_and_empty_inputs_are_one_clear_error(tmp_path: Path) -> None:
    output = tmp_path / "out.csv"
    missing = tmp_path / "missing.txt"
    assert_usage_error(run("topics", "-i", str(missing), "-o", str(output)), "does not exist")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert_usage_error(run("topics", "-i", str(empty), "-o", str(output)), "is empty")
    bom_only = tmp_path / "bom.txt"
    bom_only.write_bytes(b"\xef\xbb\xbf")
    assert_usage_error(run("topics", "-i", str(bom_only), "-o", str(output)), "is empty")
    assert_usage_error(
        run("topics", "-i", str(empty), "-o", str(tmp_path / "no" / "o.csv")),
        "--output",
        "does not exist",
    )
    assert not output.exists()

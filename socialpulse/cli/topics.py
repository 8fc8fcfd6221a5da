"""`socialpulse topics --input TEXTS.txt --output OUT.csv`: discover the topics of a file's texts
(the method picks how many) and write each line's topic id and that topic's top terms."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from socialpulse.cli.checks import writable_output
from socialpulse.cli.sentiment import read_text_lines, report_undecodable, text_input_option


def topics(
    input_path: Path = text_input_option(),
    output: Path = typer.Option(
        ..., "--output", "-o", help="CSV with text, topic (an id, -1 for a blank line) and terms."
    ),
    terms: int = typer.Option(5, "--terms", min=1, help="Top terms that name each topic."),
) -> None:
    """Discover the topics of --input's lines (how many is found, not given) and write one row
    per line: text, topic id and the topic's top terms (space-separated). Embeds about ten
    texts/s per core with the multilingual encoder; progress goes to stderr."""
    import polars as pl

    from socialpulse.topics import DiscoverySettings, discover_topics

    writable_output(output, "--output")
    lines, undecodable = read_text_lines(input_path)
    if not lines:
        raise typer.BadParameter(
            f"{input_path} is empty; give one text per line", param_hint="--input"
        )
    report_undecodable(input_path, undecodable, treated="read as empty (no topic)")
    started = time.perf_counter()
    found = discover_topics(
        lines,
        settings=DiscoverySettings(terms=terms),
        progress=lambda message: typer.echo(message, err=True),
    )
    pl.DataFrame(
        {
            "text": lines,
            "topic": found.labels,
            "terms": [" ".join(found.terms_of(label)) for label in found.labels],
        },
        schema={"text": pl.String, "topic": pl.Int64, "terms": pl.String},
    ).write_csv(output)
    elapsed = time.perf_counter() - started
    typer.echo(
        f"{len(found.topics)} topics in {len(lines):,} texts "
        f"({len(lines) / max(elapsed, 1e-9):.1f} texts/s); wrote {output}",
        err=True,
    )
    for topic in found.topics[:10]:
        typer.echo(f"  topic {topic.id} ({topic.size} texts): {' '.join(topic.terms)}", err=True)


def register(app: typer.Typer) -> None:
    app.command("topics")(topics)

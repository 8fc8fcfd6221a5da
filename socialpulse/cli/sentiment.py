"""`socialpulse sentiment --input TEXTS.txt --output OUT.csv [--model DIR]`: score a file;
`socialpulse sentiment train --data DIR`: train a classifier and save a versioned artifact."""

from __future__ import annotations

import codecs
from pathlib import Path

import polars as pl
import typer

from socialpulse.cli.checks import writable_output

sentiment_app = typer.Typer(
    help="Score every line of --input: label (negative, neutral, positive) and score in [-1, 1], "
    "in order, into the --output CSV. `sentiment train` trains a classifier for --model.",
    add_completion=False,
)


def read_text_lines(path: Path) -> tuple[list[str], list[int]]:
    """One text per line of a UTF-8 file (a BOM ignored), and the numbers of the lines that are
    not UTF-8: those come back empty, so every line still has its row."""
    data = path.read_bytes().removeprefix(codecs.BOM_UTF8)
    # Split on newlines only: splitlines() would also split on form feeds and other separators.
    raw_lines = data.split(b"\n")
    if raw_lines[-1] == b"":
        raw_lines.pop()  # the newline that ends the file does not start another text
    lines: list[str] = []
    undecodable: list[int] = []
    for number, raw in enumerate(raw_lines, start=1):
        try:
            lines.append(raw.removesuffix(b"\r").decode("utf-8"))
        except UnicodeDecodeError:
            lines.append("")
            undecodable.append(number)
    return lines, undecodable


def report_undecodable(path: Path, numbers: list[int], shown: int = 10) -> None:
    if not numbers:
        return
    listed = ", ".join(str(n) for n in numbers[:shown])
    more = f" and {len(numbers) - shown} more" if len(numbers) > shown else ""
    typer.echo(f"{path}: line(s) {listed}{more} are not valid UTF-8; scored as empty", err=True)


@sentiment_app.callback(invoke_without_command=True)
def sentiment(
    ctx: typer.Context,
    input_path: Path | None = typer.Option(
        None,
        "--input",
        "-i",
        exists=True,
        dir_okay=False,
        help="UTF-8 text file, one text per line.",
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="CSV with text, label and score."
    ),
    model: Path | None = typer.Option(
        None,
        "--model",
        "-m",
        help="Artifact directory from `sentiment train`. Default: $SOCIALPULSE_SENTIMENT_MODEL, "
        "else the built-in fast scorer.",
    ),
) -> None:
    """Score every line: label (negative, neutral, positive) and score in [-1, 1], in order."""
    if ctx.invoked_subcommand is not None:
        return
    if input_path is None or output is None:
        raise typer.BadParameter(
            "give both --input TEXTS.txt and --output OUT.csv (or use `sentiment train`)"
        )
    from socialpulse.sentiment import load_stream_scorer
    from socialpulse.sentiment.scorers import MODEL_ENV

    writable_output(output, "--output")
    try:
        score = load_stream_scorer(model)
    # An artifact that is not ours can fail to unpickle in many ways; all mean a wrong path.
    except Exception as error:
        raise typer.BadParameter(
            f"cannot load the sentiment model: {error}",
            param_hint="--model" if model else f"${MODEL_ENV}",
        ) from error
    lines, undecodable = read_text_lines(input_path)
    report_undecodable(input_path, undecodable)
    batch = getattr(score, "score_batch", None)
    results = batch(lines) if batch else [score(line) for line in lines]
    pl.DataFrame(
        {
            "text": lines,
            "label": [label for label, _ in results],
            "score": [value for _, value in results],
        },
        schema={"text": pl.String, "label": pl.String, "score": pl.Float64},
    ).write_csv(output)


@sentiment_app.command("train")
def train(
    data: Path = typer.Option(
        ...,
        "--data",
        exists=True,
        file_okay=False,
        help="Directory of <split>_text.txt + <split>_labels.txt pairs (TweetEval layout).",
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        help="Artifact directory to create. Default: <state_dir>/models/sentiment/<time>-<hash>.",
    ),
    folds: int = typer.Option(5, "--folds", min=2, help="Cross-validation folds."),
    splits: list[str] = typer.Option(
        [], "--split", help="Only these splits of --data (repeatable). Default: every pair."
    ),
    nested: bool = typer.Option(
        True, "--nested/--no-nested", help="Also measure by nested CV (slower, honest)."
    ),
    jobs: int = typer.Option(1, "--jobs", min=1, help="Model fits to run in parallel."),
) -> None:
    """Train TF-IDF word + char n-grams and lexicon features into a logistic regression tuned for
    macro recall; write model.joblib and metrics.json."""
    from socialpulse.sentiment.datasets import load_labelled_dir
    from socialpulse.sentiment.model import default_model_dir, save_model, train_classifier
    from socialpulse.settings import Settings

    try:
        labelled = load_labelled_dir(data, splits)
        typer.echo(f"{len(labelled.texts)} texts from {data} ({', '.join(labelled.files)})")
        trained = train_classifier(
            labelled, folds=folds, nested=nested, jobs=jobs, progress=typer.echo
        )
        directory = output or default_model_dir(Settings().state_dir, trained.metrics)
        save_model(trained, directory)
    except (FileNotFoundError, FileExistsError, ValueError) as error:
        raise typer.BadParameter(str(error)) from error
    cv = trained.metrics["cv"]
    nested_text = f", nested CV {cv['nested_cv_macro_recall']:.4f}" if nested else ""
    typer.echo(
        f"saved {directory}: macro recall grid CV {cv['grid_best_cv_macro_recall']:.4f}"
        f"{nested_text}, params {trained.metrics['params']}"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(sentiment_app, name="sentiment")

"""`socialpulse sentiment --input TEXTS.txt --output OUT.csv [--model DIR]`: score a file;
`socialpulse sentiment train --data DIR`: train a classifier and save a versioned artifact."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import typer

sentiment_app = typer.Typer(
    help="Score every line of --input: label (negative, neutral, positive) and score in [-1, 1], "
    "in order, into the --output CSV. `sentiment train` trains a classifier for --model.",
    add_completion=False,
)


@sentiment_app.callback(invoke_without_command=True)
def sentiment(
    ctx: typer.Context,
    input_path: Path | None = typer.Option(
        None, "--input", "-i", exists=True, help="UTF-8 text file, one text per line."
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

    score = load_stream_scorer(model)
    # splitlines() would also split on form feeds and other separators inside a line.
    lines = [line.rstrip("\r") for line in input_path.read_text(encoding="utf-8").split("\n")]
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the file does not start another text
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

"""The `socialpulse detect` contract of DESIGN.md: same rows, same order, scores in [0, 1],
and row i scored from rows 0..i only."""

from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from socialpulse.cli.main import app


def _series(path: Path, values: list[int]) -> Path:
    start = datetime(2015, 3, 1)
    stamps = [f"{start + timedelta(minutes=5 * i):%Y-%m-%d %H:%M:%S}" for i in range(len(values))]
    pl.DataFrame({"timestamp": stamps, "value": values}).write_csv(path)
    return path


def _detect(tmp_path: Path, source: Path, name: str, *options: str) -> pl.DataFrame:
    output = tmp_path / name
    result = CliRunner().invoke(app, ["detect", str(source), "--output", str(output), *options])
    assert result.exit_code == 0, result.output
    return pl.read_csv(output, schema_overrides={"timestamp": pl.String})


def test_rows_kept_scores_bounded_and_causal(tmp_path: Path) -> None:
    values = [20 + (i % 3) for i in range(400)] + [90] + [20] * 20
    full_input = _series(tmp_path / "full.csv", values)
    full = _detect(tmp_path, full_input, "full_out.csv")
    original = pl.read_csv(full_input, schema_overrides={"timestamp": pl.String})
    assert full.select("timestamp", "value").equals(original)
    scores = full["anomaly_score"]
    assert scores.is_between(0, 1).all()
    assert scores[:288].max() == 0  # warming up
    assert scores[400] >= 0.995  # the spike, at the default alarm level
    assert scores[:400].max() < 0.995
    prefix = _detect(tmp_path, _series(tmp_path / "prefix.csv", values[:401]), "prefix_out.csv")
    assert prefix["anomaly_score"].to_list() == scores[:401].to_list()


def test_detector_parameters_are_options(tmp_path: Path) -> None:
    values = [16 + (i % 2) for i in range(60)] + [0] * 5
    source = _series(tmp_path / "drop.csv", values)
    options = ("--transform", "sqrt", "--scales", "1,0.3", "--warmup", "10", "--drops")
    with_drops = _detect(tmp_path, source, "drops.csv", *options)
    without = _detect(tmp_path, source, "rises.csv", *options[:-1], "--no-drops")
    assert with_drops["anomaly_score"][60:].max() >= 0.995
    assert without["anomaly_score"][60:].max() < 0.5


def test_bad_scales_are_explained(tmp_path: Path) -> None:
    source = _series(tmp_path / "s.csv", [1, 2, 3])
    out = str(tmp_path / "o.csv")
    result = CliRunner().invoke(app, ["detect", str(source), "-o", out, "--scales", "0.3,2"])
    assert result.exit_code != 0
    assert "fading factors" in result.output and "0.3,2" in result.output


def test_missing_columns_are_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    pl.DataFrame({"time": ["x"], "count": [1]}).write_csv(bad)
    result = CliRunner().invoke(app, ["detect", str(bad), "--output", str(tmp_path / "o.csv")])
    assert result.exit_code != 0
    assert "timestamp" in result.output and "value" in result.output


def test_defaults_are_the_surprise_detectors(tmp_path: Path) -> None:
    from socialpulse.detection import SurpriseDetector

    values = [20 + (i % 5) * (i % 7) for i in range(700)] + [300] * 3 + [20] * 50
    source = _series(tmp_path / "s.csv", values)
    frame = pl.read_csv(source)
    times = frame["timestamp"].str.to_datetime().to_list()

    def scores(detector: SurpriseDetector) -> list[float]:
        out = []
        for value, at in zip(values, times, strict=True):
            x = {"value": float(value), "timestamp": at}
            out.append(detector.score_one(x))
            detector.learn_one(x)
        return out

    defaults = _detect(tmp_path, source, "defaults.csv")["anomaly_score"].to_list()
    assert defaults == pytest.approx(scores(SurpriseDetector()))
    restless = _detect(tmp_path, source, "restless.csv", "--rest", "0", "--transform", "log")
    assert restless["anomaly_score"].to_list() == pytest.approx(
        scores(SurpriseDetector(rest=0, transform="log"))
    )

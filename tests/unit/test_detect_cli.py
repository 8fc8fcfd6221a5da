"""The `socialpulse detect` contract of DESIGN.md: same rows, same order, scores in [0, 1],
and row i scored from rows 0..i only."""

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from socialpulse.cli.main import app


def _series(path: Path, values: list[int]) -> Path:
    stamps = [f"2015-03-01 00:{i // 12:02d}:{(i % 12) * 5:02d}" for i in range(len(values))]
    pl.DataFrame({"timestamp": stamps, "value": values}).write_csv(path)
    return path


def _detect(tmp_path: Path, source: Path, name: str) -> pl.DataFrame:
    output = tmp_path / name
    result = CliRunner().invoke(app, ["detect", str(source), "--output", str(output)])
    assert result.exit_code == 0, result.output
    return pl.read_csv(output, schema_overrides={"timestamp": pl.String})


def test_rows_kept_scores_bounded_and_causal(tmp_path: Path) -> None:
    values = [20 + (i % 3) for i in range(60)] + [90] + [20] * 20
    full_input = _series(tmp_path / "full.csv", values)
    full = _detect(tmp_path, full_input, "full_out.csv")
    original = pl.read_csv(full_input, schema_overrides={"timestamp": pl.String})
    assert full.select("timestamp", "value").equals(original)
    assert full["anomaly_score"].is_between(0, 1).all()
    assert full["anomaly_score"][60] > 0.999  # the spike
    assert full["anomaly_score"][:60].max() < 0.99
    prefix = _detect(tmp_path, _series(tmp_path / "prefix.csv", values[:61]), "prefix_out.csv")
    assert prefix["anomaly_score"].to_list() == full["anomaly_score"][:61].to_list()


def test_missing_columns_are_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    pl.DataFrame({"time": ["x"], "count": [1]}).write_csv(bad)
    result = CliRunner().invoke(app, ["detect", str(bad), "--output", str(tmp_path / "o.csv")])
    assert result.exit_code != 0
    assert "timestamp" in result.output and "value" in result.output

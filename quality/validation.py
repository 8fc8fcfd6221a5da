"""Run a Great Expectations suite over a polars frame and report what failed, with samples.

An ephemeral GX context with one pandas data source: the warehouse query that feeds a suite
selects exactly the rows to check (a day's posts, the orphans of a join), so the suite stays a
plain list of expectations and the report names the offending values.
"""

from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import polars as pl

# No usage analytics leave the machine.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


@dataclass(frozen=True)
class Failure:
    expectation: str
    column: str | None
    unexpected_count: int | None
    sample: list[Any]
    details: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        where = f" on {self.column}" if self.column else ""
        count = f": {self.unexpected_count} unexpected" if self.unexpected_count is not None else ""
        sample = f", e.g. {self.sample[:5]}" if self.sample else ""
        return f"{self.expectation}{where}{count}{sample}"


@dataclass(frozen=True)
class Report:
    suite: str
    rows: int
    evaluated: int
    failures: list[Failure]

    @property
    def success(self) -> bool:
        return not self.failures

    def markdown(self) -> str:
        if self.success:
            return (
                f"All {self.evaluated} expectations of `{self.suite}` passed on {self.rows} rows."
            )
        return "\n".join(f"- {failure.line()}" for failure in self.failures)


@lru_cache(maxsize=1)
def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    # GX draws a progress bar per validation; the asset checks report their own summary.
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    source = context.data_sources.add_pandas("socialpulse")
    return context, source


def validate(frame: pl.DataFrame, suite_name: str, expectations: list) -> Report:
    """Validate `frame` against `expectations` (GX expectation objects)."""
    import great_expectations as gx

    _, source = _context()
    name = f"{suite_name}-{uuid.uuid4().hex[:12]}"
    asset = source.add_dataframe_asset(name)
    try:
        batch = asset.add_batch_definition_whole_dataframe("all").get_batch(
            batch_parameters={"dataframe": frame.to_pandas()}
        )
        suite = gx.ExpectationSuite(name=name, expectations=[e.copy() for e in expectations])
        result = batch.validate(suite, result_format="SUMMARY")
    finally:
        source.delete_asset(name)
    failures = []
    for outcome in result.results:
        if outcome.success:
            continue
        config = outcome.expectation_config
        details = dict(outcome.result or {})
        if outcome.exception_info and outcome.exception_info.get("raised_exception"):
            details["exception"] = outcome.exception_info.get("exception_message")
        failures.append(
            Failure(
                expectation=config.type,
                column=config.kwargs.get("column"),
                unexpected_count=details.get("unexpected_count"),
                sample=list(details.get("partial_unexpected_list") or [])
                or ([details["observed_value"]] if "observed_value" in details else []),
                details={k: v for k, v in details.items() if k == "exception"},
            )
        )
    return Report(suite_name, frame.height, len(result.results), failures)

"""The dashboard and the daily report read the dbt marts that the daily_batch job builds."""

from __future__ import annotations

from socialpulse.settings import Settings
from tests.dashboard_marts import assert_dashboard_and_report_read_the_marts, build_sample_day


def test_every_endpoint_and_the_report_read_the_marts_on_duckdb(
    process_settings: Settings,
) -> None:
    lake = build_sample_day(process_settings)
    assert_dashboard_and_report_read_the_marts(process_settings, lake)

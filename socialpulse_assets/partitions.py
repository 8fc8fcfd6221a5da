"""Daily partitions over event time, from Settings.batch_start (SOCIALPULSE_BATCH_START)."""

from __future__ import annotations

from dagster import DailyPartitionsDefinition

from socialpulse.settings import get_settings

daily = DailyPartitionsDefinition(start_date=get_settings().batch_start.isoformat(), timezone="UTC")

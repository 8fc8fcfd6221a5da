"""Daily partitions over event time, starting at SOCIALPULSE_BATCH_START (default 2024-01-01)."""

from __future__ import annotations

import os

from dagster import DailyPartitionsDefinition

BATCH_START = os.environ.get("SOCIALPULSE_BATCH_START", "2024-01-01")

daily = DailyPartitionsDefinition(start_date=BATCH_START, timezone="UTC")

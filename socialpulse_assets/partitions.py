"""Daily partitions over event time, from Settings.batch_start (SOCIALPULSE_BATCH_START).

`end_offset=1` includes today: the stream lands posts all day, and the landing sensor (and the
demo) materialise today's partition again as files arrive; the schedule builds yesterday's.
"""

from __future__ import annotations

from dagster import DailyPartitionsDefinition

from socialpulse.settings import get_settings

daily = DailyPartitionsDefinition(
    start_date=get_settings().batch_start.isoformat(), timezone="UTC", end_offset=1
)

"""Daily partitions over event time, from Settings.batch_start (SOCIALPULSE_BATCH_START).

`end_offset=1` includes today: the stream lands posts all day, and the landing sensor (and the
demo) materialise today's partition again as files arrive; the schedule builds yesterday's.

Importing this module reads no setting. The assets are declared over `daily`, which starts on
the settings' default day; `build_definitions` moves each of them to the configured start
(`on_partitions`), so the environment is read once, when the Definitions are built.
"""

from __future__ import annotations

from datetime import date

from dagster import AssetSpec, DailyPartitionsDefinition, PartitionsDefinition

from socialpulse.settings import Settings

DEFAULT_BATCH_START: date = Settings.model_fields["batch_start"].default


def daily_partitions(start: date) -> DailyPartitionsDefinition:
    return DailyPartitionsDefinition(start_date=start.isoformat(), timezone="UTC", end_offset=1)


daily = daily_partitions(DEFAULT_BATCH_START)


def on_partitions(spec: AssetSpec, partitions: PartitionsDefinition) -> AssetSpec:
    """`spec` over `partitions` if it was declared over `daily`; any other spec as it is."""
    if spec.partitions_def != daily:
        return spec
    return spec.replace_attributes(partitions_def=partitions)

"""Volume trends: forecasts of a key's hourly counts."""

from socialpulse.trends.forecast import HourlyVolumeForecaster

__all__ = ["HourlyVolumeForecaster"]

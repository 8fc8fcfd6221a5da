"""Alerts: the model every sink shares, and the cooldown that keeps one event one alert."""

from socialpulse.alerts.cooldown import Cooldown
from socialpulse.alerts.model import ALERT_ARROW_SCHEMA, Alert, alert_id_for

__all__ = ["ALERT_ARROW_SCHEMA", "Alert", "Cooldown", "alert_id_for"]

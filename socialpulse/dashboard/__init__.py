"""The web dashboard: live alerts, key activity and sentiment, trends, word clouds, watch-list."""

from socialpulse.dashboard.app import create_app

__all__ = ["create_app"]

"""SocialPulse: the domain kernel shared by the streaming flow and the Dagster assets."""

__version__ = "0.1.0"

"""The SocialPulse Dagster code location (see definitions.py)."""

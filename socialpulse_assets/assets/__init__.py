"""Asset modules grouped by domain: lake ingestion, analytics."""

"""PySpark backfills over the whole lake: the same tables as socialpulse.batch, at scale."""

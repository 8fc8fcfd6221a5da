"""Batch-side pure logic (polars): what the Dagster assets and the Spark job compute."""

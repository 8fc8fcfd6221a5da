"""Great Expectations (1.x) suites for the warehouse tables, run as Dagster asset checks."""

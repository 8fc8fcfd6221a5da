-- Dagster's run, event and schedule storage lives beside the warehouse, in its own database.
CREATE DATABASE dagster OWNER socialpulse;

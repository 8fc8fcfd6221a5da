"""PySpark backfills over the whole lake: the same tables as socialpulse.batch, at scale."""

from socialpulse.extras import require

# Before any submodule's `import pyspark`, so a core install says which extra to add.
require("pyspark", "pyspark", "spark", "Spark backfills")

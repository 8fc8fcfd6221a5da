"""Asset checks on the warehouse tables: cheap invariants that must hold after every load.

Blocking checks stop downstream assets in the same run from building on a broken table. The
Great Expectations suites (quality/) go further; these are the invariants the loaders promise.
"""

from dagster import AssetCheckResult, AssetCheckSeverity, MetadataValue, asset_check

from socialpulse.settings import get_settings
from socialpulse_assets.resources import WarehouseResource

_settings = get_settings()


def _table_exists(db, table: str) -> bool:
    try:
        db.query(f"SELECT 1 FROM {table} LIMIT 1")
    except Exception:
        return False
    return True


@asset_check(asset="posts", blocking=True, description="Every post id appears exactly once.")
def posts_have_unique_ids(warehouse: WarehouseResource) -> AssetCheckResult:
    with warehouse.connect() as db:
        duplicates = db.query(
            "SELECT id, count(*) AS copies FROM posts GROUP BY id HAVING count(*) > 1 "
            "ORDER BY copies DESC, id LIMIT 10"
        )
        nulls = int(db.query("SELECT count(*) AS n FROM posts WHERE id IS NULL")["n"][0])
    return AssetCheckResult(
        passed=duplicates.is_empty() and nulls == 0,
        metadata={
            "duplicated_ids": duplicates.height,
            "null_ids": nulls,
            "sample": MetadataValue.md(str(duplicates.head(10))),
        },
    )


@asset_check(
    asset="trending_challenges",
    description="No challenge trends below the minimum support (posts and distinct authors).",
)
def trending_challenges_meet_minimum_support(warehouse: WarehouseResource) -> AssetCheckResult:
    return _support_check(warehouse, "trending_challenges")


@asset_check(
    asset="trending_music",
    description="No sound trends below the minimum support (posts and distinct authors).",
)
def trending_music_meets_minimum_support(warehouse: WarehouseResource) -> AssetCheckResult:
    return _support_check(warehouse, "trending_music")


def _support_check(warehouse: WarehouseResource, table: str) -> AssetCheckResult:
    with warehouse.connect() as db:
        if not _table_exists(db, table):
            return AssetCheckResult(passed=True, metadata={"rows": 0, "note": "table not built"})
        below = db.query(
            f"SELECT day, rank, key, posts, authors FROM {table} "
            "WHERE posts < ? OR authors < ? ORDER BY day, rank LIMIT 10",
            (_settings.trending_min_posts, _settings.trending_min_authors),
        )
    return AssetCheckResult(
        passed=below.is_empty(),
        severity=AssetCheckSeverity.WARN,
        metadata={"below_support": below.height, "sample": MetadataValue.md(str(below))},
    )


@asset_check(
    asset="keyword_baselines",
    blocking=True,
    description="Centres and spreads are finite, spreads non-negative, hours of week 0..167.",
)
def keyword_baselines_are_sane(warehouse: WarehouseResource) -> AssetCheckResult:
    with warehouse.connect() as db:
        if not _table_exists(db, "keyword_baselines"):
            return AssetCheckResult(passed=True, metadata={"rows": 0, "note": "table not built"})
        bad = db.query(
            "SELECT key, hour_of_week, posts_centre, posts_spread FROM keyword_baselines "
            "WHERE posts_spread < 0 OR engagement_spread < 0 OR posts_centre < 0 "
            "OR hour_of_week < 0 OR hour_of_week > 167 LIMIT 10"
        )
    return AssetCheckResult(
        passed=bad.is_empty(),
        metadata={"bad_rows": bad.height, "sample": MetadataValue.md(str(bad))},
    )


CHECKS = [
    posts_have_unique_ids,
    trending_challenges_meet_minimum_support,
    trending_music_meets_minimum_support,
    keyword_baselines_are_sane,
]

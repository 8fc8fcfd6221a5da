"""Data quality as Dagster asset checks: the Great Expectations suites of `quality/`.

Blocking checks stop downstream assets in the same run from building on bad data; every result
carries which expectations failed and a sample of the offending values. A partitioned run checks
the day it loaded; an unpartitioned one (or a manual check run) checks the whole table.
"""

from datetime import UTC, date, datetime

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    MetadataValue,
    asset_check,
)

from quality import suites
from quality.validation import Report, validate
from socialpulse.batch.daily_topics import unsound_topics
from socialpulse_assets.resources import BatchSettingsResource, WarehouseResource

VOLUME_BAND = (0.2, 5.0)  # a day's posts against the mean of the previous week


def _day(context: AssetCheckExecutionContext) -> date | None:
    tag = context.run.tags.get("dagster/partition")
    return date.fromisoformat(tag) if tag else None


def _result(report: Report, severity=AssetCheckSeverity.ERROR, **extra) -> AssetCheckResult:
    return AssetCheckResult(
        passed=report.success,
        severity=severity,
        description=None if report.success else f"{len(report.failures)} expectation(s) failed",
        metadata={
            "rows_checked": report.rows,
            "expectations": report.evaluated,
            "failed": len(report.failures),
            "report": MetadataValue.md(report.markdown()),
            **extra,
        },
    )


@asset_check(
    asset="posts",
    blocking=True,
    description="GX: unique non-null ids, timestamps in range and not in the future, sentiment "
    "in [-1, 1] with a known label, non-negative engagement counts.",
)
def posts_expectations(
    context: AssetCheckExecutionContext, warehouse: WarehouseResource
) -> AssetCheckResult:
    with warehouse.connect() as db:
        rows = suites.posts_rows(db, _day(context))
    return _result(validate(rows, "posts", suites.posts_suite(datetime.now(UTC))))


@asset_check(
    asset="posts",
    blocking=True,
    additional_deps=["authors", "music"],
    description="GX: every post's author and sound exist in authors and music.",
)
def posts_references(
    context: AssetCheckExecutionContext, warehouse: WarehouseResource
) -> AssetCheckResult:
    with warehouse.connect() as db:
        rows = suites.references_rows(db, _day(context))
    return _result(validate(rows, "posts_references", suites.REFERENCES_SUITE))


@asset_check(
    asset="post_challenges",
    blocking=True,
    additional_deps=["posts", "challenges"],
    description="GX: every post_challenges row points at a known post and challenge.",
)
def post_challenges_references(
    context: AssetCheckExecutionContext, warehouse: WarehouseResource
) -> AssetCheckResult:
    with warehouse.connect() as db:
        rows = suites.challenge_references_rows(db, _day(context))
    return _result(validate(rows, "post_challenges_references", suites.CHALLENGE_REFERENCES_SUITE))


@asset_check(
    asset="posts",
    description="GX: the day's post volume is within 0.2x..5x of the previous week's daily mean "
    "(a warning: a real burst can leave the band).",
)
def posts_volume_within_band(
    context: AssetCheckExecutionContext, warehouse: WarehouseResource
) -> AssetCheckResult:
    day = _day(context)
    if day is None:
        return AssetCheckResult(
            passed=True, metadata={"note": "not a daily run: nothing to compare"}
        )
    with warehouse.connect() as db:
        rows = suites.volume_rows(db, day)
    if rows.is_empty():
        return AssetCheckResult(passed=True, metadata={"note": "no history before this day"})
    return _result(
        validate(rows, "posts_volume", suites.volume_suite(*VOLUME_BAND)),
        severity=AssetCheckSeverity.WARN,
        posts=int(rows["posts"][0]),
        baseline=float(rows["baseline"][0]),
    )


@asset_check(
    asset="keyword_baselines",
    blocking=True,
    description="GX: one row per key and hour of week 0..167, non-negative centres and spreads, "
    "sentiment centre in [-1, 1].",
)
def keyword_baselines_expectations(warehouse: WarehouseResource) -> AssetCheckResult:
    with warehouse.connect() as db:
        if not db.has_table("keyword_baselines"):
            return AssetCheckResult(passed=True, metadata={"note": "table not built yet"})
        rows = suites.baselines_rows(db)
    return _result(validate(rows, "keyword_baselines", suites.BASELINES_SUITE))


@asset_check(
    asset="alerts",
    blocking=True,
    description="GX: unique non-null alert ids, score in [0, 1], known direction, non-negative "
    "observed and expected values, windows in range and not in the future.",
)
def alerts_expectations(
    context: AssetCheckExecutionContext, warehouse: WarehouseResource
) -> AssetCheckResult:
    with warehouse.connect() as db:
        if not db.has_table("alerts"):
            return AssetCheckResult(passed=True, metadata={"note": "no alert loaded yet"})
        rows = suites.alerts_rows(db, _day(context))
    return _result(validate(rows, "alerts", suites.alerts_suite(datetime.now(UTC))))


@asset_check(
    asset="trending_challenges",
    description="No challenge trends below the minimum support (posts and distinct authors).",
)
def trending_challenges_meet_minimum_support(
    warehouse: WarehouseResource, batch_settings: BatchSettingsResource
) -> AssetCheckResult:
    return _support_check(warehouse, batch_settings, "trending_challenges")


@asset_check(
    asset="trending_music",
    description="No sound trends below the minimum support (posts and distinct authors).",
)
def trending_music_meets_minimum_support(
    warehouse: WarehouseResource, batch_settings: BatchSettingsResource
) -> AssetCheckResult:
    return _support_check(warehouse, batch_settings, "trending_music")


def _support_check(
    warehouse: WarehouseResource, batch_settings: BatchSettingsResource, table: str
) -> AssetCheckResult:
    with warehouse.connect() as db:
        if not db.has_table(table):
            return AssetCheckResult(passed=True, metadata={"note": "table not built yet"})
        below = db.query(
            f"SELECT day, rank, key, posts, authors FROM {table} "
            "WHERE posts < ? OR authors < ? ORDER BY day, rank LIMIT 10",
            (batch_settings.trending_min_posts, batch_settings.trending_min_authors),
        )
    return AssetCheckResult(
        passed=below.is_empty(),
        severity=AssetCheckSeverity.WARN,
        metadata={"below_support": below.height, "sample": MetadataValue.md(str(below))},
    )


@asset_check(
    asset="trend_forecast",
    description="Every forecast is finite and non-negative, inside its own interval.",
)
def trend_forecasts_are_sane(warehouse: WarehouseResource) -> AssetCheckResult:
    with warehouse.connect() as db:
        if not db.has_table("trend_forecasts"):
            return AssetCheckResult(passed=True, metadata={"note": "table not built yet"})
        bad = db.query(
            "SELECT day, key, hour, expected, low, high FROM trend_forecasts "
            "WHERE NOT (low >= 0 AND low <= expected AND expected <= high AND high < 1e300) "
            "OR expected IS NULL OR low IS NULL OR high IS NULL ORDER BY day, key LIMIT 10"
        )
    return AssetCheckResult(
        passed=bad.is_empty(),
        metadata={"insane_rows": bad.height, "sample": MetadataValue.md(str(bad))},
    )


@asset_check(
    asset="daily_topics",
    blocking=True,
    description="Every topic is named by at least one term and has at least one post.",
)
def daily_topics_are_named_and_counted(
    context: AssetCheckExecutionContext, warehouse: WarehouseResource
) -> AssetCheckResult:
    day = _day(context)
    with warehouse.connect() as db:
        if not db.has_table("daily_topics"):
            return AssetCheckResult(passed=True, metadata={"note": "table not built yet"})
        topics = db.query(
            "SELECT day, topic_id, terms, post_count FROM daily_topics"
            + (" WHERE day = ?" if day else "")
            + " ORDER BY day, topic_id",
            (day,) if day else (),
        )
    bad = unsound_topics(topics)
    return AssetCheckResult(
        passed=bad.is_empty(),
        description=None if bad.is_empty() else f"{bad.height} topic(s) without a term or a post",
        metadata={
            "topics_checked": topics.height,
            "unsound_topics": bad.height,
            "sample": MetadataValue.md(str(bad.head(10))),
        },
    )


CHECKS = [
    posts_expectations,
    posts_references,
    post_challenges_references,
    posts_volume_within_band,
    keyword_baselines_expectations,
    alerts_expectations,
    trending_challenges_meet_minimum_support,
    trending_music_meets_minimum_support,
    trend_forecasts_are_sane,
    daily_topics_are_named_and_counted,
]

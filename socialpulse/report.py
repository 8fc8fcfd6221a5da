"""The daily report: one self-contained HTML page (charts embedded) and one PNG summary figure.

It reads the day through the dashboard's read model (`socialpulse.dashboard.queries`: alerts,
trending, the keys forecast to rise the next day and the day's topics, from the dbt marts),
posts and characteristic phrases from the warehouse and, given the lake, that day's word
clouds. Counting happens in the warehouse (posts per UTC hour and label), so a day of millions
of posts stays cheap.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from socialpulse.dashboard import queries
from socialpulse.dashboard.word_clouds import read_word_cloud, word_cloud_groups
from socialpulse.lake import Lake
from socialpulse.warehouse import Warehouse

TEMPLATES = Path(__file__).parent / "dashboard" / "templates"
LABEL_COLOURS = {"negative": "#e07a6f", "neutral": "#c9ced8", "positive": "#6fbf8a"}
DIRECTION_COLOURS = {"spike": "#d1362f", "drop": "#2f6fd1", "sentiment_drop": "#b8730a"}


@dataclass
class DailyReport:
    """Everything the report shows for one day."""

    day: date
    posts_by_hour: dict[str, list[int]] = field(default_factory=dict)  # label -> 24 counts
    alerts: list[dict[str, Any]] = field(default_factory=list)
    challenges: list[dict[str, Any]] = field(default_factory=list)
    music: list[dict[str, Any]] = field(default_factory=list)
    rising: list[dict[str, Any]] = field(default_factory=list)  # forecast to rise the next day
    topics: list[dict[str, Any]] = field(default_factory=list)  # biggest first, emerging flagged
    phrases: dict[str, list[str]] = field(default_factory=dict)  # group -> phrases by rank
    word_clouds: dict[str, bytes] = field(default_factory=dict)  # group file name -> PNG

    @property
    def total_posts(self) -> int:
        return sum(sum(counts) for counts in self.posts_by_hour.values())

    def label_share(self, label: str) -> float:
        total = self.total_posts
        return sum(self.posts_by_hour.get(label, [])) / total if total else 0.0


def read_daily_report(db: Warehouse, day: date, lake: Lake | None = None) -> DailyReport:
    tables = queries.existing_tables(db)
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    end = start + timedelta(days=1)
    report = DailyReport(day=day)
    if "posts" in tables:
        # Epoch hours, not date_trunc: the same UTC hours whatever the session's time zone.
        counts = db.query(
            "SELECT CAST(floor(extract(epoch FROM created_at) / 3600) AS BIGINT) AS epoch_hour, "
            "coalesce(sentiment_label, 'neutral') AS label, count(*) AS posts FROM posts "
            "WHERE created_at >= ? AND created_at < ? GROUP BY 1, 2",
            [start, end],
        )
        first_hour = int(start.timestamp()) // 3600
        for epoch_hour, label, posts in counts.iter_rows():
            hours = report.posts_by_hour.setdefault(label, [0] * 24)
            hours[int(epoch_hour) - first_hour] += int(posts)
    report.alerts = queries.alerts_between(db, tables, start, end)
    trending = queries.latest_trending(db, tables, day=day.isoformat(), limit=10)
    report.challenges, report.music = trending["challenges"], trending["music"]
    report.rising = queries.rising_forecasts(db, tables, day=day.isoformat(), limit=10)["keys"]
    report.topics = queries.day_topics(db, tables, day=day.isoformat(), limit=10)["topics"]
    if "characteristic_phrases" in tables:
        phrases = db.query(
            "SELECT grp, phrase FROM characteristic_phrases WHERE day = ? ORDER BY grp, rank",
            [day],
        )
        for group, phrase in phrases.iter_rows():
            report.phrases.setdefault(group, []).append(phrase)
    if lake is not None:
        for name in word_cloud_groups(lake, day.isoformat()):
            report.word_clouds[name] = read_word_cloud(lake, day.isoformat(), name)
    return report


def plot_posts_by_hour(ax: Axes, report: DailyReport) -> None:
    bottom = [0] * 24
    for label, colour in LABEL_COLOURS.items():
        counts = report.posts_by_hour.get(label, [0] * 24)
        ax.bar(range(24), counts, bottom=bottom, color=colour, label=label, width=0.9)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    ax.set_title("Posts per UTC hour by sentiment")
    ax.set_xlabel("hour (UTC)")
    ax.set_xticks(range(0, 24, 3))
    ax.legend(loc="upper left", fontsize=8, frameon=False)


def plot_alerts(ax: Axes, report: DailyReport) -> None:
    """Each alert at its hour, its height the observed/expected ratio, coloured by direction."""
    for direction, colour in DIRECTION_COLOURS.items():
        chosen = [a for a in report.alerts if a["direction"] == direction]
        if not chosen:
            continue
        hours = [_hour_of(a["window_start"]) for a in chosen]
        ratios = [(a["observed"] or 0) / max(a["expected"] or 0, 1.0) for a in chosen]
        ax.scatter(hours, ratios, color=colour, label=direction.replace("_", " "), s=30)
        for hour, ratio, alert in zip(hours, ratios, chosen, strict=True):
            ax.annotate(
                alert["full_key"],
                (hour, ratio),
                fontsize=7,
                xytext=(3, 3),
                textcoords="offset points",
            )
    ax.set_xlim(-0.5, 24)
    ax.set_xticks(range(0, 25, 3))
    ax.set_title(f"Alerts ({len(report.alerts)}): observed ÷ expected")
    ax.set_xlabel("hour (UTC)")
    if report.alerts:
        ax.legend(loc="upper left", fontsize=8, frameon=False)
    else:
        ax.text(12, 0.5, "no alerts", ha="center", va="center", color="#6b7385")


def plot_trending(ax: Axes, items: list[dict[str, Any]], title: str, colour: str) -> None:
    shown = list(reversed(items[:8]))
    names = [item["display_name"][:28] for item in shown]
    ax.barh(names, [item["posts"] for item in shown], color=colour)
    ax.set_title(title)
    ax.set_xlabel("posts")
    ax.tick_params(axis="y", labelsize=8)
    if not shown:
        ax.text(0.5, 0.5, "nothing trending", ha="center", va="center", transform=ax.transAxes)


def summary_figure(report: DailyReport) -> Figure:
    figure = Figure(figsize=(13, 8), layout="constrained")
    figure.suptitle(
        f"SocialPulse {report.day}: {report.total_posts:,} posts, {len(report.alerts)} alerts, "
        f"{report.label_share('negative'):.0%} negative",
        fontsize=14,
    )
    (posts, alerts), (challenges, music) = figure.subplots(2, 2)
    plot_posts_by_hour(posts, report)
    plot_alerts(alerts, report)
    plot_trending(challenges, report.challenges, "Trending challenges", "#5b8bd9")
    plot_trending(music, report.music, "Trending sounds", "#8a6fd1")
    return figure


def render_daily_report(
    warehouse_url: str, day: date | str, out_dir: Path, lake: Lake | None = None
) -> dict[str, Path]:
    """Write `socialpulse-<day>.html` and `socialpulse-<day>.png` to `out_dir`; returns both."""
    the_day = date.fromisoformat(day) if isinstance(day, str) else day
    with Warehouse(warehouse_url) as db:
        report = read_daily_report(db, the_day, lake)
    out_dir.mkdir(parents=True, exist_ok=True)
    png = out_dir / f"socialpulse-{the_day}.png"
    summary_figure(report).savefig(png, dpi=100)
    charts = {
        "posts": _chart(lambda ax: plot_posts_by_hour(ax, report)),
        "alerts": _chart(lambda ax: plot_alerts(ax, report)),
        "challenges": _chart(
            lambda ax: plot_trending(ax, report.challenges, "Trending challenges", "#5b8bd9")
        ),
        "music": _chart(lambda ax: plot_trending(ax, report.music, "Trending sounds", "#8a6fd1")),
    }
    templates = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape())
    page = templates.get_template("daily_report.html").render(
        report=report,
        charts=charts,
        clouds={name: _data_uri(png) for name, png in report.word_clouds.items()},
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
    html = out_dir / f"socialpulse-{the_day}.html"
    html.write_text(page, encoding="utf-8")
    return {"html": html, "png": png}


def _hour_of(iso: str) -> float:
    at = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return at.hour + at.minute / 60


def _chart(draw: Callable[[Axes], None]) -> str:
    figure = Figure(figsize=(6.4, 3.4), layout="constrained")
    draw(figure.add_subplot())
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    return _data_uri(buffer.getvalue())


def _data_uri(png: bytes) -> str:
    return f"data:image/png;base64,{base64.b64encode(png).decode()}"

"""The daily report: HTML with embedded charts and a PNG summary, from the known sample day."""

from __future__ import annotations

import re

from socialpulse.lake import Lake
from socialpulse.report import read_daily_report, render_daily_report
from socialpulse.warehouse import Warehouse
from tests.dashboard_samples import (
    ALERT_KEY,
    BASELINE_PER_HOUR,
    BURST_POSTS,
    DAY,
    SAMPLE_TEXT,
    TOPIC_DANCE,
    TOPIC_GLOWUP,
    TOPIC_SOUND,
    TRENDING_CHALLENGE,
    TRENDING_SOUND,
    load_sample_warehouse,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_report_counts_posts_per_utc_hour_and_label(tmp_path) -> None:
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    load_sample_warehouse(url)
    with Warehouse(url) as db:
        report = read_daily_report(db, DAY)
    per_hour = [
        sum(report.posts_by_hour[label][hour] for label in report.posts_by_hour)
        for hour in range(24)
    ]
    assert per_hour[12] == BASELINE_PER_HOUR + BURST_POSTS
    assert per_hour[0] == per_hour[23] == BASELINE_PER_HOUR
    assert report.total_posts == 24 * BASELINE_PER_HOUR + BURST_POSTS
    assert report.label_share("negative") == 14 / report.total_posts  # every 10th of 136 posts
    assert [a["full_key"] for a in report.alerts] == [f"hashtag:{ALERT_KEY}"]
    assert report.challenges[0]["key"] == TRENDING_CHALLENGE


def test_render_writes_a_self_contained_html_and_a_png(tmp_path) -> None:
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    load_sample_warehouse(url)
    lake = Lake.from_url(str(tmp_path / "lake"))
    cloud = lake.path("reports", "wordclouds", f"dt={DAY}", "sentiment-negative.png")
    lake.fs.makedirs(lake.path("reports", "wordclouds", f"dt={DAY}"), exist_ok=True)
    lake.fs.pipe(cloud, PNG_MAGIC + b"cloud")

    paths = render_daily_report(url, DAY.isoformat(), tmp_path / "out", lake=lake)

    assert paths == {
        "html": tmp_path / "out" / f"socialpulse-{DAY}.html",
        "png": tmp_path / "out" / f"socialpulse-{DAY}.png",
    }
    assert paths["png"].read_bytes().startswith(PNG_MAGIC)
    html = paths["html"].read_text()
    assert f"hashtag:{ALERT_KEY}" in html
    assert SAMPLE_TEXT in html
    assert f"#{TRENDING_CHALLENGE}" in html and TRENDING_SOUND in html
    # 4 charts + 1 word cloud, all inline: the file opens anywhere without the lake or a server.
    assert len(re.findall(r'src="data:image/png;base64,', html)) == 5
    assert 'src="http' not in html


def test_the_report_lists_the_keys_rising_the_next_day_with_peak_and_evidence(tmp_path) -> None:
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    load_sample_warehouse(url)
    with Warehouse(url) as db:
        report = read_daily_report(db, DAY)
    assert [r["key"] for r in report.rising] == [f"music:{TRENDING_SOUND}"]  # not #glowup

    html = render_daily_report(url, DAY, tmp_path / "out")["html"].read_text()
    section = html.split("<h2>Rising next 24 hours</h2>")[1].split("<h2>")[0]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", section)
    assert cells == [
        f"music:{TRENDING_SOUND}",
        "from 06:00, 18 of 24 hours",  # above its band from 06:00 to the day's end
        "9 (5\N{EN DASH}14) at 18:00",  # the peak with its 90% interval
        "3",  # the band it leaves
        "89 posts",  # 6 x 2 + 17 x 4 + 9
    ]


def test_a_day_without_rising_keys_says_so(tmp_path) -> None:
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    load_sample_warehouse(url)
    with Warehouse(url) as db:
        db.execute("UPDATE trend_forecasts SET rising = false")
    html = render_daily_report(url, DAY, tmp_path / "out")["html"].read_text()
    assert "No key is forecast to leave its band." in html
    assert f"music:{TRENDING_SOUND}" not in html.split("Rising next 24 hours")[1].split("<h2>")[0]


def test_a_trend_without_an_earlier_day_shows_no_growth_figure(tmp_path) -> None:
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    load_sample_warehouse(url)
    with Warehouse(url) as db:
        db.execute("UPDATE trending_challenges SET baseline_posts = 0, growth = 501")
    html = render_daily_report(url, DAY, tmp_path / "out")["html"].read_text()
    assert "\N{MULTIPLICATION SIGN}501" not in html
    assert html.count('title="no earlier day to compare with">new<') == 2
    assert "\N{MULTIPLICATION SIGN}50.0" in html  # the sounds had an earlier day


def test_a_day_without_data_still_renders(tmp_path) -> None:
    url = f"duckdb:///{tmp_path / 'empty.duckdb'}"
    paths = render_daily_report(url, DAY, tmp_path / "out")
    assert "No alerts on this day." in paths["html"].read_text()
    assert "No key is forecast to leave its band." in paths["html"].read_text()
    assert paths["png"].read_bytes().startswith(PNG_MAGIC)


def test_the_report_lists_the_days_topics_with_the_emerging_ones_flagged(tmp_path) -> None:
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    load_sample_warehouse(url)
    with Warehouse(url) as db:
        report = read_daily_report(db, DAY)
    assert [(t["terms"], t["emerging_reason"]) for t in report.topics] == [
        (TOPIC_GLOWUP, None),
        (TOPIC_DANCE, "growing"),
        (TOPIC_SOUND, "new"),
    ]

    html = render_daily_report(url, DAY, tmp_path / "out")["html"].read_text()
    section = html.split("<h2>Topics</h2>")[1].split("<h2>")[0]
    assert "a sample of 100 of the day's 100 posts" in section
    rows = re.findall(r"<tr>\s*(.*?)</tr>", section, flags=re.S)[1:]
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)[:5] for row in rows]
    assert cells == [
        ["0", " ".join(TOPIC_GLOWUP), "50", "50%", ""],
        ["1", " ".join(TOPIC_DANCE), "40", "40%", "<strong>growing</strong>"],
        ["2", " ".join(TOPIC_SOUND), "10", "10%", "<strong>new</strong>"],
    ]


def test_a_day_without_topics_says_so(tmp_path) -> None:
    html = render_daily_report(f"duckdb:///{tmp_path / 'empty.duckdb'}", DAY, tmp_path / "out")
    assert "No topics for this day." in html["html"].read_text()

"""The dashboard's Starlette application: one HTML page and the JSON endpoints its script polls.

Every request opens the warehouse, reads and closes it again. For DuckDB that keeps the file
free between requests, so `socialpulse batch` or the stream can write while the page is open; a
request that meets a writer's lock gets a 503 and the page retries on its next poll.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from socialpulse.dashboard import queries
from socialpulse.dashboard.word_clouds import read_word_cloud, word_cloud_days, word_cloud_groups
from socialpulse.lake import Lake
from socialpulse.settings import Settings
from socialpulse.warehouse import Warehouse
from socialpulse.watchlist import load_watchlist, read_watchlist_file, save_watchlist

HERE = Path(__file__).parent
MAX_ALERTS = 200


class WarehouseUnavailable(Exception):
    """The warehouse cannot be read right now; the message says why and what to do."""


def open_warehouse(url: str) -> Warehouse:
    parsed = urlparse(url)
    on_disk = parsed.scheme == "duckdb" and parsed.path not in ("", "/:memory:")
    if on_disk and not Path(parsed.path).exists():
        raise WarehouseUnavailable(
            f"no warehouse at {parsed.path} yet: run `make demo` or `socialpulse batch` "
            "(or point SOCIALPULSE_WAREHOUSE_URL at one)"
        )
    try:
        return Warehouse(url)
    except Exception as error:  # a DuckDB writer's lock, Postgres down or refusing
        raise WarehouseUnavailable(f"cannot open the warehouse: {error}") from error


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise ValueError(f"query parameter {name}={raw!r} is not a whole number") from error
    return min(max(value, low), high)


def create_app(settings: Settings, *, poll_seconds: float = 3.0) -> Starlette:
    """The dashboard for `settings` (warehouse, lake, state directory for the watch-list)."""
    url = settings.resolved_warehouse_url
    templates = Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"])
    )

    @functools.cache
    def lake() -> Lake:
        return Lake.from_settings(settings)

    def reading(handler: Callable[[Request, Warehouse, set[str]], Any]) -> Callable:
        """A JSON endpoint that reads the warehouse: 503 when closed, 400 on a bad parameter."""

        def endpoint(request: Request) -> Response:
            try:
                with open_warehouse(url) as db:
                    return JSONResponse(handler(request, db, queries.existing_tables(db)))
            except WarehouseUnavailable as error:
                return JSONResponse({"error": str(error)}, status_code=503)
            except ValueError as error:
                return JSONResponse({"error": str(error)}, status_code=400)

        return endpoint

    def index(request: Request) -> HTMLResponse:
        page = templates.get_template("index.html").render(
            warehouse=_describe(url), poll_ms=int(poll_seconds * 1000)
        )
        return HTMLResponse(page)

    def alerts(request: Request, db: Warehouse, tables: set[str]) -> dict[str, Any]:
        limit = _int_param(request, "limit", 30, 1, MAX_ALERTS)
        key = request.query_params.get("key") or None
        return {"alerts": queries.latest_alerts(db, tables, limit=limit, key=key)}

    def keys(request: Request, db: Warehouse, tables: set[str]) -> dict[str, Any]:
        return {"keys": queries.watched_keys(db, tables, load_watchlist(settings))}

    def activity(request: Request, db: Warehouse, tables: set[str]) -> dict[str, Any]:
        key = _required(request, "key")
        days = _int_param(request, "days", 7, 1, 90)
        return {
            "key": key,
            **queries.key_activity(db, tables, key, days=days),
            "alerts": [
                {"window_start": a["window_start"], "direction": a["direction"]}
                for a in queries.latest_alerts(db, tables, limit=MAX_ALERTS, key=key)
            ],
        }

    def sentiment(request: Request, db: Warehouse, tables: set[str]) -> dict[str, Any]:
        key = _required(request, "key")
        hours = _int_param(request, "hours", 48, 1, 24 * 31)
        return {"key": key, "windows": queries.key_sentiment(db, tables, key, hours=hours)}

    def trending(request: Request, db: Warehouse, tables: set[str]) -> dict[str, Any]:
        day = request.query_params.get("day") or None
        if day is not None:
            date.fromisoformat(day)  # ValueError -> 400
        limit = _int_param(request, "limit", 10, 1, 100)
        return queries.latest_trending(db, tables, day=day, limit=limit)

    def word_clouds(request: Request) -> JSONResponse:
        days = word_cloud_days(lake())
        day = request.query_params.get("day") or (days[0] if days else None)
        try:
            groups = word_cloud_groups(lake(), day) if day else []
        except ValueError as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        return JSONResponse(
            {
                "day": day,
                "days": days,
                "clouds": [
                    {"group": name, "url": f"/wordclouds/{day}/{name}.png"} for name in groups
                ],
            }
        )

    def word_cloud_png(request: Request) -> Response:
        day, name = request.path_params["day"], request.path_params["name"]
        try:
            content = read_word_cloud(lake(), day, name)
        except (ValueError, FileNotFoundError):
            return JSONResponse({"error": f"no word cloud {name} for {day}"}, status_code=404)
        return Response(content, media_type="image/png", headers={"Cache-Control": "max-age=60"})

    async def watchlist(request: Request) -> JSONResponse:
        if request.method == "POST":
            # Only JSON: a cross-site page cannot send it without a CORS preflight this app
            # never grants, so another site open in the browser cannot rewrite the list.
            if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
                return JSONResponse(
                    {"error": "send the watch-list as Content-Type: application/json"},
                    status_code=415,
                )
            try:
                body = await request.json()
                terms = body["terms"]
                if isinstance(terms, str):
                    terms = terms.splitlines()
                if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
                    raise TypeError
                save_watchlist(settings, terms)
            except (ValueError, KeyError, TypeError) as error:
                detail = str(error) if isinstance(error, ValueError) else ""
                return JSONResponse(
                    {
                        "error": detail
                        or 'send JSON {"terms": ["brand", ...]} (a list of strings, or one '
                        "string with one term per line)"
                    },
                    status_code=400,
                )
        return JSONResponse(
            {
                "terms": list(load_watchlist(settings)),
                "file_terms": list(read_watchlist_file(settings)),
                "settings_terms": list(settings.watchlist_terms),
                "path": str((settings.state_dir / "watchlist.txt").resolve()),
            }
        )

    def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/", index),
            Route("/healthz", health),
            Route("/api/alerts", reading(alerts)),
            Route("/api/keys", reading(keys)),
            Route("/api/activity", reading(activity)),
            Route("/api/sentiment", reading(sentiment)),
            Route("/api/trending", reading(trending)),
            Route("/api/wordclouds", word_clouds),
            Route("/wordclouds/{day}/{name}.png", word_cloud_png),
            Route("/api/watchlist", watchlist, methods=["GET", "POST"]),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ]
    )


def _required(request: Request, name: str) -> str:
    value = request.query_params.get(name)
    if not value:
        raise ValueError(f"query parameter {name} is required (e.g. {name}=hashtag:dance)")
    return value


def _describe(url: str) -> str:
    """The warehouse for the page header, without a password."""
    parsed = urlparse(url)
    if parsed.scheme == "duckdb":
        return f"DuckDB {parsed.path}"
    host = parsed.hostname or "localhost"
    return f"Postgres {host}:{parsed.port or 5432}{parsed.path}"

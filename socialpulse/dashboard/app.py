"""The dashboard's Starlette application: one HTML page and the JSON endpoints its script polls.

Every request opens the warehouse (DuckDB read-only), reads and closes it again. That keeps the
file free between requests, so `socialpulse batch` can write while the page is open. DuckDB allows
one writing process: a request that meets a writer's lock retries for up to
`SOCIALPULSE_WAREHOUSE_LOCK_WAIT_SECONDS`, and only then answers 503 (the page retries on its
next poll).

Access (`SOCIALPULSE_DASHBOARD_TOKEN`): unset, the dashboard is read-only for whoever reaches
it. Set, every request but `/healthz`, `/login` and the static files needs the token, either as
`Authorization: Bearer <token>` (scripts) or as the session cookie that `/login` (or opening
`/?token=<token>` once) sets in the browser; only then can the watch-list be edited. Writes
also need a same-origin `Origin` header when they have one, JSON, and stay within size limits.
Answers never carry server paths or passwords; the details go to the log.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from socialpulse.dashboard import queries
from socialpulse.dashboard.word_clouds import read_word_cloud, word_cloud_days, word_cloud_groups
from socialpulse.lake import Lake
from socialpulse.redaction import redact
from socialpulse.settings import Settings
from socialpulse.warehouse import Warehouse, is_lock_conflict, open_waiting_for_lock
from socialpulse.watchlist import (
    load_watchlist,
    normalise_terms,
    read_watchlist_file,
    save_watchlist,
)

HERE = Path(__file__).parent
MAX_ALERTS = 200
# The stream matches every post against every term: a few hundred keep it at full speed.
MAX_WATCHLIST_TERMS = 200
MAX_BODY_BYTES = 64 * 1024
SESSION_COOKIE = "socialpulse_dashboard"
PUBLIC_PATHS = ("/healthz", "/login", "/static/")
SECURITY_HEADERS = {
    # Only our own script, styles and images; inline style attributes are the charts' colours.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

logger = logging.getLogger(__name__)


class WarehouseUnavailable(Exception):
    """The warehouse cannot be read right now; the message says why and what to do."""


def open_warehouse(url: str, lock_wait_seconds: float = 0.0) -> Warehouse:
    parsed = urlparse(url)
    on_disk = parsed.scheme == "duckdb" and parsed.path not in ("", "/:memory:")
    if on_disk and not Path(parsed.path).exists():
        raise WarehouseUnavailable(
            "no warehouse yet: run `make demo` or `socialpulse batch` "
            "(or point SOCIALPULSE_WAREHOUSE_URL at one)"
        )
    try:
        return open_waiting_for_lock(url, lock_wait_seconds, read_only=on_disk)
    except Exception as error:  # a DuckDB writer's lock, Postgres down or refusing
        if is_lock_conflict(error):
            logger.warning("warehouse %s: %s", redact(url), redact(str(error)))
            raise WarehouseUnavailable(
                f"the warehouse is busy: a writer (`socialpulse batch`?) held it for more than "
                f"{lock_wait_seconds:g} s; the page tries again on its next refresh "
                "(SOCIALPULSE_WAREHOUSE_LOCK_WAIT_SECONDS sets how long a request waits)"
            ) from error
        # The error names files and hosts: the log gets it, the browser a hint.
        logger.warning("cannot open the warehouse %s: %s", redact(url), redact(str(error)))
        raise WarehouseUnavailable(
            "cannot open the warehouse right now (a writer holds it, or the server is down); "
            "the dashboard's log has the details"
        ) from error


class Refused(Exception):
    """A request the dashboard will not serve; `status` and the message go to the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def session_value(token: str) -> str:
    """What the session cookie holds: derived from the token, so the cookie is not the token."""
    return hmac.new(token.encode(), b"socialpulse-dashboard-session", hashlib.sha256).hexdigest()


def _authorised(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return True
    cookie = request.cookies.get(SESSION_COOKIE, "")
    return hmac.compare_digest(cookie.encode(), session_value(token).encode())


def _check_same_origin(request: Request) -> None:
    """Browsers name the page that sent a write; it must be one of ours. No Origin: not a
    browser (a script with the bearer token), which the token alone admits."""
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != request.headers.get("host"):
        raise Refused(
            403, f"writes are accepted only from this dashboard's own pages, not {origin}"
        )


async def _read_body(request: Request) -> bytes:
    """The request body, refused with 413 past MAX_BODY_BYTES (declared or actually sent)."""
    too_large = Refused(413, f"request body over {MAX_BODY_BYTES // 1024} KiB")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise too_large
    return bytes(body)


async def _watchlist_terms(request: Request) -> tuple[str, ...]:
    """The terms of a watch-list write, normalised and within the limits."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        # A cross-site form can send text/plain without a CORS preflight; JSON cannot.
        raise Refused(415, "send the watch-list as Content-Type: application/json")
    usage = (
        'send JSON {"terms": ["brand", ...]} (a list of strings, or one string with one term '
        "per line)"
    )
    try:
        terms = json.loads(await _read_body(request))["terms"]
    except (ValueError, KeyError, TypeError) as error:
        raise Refused(400, usage) from error
    if isinstance(terms, str):
        terms = terms.splitlines()
    if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
        raise Refused(400, usage)
    try:
        cleaned = normalise_terms(terms)
    except ValueError as error:
        raise Refused(400, str(error)) from error
    if len(cleaned) > MAX_WATCHLIST_TERMS:
        raise Refused(
            400,
            f"the watch-list takes at most {MAX_WATCHLIST_TERMS} terms, got {len(cleaned)}: "
            "keep the brands that matter",
        )
    return cleaned


class AccessGate(BaseHTTPMiddleware):
    """With a token, admits only requests that carry it; adds the security headers to all."""

    def __init__(self, app: Any, token: str | None) -> None:
        super().__init__(app)
        self.token = token

    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        path = request.url.path
        if self.token is None or path.startswith(PUBLIC_PATHS) or _authorised(request, self.token):
            response = await call_next(request)
        elif path == "/":
            response = RedirectResponse("/login", status_code=303)
        else:
            response = JSONResponse(
                {
                    "error": "this dashboard needs its access token: sign in at /login, or send "
                    "Authorization: Bearer <SOCIALPULSE_DASHBOARD_TOKEN>"
                },
                status_code=401,
            )
        response.headers.update(SECURITY_HEADERS)
        return response


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
    token = settings.dashboard_token.get_secret_value() if settings.dashboard_token else None
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
                with open_warehouse(url, settings.warehouse_lock_wait_seconds) as db:
                    return JSONResponse(handler(request, db, queries.existing_tables(db)))
            except WarehouseUnavailable as error:
                return JSONResponse({"error": str(error)}, status_code=503)
            except ValueError as error:
                return JSONResponse({"error": str(error)}, status_code=400)

        return endpoint

    def index(request: Request) -> HTMLResponse:
        page = templates.get_template("index.html").render(
            warehouse=_describe(url), poll_ms=int(poll_seconds * 1000), editable=token is not None
        )
        return HTMLResponse(page)

    def login_page(message: str = "", status_code: int = 200) -> HTMLResponse:
        page = templates.get_template("login.html").render(message=message)
        return HTMLResponse(page, status_code=status_code)

    async def login(request: Request) -> Response:
        """The form, or a sign-in: a POSTed form field `token`, or `?token=` opened once."""
        if token is None:
            return RedirectResponse("/", status_code=303)
        if request.method == "POST":
            try:
                _check_same_origin(request)
                fields = parse_qs((await _read_body(request)).decode("utf-8", "replace"))
            except Refused as error:
                return login_page(str(error), error.status)
            given = fields.get("token", [""])[0]
        elif "token" in request.query_params:
            given = request.query_params["token"]
        else:
            return login_page()
        if not hmac.compare_digest(given.strip().encode(), token.encode()):
            return login_page("That is not this dashboard's token.", 401)
        response = RedirectResponse("/", status_code=303)
        # Lax: sent when following a link to the dashboard, never with another site's POST.
        response.set_cookie(
            SESSION_COOKIE,
            session_value(token),
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
        return response

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
        day = _day_param(request)
        limit = _int_param(request, "limit", 10, 1, 100)
        return queries.latest_trending(db, tables, day=day, limit=limit)

    def forecasts(request: Request, db: Warehouse, tables: set[str]) -> dict[str, Any]:
        day = _day_param(request)
        limit = _int_param(request, "limit", 20, 1, 100)
        return queries.rising_forecasts(db, tables, day=day, limit=limit)

    def topics(request: Request, db: Warehouse, tables: set[str]) -> dict[str, Any]:
        day = _day_param(request)
        limit = _int_param(request, "limit", 20, 1, 100)
        return queries.day_topics(db, tables, day=day, limit=limit)

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
            try:
                if token is None:
                    raise Refused(
                        403,
                        "this dashboard is read-only: start it with SOCIALPULSE_DASHBOARD_TOKEN "
                        "set to edit the watch-list",
                    )
                _check_same_origin(request)
                save_watchlist(settings, await _watchlist_terms(request))
            except Refused as error:
                return JSONResponse({"error": str(error)}, status_code=error.status)
        return JSONResponse(
            {
                "terms": list(load_watchlist(settings)),
                "file_terms": list(read_watchlist_file(settings)),
                "settings_terms": list(settings.watchlist_terms),
                "editable": token is not None,
            }
        )

    def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/", index),
            Route("/healthz", health),
            Route("/login", login, methods=["GET", "POST"]),
            Route("/api/alerts", reading(alerts)),
            Route("/api/keys", reading(keys)),
            Route("/api/activity", reading(activity)),
            Route("/api/sentiment", reading(sentiment)),
            Route("/api/trending", reading(trending)),
            Route("/api/forecasts", reading(forecasts)),
            Route("/api/topics", reading(topics)),
            Route("/api/wordclouds", word_clouds),
            Route("/wordclouds/{day}/{name}.png", word_cloud_png),
            Route("/api/watchlist", watchlist, methods=["GET", "POST"]),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ],
        middleware=[Middleware(AccessGate, token=token)],
    )


def _day_param(request: Request) -> str | None:
    """The `day` query parameter (YYYY-MM-DD), or None; a malformed one is a ValueError (400)."""
    day = request.query_params.get("day") or None
    if day is not None:
        date.fromisoformat(day)
    return day


def _required(request: Request, name: str) -> str:
    value = request.query_params.get(name)
    if not value:
        raise ValueError(f"query parameter {name} is required (e.g. {name}=hashtag:dance)")
    return value


def _describe(url: str) -> str:
    """The warehouse for the page header, without a password or the server's directories."""
    parsed = urlparse(url)
    if parsed.scheme == "duckdb":
        return f"DuckDB {Path(parsed.path).name}"
    host = parsed.hostname or "localhost"
    return f"Postgres {host}:{parsed.port or 5432}{parsed.path}"

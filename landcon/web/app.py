"""The landcon web application: one map-centred workspace (FastAPI + Jinja2 + HTMX + MapLibre).

Every page and API call goes through the services with the signed-in user's ``Actor``, so roles and
unit scopes are the same as on the command line. Sessions are HttpOnly, SameSite=Strict cookies;
every state-changing request carries the session's CSRF token (form field ``csrf_token`` or header
``X-CSRF-Token``). JS and CSS are served from ``/static`` (vendored from npm at set-up): no CDN.

This module assembles the application (middleware, static files, error pages, routers); the routes
live in ``web.routes`` by area and share ``web.common`` (the signed-in user, CSRF, page rendering).
"""

from __future__ import annotations

import secrets
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware

from landcon import __version__
from landcon.services import jobs, records, uploads
from landcon.web import errors, tiles
from landcon.web.bodylimit import BodyLimit
from landcon.web.common import COOKIE, HERE, LOGIN_CSRF, NeedLogin, User, page
from landcon.web.routes import (
    acceptance,
    admin,
    alerts,
    api,
    auth,
    care,
    dashboard,
    data,
    ledger,
    ledger_forms,
    meetings,
    monitor,
    overview,
    projects,
    publicity,
    realloc,
    review,
    supervision,
    survey,
    tasks,
    votes,
    willingness,
)

__all__ = ["COOKIE", "LOGIN_CSRF", "create_app"]

#: The page routers, in the order they are matched (the API follows under /api/v1).
PAGES = (
    auth,
    overview,
    data,
    survey,
    projects,
    meetings,
    realloc,
    admin,
    review,
    tasks,
    ledger,
    ledger_forms,
    supervision,
    dashboard,
    alerts,
    monitor,
    care,
    acceptance,
    votes,
    willingness,
    publicity,
)

#: Content-Security-Policy: only this site's scripts and nonce-marked inline scripts run; MapLibre needs
#: blob: workers and images; inline ``style`` attributes are allowed (styles cannot run code).
CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; worker-src 'self' blob:; child-src blob:; connect-src 'self'; "
    "font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


class SecurityHeaders:
    """Pure ASGI middleware: security headers on every response, ``no-store`` on pages and API,
    and gzip for HTML/JSON (not for tiles and static files, which are small or already compressed)."""

    HEADERS = (
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
    )

    def __init__(self, app: Any) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=2048)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cached = scope["path"].startswith(("/static", "/tiles"))
        nonce = secrets.token_urlsafe(18)  # templates put it on their inline <script> (request.state.csp_nonce)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        policy = CSP.format(nonce=nonce).encode("ascii")

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in self.HEADERS if k not in names]
                headers.append((b"content-security-policy", policy))
                if not cached and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await (self.app if cached else self.gzip)(scope, receive, send_with_headers)


def create_app(*, worker: bool = True) -> FastAPI:
    """The application; ``worker`` starts the background-job thread (off in API tests)."""
    runner = jobs.Worker() if worker else None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> Any:
        records.database()
        uploads.expire()
        if runner is not None:
            runner.start()
        yield
        if runner is not None:
            runner.stop()

    app = FastAPI(
        title="landcon 全域土地综合整治平台",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,  # served below from the vendored Swagger UI: no CDN
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.add_middleware(BodyLimit, cookie=COOKIE)
    app.add_middleware(errors.RefuseNul)
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(NeedLogin)
    async def need_login(request: Request, _exc: NeedLogin) -> Response:
        if request.url.path.startswith(("/api/", "/tiles/")) or request.headers.get("hx-request"):
            return JSONResponse({"error": "请先登录"}, status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    errors.install(app, page)

    @app.get("/api/docs", include_in_schema=False)
    def api_docs(request: Request) -> HTMLResponse:
        html = get_swagger_ui_html(
            openapi_url="/api/openapi.json",
            title="landcon API",
            swagger_js_url="/static/vendor/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )
        nonce = request.state.csp_nonce  # its one inline script runs under the Content-Security-Policy
        body = bytes(html.body).decode("utf-8").replace("<script>", f'<script nonce="{nonce}">')
        return HTMLResponse(body)

    tiles_router = APIRouter(dependencies=[User])
    tiles_router.include_router(tiles.router)
    app.include_router(tiles_router)
    for area in PAGES:
        app.include_router(area.router)
    app.include_router(api.router, prefix="/api/v1")
    return app

"""The landcon web application: one map-centred workspace (FastAPI + Jinja2 + HTMX + MapLibre).

Every page and API call goes through the services with the signed-in user's ``Actor``, so roles and
unit scopes are the same as on the command line. Sessions are HttpOnly, SameSite=Strict cookies;
every state-changing request carries the session's CSRF token (form field ``csrf_token`` or header
``X-CSRF-Token``). JS and CSS are served from ``/static`` (vendored from npm at set-up): no CDN.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.middleware.gzip import GZipMiddleware

from landcon import __version__
from landcon.errors import InvalidRecord, LandconError, NotFound, PermissionDenied, TransitionRefused
from landcon.services import (
    datasets,
    jobs,
    ledger,
    meetings,
    org,
    overview,
    projects,
    records,
    survey,
    tasks,
    uploads,
    webauth,
)
from landcon.services import plan as plans
from landcon.web import errors, tiles
from landcon.web.bodylimit import BodyLimit, stream_form
from landcon.web.errors import OptionalId, QueryId, RecordId, status_of

HERE = Path(__file__).parent
COOKIE = "landcon_session"
LOGIN_CSRF = "landcon_login_csrf"
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals["version"] = __version__


class NeedLogin(Exception):
    pass


async def current(request: Request) -> webauth.Current:
    """The signed-in user, or ``NeedLogin`` (pages redirect to /login, the API answers 401)."""
    found = webauth.resolve(request.cookies.get(COOKIE))
    if found is None:
        raise NeedLogin()
    request.state.current = found
    return found


async def csrf(request: Request) -> None:
    """State-changing requests must echo the session's CSRF token."""
    cur = await current(request)
    token = request.headers.get("x-csrf-token")
    if token is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        token = value if isinstance(value, str) else None
    if not webauth.check_csrf(cur, token):
        raise PermissionDenied("缺少或错误的 CSRF 令牌：请刷新页面后重试")


User = Depends(current)
Csrf = Depends(csrf)


def page(
    request: Request, template: str, cur: webauth.Current | None, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    ctx: dict[str, Any] = {"request": request, "me": cur.actor if cur else None, "csrf": cur.csrf_token if cur else ""}
    ctx.update(context)
    return templates.TemplateResponse(request, template, ctx, status_code=status_code)


#: Content-Security-Policy: only this site's scripts and nonce-marked inline scripts run; MapLibre needs
#: blob: workers and images; inline ``style`` attributes are allowed (styles cannot run code).
CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; worker-src 'self' blob:; child-src blob:; connect-src 'self'; "
    "font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def secure_cookies(request: Request) -> bool:
    """Cookies get ``Secure`` when configured (``LANDCON_COOKIE_SECURE``) or the request came over HTTPS."""
    return webauth.cookie_secure() or request.url.scheme == "https"


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
    app.add_middleware(BodyLimit)
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
    app.include_router(_pages())
    app.include_router(_ledger_pages())
    app.include_router(_api(), prefix="/api/v1")
    app.include_router(_ledger_api(), prefix="/api/v1")
    return app


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            }
        },
    }
}


class _Discard:
    def write(self, data: bytes) -> None:
        pass


async def receive_upload(request: Request, cur: webauth.Current) -> dict[str, Any]:
    """A dataset upload: permission first, then the body streamed into staging with the size limit."""
    await run_in_threadpool(uploads.authorise, cur.actor)
    held: list[uploads.Incoming] = []

    def open_file(filename: str, _fields: dict[str, str]) -> uploads.Incoming:
        held.append(uploads.Incoming(filename, owner=cur.actor))
        return held[-1]

    try:
        await stream_form(request, cur, open_file)
        if not held:
            raise uploads.UploadRefused("请选择要上传的文件（字段 file）")
    except BaseException:
        for incoming in held:
            incoming.discard()
        raise
    return await run_in_threadpool(uploads.finish, held[0])


def _save_plan(cur: webauth.Current, code: str, example: bool, held: list[uploads.Incoming]) -> None:
    with tempfile.TemporaryDirectory(prefix="landcon-plan-") as tmp:
        folder = Path(tmp) / "plan"
        if example:
            p = projects.show_project(cur.actor, code)
            plans.synthesise_plan(str(p["dataset"]), folder)
        elif held:
            held[0].close()
            uploads.extract_plan(held[0].raw, folder)
        else:
            raise uploads.UploadRefused("请选择方案压缩包（plan.gpkg + plan.yaml）或使用示例方案")
        projects.save_plan(cur.actor, code, folder)


def _escape(text: str) -> str:
    import html

    return html.escape(text)


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _pages() -> APIRouter:
    r = APIRouter()

    @r.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request, next: str = "/") -> Response:

        token = secrets.token_urlsafe(24)
        response = page(request, "login.html", None, next=next if next.startswith("/") else "/", login_csrf=token)
        response.set_cookie(
            LOGIN_CSRF, token, httponly=True, samesite="strict", max_age=1800, secure=secure_cookies(request)
        )
        return response

    @r.post("/login", include_in_schema=False)
    def login(
        request: Request,
        username: str = Form(...),
        password: str = Form(...),
        csrf_token: str = Form(""),
        next: str = Form("/"),
    ) -> Response:
        import hmac

        expected = request.cookies.get(LOGIN_CSRF) or ""
        if not expected or not hmac.compare_digest(expected, csrf_token):
            return page(request, "login.html", None, error="登录表单已过期，请重试", next=next, login_csrf=expected)
        try:
            signed = webauth.login(username, password, _address(request))
        except PermissionDenied as error:
            return page(request, "login.html", None, error=str(error), next=next, login_csrf=expected, status_code=401)
        response = RedirectResponse(
            next if next.startswith("/") and not next.startswith("//") else "/", status_code=303
        )
        response.set_cookie(
            COOKIE,
            signed.token,
            httponly=True,
            samesite="strict",
            max_age=int(webauth.session_hours() * 3600),
            secure=secure_cookies(request),
        )
        response.delete_cookie(LOGIN_CSRF)
        return response

    @r.post("/logout", include_in_schema=False, dependencies=[Csrf])
    def logout(request: Request) -> Response:
        webauth.logout(request.cookies.get(COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    @r.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request, cur: webauth.Current = User) -> Response:
        data = overview.overview(cur.actor)
        return page(request, "overview.html", cur, data=data)

    @r.get("/reference/yunnan.geojson", include_in_schema=False)
    def reference(cur: webauth.Current = User) -> Response:
        return Response(org.reference_outlines(), media_type="application/geo+json")

    @r.get("/data", response_class=HTMLResponse, include_in_schema=False)
    def data_page(request: Request, cur: webauth.Current = User) -> Response:
        return page(request, "data.html", cur, datasets=datasets.list_datasets(cur.actor))

    @r.post("/data/upload", response_class=HTMLResponse, include_in_schema=False)
    async def data_upload(request: Request, cur: webauth.Current = User) -> Response:
        result = await receive_upload(request, cur)
        return page(request, "upload_report.html", cur, result=result)

    @r.get("/data/uploads/{upload_id}/problems.geojson", include_in_schema=False)
    def upload_problems(upload_id: str, cur: webauth.Current = User) -> Response:
        return JSONResponse(uploads.problem_features(cur.actor, upload_id))

    @r.post("/data/import", include_in_schema=False, dependencies=[Csrf])
    def data_import(
        upload: str = Form(...), name: str = Form(...), replace: bool = Form(False), cur: webauth.Current = User
    ) -> Response:
        uploads.import_upload(cur.actor, upload, name, replace=replace)
        return RedirectResponse(f"/data/{name}", status_code=303)

    @r.get("/data/{name}", response_class=HTMLResponse, include_in_schema=False)
    def dataset_page(request: Request, name: str, cur: webauth.Current = User) -> Response:
        return page(request, "dataset.html", cur, name=name, manifest=datasets.manifest(name, cur.actor))

    @r.get("/survey/{dataset}", response_class=HTMLResponse, include_in_schema=False)
    def survey_page(request: Request, dataset: str, cur: webauth.Current = User) -> Response:
        job = jobs.latest(cur.actor, "survey", "dataset", dataset)
        result = survey.latest_result(cur.actor, dataset)  # from a web job or `landcon survey run`
        return page(request, "survey.html", cur, dataset=dataset, job=job, result=result)

    @r.post("/survey/{dataset}/run", response_class=HTMLResponse, include_in_schema=False, dependencies=[Csrf])
    def survey_run(request: Request, dataset: str, cur: webauth.Current = User) -> Response:
        job = jobs.submit(cur.actor, "survey", {"dataset": dataset})
        return page(request, "job.html", cur, job=job)

    @r.get("/survey/{dataset}/files/{filename}", include_in_schema=False)
    def survey_file(dataset: str, filename: str, cur: webauth.Current = User) -> Response:
        path = survey.result_file(cur.actor, dataset, filename)
        return FileResponse(path, filename=path.name)

    @r.get("/jobs/{job_id}", response_class=HTMLResponse, include_in_schema=False)
    def job_page(request: Request, job_id: RecordId, cur: webauth.Current = User) -> Response:
        return page(request, "job.html", cur, job=jobs.get(cur.actor, job_id))

    @r.get("/projects", response_class=HTMLResponse, include_in_schema=False)
    def projects_page(request: Request, cur: webauth.Current = User) -> Response:
        return page(
            request,
            "projects.html",
            cur,
            projects=projects.list_projects(cur.actor),
            datasets=datasets.list_datasets(cur.actor),
            counties=org.list_units(cur.actor, level="county"),
        )

    @r.post("/projects", include_in_schema=False, dependencies=[Csrf])
    def project_create(
        code: str = Form(...),
        name: str = Form(...),
        county: str = Form(...),
        dataset: str = Form(""),
        cur: webauth.Current = User,
    ) -> Response:
        projects.create_project(cur.actor, code.strip(), name.strip(), county=county.strip(), dataset=dataset or None)
        return RedirectResponse(f"/projects/{code.strip()}", status_code=303)

    @r.get("/meetings", response_class=HTMLResponse, include_in_schema=False)
    def meetings_page(request: Request, cur: webauth.Current = User) -> Response:
        return page(request, "meetings.html", cur, items=meetings.list_meetings(cur.actor))

    @r.get("/meetings/{meeting_id}", response_class=HTMLResponse, include_in_schema=False)
    def meeting_page(request: Request, meeting_id: RecordId, cur: webauth.Current = User) -> Response:
        return page(request, "meeting.html", cur, m=meetings.show_meeting(cur.actor, meeting_id))

    @r.post("/meetings", include_in_schema=False, dependencies=[Csrf])
    def meeting_record(
        title: str = Form(...),
        held_on: str = Form(...),
        unit: str = Form(...),
        project: str = Form(""),
        topics: str = Form(""),
        decisions: str = Form(""),
        attendees: str = Form(""),
        follow_ups: str = Form(""),
        cur: webauth.Current = User,
    ) -> Response:
        people = [meetings.parse_attendee(line) for line in attendees.splitlines() if line.strip()]
        lines = [line for line in follow_ups.splitlines() if line.strip()]
        items = [meetings.parse_follow_up(line, i) for i, line in enumerate(lines, 1)]
        m = meetings.record_meeting(
            cur.actor,
            unit=unit,
            title=title,
            held_on=held_on,
            topics=topics,
            decisions=decisions,
            attendees=people,
            project=project or None,
            follow_ups=items,
        )
        return RedirectResponse(f"/meetings/{m['id']}", status_code=303)

    @r.post("/admin/users", include_in_schema=False, dependencies=[Csrf])
    def admin_add_user(
        username: str = Form(...),
        display_name: str = Form(""),
        unit: str = Form(...),
        department: str = Form(""),
        roles: list[str] = Form(...),
        password: str = Form(...),
        cur: webauth.Current = User,
    ) -> Response:
        org.add_user(
            cur.actor,
            username.strip(),
            password=password,
            unit=unit.strip(),
            roles=roles,
            department=department or None,
            display_name=display_name.strip() or None,
        )
        return RedirectResponse("/admin", status_code=303)

    @r.post("/admin/users/{username}/active", include_in_schema=False, dependencies=[Csrf])
    def admin_active(username: str, active: bool = Form(...), cur: webauth.Current = User) -> Response:
        org.set_active(cur.actor, username, active)  # ends the user's sessions
        return RedirectResponse("/admin", status_code=303)

    @r.get("/projects/{code}", response_class=HTMLResponse, include_in_schema=False)
    def project_page(request: Request, code: str, cur: webauth.Current = User) -> Response:
        p = projects.show_project(cur.actor, code)
        latest = p["plan_versions"][-1]["number"] if p["plan_versions"] else None
        detail = projects.version_detail(cur.actor, code, latest) if latest else None
        reports = {}
        for v in p["plan_versions"]:
            folder = jobs.plan_report_dir(code, v["number"])
            reports[v["number"]] = sorted(f.name for f in folder.iterdir() if f.is_file()) if folder.is_dir() else []
        return page(request, "project.html", cur, p=p, detail=detail, reports=reports)

    @r.post("/projects/{code}/plan", include_in_schema=False)
    async def project_plan(request: Request, code: str, cur: webauth.Current = User) -> Response:
        """The plan zip is streamed to a staging file (size-limited) after the permission check."""
        await run_in_threadpool(uploads.authorise_plan, cur.actor, code)
        held: list[uploads.Incoming] = []

        def open_file(filename: str, _fields: dict[str, str]) -> uploads.Incoming:
            if not filename:  # the file input left empty
                return _Discard()  # type: ignore[return-value]
            held.append(uploads.Incoming(filename, ("zip",)))
            return held[-1]

        try:
            fields = await stream_form(request, cur, open_file)
            await run_in_threadpool(_save_plan, cur, code, fields.get("example") in ("true", "on", "1"), held)
        finally:
            for incoming in held:
                incoming.discard()
        return RedirectResponse(f"/projects/{code}", status_code=303)

    @r.post("/projects/{code}/versions/{number}/report", include_in_schema=False, dependencies=[Csrf])
    def project_report(request: Request, code: str, number: RecordId, cur: webauth.Current = User) -> Response:
        p = projects.show_project(cur.actor, code)
        params = {"project": code, "version": number, "dataset": p["dataset"]}
        return page(request, "job.html", cur, job=jobs.submit(cur.actor, "plan_report", params))

    @r.get("/projects/{code}/versions/{number}/files/{filename}", include_in_schema=False)
    def project_report_file(code: str, number: RecordId, filename: str, cur: webauth.Current = User) -> Response:
        projects.show_project(cur.actor, code)  # scope check
        folder = jobs.plan_report_dir(code, number)
        path = folder / Path(filename).name
        if not path.is_file():
            raise NotFound(f"文件 {filename} 不存在：请先生成方案成果")
        return FileResponse(path, filename=path.name)

    @r.get("/projects/{code}/versions/{number}/plan.geojson", include_in_schema=False)
    def project_plan_geojson(code: str, number: RecordId, cur: webauth.Current = User) -> Response:
        return JSONResponse(projects.plan_geojson(cur.actor, code, number))

    @r.get("/projects/{code}/diff", response_class=HTMLResponse, include_in_schema=False)
    def project_diff(request: Request, code: str, a: QueryId, b: QueryId, cur: webauth.Current = User) -> Response:
        return page(request, "diff.html", cur, code=code, diff=projects.diff_versions(cur.actor, code, a, b))

    @r.post("/projects/{code}/advance", include_in_schema=False, dependencies=[Csrf])
    def project_advance(code: str, comment: str = Form(""), cur: webauth.Current = User) -> Response:
        projects.advance(cur.actor, code, comment=comment)
        return RedirectResponse(f"/projects/{code}", status_code=303)

    @r.post("/projects/{code}/reject", include_in_schema=False, dependencies=[Csrf])
    def project_reject(code: str, reason: str = Form(...), cur: webauth.Current = User) -> Response:
        projects.reject(cur.actor, code, comment=reason)
        return RedirectResponse(f"/projects/{code}", status_code=303)

    @r.get("/reviews", response_class=HTMLResponse, include_in_schema=False)
    def reviews_page(request: Request, cur: webauth.Current = User) -> Response:
        return page(request, "reviews.html", cur, items=projects.inbox(cur.actor, pending_only=False))

    @r.get("/reviews/{code}", response_class=HTMLResponse, include_in_schema=False)
    def review_page(request: Request, code: str, cur: webauth.Current = User) -> Response:
        p = projects.show_project(cur.actor, code)
        try:
            status = projects.review_status(cur.actor, code)
        except TransitionRefused:
            status = None  # not in a review stage: the page shows the project without the opinion form
        latest = p["plan_versions"][-1]["number"] if p["plan_versions"] else None
        detail = projects.version_detail(cur.actor, code, latest) if latest else None
        return page(request, "review.html", cur, p=p, status=status, detail=detail)

    @r.post("/reviews/{code}/opinion", include_in_schema=False, dependencies=[Csrf])
    def review_opinion(
        code: str,
        opinion: str = Form(...),
        conditions: str = Form(""),
        comments: str = Form(""),
        cur: webauth.Current = User,
    ) -> Response:
        projects.give_opinion(cur.actor, code, opinion, conditions=conditions, comments=comments)
        return RedirectResponse(f"/reviews/{code}", status_code=303)

    @r.get("/tasks", response_class=HTMLResponse, include_in_schema=False)
    def tasks_page(request: Request, cur: webauth.Current = User) -> Response:
        return page(
            request,
            "tasks.html",
            cur,
            items=tasks.list_tasks(cur.actor),
            overdue=tasks.overdue_by_unit(cur.actor),
        )

    @r.post("/tasks/{task_id}/done", include_in_schema=False, dependencies=[Csrf])
    def task_done(task_id: RecordId, note: str = Form(""), cur: webauth.Current = User) -> Response:
        tasks.complete_task(cur.actor, task_id, note=note)
        return RedirectResponse("/tasks", status_code=303)

    @r.get("/admin", response_class=HTMLResponse, include_in_schema=False)
    def admin_page(request: Request, cur: webauth.Current = User) -> Response:
        return page(
            request,
            "admin.html",
            cur,
            users=org.list_users(cur.actor),
            units=org.list_units(cur.actor),
            departments=org.DEPARTMENT_CHOICES,
            roles=org.ROLE_CHOICES,
        )

    return r


def _api() -> APIRouter:
    r = APIRouter(dependencies=[User])

    @r.get("/me")
    def me(cur: webauth.Current = User) -> dict[str, Any]:
        a = cur.actor
        return {"username": a.username, "name": a.display_name, "unit": a.unit_code, "roles": sorted(a.roles)}

    @r.get("/overview")
    def api_overview(cur: webauth.Current = User) -> dict[str, Any]:
        return overview.overview(cur.actor)

    @r.get("/projects")
    def api_projects(county: str | None = None, stage: str | None = None, cur: webauth.Current = User) -> Any:
        return projects.list_projects(cur.actor, county=county, stage=stage)

    @r.get("/projects/{code}")
    def api_project(code: str, cur: webauth.Current = User) -> Any:
        return projects.show_project(cur.actor, code)

    @r.post("/projects/{code}/advance", dependencies=[Csrf])
    def api_advance(code: str, cur: webauth.Current = User) -> Any:
        return projects.advance(cur.actor, code)

    @r.get("/reviews")
    def api_reviews(cur: webauth.Current = User) -> Any:
        return projects.inbox(cur.actor)

    @r.post("/reviews/{code}", dependencies=[Csrf])
    def api_review(code: str, body: dict[str, Any], cur: webauth.Current = User) -> Any:
        return projects.give_opinion(
            cur.actor,
            code,
            str(body.get("opinion", "")),
            conditions=str(body.get("conditions", "")),
            comments=str(body.get("comments", "")),
            expected_version=body.get("expected_version"),
        )

    @r.get("/tasks")
    def api_tasks(overdue: bool = False, cur: webauth.Current = User) -> Any:
        return tasks.list_tasks(cur.actor, overdue_only=overdue)

    @r.get("/datasets")
    def api_datasets(cur: webauth.Current = User) -> Any:
        return datasets.list_datasets(cur.actor)

    @r.get("/jobs/{job_id}")
    def api_job(job_id: RecordId, cur: webauth.Current = User) -> Any:
        return jobs.get(cur.actor, job_id)

    @r.post("/uploads", openapi_extra=UPLOAD_BODY)
    async def api_upload(request: Request, cur: webauth.Current = User) -> Any:
        """Upload a dataset (.zip of a .gdb / shapefiles / GeoPackage, or a .gpkg) as multipart field
        ``file`` with the ``X-CSRF-Token`` header: validation report."""
        return await receive_upload(request, cur)

    @r.post("/uploads/{upload_id}/import", dependencies=[Csrf])
    def api_import(upload_id: str, body: dict[str, Any], cur: webauth.Current = User) -> Any:
        return uploads.import_upload(cur.actor, upload_id, str(body.get("name", "")), replace=bool(body.get("replace")))

    @r.post("/survey/{dataset}", dependencies=[Csrf])
    def api_survey(dataset: str, cur: webauth.Current = User) -> Any:
        return jobs.submit(cur.actor, "survey", {"dataset": dataset})

    @r.get("/survey/{dataset}")
    def api_survey_result(dataset: str, cur: webauth.Current = User) -> Any:
        """The dataset's latest survey.json, whether a web job or ``landcon survey run`` produced it."""
        result = survey.latest_result(cur.actor, dataset)
        if result is None:
            raise NotFound(f"数据集 {dataset} 还没有摸底调查结果", feature=dataset)
        return result

    return r


# Quota ledger (指标台账): pages, forms, the xlsx download and the JSON mirror --------------------------

LEDGER_HISTORY_PAGE = 50
LEDGER_NOTICES = {"use": "已登记使用", "transfer": "已登记调剂", "market": "已登记入市"}
LEDGER_FORMS = ("use", "transfer", "market")


def _ledger_view(
    who: records.Actor, code: str, *, before: int | None = None, kind: str = "", doc_type: str = ""
) -> dict[str, Any]:
    """Everything a 指标台账 page shows for a unit (scope and roles are checked by the services)."""
    data = ledger.balance(who, code)
    code, level = data["unit"], data["level"]
    history = ledger.history(
        who, code, kind=kind or None, doc_type=doc_type or None, limit=LEDGER_HISTORY_PAGE + 1, before=before
    )
    more = len(history) > LEDGER_HISTORY_PAGE
    history = history[:LEDGER_HISTORY_PAGE]
    if level == "province":
        avail_rows = data["counties"]
    elif level == "county":
        avail_rows = []
    else:  # a prefecture (or below): its counties one by one
        avail_rows = [
            {"unit": c["code"], "unit_name": c["name"], **s}
            for c in org.list_units(who, parent=code, level="county")
            for s in ledger.balance(who, c["code"])["summary"]
            if s["bucket"] == "avail"
        ]
    counties: dict[str, dict[str, Any]] = {}
    for row in avail_rows:
        counties.setdefault(row["unit"], {"unit": row["unit"], "unit_name": row["unit_name"], "kinds": {}})
        counties[row["unit"]]["kinds"][row["kind"]] = row
    names = {u["code"]: u["name"] for u in org.list_units(who, level="county")} | {code: data["unit_name"]}
    revolving = sorted(
        ledger.revolving(who, code),
        key=lambda r: (not r["overdue"], r["outstanding_mu"] <= 0, r["due_date"] or "9999", r["unit"]),
    )
    roles = who.roles
    return {
        "data": data,
        "level": level,
        "summary_avail": {s["kind"]: s for s in data["summary"] if s["bucket"] == "avail"},
        "summary_used": {s["kind"]: s for s in data["summary"] if s["bucket"] == "used"},
        "own_accounts": [a for a in data["accounts"] if a["unit"] == code],
        "counties": list(counties.values()),
        "names": names,
        "revolving": revolving,
        "transfers": ledger.transfers(who, code),
        "market": ledger.market_list(who, code),
        "history": history,
        "history_more": more,
        "filters": {"kind": kind, "doc_type": doc_type, "before": before},
        "areas": sorted({a["area_code"] for a in data["accounts"] if a["area_code"]}),
        "kinds": ledger.KINDS,
        # 周转指标 is never traded (only 建新 in its own 项目区 uses it); the service refuses it too.
        "tradable": {k: v for k, v in ledger.KINDS.items() if k != "zz"},
        "doc_types": ledger.DOC_TYPES,
        "market_modes": ledger.MARKET_MODES,
        "farmland_classes": ledger.FARMLAND_CLASSES,
        "can": {
            "use": level == "county" and records.may(roles, "ledger.post"),
            "transfer": level in ("county", "province") and records.may(roles, "ledger.transfer"),
            "market": level == "county" and records.may(roles, "ledger.market"),
        },
    }


def _ledger_page(
    request: Request,
    cur: webauth.Current,
    code: str,
    *,
    form: str = "",
    error: LandconError | None = None,
    values: dict[str, str] | None = None,
    before: int | None = None,
    kind: str = "",
    doc_type: str = "",
) -> Response:
    view = _ledger_view(cur.actor, code, before=before, kind=kind, doc_type=doc_type)
    notice = None
    done = request.query_params.get("done", "")
    if done in LEDGER_NOTICES and error is None:
        number = request.query_params.get("no", "")
        notice = LEDGER_NOTICES[done] + (f"（记账号 {number}）" if number.isdigit() else "")
        if request.query_params.get("dup"):
            notice += "：该来源文件此前已按相同内容记账，本次没有重复记账"
    return page(
        request,
        "ledger.html",
        cur,
        status_code=status_of(error) if error else 200,
        notice=notice,
        form_error={form: str(error)} if error else {},
        form_values={form: values or {}} if form else {},
        **view,
    )


def _ledger_pages() -> APIRouter:
    r = APIRouter()

    @r.get("/ledger", response_class=HTMLResponse, include_in_schema=False)
    def ledger_home(
        request: Request, before: OptionalId = None, kind: str = "", doc_type: str = "", cur: webauth.Current = User
    ) -> Response:
        code = cur.actor.unit_code or "530000"
        return _ledger_page(request, cur, code, before=before, kind=kind, doc_type=doc_type)

    @r.get("/ledger/{code}", response_class=HTMLResponse, include_in_schema=False)
    def ledger_unit(
        request: Request,
        code: str,
        before: OptionalId = None,
        kind: str = "",
        doc_type: str = "",
        cur: webauth.Current = User,
    ) -> Response:
        return _ledger_page(request, cur, code, before=before, kind=kind, doc_type=doc_type)

    @r.get("/ledger/{code}/report.xlsx", include_in_schema=False)
    def ledger_xlsx(code: str, cur: webauth.Current = User) -> Response:
        from landcon.services import ledger_report  # the 台账 workbook (imported when first asked for)

        folder = Path(tempfile.mkdtemp(prefix="landcon-ledger-"))
        try:
            path = folder / "ledger.xlsx"
            info = ledger_report.export(cur.actor, code, path)  # refuses a unit out of scope readably
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return FileResponse(
            path,
            filename=f"指标台账-{info['unit_name']}-{projects.today().isoformat()}.xlsx",
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
        )

    def _form_post(
        request: Request, cur: webauth.Current, code: str, form: str, values: dict[str, str], act: Any
    ) -> Response:
        """Run a posting; on a refusal show the page again with the message and what was typed."""
        try:
            done = act()
        except LandconError as error:
            return _ledger_page(request, cur, code, form=form, error=error, values=values)
        query = f"done={form}&no={done.get('id', '')}" + ("&dup=1" if done.get("duplicate") else "")
        return RedirectResponse(f"/ledger/{code}?{query}", status_code=303)

    @r.post("/ledger/{code}/use", response_class=HTMLResponse, include_in_schema=False, dependencies=[Csrf])
    def ledger_use(
        request: Request,
        code: str,
        kind: str = Form(""),
        area_mu: str = Form(""),
        paddy_mu: str = Form(""),
        grain_kg: str = Form(""),
        grade: str = Form(""),
        dlbm: str = Form(""),
        doc_no: str = Form(""),
        area_code: str = Form(""),
        posted_on: str = Form(""),
        memo: str = Form(""),
        cur: webauth.Current = User,
    ) -> Response:
        values = {
            "kind": kind,
            "area_mu": area_mu,
            "paddy_mu": paddy_mu,
            "grain_kg": grain_kg,
            "grade": grade,
            "dlbm": dlbm,
            "doc_no": doc_no,
            "area_code": area_code,
            "posted_on": posted_on,
            "memo": memo,
        }

        def act() -> dict[str, Any]:
            return ledger.use(
                cur.actor,
                code,
                kind,
                doc_no.strip(),
                area_mu=ledger.parse_number(area_mu, "使用面积（亩）", positive=True),
                paddy_mu=ledger.parse_optional(paddy_mu, "其中水田（亩）"),
                grain_kg=ledger.parse_optional(grain_kg, "粮食产能（公斤）"),
                grade=grade.strip() or None,
                dlbm=dlbm.strip() or None,
                area_code=area_code.strip(),
                on=ledger.parse_date(posted_on, "批准日期"),
                memo=memo.strip(),
            )

        return _form_post(request, cur, code, "use", values, act)

    @r.post("/ledger/{code}/transfer", response_class=HTMLResponse, include_in_schema=False, dependencies=[Csrf])
    def ledger_transfer(
        request: Request,
        code: str,
        kind: str = Form(""),
        direction: str = Form("out"),
        buyer: str = Form(""),
        counterparty: str = Form(""),
        area_mu: str = Form(""),
        paddy_mu: str = Form(""),
        grain_kg: str = Form(""),
        price: str = Form(""),
        received: str = Form(""),
        contract_no: str = Form(""),
        signed_on: str = Form(""),
        cur: webauth.Current = User,
    ) -> Response:
        values = {
            "kind": kind,
            "direction": direction,
            "buyer": buyer,
            "counterparty": counterparty,
            "area_mu": area_mu,
            "paddy_mu": paddy_mu,
            "grain_kg": grain_kg,
            "price": price,
            "received": received,
            "contract_no": contract_no,
            "signed_on": signed_on,
        }

        def act() -> dict[str, Any]:
            other, party = buyer.strip(), counterparty.strip()
            if direction == "in":  # bought from outside the province
                if not party:
                    raise InvalidRecord("从省外调入须写明省外对方（如 浙江省绍兴市）")
                seller, to = None, code
            else:
                if other and party:
                    raise InvalidRecord("调入方只填一项：省内单位代码，或省外对方名称")
                if not other and not party:
                    raise InvalidRecord("请填写调入方：省内单位代码（如 530102），或省外对方名称")
                seller, to = code, other or None
            return ledger.transfer(
                cur.actor,
                kind,
                contract_no.strip(),
                area_mu=ledger.parse_number(area_mu, "调剂面积（亩）", positive=True),
                paddy_mu=ledger.parse_optional(paddy_mu, "其中水田（亩）"),
                grain_kg=ledger.parse_optional(grain_kg, "粮食产能（公斤）"),
                price_yuan_per_mu=ledger.parse_number(price, "单价（元/亩）"),
                seller=seller,
                buyer=to,
                counterparty=party,
                received_yuan=ledger.parse_number(received, "已收款（元）", required=False),
                on=ledger.parse_date(signed_on, "合同签订日期"),
            )

        return _form_post(request, cur, code, "transfer", values, act)

    @r.post("/ledger/{code}/market", response_class=HTMLResponse, include_in_schema=False, dependencies=[Csrf])
    def ledger_market(
        request: Request,
        code: str,
        contract_no: str = Form(""),
        parcel_code: str = Form(""),
        collective: str = Form(""),
        village: str = Form(""),
        mode: str = Form(""),
        land_use: str = Form(""),
        area_m2: str = Form(""),
        term_years: str = Form(""),
        price: str = Form(""),
        cost: str = Form(""),
        signed_on: str = Form(""),
        cur: webauth.Current = User,
    ) -> Response:
        values = {
            "contract_no": contract_no,
            "parcel_code": parcel_code,
            "collective": collective,
            "village": village,
            "mode": mode,
            "land_use": land_use,
            "area_m2": area_m2,
            "term_years": term_years,
            "price": price,
            "cost": cost,
            "signed_on": signed_on,
        }

        def act() -> dict[str, Any]:
            years = ledger.parse_number(term_years, "使用年限（年）", positive=True)
            if years != int(years):
                raise InvalidRecord(f"使用年限应为整年数（填写的是“{term_years.strip()}”）")
            return ledger.market_add(
                cur.actor,
                code,
                contract_no,
                parcel_code=parcel_code,
                collective=collective,
                mode=mode,
                land_use=land_use.strip(),
                area_m2=ledger.parse_number(area_m2, "宗地面积（m²）", positive=True),
                term_years=int(years),
                price_yuan=ledger.parse_number(price, "成交价款（元）"),
                cost_yuan=ledger.parse_number(cost, "土地取得及开发成本（元）", required=False),
                village=village.strip() or None,
                signed_on=ledger.parse_date(signed_on, "合同签订日期"),
            )

        return _form_post(request, cur, code, "market", values, act)

    return r


def _ledger_api() -> APIRouter:
    r = APIRouter(dependencies=[User])

    @r.get("/ledger/{code}")
    def api_ledger(code: str, cur: webauth.Current = User) -> dict[str, Any]:
        """A unit's balances (a province: also every county's 可用), 周转指标 due dates and 调剂 contracts."""
        return {
            "balance": ledger.balance(cur.actor, code),
            "revolving": ledger.revolving(cur.actor, code),
            "transfers": ledger.transfers(cur.actor, code),
        }

    @r.get("/ledger/{code}/history")
    def api_ledger_history(
        code: str,
        kind: str | None = None,
        doc_type: str | None = None,
        limit: int = 100,
        before: OptionalId = None,
        cur: webauth.Current = User,
    ) -> Any:
        """Postings touching the unit's accounts, newest first (page with ``before`` = the last id)."""
        return ledger.history(
            cur.actor, code, kind=kind, doc_type=doc_type, limit=max(1, min(limit, 500)), before=before
        )

    return r

"""变化监测 pages of a project: the latest change-detection result (classes, findings, a map layer of
the findings over the project's dataset), its downloads, and running a new comparison as a job."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from landcon.services import jobs, monitor_views, webauth
from landcon.web.common import Csrf, User, page

router = APIRouter()


@router.get("/projects/{code}/monitor", response_class=HTMLResponse, include_in_schema=False)
def monitor_page(request: Request, code: str, cur: webauth.Current = User) -> Response:
    m = monitor_views.project_monitor(cur.actor, code)
    job = m["job"]
    can_cancel = job is not None and jobs.may_cancel(cur.actor, job)
    return page(request, "monitor.html", cur, m=m, job=job, can_cancel=can_cancel)


@router.get("/projects/{code}/monitor/changes.geojson", include_in_schema=False)
def monitor_geojson(code: str, cur: webauth.Current = User) -> Response:
    return JSONResponse(monitor_views.changes_geojson(cur.actor, code))


@router.get("/projects/{code}/monitor/files/{filename}", include_in_schema=False)
def monitor_file(code: str, filename: str, cur: webauth.Current = User) -> Response:
    path = monitor_views.result_file(cur.actor, code, filename)
    return FileResponse(path, filename=f"{code}-{path.name}")


@router.post("/projects/{code}/monitor/run", include_in_schema=False, dependencies=[Csrf])
def monitor_run(code: str, cur: webauth.Current = User) -> Response:
    monitor_views.submit_run(cur.actor, code)
    return RedirectResponse(f"/projects/{code}/monitor", status_code=303)

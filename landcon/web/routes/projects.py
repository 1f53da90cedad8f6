"""Projects: the list and creation, a project's page, plan upload (streamed), plan reports and their
files, the plan map, version diffs, advancing or rejecting the stage, and the 报备 package zip."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from landcon.services import (
    abilities,
    baobei,
    datasets,
    jobs,
    org,
    plan_intake,
    plan_reports,
    projects,
    uploads,
    webauth,
)
from landcon.web.bodylimit import stream_form, takes_files
from landcon.web.common import Csrf, Discard, User, page
from landcon.web.errors import QueryId, RecordId

router = APIRouter()


@router.get("/projects", response_class=HTMLResponse, include_in_schema=False)
def projects_page(request: Request, cur: webauth.Current = User) -> Response:
    return page(
        request,
        "projects.html",
        cur,
        projects=projects.list_projects(cur.actor),
        datasets=datasets.list_datasets(cur.actor),
        counties=org.list_units(cur.actor, level="county"),
        can=abilities.project_list_actions(cur.actor),
    )


@router.post("/projects", include_in_schema=False, dependencies=[Csrf])
def project_create(
    code: str = Form(...),
    name: str = Form(...),
    county: str = Form(...),
    dataset: str = Form(""),
    cur: webauth.Current = User,
) -> Response:
    projects.create_project(cur.actor, code.strip(), name.strip(), county=county.strip(), dataset=dataset or None)
    return RedirectResponse(f"/projects/{code.strip()}", status_code=303)


@router.get("/projects/{code}", response_class=HTMLResponse, include_in_schema=False)
def project_page(request: Request, code: str, cur: webauth.Current = User) -> Response:
    p = projects.show_project(cur.actor, code)
    latest = p["plan_versions"][-1]["number"] if p["plan_versions"] else None
    detail = projects.version_detail(cur.actor, code, latest) if latest else None
    reports = plan_reports.report_files(cur.actor, code, [v["number"] for v in p["plan_versions"]])
    can = abilities.project_actions(cur.actor, code)
    can_baobei = baobei.may_export(cur.actor, code)
    return page(request, "project.html", cur, p=p, detail=detail, reports=reports, can=can, baobei=can_baobei)


@router.post("/projects/{code}/plan", include_in_schema=False)
@takes_files("upload")
async def project_plan(request: Request, code: str, cur: webauth.Current = User) -> Response:
    """The plan zip is streamed to a staging file (size-limited) after the permission check."""
    await run_in_threadpool(uploads.authorise_plan, cur.actor, code)
    held: list[uploads.Incoming] = []

    def open_file(filename: str, _fields: dict[str, str]) -> uploads.Incoming:
        if not filename:  # the file input left empty
            return Discard()  # type: ignore[return-value]
        held.append(uploads.Incoming(filename, ("zip",)))
        return held[-1]

    try:
        fields = await stream_form(request, cur, open_file)
        example = fields.get("example") in ("true", "on", "1")
        await run_in_threadpool(
            plan_intake.save_uploaded_plan, cur.actor, code, held[0] if held else None, example=example
        )
    finally:
        for incoming in held:
            incoming.discard()
    return RedirectResponse(f"/projects/{code}", status_code=303)


@router.post("/projects/{code}/versions/{number}/report", include_in_schema=False, dependencies=[Csrf])
def project_report(request: Request, code: str, number: RecordId, cur: webauth.Current = User) -> Response:
    p = projects.show_project(cur.actor, code)
    params = {"project": code, "version": number, "dataset": p["dataset"]}
    return page(request, "job.html", cur, job=jobs.submit(cur.actor, "plan_report", params))


@router.get("/projects/{code}/versions/{number}/files/{filename}", include_in_schema=False)
def project_report_file(code: str, number: RecordId, filename: str, cur: webauth.Current = User) -> Response:
    path = plan_reports.report_file(cur.actor, code, number, filename)
    return FileResponse(path, filename=path.name)


@router.get("/projects/{code}/versions/{number}/plan.geojson", include_in_schema=False)
def project_plan_geojson(code: str, number: RecordId, cur: webauth.Current = User) -> Response:
    return JSONResponse(projects.plan_geojson(cur.actor, code, number))


@router.get("/projects/{code}/diff", response_class=HTMLResponse, include_in_schema=False)
def project_diff(request: Request, code: str, a: QueryId, b: QueryId, cur: webauth.Current = User) -> Response:
    return page(request, "diff.html", cur, code=code, diff=projects.diff_versions(cur.actor, code, a, b))


@router.post("/projects/{code}/advance", include_in_schema=False, dependencies=[Csrf])
def project_advance(code: str, comment: str = Form(""), cur: webauth.Current = User) -> Response:
    projects.advance(cur.actor, code, comment=comment)
    return RedirectResponse(f"/projects/{code}", status_code=303)


@router.post("/projects/{code}/reject", include_in_schema=False, dependencies=[Csrf])
def project_reject(code: str, reason: str = Form(...), cur: webauth.Current = User) -> Response:
    projects.reject(cur.actor, code, comment=reason)
    return RedirectResponse(f"/projects/{code}", status_code=303)


@router.post("/projects/{code}/baobei", include_in_schema=False, dependencies=[Csrf])
def project_baobei(code: str, stage: str = Form(...), cur: webauth.Current = User) -> Response:
    path = baobei.package_zip(cur.actor, code, stage)
    return FileResponse(path, filename=f"{code}-{stage}-报备包.zip", media_type="application/zip")

"""The JSON API under ``/api/v1`` (documented at /api/docs): the same services as the pages, signed in
by the session cookie; state-changing calls carry the ``X-CSRF-Token`` header."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from landcon.services import datasets, jobs, ledger, overview, projects, survey, tasks, uploads, webauth
from landcon.web.bodylimit import takes_files
from landcon.web.common import UPLOAD_BODY, Csrf, User, receive_upload
from landcon.web.errors import OptionalId, RecordId

router = APIRouter(dependencies=[User])


@router.get("/me")
def me(cur: webauth.Current = User) -> dict[str, Any]:
    a = cur.actor
    return {"username": a.username, "name": a.display_name, "unit": a.unit_code, "roles": sorted(a.roles)}


@router.get("/overview")
def api_overview(cur: webauth.Current = User) -> dict[str, Any]:
    return overview.overview(cur.actor)


@router.get("/projects")
def api_projects(county: str | None = None, stage: str | None = None, cur: webauth.Current = User) -> Any:
    return projects.list_projects(cur.actor, county=county, stage=stage)


@router.get("/projects/{code}")
def api_project(code: str, cur: webauth.Current = User) -> Any:
    return projects.show_project(cur.actor, code)


@router.post("/projects/{code}/advance", dependencies=[Csrf])
def api_advance(code: str, cur: webauth.Current = User) -> Any:
    return projects.advance(cur.actor, code)


@router.get("/reviews")
def api_reviews(cur: webauth.Current = User) -> Any:
    return projects.inbox(cur.actor)


@router.post("/reviews/{code}", dependencies=[Csrf])
def api_review(code: str, body: dict[str, Any], cur: webauth.Current = User) -> Any:
    return projects.give_opinion(
        cur.actor,
        code,
        str(body.get("opinion", "")),
        conditions=str(body.get("conditions", "")),
        comments=str(body.get("comments", "")),
        expected_version=body.get("expected_version"),
    )


@router.get("/tasks")
def api_tasks(overdue: bool = False, cur: webauth.Current = User) -> Any:
    return tasks.list_tasks(cur.actor, overdue_only=overdue)


@router.get("/datasets")
def api_datasets(cur: webauth.Current = User) -> Any:
    return datasets.list_datasets(cur.actor)


@router.get("/jobs/{job_id}")
def api_job(job_id: RecordId, cur: webauth.Current = User) -> Any:
    return jobs.get(cur.actor, job_id)


@router.post("/uploads", openapi_extra=UPLOAD_BODY)
@takes_files("upload")
async def api_upload(request: Request, cur: webauth.Current = User) -> Any:
    """Upload a dataset (.zip of a .gdb / shapefiles / GeoPackage, or a .gpkg) as multipart field
    ``file`` with the ``X-CSRF-Token`` header: validation report."""
    return await receive_upload(request, cur)


@router.post("/uploads/{upload_id}/import", dependencies=[Csrf])
def api_import(upload_id: str, body: dict[str, Any], cur: webauth.Current = User) -> Any:
    return uploads.import_upload(cur.actor, upload_id, str(body.get("name", "")), replace=bool(body.get("replace")))


@router.post("/survey/{dataset}", dependencies=[Csrf])
def api_survey(dataset: str, cur: webauth.Current = User) -> Any:
    return jobs.submit(cur.actor, "survey", {"dataset": dataset})


@router.get("/survey/{dataset}")
def api_survey_result(dataset: str, cur: webauth.Current = User) -> Any:
    """The dataset's latest survey.json, whether a web job or ``landcon survey run`` produced it."""
    return survey.require_result(cur.actor, dataset)


# Quota ledger (指标台账): the JSON mirror of the ledger pages ------------------------------------------


@router.get("/ledger/{code}")
def api_ledger(code: str, cur: webauth.Current = User) -> dict[str, Any]:
    """A unit's balances (a province: also every county's 可用), 周转指标 due dates and 调剂 contracts."""
    return {
        "balance": ledger.balance(cur.actor, code),
        "revolving": ledger.revolving(cur.actor, code),
        "transfers": ledger.transfers(cur.actor, code),
    }


@router.get("/ledger/{code}/history")
def api_ledger_history(
    code: str,
    kind: str | None = None,
    doc_type: str | None = None,
    limit: int = 100,
    before: OptionalId = None,
    cur: webauth.Current = User,
) -> Any:
    """Postings touching the unit's accounts, newest first (page with ``before`` = the last id)."""
    return ledger.history(cur.actor, code, kind=kind, doc_type=doc_type, limit=max(1, min(limit, 500)), before=before)

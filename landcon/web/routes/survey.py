"""The 摸底调查 of a dataset: its page, starting a run as a background job, its result files; job pages."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from landcon.services import jobs, survey, webauth
from landcon.web.common import Csrf, User, page
from landcon.web.errors import RecordId

router = APIRouter()


@router.get("/survey/{dataset}", response_class=HTMLResponse, include_in_schema=False)
def survey_page(request: Request, dataset: str, cur: webauth.Current = User) -> Response:
    job = jobs.latest(cur.actor, "survey", "dataset", dataset)
    result = survey.latest_result(cur.actor, dataset)  # from a web job or `landcon survey run`
    can_cancel = job is not None and jobs.may_cancel(cur.actor, job)
    return page(request, "survey.html", cur, dataset=dataset, job=job, result=result, can_cancel=can_cancel)


@router.post("/survey/{dataset}/run", response_class=HTMLResponse, include_in_schema=False, dependencies=[Csrf])
def survey_run(request: Request, dataset: str, cur: webauth.Current = User) -> Response:
    job = jobs.submit(cur.actor, "survey", {"dataset": dataset})
    return page(request, "job.html", cur, job=job, can_cancel=jobs.may_cancel(cur.actor, job))


@router.get("/survey/{dataset}/files/{filename}", include_in_schema=False)
def survey_file(dataset: str, filename: str, cur: webauth.Current = User) -> Response:
    path = survey.result_file(cur.actor, dataset, filename)
    return FileResponse(path, filename=path.name)


@router.get("/jobs/{job_id}", response_class=HTMLResponse, include_in_schema=False)
def job_page(request: Request, job_id: RecordId, cur: webauth.Current = User) -> Response:
    job = jobs.get(cur.actor, job_id)
    return page(request, "job.html", cur, job=job, can_cancel=jobs.may_cancel(cur.actor, job))


@router.post("/jobs/{job_id}/cancel", include_in_schema=False, dependencies=[Csrf])
def job_cancel(job_id: RecordId, cur: webauth.Current = User) -> Response:
    jobs.cancel(cur.actor, job_id)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)

"""Datasets: the list, uploads (streamed, size-limited), their problem map, import, one dataset's page."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from landcon.services import datasets, uploads, webauth
from landcon.web.bodylimit import takes_files
from landcon.web.common import Csrf, User, page, receive_upload

router = APIRouter()


@router.get("/data", response_class=HTMLResponse, include_in_schema=False)
def data_page(request: Request, cur: webauth.Current = User) -> Response:
    return page(request, "data.html", cur, datasets=datasets.list_datasets(cur.actor))


@router.post("/data/upload", response_class=HTMLResponse, include_in_schema=False)
@takes_files("upload")
async def data_upload(request: Request, cur: webauth.Current = User) -> Response:
    result = await receive_upload(request, cur)
    return page(request, "upload_report.html", cur, result=result)


@router.get("/data/uploads/{upload_id}/problems.geojson", include_in_schema=False)
def upload_problems(upload_id: str, cur: webauth.Current = User) -> Response:
    return JSONResponse(uploads.problem_features(cur.actor, upload_id))


@router.post("/data/import", include_in_schema=False, dependencies=[Csrf])
def data_import(
    upload: str = Form(...), name: str = Form(...), replace: bool = Form(False), cur: webauth.Current = User
) -> Response:
    uploads.import_upload(cur.actor, upload, name, replace=replace)
    return RedirectResponse(f"/data/{name}", status_code=303)


@router.get("/data/{name}", response_class=HTMLResponse, include_in_schema=False)
def dataset_page(request: Request, name: str, cur: webauth.Current = User) -> Response:
    return page(request, "dataset.html", cur, name=name, manifest=datasets.manifest(name, cur.actor))

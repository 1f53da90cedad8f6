"""实施监管 pages: a project's sub-projects, progress and photos; the sub-projects a user reports on;
and the progress-report form (phone-sized: plain fields and a camera file input for photos)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from landcon.services import supervision_map, supervision_photos, supervision_views, webauth
from landcon.services.supervision import QUANTITY_FIELDS, SOURCE_FIELDS
from landcon.web.bodylimit import takes_files
from landcon.web.common import Csrf, User, page
from landcon.web.errors import RecordId

router = APIRouter()
MAX_PHOTOS = 10
CHUNK = 1 << 16


@router.get("/supervision", response_class=HTMLResponse, include_in_schema=False)
def my_subprojects(request: Request, cur: webauth.Current = User) -> Response:
    return page(request, "supervision.html", cur, subs=supervision_views.my_subprojects(cur.actor))


@router.get("/projects/{code}/supervision", response_class=HTMLResponse, include_in_schema=False)
def project_supervision(request: Request, code: str, cur: webauth.Current = User) -> Response:
    return page(request, "project_supervision.html", cur, s=supervision_views.project_supervision(cur.actor, code))


@router.get("/projects/{code}/supervision.geojson", include_in_schema=False)
def project_supervision_geojson(code: str, cur: webauth.Current = User) -> Response:
    return JSONResponse(supervision_map.supervision_geojson(cur.actor, code))


@router.get("/projects/{code}/supervision.xlsx", include_in_schema=False)
def project_supervision_xlsx(code: str, cur: webauth.Current = User) -> Response:
    from landcon.services import supervision_report

    folder = Path(tempfile.mkdtemp(prefix="landcon-supervision-"))
    try:
        path = folder / "supervision.xlsx"
        supervision_report.export_xlsx(cur.actor, code, path)  # out of scope: not found, nothing written
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        path,
        filename=f"实施监管表-{code}.xlsx",
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.get("/projects/{code}/supervision/{sub}/report", response_class=HTMLResponse, include_in_schema=False)
def report_form(request: Request, code: str, sub: str, cur: webauth.Current = User) -> Response:
    return page(
        request,
        "progress_form.html",
        cur,
        sub=supervision_views.report_form(cur.actor, code, sub),
        max_photos=MAX_PHOTOS,
    )


@router.post("/projects/{code}/supervision/{sub}/report", include_in_schema=False, dependencies=[Csrf])
@takes_files("attachment")
async def report_post(
    request: Request,
    code: str,
    sub: str,
    period: str = Form(...),
    reported_on: str = Form(...),
    percent: str = Form(...),
    issues: str = Form(""),
    photos: list[UploadFile] = File(default=[]),
    cur: webauth.Current = User,
) -> Response:
    from starlette.concurrency import run_in_threadpool

    from landcon.errors import InvalidRecord

    form = await request.form()
    quantities = {key: str(form.get(name) or "") for name, key in QUANTITY_FIELDS.items()}
    disbursed = {source: str(form.get(name) or "") for name, source in SOURCE_FIELDS.items()}
    chosen = [p for p in photos if p.filename]
    if len(chosen) > MAX_PHOTOS:
        raise InvalidRecord(f"一次最多上传 {MAX_PHOTOS} 张照片", field="photos")
    with tempfile.TemporaryDirectory(prefix="landcon-photos-") as tmp:
        stored: list[tuple[Path, str]] = []
        for n, upload in enumerate(chosen):
            name = Path(upload.filename or "").name
            suffix = Path(name).suffix.lower()
            target = Path(tmp) / f"photo-{n}{suffix if suffix in ('.jpg', '.jpeg') else '.bin'}"
            with open(target, "wb") as out:
                while chunk := await upload.read(CHUNK):
                    out.write(chunk)
            stored.append((target, name))
        await run_in_threadpool(
            supervision_photos.add_report_with_photos,
            cur.actor,
            code,
            sub,
            stored,
            period=period,
            reported_on=reported_on,
            percent=percent,
            quantities={k: v for k, v in quantities.items() if v.strip()},
            disbursed={k: v for k, v in disbursed.items() if v.strip()},
            issues=issues,
        )
    return RedirectResponse("/supervision?saved=1", status_code=303)


@router.get("/projects/{code}/supervision/photos/{photo_id}", include_in_schema=False)
def photo(code: str, photo_id: RecordId, thumb: bool = False, cur: webauth.Current = User) -> Response:
    path = supervision_photos.photo_file(cur.actor, code, photo_id, thumbnail=thumb)
    return FileResponse(path, media_type="image/jpeg")

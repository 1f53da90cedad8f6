"""意愿调查 pages: a project's results with the homestead map, downloads and imports; the household list
and the one-household form a village cadre fills in on a phone (plain fields, one question per block)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from landcon import config
from landcon.errors import InvalidRecord
from landcon.services import webauth, willingness, willingness_households, willingness_import, willingness_views
from landcon.web.bodylimit import takes_files
from landcon.web.common import Csrf, User, page
from landcon.web.errors import RecordId

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CHUNK = 1 << 16


def _base(code: str) -> str:
    return f"/projects/{code}/willingness"


@router.get("/projects/{code}/willingness", response_class=HTMLResponse, include_in_schema=False)
def survey_page(request: Request, code: str, cur: webauth.Current = User) -> Response:
    return page(request, "willingness.html", cur, w=willingness_views.page(cur.actor, code))


@router.get("/projects/{code}/willingness/homesteads.geojson", include_in_schema=False)
def homesteads(code: str, cur: webauth.Current = User) -> Response:
    return JSONResponse(willingness_views.homesteads_geojson(cur.actor, code))


@router.get("/projects/{code}/willingness/respond", response_class=HTMLResponse, include_in_schema=False)
def respond_list(request: Request, code: str, cur: webauth.Current = User) -> Response:
    return page(request, "willingness_list.html", cur, w=willingness_views.respond_list(cur.actor, code))


@router.get("/projects/{code}/willingness/households/{key}", response_class=HTMLResponse, include_in_schema=False)
def household_form(request: Request, code: str, key: RecordId, cur: webauth.Current = User) -> Response:
    return page(request, "willingness_form.html", cur, f=willingness_views.form(cur.actor, code, key))


@router.post("/projects/{code}/willingness/households/{key}", include_in_schema=False, dependencies=[Csrf])
async def household_post(
    request: Request,
    code: str,
    key: RecordId,
    source: str = Form("web"),
    respondent: str = Form(""),
    cur: webauth.Current = User,
) -> Response:
    form = await request.form()
    info = await run_in_threadpool(willingness.show, cur.actor, code)
    answers: dict[str, object] = {}
    for q in info["questions"]:
        name = f"q_{q['key']}"
        answers[q["key"]] = (
            [str(v) for v in form.getlist(name)] if q["kind"] == "multiple" else str(form.get(name) or "")
        )
    await run_in_threadpool(
        willingness.respond, cur.actor, code, int(key), answers, source=source, respondent=respondent
    )
    return RedirectResponse(f"{_base(code)}?saved={int(key)}", status_code=303)


@router.post("/projects/{code}/willingness/create", include_in_schema=False, dependencies=[Csrf])
def create(code: str, cur: webauth.Current = User) -> Response:
    willingness.create(cur.actor, code)
    return RedirectResponse(_base(code), status_code=303)


@router.post("/projects/{code}/willingness/households-from-realloc", include_in_schema=False, dependencies=[Csrf])
def from_realloc(code: str, cur: webauth.Current = User) -> Response:
    willingness_households.households_from_realloc(cur.actor, code)
    return RedirectResponse(_base(code), status_code=303)


async def _stored(upload: UploadFile, folder: Path) -> Path:
    name = Path(upload.filename or "").name
    suffix = Path(name).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise InvalidRecord("请上传 .xlsx 或 .csv 文件", field="file")
    target = folder / f"upload{suffix}"
    size, limit = 0, config.attachment_max_bytes()  # the limit the route's body is capped at (takes_files)
    with open(target, "wb") as out:
        while chunk := await upload.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise InvalidRecord(f"文件超过 {limit / 2**20:g} MB（LANDCON_ATTACHMENT_MAX_MB）", field="file")
            out.write(chunk)
    return target


@router.post("/projects/{code}/willingness/import", include_in_schema=False, dependencies=[Csrf])
@takes_files("attachment")
async def import_post(
    code: str, kind: str = Form(...), file: UploadFile = File(...), cur: webauth.Current = User
) -> Response:
    action = {"responses": willingness_import.import_responses, "roster": willingness_import.import_roster}.get(kind)
    if action is None:
        raise InvalidRecord("导入类型应为 responses 或 roster", field="kind")
    with tempfile.TemporaryDirectory(prefix="landcon-willingness-") as tmp:
        path = await _stored(file, Path(tmp))
        await run_in_threadpool(action, cur.actor, code, path)
    return RedirectResponse(f"{_base(code)}?imported={kind}", status_code=303)


def _download(make: object, filename: str, media_type: str) -> Response:
    folder = Path(tempfile.mkdtemp(prefix="landcon-willingness-"))
    try:
        path = make(folder)  # type: ignore[operator]
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        path, filename=filename, media_type=media_type, background=BackgroundTask(shutil.rmtree, folder, True)
    )


@router.get("/projects/{code}/willingness/summary.xlsx", include_in_schema=False)
def summary(code: str, cur: webauth.Current = User) -> Response:
    return _download(
        lambda d: willingness_views.summary_xlsx(cur.actor, code, d / "s.xlsx"), f"意愿调查汇总表-{code}.xlsx", XLSX
    )


@router.get("/projects/{code}/willingness/responses.xlsx", include_in_schema=False)
def response_template(code: str, cur: webauth.Current = User) -> Response:
    return _download(
        lambda d: willingness_import.write_response_template(cur.actor, code, d / "t.xlsx"),
        f"意愿调查录入表-{code}.xlsx",
        XLSX,
    )


@router.get("/projects/{code}/willingness/forms.docx", include_in_schema=False)
def paper_forms(code: str, cur: webauth.Current = User) -> Response:
    return _download(
        lambda d: willingness_views.forms_docx(cur.actor, code, d / "f.docx"), f"意愿调查表-{code}.docx", DOCX
    )

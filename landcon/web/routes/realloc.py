"""权属调整 pages of a project (docs/realloc_village.md): the versions, one version's allocation map,
household lookup and indicators, and its GeoJSON."""

from __future__ import annotations

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from landcon.services import realloc_adoption, realloc_notice, realloc_views, webauth
from landcon.web.bodylimit import takes_files
from landcon.web.common import Csrf, User, page
from landcon.web.errors import RecordId

router = APIRouter()


@router.get("/projects/{code}/realloc", response_class=HTMLResponse, include_in_schema=False)
def versions(request: Request, code: str, cur: webauth.Current = User) -> Response:
    return page(request, "realloc.html", cur, r=realloc_views.versions_page(cur.actor, code))


@router.get("/projects/{code}/realloc/{number}", response_class=HTMLResponse, include_in_schema=False)
def version(request: Request, code: str, number: RecordId, q: str = "", cur: webauth.Current = User) -> Response:
    v = realloc_views.version_page(cur.actor, code, number, q[:100])
    c = realloc_adoption.confirmations(cur.actor, code, number)
    a = realloc_adoption.adoption_state(cur.actor, code, number)
    return page(request, "realloc_version.html", cur, v=v, c=c, a=a, rights=a["may"])


@router.post("/projects/{code}/realloc/{number}/confirm", include_in_schema=False, dependencies=[Csrf])
@takes_files("attachment")
async def confirm(
    code: str,
    number: RecordId,
    household: str = Form(...),
    signed_on: str = Form(""),
    absence: str = Form(""),
    sheet: UploadFile | None = File(default=None),
    cur: webauth.Current = User,
) -> Response:
    import tempfile
    from pathlib import Path

    from starlette.concurrency import run_in_threadpool

    with tempfile.TemporaryDirectory(prefix="landcon-confirm-") as tmp:
        stored = None
        name = Path(sheet.filename or "").name if sheet is not None else ""
        if sheet is not None and name:
            stored = Path(tmp) / f"sheet{Path(name).suffix.lower()}"
            stored.write_bytes(await sheet.read())
        await run_in_threadpool(
            realloc_adoption.confirm, cur.actor, code, number, household.strip(), signed_on=signed_on or None,
            absence=absence, attachment=stored, attachment_name=name or None,
        )  # fmt: skip
    return RedirectResponse(f"/projects/{code}/realloc/{number}?saved=1#realloc-confirmations", status_code=303)


@router.post("/projects/{code}/realloc/{number}/adopt", include_in_schema=False, dependencies=[Csrf])
def adopt(code: str, number: RecordId, cur: webauth.Current = User) -> Response:
    realloc_adoption.adopt(cur.actor, code, number)
    return RedirectResponse(f"/projects/{code}/realloc/{number}?adopted=1", status_code=303)


@router.get("/projects/{code}/realloc/{number}/allocation.geojson", include_in_schema=False)
def allocation_geojson(code: str, number: RecordId, cur: webauth.Current = User) -> Response:
    return JSONResponse(realloc_views.allocation_geojson(cur.actor, code, number))


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.get("/projects/{code}/realloc/{number}/notice.docx", include_in_schema=False)
def notice_docx(code: str, number: RecordId, cur: webauth.Current = User) -> Response:
    import tempfile
    from pathlib import Path
    from urllib.parse import quote

    with tempfile.TemporaryDirectory(prefix="landcon-notice-") as tmp:
        path = Path(realloc_notice.notice(cur.actor, code, number, Path(tmp) / "notice.docx")["path"])
        body = path.read_bytes()
    name = quote(f"{code}-权属调整公示表-第{number}版.docx")
    return Response(body, media_type=DOCX, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})

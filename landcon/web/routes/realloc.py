"""权属调整 pages of a project (docs/realloc_village.md): the versions, one version's allocation map,
household lookup and indicators, and its GeoJSON."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from landcon.services import realloc_notice, realloc_views, webauth
from landcon.web.common import User, page
from landcon.web.errors import RecordId

router = APIRouter()


@router.get("/projects/{code}/realloc", response_class=HTMLResponse, include_in_schema=False)
def versions(request: Request, code: str, cur: webauth.Current = User) -> Response:
    return page(request, "realloc.html", cur, r=realloc_views.versions_page(cur.actor, code))


@router.get("/projects/{code}/realloc/{number}", response_class=HTMLResponse, include_in_schema=False)
def version(request: Request, code: str, number: RecordId, q: str = "", cur: webauth.Current = User) -> Response:
    return page(request, "realloc_version.html", cur, v=realloc_views.version_page(cur.actor, code, number, q[:100]))


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

"""后期管护 page of a project: its agreements and inspections, the agreement form (users who may manage
aftercare over the project's county, once it is accepted) and the inspection form (phone-sized: plain
fields and a camera file input for photos)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from landcon.services import aftercare, aftercare_inspections, aftercare_views, webauth
from landcon.web.bodylimit import takes_files
from landcon.web.common import Csrf, User, page
from landcon.web.errors import RecordId

router = APIRouter()
MAX_PHOTOS = 10
CHUNK = 1 << 16


@router.get("/projects/{code}/care", response_class=HTMLResponse, include_in_schema=False)
def care(request: Request, code: str, saved: bool = False, added: str = "", cur: webauth.Current = User) -> Response:
    c = aftercare_views.care_page(cur.actor, code)
    return page(request, "care.html", cur, c=c, saved=saved, added=added[:40], max_photos=MAX_PHOTOS)


def _items(text: str) -> list[str]:
    """Parcel ids typed one a line or separated by commas, 、 or spaces."""
    return [p for p in re.split(r"[\s,，、;；]+", text or "") if p]


@router.post("/projects/{code}/care/agreements", include_in_schema=False, dependencies=[Csrf])
def add_agreement(
    code: str,
    agreement: str = Form(""),
    caretaker_kind: str = Form(""),
    caretaker: str = Form(""),
    contact: str = Form(""),
    unit: str = Form(""),
    duties: str = Form(""),
    start: str = Form(""),
    end: str = Form(""),
    funds_per_year: str = Form("0"),
    funds_source: str = Form(""),
    parcels: str = Form(""),
    subprojects: list[str] = Form(default=[]),
    every: str = Form(""),
    cur: webauth.Current = User,
) -> Response:
    """One 管护协议 over the parcels chosen by id, sub-project or all (``services.aftercare.add_agreement``)."""
    done = aftercare.add_agreement(
        cur.actor,
        code,
        agreement,
        caretaker_kind=caretaker_kind,
        caretaker=caretaker,
        contact=contact,
        unit=unit.strip() or None,
        duties=duties,
        start=start,
        end=end,
        funds_per_year=funds_per_year.strip() or "0",
        funds_source=funds_source,
        parcels=_items(parcels),
        subprojects=[s for s in subprojects if s],
        every=bool(every),
    )
    return RedirectResponse(f"/projects/{code}/care?added={quote(done['code'])}", status_code=303)


@router.post("/projects/{code}/care/inspect", include_in_schema=False, dependencies=[Csrf])
@takes_files("attachment")
async def inspect(
    code: str,
    agreement: str = Form(...),
    inspected_on: str = Form(...),
    inspector: str = Form(...),
    result: str = Form(...),
    findings: str = Form(""),
    deadline: str = Form(""),
    photos: list[UploadFile] = File(default=[]),
    cur: webauth.Current = User,
) -> Response:
    from starlette.concurrency import run_in_threadpool

    from landcon.errors import InvalidRecord

    chosen = [p for p in photos if p.filename]
    if len(chosen) > MAX_PHOTOS:
        raise InvalidRecord(f"一次最多上传 {MAX_PHOTOS} 张照片", field="photos")
    with tempfile.TemporaryDirectory(prefix="landcon-care-") as tmp:
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
            aftercare_inspections.add_inspection,
            cur.actor,
            code,
            agreement,
            inspected_on=inspected_on,
            inspector=inspector,
            result=result,
            findings=findings,
            photos=stored,
            deadline=deadline or None,
        )
    return RedirectResponse(f"/projects/{code}/care?saved=1", status_code=303)


@router.get("/projects/{code}/care/photos/{photo_id}", include_in_schema=False)
def photo(code: str, photo_id: RecordId, thumb: bool = False, cur: webauth.Current = User) -> Response:
    path = aftercare_inspections.photo_file(cur.actor, code, photo_id, thumbnail=thumb)
    return FileResponse(path, media_type="image/jpeg")

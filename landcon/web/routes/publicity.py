"""公示 page of a project: its 公示 with status and objections, the publish form (county and covered
township users), the objection form and the answer form (the issuing unit), and the printable notice."""

from __future__ import annotations

import shutil
import tempfile
from functools import partial
from pathlib import Path

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.background import BackgroundTask
from starlette.responses import FileResponse

from landcon.services import publicity, publicity_notice, publicity_views, webauth
from landcon.web.bodylimit import takes_files
from landcon.web.common import Csrf, User, page
from landcon.web.errors import RecordId

router = APIRouter()
CHUNK = 1 << 16
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.get("/projects/{code}/publicity", response_class=HTMLResponse, include_in_schema=False)
def publicity_page(request: Request, code: str, saved: str = "", cur: webauth.Current = User) -> Response:
    return page(request, "publicity.html", cur, g=publicity_views.publicity_page(cur.actor, code), saved=saved)


@router.post("/projects/{code}/publicity", include_in_schema=False, dependencies=[Csrf])
@takes_files("attachment")
async def publish(
    code: str,
    kind: str = Form(...),
    place: str = Form(...),
    start: str = Form(...),
    end: str = Form(...),
    ref: str = Form(""),
    place_unit: str = Form(""),
    title: str = Form(""),
    notice: str = Form(""),
    contact: str = Form(""),
    replaces: str = Form(""),
    table: UploadFile | None = File(default=None),
    cur: webauth.Current = User,
) -> Response:
    from starlette.concurrency import run_in_threadpool

    from landcon.errors import InvalidRecord

    if replaces and not replaces.isdigit():
        raise InvalidRecord("被替代的公示编号应为数字", field="replaces")
    with tempfile.TemporaryDirectory(prefix="landcon-publicity-") as tmp:
        attached: Path | None = None
        name = Path(table.filename or "").name[-120:] if table is not None else ""
        if table is not None and name:
            attached = Path(tmp) / name
            with open(attached, "wb") as out:
                while chunk := await table.read(CHUNK):
                    out.write(chunk)
        p = await run_in_threadpool(
            partial(
                publicity.publish,
                cur.actor,
                code,
                kind=kind,
                ref=ref,
                place=place,
                place_unit=place_unit or None,
                start=start,
                end=end,
                title=title,
                notice=notice,
                contact=contact,
                replaces=int(replaces) if replaces else None,
                table=attached,
            )
        )
    return RedirectResponse(f"/projects/{code}/publicity?saved=published-{p['number']}", status_code=303)


@router.post("/projects/{code}/publicity/{number}/objections", include_in_schema=False, dependencies=[Csrf])
def add_objection(
    code: str,
    number: RecordId,
    name: str = Form(...),
    content: str = Form(...),
    received_on: str = Form(...),
    household: str = Form(""),
    contact: str = Form(""),
    cur: webauth.Current = User,
) -> Response:
    publicity.add_objection(
        cur.actor,
        code,
        number,
        name=name,
        content=content,
        received_on=received_on,
        household=household,
        contact=contact,
    )
    return RedirectResponse(f"/projects/{code}/publicity?saved=objection-{number}", status_code=303)


@router.post(
    "/projects/{code}/publicity/{number}/objections/{objection}/answer", include_in_schema=False, dependencies=[Csrf]
)
def answer(
    code: str,
    number: RecordId,
    objection: RecordId,
    outcome: str = Form(...),
    text: str = Form(...),
    answered_on: str = Form(""),
    cur: webauth.Current = User,
) -> Response:
    publicity.answer(cur.actor, code, number, objection, text=text, outcome=outcome, on=answered_on or None)
    return RedirectResponse(f"/projects/{code}/publicity?saved=answer-{number}", status_code=303)


@router.get("/projects/{code}/publicity/{number}/notice.docx", include_in_schema=False)
def notice(code: str, number: RecordId, cur: webauth.Current = User) -> Response:
    tmp = tempfile.mkdtemp(prefix="landcon-notice-")
    try:
        path = publicity_notice.notice_docx(cur.actor, code, number, Path(tmp) / "notice.docx")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return FileResponse(
        path,
        media_type=DOCX,
        filename=f"{code}-公示{number}.docx",
        background=BackgroundTask(shutil.rmtree, tmp, ignore_errors=True),
    )

"""验收 page of a project: the latest acceptance computation (plan vs as-built, rules, 核减, the
as-built map), the acceptance records, the as-built upload that queues the check, and the form that
records an acceptance (docs/acceptance.md, "Web page")."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from landcon import config
from landcon.services import acceptance_outputs, acceptance_views, ledger, uploads, webauth
from landcon.web.bodylimit import stream_form, takes_files
from landcon.web.common import Csrf, Discard, User, page
from landcon.web.errors import RecordId

router = APIRouter()


class _File:
    """An attachment streamed to a temporary file, refused past the attachment limit."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True)
        self.path, self.size, self.limit = path, 0, config.attachment_max_bytes()
        self._out = open(path, "wb")

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise uploads.TooLarge(
                f"附件超过大小上限 {self.limit / 2**20:g} MB（LANDCON_ATTACHMENT_MAX_MB）", path=self.path.name
            )
        self._out.write(data)

    def close(self) -> None:
        self._out.close()


@router.get("/projects/{code}/acceptance", response_class=HTMLResponse, include_in_schema=False)
def acceptance_page(request: Request, code: str, cur: webauth.Current = User) -> Response:
    return page(request, "acceptance.html", cur, a=acceptance_views.page_data(cur.actor, code))


@router.get("/projects/{code}/acceptance/asbuilt.geojson", include_in_schema=False)
def asbuilt_geojson(code: str, cur: webauth.Current = User) -> Response:
    return JSONResponse(acceptance_views.asbuilt_geojson(cur.actor, code))


@router.get("/projects/{code}/acceptance/outputs/{name}", include_in_schema=False)
async def acceptance_output(code: str, name: str, cur: webauth.Current = User) -> Response:
    """zzys.xlsx, zzys.json or the 竣工验收报告 (report.docx), generated on request (docs/acceptance.md, "Outputs")."""
    path, filename = await run_in_threadpool(acceptance_outputs.output_file, cur.actor, code, name)
    return FileResponse(path, filename=filename)


@router.post("/projects/{code}/acceptance/check", include_in_schema=False)
@takes_files("upload")
async def acceptance_check(request: Request, code: str, cur: webauth.Current = User) -> Response:
    """The as-built zip is streamed to a staging file (size-limited; the CSRF token is checked by
    ``stream_form``), unpacked safely and checked by a job."""
    held: list[uploads.Incoming] = []

    def open_file(filename: str, _fields: dict[str, str]) -> uploads.Incoming:
        if not filename:
            return Discard()  # type: ignore[return-value]
        if not filename.lower().endswith(".zip"):
            raise uploads.UploadRefused(
                "竣工数据须为 .zip 压缩包（asbuilt.gpkg 或 JGTB.shp，及 asbuilt.yaml）", path=filename
            )
        held.append(uploads.Incoming(filename, ("zip",)))
        return held[-1]

    try:
        await stream_form(request, cur, open_file)
        job = await run_in_threadpool(acceptance_views.submit_check, cur.actor, code, held[0] if held else None)
    finally:
        for incoming in held:
            incoming.discard()
    return page(request, "job.html", cur, job=job)


@router.post("/projects/{code}/acceptance/record", include_in_schema=False)
@takes_files("attachment")
async def acceptance_record(request: Request, code: str, cur: webauth.Current = User) -> Response:
    """The record form with its attachments (multipart, streamed; CSRF checked by ``stream_form``)."""
    with tempfile.TemporaryDirectory(prefix="landcon-acceptance-") as tmp:
        sinks: list[_File] = []

        def open_file(filename: str, _fields: dict[str, str]) -> _File | Discard:
            if not filename:
                return Discard()
            sinks.append(_File(Path(tmp) / str(len(sinks)) / Path(filename).name))
            return sinks[-1]

        try:
            fields = await stream_form(request, cur, open_file)
        finally:
            for sink in sinks:
                sink.close()
        files = [sink.path for sink in sinks]
        await run_in_threadpool(
            acceptance_views.record_from_form,
            cur.actor,
            code,
            level=fields.get("level", ""),
            opinion=fields.get("opinion", ""),
            accepted_on=fields.get("accepted_on", ""),
            members=fields.get("members", ""),
            sub_project=fields.get("sub_project", ""),
            conditions=fields.get("conditions", ""),
            deadline=fields.get("deadline", ""),
            files=files,
            review=fields.get("review", ""),
        )
    return RedirectResponse(f"/projects/{code}/acceptance?saved=1", status_code=303)


@router.post("/projects/{code}/acceptance/correct", include_in_schema=False, dependencies=[Csrf])
def acceptance_correct(
    code: str, doc_no: str = Form(""), reason: str = Form(""), cur: webauth.Current = User
) -> Response:
    """复核核减 of the project's 补充耕地指标 to its latest passing acceptance (``ledger.correct_farmland``)."""
    done = ledger.correct_farmland(cur.actor, code, doc_no.strip(), reason=reason)
    return RedirectResponse(f"/projects/{code}/acceptance?corrected={done['id']}", status_code=303)


@router.get("/projects/{code}/acceptance/{record_id}/files/{sha}", include_in_schema=False)
def acceptance_attachment(code: str, record_id: RecordId, sha: str, cur: webauth.Current = User) -> Response:
    path, name = acceptance_views.attachment_file(cur.actor, code, record_id, sha)
    return FileResponse(path, filename=name)

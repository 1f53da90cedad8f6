"""村民会议表决 page of a project: the meetings with their computed results, the consent records, and
the forms a township or village user records them with (docs/votes.md)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from landcon.services import village_votes_views as views
from landcon.services import webauth
from landcon.web.bodylimit import takes_files
from landcon.web.common import Csrf, User, page
from landcon.web.errors import RecordId

router = APIRouter()
CHUNK = 1 << 16


@router.get("/projects/{code}/votes", response_class=HTMLResponse, include_in_schema=False)
def votes(request: Request, code: str, saved: str = "", cur: webauth.Current = User) -> Response:
    return page(request, "votes.html", cur, v=views.votes_page(cur.actor, code), saved=saved)


async def _with_record(upload: UploadFile | None, save: Callable[[Path | None, str], dict[str, Any]]) -> dict[str, Any]:
    """Stream the optional signed record to a temporary file named like the upload (its extension is
    what the attachment check reads) and save the record with it."""
    name = Path(upload.filename or "").name if upload is not None else ""
    with tempfile.TemporaryDirectory(prefix="landcon-votes-") as tmp:
        target = None
        if upload is not None and name:
            target = Path(tmp) / name
            with open(target, "wb") as out:
                while chunk := await upload.read(CHUNK):
                    out.write(chunk)
        return await run_in_threadpool(save, target, name)


@router.post("/projects/{code}/votes/meeting", include_in_schema=False, dependencies=[Csrf])
@takes_files("attachment")
async def add_meeting(
    code: str,
    village: str = Form(...),
    kind: str = Form(...),
    held_on: str = Form(...),
    motion: str = Form(...),
    motion_kind: str = Form(...),
    eligible: str = Form(...),
    present: str = Form(...),
    votes_for: str = Form(...),
    against: str = Form("0"),
    abstain: str = Form("0"),
    roster: str = Form(""),
    parcels: str = Form(""),
    record: UploadFile | None = File(default=None),
    cur: webauth.Current = User,
) -> Response:
    fields = {
        "village": village,
        "kind": kind,
        "held_on": held_on,
        "motion": motion,
        "motion_kind": motion_kind,
        "eligible": eligible,
        "present": present,
        "votes_for": votes_for,
        "against": against,
        "abstain": abstain,
        "roster": roster,
        "parcels": parcels,
    }
    m = await _with_record(record, lambda path, name: views.meeting_from_form(cur.actor, code, fields, path, name))
    return RedirectResponse(f"/projects/{code}/votes?saved=meeting-{m['id']}", status_code=303)


@router.post("/projects/{code}/votes/consent", include_in_schema=False, dependencies=[Csrf])
@takes_files("attachment")
async def add_consent(
    code: str,
    kind: str = Form(...),
    given_on: str = Form(...),
    village: str = Form(""),
    household_code: str = Form(""),
    household_name: str = Form(""),
    parcels: str = Form(""),
    meeting: str = Form(""),
    record: UploadFile | None = File(default=None),
    cur: webauth.Current = User,
) -> Response:
    fields = {
        "kind": kind,
        "given_on": given_on,
        "village": village,
        "household_code": household_code,
        "household_name": household_name,
        "parcels": parcels,
        "meeting": meeting,
    }
    c = await _with_record(record, lambda path, name: views.consent_from_form(cur.actor, code, fields, path, name))
    return RedirectResponse(f"/projects/{code}/votes?saved=consent-{c['id']}", status_code=303)


@router.get("/projects/{code}/votes/{meeting_id}/record", include_in_schema=False)
def meeting_record(code: str, meeting_id: RecordId, cur: webauth.Current = User) -> Response:
    path, name = views.meeting_record_file(cur.actor, code, meeting_id)
    return FileResponse(path, filename=name)


@router.get("/projects/{code}/votes/consents/{consent_id}/record", include_in_schema=False)
def consent_record(code: str, consent_id: RecordId, cur: webauth.Current = User) -> Response:
    path, name = views.consent_record_file(cur.actor, code, consent_id)
    return FileResponse(path, filename=name)

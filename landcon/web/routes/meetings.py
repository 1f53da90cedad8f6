"""Department consultations (部门会商): the list, one meeting, recording one with its follow-up tasks."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from landcon.services import abilities, meetings, webauth
from landcon.web.common import Csrf, User, page
from landcon.web.errors import RecordId

router = APIRouter()


@router.get("/meetings", response_class=HTMLResponse, include_in_schema=False)
def meetings_page(request: Request, cur: webauth.Current = User) -> Response:
    items = meetings.list_meetings(cur.actor)
    return page(request, "meetings.html", cur, items=items, can=abilities.meeting_actions(cur.actor))


@router.get("/meetings/{meeting_id}", response_class=HTMLResponse, include_in_schema=False)
def meeting_page(request: Request, meeting_id: RecordId, cur: webauth.Current = User) -> Response:
    return page(request, "meeting.html", cur, m=meetings.show_meeting(cur.actor, meeting_id))


@router.post("/meetings", include_in_schema=False, dependencies=[Csrf])
def meeting_record(
    title: str = Form(...),
    held_on: str = Form(...),
    unit: str = Form(...),
    project: str = Form(""),
    topics: str = Form(""),
    decisions: str = Form(""),
    attendees: str = Form(""),
    follow_ups: str = Form(""),
    cur: webauth.Current = User,
) -> Response:
    people = [meetings.parse_attendee(line) for line in attendees.splitlines() if line.strip()]
    lines = [line for line in follow_ups.splitlines() if line.strip()]
    items = [meetings.parse_follow_up(line, i) for i, line in enumerate(lines, 1)]
    m = meetings.record_meeting(
        cur.actor,
        unit=unit,
        title=title,
        held_on=held_on,
        topics=topics,
        decisions=decisions,
        attendees=people,
        project=project or None,
        follow_ups=items,
    )
    return RedirectResponse(f"/meetings/{m['id']}", status_code=303)

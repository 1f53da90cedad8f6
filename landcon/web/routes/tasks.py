"""The responsibility list (责任清单): tasks of the user's unit and below, and marking one done."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from landcon.services import tasks, webauth
from landcon.web.common import Csrf, User, page
from landcon.web.errors import RecordId

router = APIRouter()


@router.get("/tasks", response_class=HTMLResponse, include_in_schema=False)
def tasks_page(request: Request, cur: webauth.Current = User) -> Response:
    return page(
        request,
        "tasks.html",
        cur,
        items=tasks.list_tasks(cur.actor),
        overdue=tasks.overdue_by_unit(cur.actor),
    )


@router.post("/tasks/{task_id}/done", include_in_schema=False, dependencies=[Csrf])
def task_done(task_id: RecordId, note: str = Form(""), cur: webauth.Current = User) -> Response:
    tasks.complete_task(cur.actor, task_id, note=note)
    return RedirectResponse("/tasks", status_code=303)

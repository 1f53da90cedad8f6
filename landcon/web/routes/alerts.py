"""预警: the alerts the user may see, by project, with acknowledge / resolve / escalate forms."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from landcon.services import alerts, webauth
from landcon.web.common import Csrf, User, page
from landcon.web.errors import RecordId

router = APIRouter()

FILTERS = {"open": "待处理", "acknowledged": "已确认", "resolved": "已解除", "all": "全部"}


def _back(state: str) -> RedirectResponse:
    return RedirectResponse(f"/alerts?state={quote(state if state in FILTERS else 'open')}", status_code=303)


@router.get("/alerts", response_class=HTMLResponse, include_in_schema=False)
def alerts_page(request: Request, state: str = Query("open"), cur: webauth.Current = User) -> Response:
    chosen = state if state in FILTERS else "open"
    rows = alerts.list_alerts(cur.actor, state=None if chosen == "all" else chosen)
    by_project: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        by_project.setdefault(f"{row['project']} {row['project_name']}", []).append(row)
    return page(request, "alerts.html", cur, by_project=by_project, state=chosen, filters=FILTERS, count=len(rows))


@router.post("/alerts/{alert_id}/ack", include_in_schema=False, dependencies=[Csrf])
def alert_ack(
    alert_id: RecordId, note: str = Form(""), back: str = Form("open"), cur: webauth.Current = User
) -> Response:
    alerts.acknowledge(cur.actor, alert_id, note)
    return _back(back)


@router.post("/alerts/{alert_id}/resolve", include_in_schema=False, dependencies=[Csrf])
def alert_resolve(
    alert_id: RecordId, note: str = Form(""), back: str = Form("open"), cur: webauth.Current = User
) -> Response:
    alerts.resolve(cur.actor, alert_id, note)
    return _back(back)


@router.post("/alerts/{alert_id}/escalate", include_in_schema=False, dependencies=[Csrf])
def alert_escalate(
    alert_id: RecordId, deadline: str = Form(""), back: str = Form("open"), cur: webauth.Current = User
) -> Response:
    alerts.escalate(cur.actor, alert_id, deadline or None)
    return _back(back)

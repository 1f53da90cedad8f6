"""Joint review (联合审查): the review list, a project's review page and the department's opinion."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from landcon.errors import TransitionRefused
from landcon.services import abilities, projects, webauth
from landcon.web.common import Csrf, User, page

router = APIRouter()


@router.get("/reviews", response_class=HTMLResponse, include_in_schema=False)
def reviews_page(request: Request, cur: webauth.Current = User) -> Response:
    return page(request, "reviews.html", cur, items=projects.inbox(cur.actor, pending_only=False))


@router.get("/reviews/{code}", response_class=HTMLResponse, include_in_schema=False)
def review_page(request: Request, code: str, cur: webauth.Current = User) -> Response:
    p = projects.show_project(cur.actor, code)
    try:
        status = projects.review_status(cur.actor, code)
    except TransitionRefused:
        status = None  # not in a review stage: the page shows the project without the opinion form
    latest = p["plan_versions"][-1]["number"] if p["plan_versions"] else None
    detail = projects.version_detail(cur.actor, code, latest) if latest else None
    can = abilities.project_actions(cur.actor, code)
    return page(request, "review.html", cur, p=p, status=status, detail=detail, can=can)


@router.post("/reviews/{code}/opinion", include_in_schema=False, dependencies=[Csrf])
def review_opinion(
    code: str,
    opinion: str = Form(...),
    conditions: str = Form(""),
    comments: str = Form(""),
    cur: webauth.Current = User,
) -> Response:
    projects.give_opinion(cur.actor, code, opinion, conditions=conditions, comments=comments)
    return RedirectResponse(f"/reviews/{code}", status_code=303)

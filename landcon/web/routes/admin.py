"""User administration: the users of the admin's unit and below, adding one, (de)activating one."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from landcon.services import org, webauth
from landcon.web.common import Csrf, User, page

router = APIRouter()


@router.post("/admin/users", include_in_schema=False, dependencies=[Csrf])
def admin_add_user(
    username: str = Form(...),
    display_name: str = Form(""),
    unit: str = Form(...),
    department: str = Form(""),
    roles: list[str] = Form(...),
    password: str = Form(...),
    cur: webauth.Current = User,
) -> Response:
    org.add_user(
        cur.actor,
        username.strip(),
        password=password,
        unit=unit.strip(),
        roles=roles,
        department=department or None,
        display_name=display_name.strip() or None,
    )
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/users/{username}/active", include_in_schema=False, dependencies=[Csrf])
def admin_active(username: str, active: bool = Form(...), cur: webauth.Current = User) -> Response:
    org.set_active(cur.actor, username, active)  # ends the user's sessions
    return RedirectResponse("/admin", status_code=303)


@router.get("/admin", response_class=HTMLResponse, include_in_schema=False)
def admin_page(request: Request, cur: webauth.Current = User) -> Response:
    return page(
        request,
        "admin.html",
        cur,
        users=org.list_users(cur.actor),
        units=org.list_units(cur.actor),
        departments=org.DEPARTMENT_CHOICES,
        roles=org.ROLE_CHOICES,
    )

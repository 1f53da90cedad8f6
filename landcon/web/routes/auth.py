"""Signing in and out: the login form (with its own CSRF cookie), the session cookie, logout."""

from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from landcon.errors import PermissionDenied
from landcon.services import webauth
from landcon.web.common import COOKIE, LOGIN_CSRF, Csrf, address, page, secure_cookies

router = APIRouter()


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_form(request: Request, next: str = "/") -> Response:
    token = secrets.token_urlsafe(24)
    response = page(request, "login.html", None, next=next if next.startswith("/") else "/", login_csrf=token)
    response.set_cookie(
        LOGIN_CSRF, token, httponly=True, samesite="strict", max_age=1800, secure=secure_cookies(request)
    )
    return response


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    username: str = Form(...),
    password: str = Form(...),
    csrf_token: str = Form(""),
    next: str = Form("/"),
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF) or ""
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return page(request, "login.html", None, error="登录表单已过期，请重试", next=next, login_csrf=expected)
    try:
        signed = webauth.login(username, password, address(request))
    except PermissionDenied as error:
        return page(request, "login.html", None, error=str(error), next=next, login_csrf=expected, status_code=401)
    response = RedirectResponse(next if next.startswith("/") and not next.startswith("//") else "/", status_code=303)
    response.set_cookie(
        COOKIE,
        signed.token,
        httponly=True,
        samesite="strict",
        max_age=int(webauth.session_hours() * 3600),
        secure=secure_cookies(request),
    )
    response.delete_cookie(LOGIN_CSRF)
    return response


@router.post("/logout", include_in_schema=False, dependencies=[Csrf])
def logout(request: Request) -> Response:
    webauth.logout(request.cookies.get(COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response

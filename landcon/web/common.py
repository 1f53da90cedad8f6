"""What every route module shares: the signed-in user, the CSRF check, page rendering, cookies.

- ``User`` / ``Csrf``: FastAPI dependencies; ``current`` raises ``NeedLogin`` (pages redirect to /login,
  the API answers 401), ``csrf`` refuses a state-changing request without the session's token.
- ``page``: renders a template with the user, the CSRF token and the route's context.
- ``UPLOAD_BODY`` / ``receive_upload``: the streamed dataset upload both the page and the API accept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from landcon import __version__
from landcon.errors import PermissionDenied
from landcon.services import uploads, webauth
from landcon.web import indicator_labels
from landcon.web.bodylimit import stream_form

HERE = Path(__file__).parent
COOKIE = "landcon_session"
LOGIN_CSRF = "landcon_login_csrf"
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals["version"] = __version__
indicator_labels.register(templates.env)


class NeedLogin(Exception):
    pass


async def current(request: Request) -> webauth.Current:
    """The signed-in user, or ``NeedLogin`` (pages redirect to /login, the API answers 401)."""
    found = webauth.resolve(request.cookies.get(COOKIE))
    if found is None:
        raise NeedLogin()
    request.state.current = found
    return found


async def csrf(request: Request) -> None:
    """State-changing requests must echo the session's CSRF token."""
    cur = await current(request)
    token = request.headers.get("x-csrf-token")
    if token is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        token = value if isinstance(value, str) else None
    if not webauth.check_csrf(cur, token):
        raise PermissionDenied("缺少或错误的 CSRF 令牌：请刷新页面后重试")


User = Depends(current)
Csrf = Depends(csrf)


def page(
    request: Request, template: str, cur: webauth.Current | None, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    ctx: dict[str, Any] = {"request": request, "me": cur.actor if cur else None, "csrf": cur.csrf_token if cur else ""}
    ctx.update(context)
    return templates.TemplateResponse(request, template, ctx, status_code=status_code)


def secure_cookies(request: Request) -> bool:
    """Cookies get ``Secure`` when configured (``LANDCON_COOKIE_SECURE``) or the request came over HTTPS."""
    return webauth.cookie_secure() or request.url.scheme == "https"


def address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            }
        },
    }
}


class Discard:
    """A sink for a file input the user left empty."""

    def write(self, data: bytes) -> None:
        pass


async def receive_upload(request: Request, cur: webauth.Current) -> dict[str, Any]:
    """A dataset upload: permission first, then the body streamed into staging with the size limit."""
    await run_in_threadpool(uploads.authorise, cur.actor)
    held: list[uploads.Incoming] = []

    def open_file(filename: str, _fields: dict[str, str]) -> uploads.Incoming:
        held.append(uploads.Incoming(filename, owner=cur.actor))
        return held[-1]

    try:
        await stream_form(request, cur, open_file)
        if not held:
            raise uploads.UploadRefused("请选择要上传的文件（字段 file）")
    except BaseException:
        for incoming in held:
            incoming.discard()
        raise
    return await run_in_threadpool(uploads.finish, held[0])

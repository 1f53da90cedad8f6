"""How errors reach a browser or an API client: a readable Chinese message and a 4xx, never a trace.

Three kinds of failure end here:

- ``LandconError`` (the user's input or request): its message with 400/403/404/409;
- a request FastAPI cannot even validate (``99999999999999999999`` as a record id, ``abc`` as a
  number, a body that is not JSON): 422 with one line per bad parameter;
- anything else (a bug): 500 with an incident number; the traceback goes to the log only.

Every message passes ``landcon.errors.public_message`` first, so no absolute server path, GDAL build
path or Python traceback is shown to a user.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

from landcon.errors import (
    Conflict,
    DatasetNotFound,
    LandconError,
    NotFound,
    PermissionDenied,
    TransitionRefused,
    public_message,
)
from landcon.services import uploads

log = logging.getLogger("landcon.web")

#: Record ids and version numbers are ``Integer`` columns: PostgreSQL's 32-bit ``integer`` is the narrower
#: of the two engines, so anything outside 1 … 2³¹−1 is refused while the request is validated and never
#: reaches the database (where SQLite overflows past 2⁶³ and PostgreSQL past 2³¹).
MAX_ID = 2**31 - 1
RecordId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
QueryId = Annotated[int, Query(ge=1, le=MAX_ID)]

#: Why a value failed FastAPI's validation (pydantic's error types), in words a user reads.
REASONS = {
    "missing": "缺少必填项",
    "int_parsing": f"应为 1 到 {MAX_ID} 之间的整数",
    "int_type": f"应为 1 到 {MAX_ID} 之间的整数",
    "int_from_float": "应为整数",
    "less_than_equal": "数值过大",
    "greater_than_equal": "数值过小",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "string_type": "应为文本",
    "json_invalid": "不是有效的 JSON",
    "dict_type": "应为 JSON 对象",
    "model_attributes_type": "应为 JSON 对象",
    "list_type": "应为列表",
    "float_parsing": "应为数字",
}
#: Starlette's own refusals (no such route, wrong method …) in Chinese.
HTTP_MESSAGES = {404: "页面或接口不存在", 405: "不支持该请求方法", 413: "请求内容过大", 415: "不支持的请求内容类型"}
WHERE = {"path": "路径参数", "query": "查询参数", "body": "请求体", "header": "请求头", "cookie": "Cookie"}


def status_of(error: LandconError) -> int:
    if isinstance(error, NotFound | DatasetNotFound):
        return 404
    if isinstance(error, PermissionDenied):
        return 403
    if isinstance(error, uploads.TooLarge):
        return 413
    if isinstance(error, Conflict | TransitionRefused):
        return 409
    return 400


def validation_message(errors: Any) -> str:
    """One readable line per invalid parameter, e.g. ``路径参数 job_id 无效：数值过大（收到 “9999…”）``."""
    lines = []
    for item in list(errors)[:5]:
        loc = [str(part) for part in item.get("loc", ())]
        where = WHERE.get(loc[0], "参数") if loc else "参数"
        name = ".".join(loc[1:]) or where
        reason = REASONS.get(str(item.get("type", "")), "格式不正确")
        if item.get("type") in ("less_than_equal", "greater_than_equal"):
            reason += f"：应为 1 到 {MAX_ID} 之间的整数"
        given = item.get("input")
        shown = ""
        if isinstance(given, str | int | float) and item.get("type") != "missing":
            text = str(given)
            shown = f"（收到 “{text[:40]}{'…' if len(text) > 40 else ''}”）"
        lines.append(f"{where} {name} 无效：{reason}{shown}")
    return "；".join(lines) or "请求无效"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/tiles/"))


def install(app: FastAPI, page: Callable[..., HTMLResponse]) -> None:
    """Register the handlers; ``page`` renders ``error.html`` for browsers."""

    def answer(request: Request, message: str, code: int, kind: str, headers: dict[str, str] | None = None) -> Response:
        message = public_message(message)
        if _is_api(request):
            return JSONResponse({"error": message, "type": kind}, status_code=code, headers=headers)
        if request.headers.get("hx-request"):
            import html

            return HTMLResponse(f'<div class="alert error" role="alert">{html.escape(message)}</div>', status_code=code)
        cur = getattr(request.state, "current", None)
        return page(request, "error.html", cur, message=message, status=code, status_code=code)

    @app.exception_handler(LandconError)
    async def landcon_error(request: Request, exc: LandconError) -> Response:
        return answer(request, str(exc), status_of(exc), type(exc).__name__)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        from http import HTTPStatus

        default = HTTPStatus(exc.status_code).phrase if exc.status_code in HTTPStatus._value2member_map_ else ""
        message = HTTP_MESSAGES.get(exc.status_code, "请求未能完成") if exc.detail == default else str(exc.detail)
        return answer(request, message, exc.status_code, "HTTPError", exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        return answer(request, validation_message(exc.errors()), 422, "InvalidRequest")

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Response:
        incident = secrets.token_hex(4)
        log.error("incident %s on %s %s", incident, request.method, request.url.path, exc_info=exc)
        return answer(request, f"服务器内部错误（事件编号 {incident}），详情已记入服务器日志", 500, "InternalError")


class RefuseNul:
    """Pure ASGI middleware: a NUL character in the path or query is refused with 400 before routing.

    No name, code or number of landcon can contain one, and it breaks file names (``embedded null
    byte``) and PostgreSQL text alike; refusing it here covers every route at once.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            from urllib.parse import unquote_to_bytes

            query = unquote_to_bytes(scope.get("query_string", b""))
            if "\x00" in scope.get("path", "") or b"\x00" in query:
                message = "请求地址中含有空字符（NUL），已拒绝"
                if scope["path"].startswith(("/api/", "/tiles/")):
                    response: Response = JSONResponse({"error": message, "type": "InvalidRequest"}, status_code=400)
                else:
                    response = HTMLResponse(f'<div class="alert error" role="alert">{message}</div>', status_code=400)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

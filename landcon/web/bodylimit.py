"""Request bodies that cannot fill the disk or the memory.

- ``takes_files(kind)``: declares, on the route itself, that it receives files and which limit applies:
  ``"upload"`` (datasets, plans, as-built data: ``LANDCON_UPLOAD_MAX_MB``) or ``"attachment"`` (photos,
  signed records, tables: ``LANDCON_ATTACHMENT_MAX_MB``, all files of one request together).
- ``BodyLimit``: ASGI middleware capping every request body at ``cap_for(kind)``: the declared limit
  + 1 MiB of multipart overhead on a route that takes files, ``LANDCON_REQUEST_MAX_MB`` elsewhere. A
  ``Content-Length`` above the cap is answered 413 before a byte is read; a body streamed without (or
  beyond) its declared length is stopped with 413 at the cap. A route that takes files answers a
  request without a valid session (401, or a redirect to the login page) before reading its body.
- ``stream_form``: reads a multipart form after the route has authenticated and authorised the
  user, checks the CSRF token before the file part, and hands the file's bytes to a sink as they
  arrive (nothing is spooled to /tmp, nothing is held whole in memory).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal, Protocol, TypeVar
from urllib.parse import parse_qsl, quote

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request

from landcon import config
from landcon.errors import InputReadError, PermissionDenied
from landcon.services import webauth

SLACK = 1 << 20  # multipart boundaries and small fields around the file
FIELD_MAX = 64 * 1024
Kind = Literal["upload", "attachment"]
#: The limit of each kind of file route and the setting it comes from (docs/security.md).
LIMITS: dict[str, tuple[Callable[[], int], str]] = {
    "upload": (config.upload_max_bytes, "LANDCON_UPLOAD_MAX_MB"),
    "attachment": (config.attachment_max_bytes, "LANDCON_ATTACHMENT_MAX_MB"),
}
KIND_ATTR = "landcon_body_kind"
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def takes_files(kind: Kind) -> Callable[[Endpoint], Endpoint]:
    """Declare that a route receives files of ``kind``; put it directly above the endpoint function,
    under the ``@router.post`` that registers it."""
    if kind not in LIMITS:
        raise ValueError(f"unknown body kind {kind!r}")

    def mark(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, KIND_ATTR, kind)
        return endpoint

    return mark


def kind_of(endpoint: Any) -> str | None:
    """The file kind a route's endpoint declared with ``takes_files`` (``None``: it takes no files)."""
    return getattr(endpoint, KIND_ATTR, None)


def cap_for(kind: str | None) -> int:
    """Largest request body of a route of ``kind``: its limit + ``SLACK``, or ``LANDCON_REQUEST_MAX_MB``."""
    if kind is None:
        return config.request_max_bytes()
    return LIMITS[kind][0]() + SLACK


def all_routes(routes: Iterable[Any]) -> Iterator[Any]:
    """Every route of an application's ``routes``, those of included routers too (as FastAPI sees them:
    ``path`` with its prefix, ``path_regex``, ``methods``, ``endpoint``)."""
    for route in routes:
        if hasattr(route, "effective_candidates"):  # an included router
            yield from all_routes(route.effective_candidates())
        else:
            yield route


def file_routes(app: Any) -> list[tuple[Any, str]]:
    """The application's routes that declared a file kind, with the kind."""
    found = []
    for route in all_routes(getattr(app, "routes", ())):
        kind = kind_of(getattr(route, "endpoint", None))
        if kind is not None:
            found.append((route, kind))
    return found


def route_kind(app: Any, scope: Any) -> str | None:
    """The file kind of the route ``scope`` (method and path) goes to, ``None`` for any other route."""
    for route, kind in file_routes(app):
        if scope["method"] in route.methods and route.path_regex.match(scope["path"]):
            return kind
    return None


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int, kind: str | None = None) -> None:
        setting = LIMITS[kind][1] if kind is not None else "LANDCON_REQUEST_MAX_MB"
        super().__init__(413, f"请求体超过上限 {limit / 2**20:g} MB，已拒绝（{setting}）")


class BodyLimit:
    """Pure ASGI middleware: 413 on a declared or streamed body above its route's cap; a route that
    takes files refuses a request without a valid session before its body is read.

    ``cookie`` is the session cookie's name (``web.common.COOKIE``)."""

    def __init__(self, app: Any, cookie: str) -> None:
        self.app = app
        self.cookie = cookie

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        kind = route_kind(scope.get("app"), scope) if scope.get("method") == "POST" else None
        cap = cap_for(kind)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > cap):
            await _refuse(send, cap, kind)
            return
        if kind is not None and not await self._signed_in(scope):
            await _need_login(scope, send)
            return
        seen = 0
        started = False

        async def counted() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    raise BodyTooLarge(cap, kind)
            return message

        async def tracked(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge:
            if not started:
                await _refuse(send, cap, kind)

    async def _signed_in(self, scope: Any) -> bool:
        token = Request(scope).cookies.get(self.cookie)
        return token is not None and await run_in_threadpool(webauth.resolve, token) is not None


async def _refuse(send: Any, cap: int, kind: str | None) -> None:
    await _answer(send, 413, {"error": BodyTooLarge(cap, kind).detail})


async def _need_login(scope: Any, send: Any) -> None:
    """What the application answers ``NeedLogin`` with: 401 for the API and HTMX, else the login page."""
    path = scope["path"]
    if path.startswith("/api/") or b"hx-request" in dict(scope.get("headers") or []):
        await _answer(send, 401, {"error": "请先登录"}, [(b"hx-redirect", b"/login")])
        return
    await _answer(send, 303, None, [(b"location", f"/login?next={quote(path)}".encode("ascii"))])


async def _answer(send: Any, status: int, payload: Any, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    """A complete response sent without reading the request body (the connection is closed after it)."""
    body = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else b""
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Sink(Protocol):
    def write(self, data: bytes) -> None: ...


async def stream_form(
    request: Request, current: webauth.Current, open_file: Callable[[str, dict[str, str]], Sink]
) -> dict[str, str]:
    """The form's small fields; the part named ``file`` goes to ``open_file(filename, fields)``'s sink.

    The CSRF token must come in the ``X-CSRF-Token`` header or as a field before the file (browsers
    send fields in page order), so a forged request is refused before any file byte is written.
    """
    ctype, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    fields: dict[str, str] = {}
    if ctype == b"application/x-www-form-urlencoded":  # a form without a file (e.g. "use the example plan")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > FIELD_MAX:
                raise InputReadError("表单过长")
        fields.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        if not webauth.check_csrf(current, request.headers.get("x-csrf-token") or fields.get("csrf_token")):
            raise PermissionDenied("缺少或错误的 CSRF 令牌：请刷新页面后重试")
        return fields
    if ctype != b"multipart/form-data" or not boundary:
        raise InputReadError("请求须为 multipart/form-data（含 file 字段）")
    header: dict[str, bytes] = {}
    state: dict[str, Any] = {"field": b"", "value": b"", "name": "", "sink": None, "buf": bytearray()}

    def csrf_ok() -> None:
        token = request.headers.get("x-csrf-token") or fields.get("csrf_token")
        if not webauth.check_csrf(current, token):
            raise PermissionDenied("缺少或错误的 CSRF 令牌：请刷新页面后重试")

    def on_part_begin() -> None:
        header.clear()
        state.update(name="", sink=None, buf=bytearray())

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]

    def on_header_end() -> None:
        header[state["field"].decode("latin-1").lower()] = state["value"]
        state.update(field=b"", value=b"")

    def on_headers_finished() -> None:
        _, disp = parse_options_header(header.get("content-disposition", b""))
        state["name"] = disp.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in disp:
            if state["name"] != "file":
                raise InputReadError(f"不接受的文件字段 {state['name']!r}")
            csrf_ok()
            state["sink"] = open_file(disp[b"filename"].decode("utf-8", "replace"), fields)

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if state["sink"] is not None:
            state["sink"].write(data[start:end])
            return
        state["buf"] += data[start:end]
        if len(state["buf"]) > FIELD_MAX:
            raise InputReadError(f"表单字段 {state['name']!r} 过长")

    def on_part_end() -> None:
        if state["sink"] is None and state["name"]:
            fields[state["name"]] = bytes(state["buf"]).decode("utf-8", "replace")

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    async for chunk in request.stream():
        parser.write(chunk)
    parser.finalize()
    csrf_ok()
    return fields

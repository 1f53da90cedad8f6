"""Request bodies that cannot fill the disk or the memory.

- ``BodyLimit``: ASGI middleware capping every request body: a ``Content-Length`` above the cap is
  answered 413 before a byte is read; a body streamed without (or beyond) its declared length is
  stopped with 413 at the cap. Upload routes get ``LANDCON_UPLOAD_MAX_MB`` + 1 MiB of multipart
  overhead, every other route ``LANDCON_REQUEST_MAX_MB``.
- ``stream_form``: reads a multipart form after the route has authenticated and authorised the
  user, checks the CSRF token before the file part, and hands the file's bytes to a sink as they
  arrive (nothing is spooled to /tmp, nothing is held whole in memory).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import parse_qsl

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.exceptions import HTTPException
from starlette.requests import Request

from landcon import config
from landcon.errors import InputReadError, PermissionDenied
from landcon.services import webauth

SLACK = 1 << 20  # multipart boundaries and small fields around the file
FIELD_MAX = 64 * 1024
UPLOAD_PATHS = re.compile(r"^(/api/v1/uploads|/data/upload|/projects/[^/]+/plan)/?$")


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(
            413, f"请求体超过上限 {limit / 2**20:g} MB，已拒绝（LANDCON_UPLOAD_MAX_MB / LANDCON_REQUEST_MAX_MB）"
        )


def cap_for(path: str) -> int:
    if UPLOAD_PATHS.match(path):
        return config.upload_max_bytes() + SLACK
    return config.request_max_bytes()


class BodyLimit:
    """Pure ASGI middleware: 413 on a declared or streamed body above ``cap_for(path)``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = cap_for(scope["path"])
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > cap):
            await _refuse(send, cap)
            return
        seen = 0
        started = False

        async def counted() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    raise BodyTooLarge(cap)
            return message

        async def tracked(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge:
            if not started:
                await _refuse(send, cap)


async def _refuse(send: Any, cap: int) -> None:
    body = json.dumps({"error": BodyTooLarge(cap).detail}, ensure_ascii=False).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
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

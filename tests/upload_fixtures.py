"""Raw multipart POSTs straight to the ASGI application, recording how much of the body the server
took and how much it held on disk meanwhile (the body-limit and upload tests)."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from landcon import config
from landcon.web.app import COOKIE

MiB = 1 << 20
BOUNDARY = "landconboundary7d3"


def disk_bytes(*folders: Path) -> int:
    return sum(f.stat().st_size for d in folders if d.exists() for f in d.rglob("*") if f.is_file())


def raw_post(
    client: TestClient,
    path: str,
    *,
    body_mib: int,
    csrf: str | None = None,
    fields: dict[str, str] | None = None,
    filename: str = "big.zip",
    declare_length: bool = False,
    file_field: str = "file",
    content: bytes = b"",
) -> dict[str, Any]:
    """POST a multipart body straight to the ASGI app: the file part (field ``file_field``) is
    ``content`` followed by ``body_mib`` MiB of zeros, sent in 1 MiB messages.

    Returns the status, the response headers, how many body bytes the app consumed, and the most
    bytes it held on disk (upload staging + temp dir) while it was consuming them."""
    head = "".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in (fields or {}).items()
    )
    head += f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
    head += "Content-Type: application/octet-stream\r\n\r\n"
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    chunks = [head.encode() + content] + [b"\0" * MiB] * body_mib + [tail]
    total = sum(len(c) for c in chunks)
    watched = (config.data_dir() / "uploads", Path(tempfile.gettempdir()))
    seen = {"consumed": 0, "disk": 0, "i": 0}

    async def receive() -> dict[str, Any]:
        seen["disk"] = max(seen["disk"], disk_bytes(*watched))
        i = seen["i"]
        if i >= len(chunks):
            await asyncio.sleep(0)
            return {"type": "http.disconnect"}
        seen["i"] = i + 1
        seen["consumed"] += len(chunks[i])
        return {"type": "http.request", "body": chunks[i], "more_body": i + 1 < len(chunks)}

    status: list[int] = []
    answer: dict[str, str] = {}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])
            answer.update((k.decode(), v.decode()) for k, v in message.get("headers", []))

    headers = [(b"content-type", f"multipart/form-data; boundary={BOUNDARY}".encode()), (b"host", b"testserver")]
    if declare_length:
        headers.append((b"content-length", str(total).encode()))
    cookie = client.cookies.get(COOKIE)
    if cookie:
        headers.append((b"cookie", f"{COOKIE}={cookie}".encode()))
    if csrf:
        headers.append((b"x-csrf-token", csrf.encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
        "state": {},
    }
    asyncio.run(client.app(scope, receive, send))  # type: ignore[arg-type]
    return {"status": status[0], "headers": answer, "consumed": seen["consumed"], "disk": seen["disk"], "total": total}


def left_behind() -> list[Path]:
    roots = (config.data_dir() / "uploads", Path(tempfile.gettempdir()))
    return [f for r in roots if r.exists() for f in r.rglob("*") if f.is_file()]

"""``landcon serve``: the web application on a local address."""

from __future__ import annotations

from typing import Annotated

import typer

from landcon.cli._common import console

LIMIT_CONCURRENCY = 100
"""Connections served at once; more get 503 (slow uploads cannot take every worker)."""


def serve_cmd(
    host: Annotated[str, typer.Option("--host", help="监听地址 / address")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="端口 / port")] = 8000,
    workers_off: Annotated[bool, typer.Option("--no-jobs", help="不运行后台任务 / do not run background jobs")] = False,
) -> None:
    """启动 Web 应用（默认 http://127.0.0.1:8000） / start the web application."""
    import uvicorn

    from landcon.web.app import create_app

    console.print(f"landcon Web：http://{host}:{port}/  （Ctrl+C 停止；API 文档 /api/docs）")
    # Uvicorn has no body-size option: the app's BodyLimit middleware caps every request body.
    uvicorn.run(
        create_app(worker=not workers_off),
        host=host,
        port=port,
        log_level="warning",
        limit_concurrency=LIMIT_CONCURRENCY,
        timeout_keep_alive=5,
    )

"""监管驾驶舱 (the supervision dashboard of a 州市 or the province): the page with its charts, county map
and tables, the same figures as JSON, and the tables as an xlsx workbook (``services.dashboard``)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.background import BackgroundTask

from landcon.services import dashboard, webauth
from landcon.web.common import User, page

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
def dashboard_page(request: Request, unit: str | None = None, cur: webauth.Current = User) -> Response:
    data = dashboard.dashboard(cur.actor, unit=unit or None)
    return page(request, "dashboard.html", cur, data=data, tables=dashboard.tables(data), unit=unit or "")


@router.get("/dashboard.json", include_in_schema=False)
def dashboard_json(unit: str | None = None, cur: webauth.Current = User) -> Response:
    return JSONResponse(dashboard.dashboard(cur.actor, unit=unit or None))


@router.get("/dashboard.xlsx", include_in_schema=False)
def dashboard_xlsx(unit: str | None = None, cur: webauth.Current = User) -> Response:
    folder = Path(tempfile.mkdtemp(prefix="landcon-dashboard-"))
    try:
        info = dashboard.export_xlsx(cur.actor, folder / "dashboard.xlsx", unit=unit or None)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        info["path"],
        filename=f"监管驾驶舱-{info['unit_name']}.xlsx",
        media_type=XLSX,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )

"""The quota ledger (指标台账) pages: a unit's balances, 周转指标 due dates, 调剂 and 入市 lists, the
posting history (paged), and the xlsx download. The forms that post to it are ``ledger_forms``."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.background import BackgroundTask

from landcon.errors import LandconError
from landcon.services import abilities, clock, ledger, org, profile, records, webauth
from landcon.web.common import User, page
from landcon.web.errors import OptionalId, status_of

router = APIRouter()

LEDGER_HISTORY_PAGE = 50
LEDGER_NOTICES = {"use": "已登记使用", "transfer": "已登记调剂", "market": "已登记入市"}
LEDGER_FORMS = ("use", "transfer", "market")


def ledger_view(
    who: records.Actor, code: str, *, before: int | None = None, kind: str = "", doc_type: str = ""
) -> dict[str, Any]:
    """Everything a 指标台账 page shows for a unit (scope and roles are checked by the services)."""
    data = ledger.balance(who, code)
    code, level = data["unit"], data["level"]
    history = ledger.history(
        who, code, kind=kind or None, doc_type=doc_type or None, limit=LEDGER_HISTORY_PAGE + 1, before=before
    )
    more = len(history) > LEDGER_HISTORY_PAGE
    history = history[:LEDGER_HISTORY_PAGE]
    if level == "province":
        avail_rows = data["counties"]
    elif level == "county":
        avail_rows = []
    else:  # a prefecture (or below): its counties one by one
        avail_rows = [
            {"unit": c["code"], "unit_name": c["name"], **s}
            for c in org.list_units(who, parent=code, level="county")
            for s in ledger.balance(who, c["code"])["summary"]
            if s["bucket"] == "avail"
        ]
    counties: dict[str, dict[str, Any]] = {}
    for row in avail_rows:
        counties.setdefault(row["unit"], {"unit": row["unit"], "unit_name": row["unit_name"], "kinds": {}})
        counties[row["unit"]]["kinds"][row["kind"]] = row
    names = {u["code"]: u["name"] for u in org.list_units(who, level="county")} | {code: data["unit_name"]}
    revolving = sorted(
        ledger.revolving(who, code),
        key=lambda r: (not r["overdue"], r["outstanding_mu"] <= 0, r["due_date"] or "9999", r["unit"]),
    )
    return {
        "data": data,
        "level": level,
        "summary_avail": {s["kind"]: s for s in data["summary"] if s["bucket"] == "avail"},
        "summary_used": {s["kind"]: s for s in data["summary"] if s["bucket"] == "used"},
        "own_accounts": [a for a in data["accounts"] if a["unit"] == code],
        "counties": list(counties.values()),
        "names": names,
        "revolving": revolving,
        "transfers": ledger.transfers(who, code),
        "market": ledger.market_list(who, code),
        "history": history,
        "history_more": more,
        "filters": {"kind": kind, "doc_type": doc_type, "before": before},
        "areas": sorted({a["area_code"] for a in data["accounts"] if a["area_code"]}),
        "kinds": ledger.KINDS,
        "tradable": ledger.TRADABLE_KINDS,
        "doc_types": ledger.DOC_TYPES,
        "market_modes": ledger.MARKET_MODES,
        "farmland_classes": ledger.FARMLAND_CLASSES,
        "can": abilities.ledger_actions(who, code),
    }


def ledger_page(
    request: Request,
    cur: webauth.Current,
    code: str,
    *,
    form: str = "",
    error: LandconError | None = None,
    values: dict[str, str] | None = None,
    before: int | None = None,
    kind: str = "",
    doc_type: str = "",
) -> Response:
    """The page; after a refused form, with the service's message and what was typed (``form``)."""
    view = ledger_view(cur.actor, code, before=before, kind=kind, doc_type=doc_type)
    notice = None
    done = request.query_params.get("done", "")
    if done in LEDGER_NOTICES and error is None:
        number = request.query_params.get("no", "")
        notice = LEDGER_NOTICES[done] + (f"（记账号 {number}）" if number.isdigit() else "")
        if request.query_params.get("dup"):
            notice += "：该来源文件此前已按相同内容记账，本次没有重复记账"
    return page(
        request,
        "ledger.html",
        cur,
        status_code=status_of(error) if error else 200,
        notice=notice,
        form_error={form: str(error)} if error else {},
        form_values={form: values or {}} if form else {},
        **view,
    )


@router.get("/ledger", response_class=HTMLResponse, include_in_schema=False)
def ledger_home(
    request: Request, before: OptionalId = None, kind: str = "", doc_type: str = "", cur: webauth.Current = User
) -> Response:
    code = cur.actor.unit_code or profile.province_code()
    return ledger_page(request, cur, code, before=before, kind=kind, doc_type=doc_type)


@router.get("/ledger/{code}", response_class=HTMLResponse, include_in_schema=False)
def ledger_unit(
    request: Request,
    code: str,
    before: OptionalId = None,
    kind: str = "",
    doc_type: str = "",
    cur: webauth.Current = User,
) -> Response:
    return ledger_page(request, cur, code, before=before, kind=kind, doc_type=doc_type)


@router.get("/ledger/{code}/report.xlsx", include_in_schema=False)
def ledger_xlsx(code: str, cur: webauth.Current = User) -> Response:
    from landcon.services import ledger_report  # the 台账 workbook (imported when first asked for)

    folder = Path(tempfile.mkdtemp(prefix="landcon-ledger-"))
    try:
        path = folder / "ledger.xlsx"
        info = ledger_report.export(cur.actor, code, path)  # refuses a unit out of scope readably
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        path,
        filename=f"指标台账-{info['unit_name']}-{clock.today().isoformat()}.xlsx",
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )

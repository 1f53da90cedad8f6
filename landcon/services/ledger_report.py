"""The 指标台账 workbook of a county or the province (``reports.ledger_xlsx``).

Everything is read through the ``services.ledger`` read functions, so the workbook shows exactly what
the actor may read (``ledger.read`` in its scope; another county is reported as missing) and nothing
is written before every read has succeeded. The file itself is written atomically by the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from landcon.reports.ledger_xlsx import write_ledger_xlsx
from landcon.services import ledger
from landcon.services.clock import today
from landcon.services.records import Actor

PAGE = 1000


def all_history(who: Actor, unit: str) -> list[dict[str, Any]]:
    """Every posting touching the unit's accounts, oldest first (``ledger.history`` paged by ``before``)."""
    out: list[dict[str, Any]] = []
    before: int | None = None
    while True:
        page = ledger.history(who, unit, limit=PAGE, before=before)
        if not page:
            break
        out.extend(page)
        before = int(page[-1]["id"])
    return out[::-1]


def gather(who: Actor, unit: str | None = None) -> dict[str, Any]:
    """The data of the workbook: balances, postings, 调剂, 周转指标 and 入市 of the unit."""
    balance = ledger.balance(who, unit)
    code = str(balance["unit"])
    postings = all_history(who, code)
    names = {str(ln["unit"]): str(ln["unit_name"]) for p in postings for ln in p["lines"]}
    names.update({str(c["unit"]): str(c["unit_name"]) for c in balance["counties"]})
    names[code] = str(balance["unit_name"])
    return {
        "unit": code,
        "unit_name": balance["unit_name"],
        "level": balance["level"],
        "as_of": today().isoformat(),
        "summary": balance["summary"],
        "accounts": balance["accounts"],
        "counties": balance["counties"],
        "postings": postings,
        "transfers": ledger.transfers(who, code),
        "revolving": ledger.revolving(who, code),
        "market": ledger.market_list(who, code),
        "unit_names": names,
    }


def export(who: Actor, unit: str | None, out: str | Path) -> dict[str, Any]:
    """Write the 台账 workbook of ``unit`` (default: the actor's unit) to ``out``, atomically.

    Sheets 余额, 明细, 调剂, 周转指标 and 入市 (see ``reports.ledger_xlsx``). Raises NotFound or
    PermissionDenied, and writes nothing, when the actor may not read the unit's ledger."""
    data = gather(who, unit)
    sheets = write_ledger_xlsx(data, out)
    return {
        "path": str(out),
        "unit": data["unit"],
        "unit_name": data["unit_name"],
        "sheets": sheets,
        "postings": len(data["postings"]),
    }

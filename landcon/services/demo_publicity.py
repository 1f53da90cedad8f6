"""Demo 公示 of ``make run``'s projects, through the services a user calls (``services.publicity``).

``plan_cleared``: before a demo project's plan is submitted, its latest plan version is published on the
county's website for the profile's minimum period, back-dated so that it ended yesterday without
objection — the Yunnan chain's gate on leaving 方案编制 then passes.

``seed_realloc_publicity`` (called by ``demo_participation.seed_participation``): the project's latest
权属调整 version is published on the village notice board with its 公示表 attached, over the profile's
period ending yesterday; one household objects during the period and the township answers (异议不成立,
with the reason), so the scheme's 公示 is cleared. Both are idempotent.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from landcon.engine import publicity as P
from landcon.services import attachments, projects, publicity, realloc, records
from landcon.services.clock import today
from landcon.services.profile import get_profile

AUTHOR, TOWNSHIP = "demo_author", "demo_township"


def back_dated_period(kind: str, *, ended: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The profile's minimum period for ``kind`` ending on ``ended`` (default yesterday)."""
    end = ended or today() - dt.timedelta(days=1)
    return end - dt.timedelta(days=get_profile().publicity.min_days_for(kind) - 1), end


def plan_cleared(code: str, author: str = AUTHOR) -> dict[str, Any] | None:
    """Publish project ``code``'s latest plan version (by ``author``, a county user) over a back-dated period
    unless that version already has a 公示; returns the new 公示 or None."""
    who = records.actor(author)
    versions = projects.show_project(who, code)["plan_versions"]
    if not versions:
        return None
    number = str(max(int(v["number"]) for v in versions))
    if any(p["kind"] == P.PLAN and p["ref"] == number for p in publicity.list_publicities(who, code)):
        return None
    start, end = back_dated_period(P.PLAN)
    return publicity.publish(
        who,
        code,
        kind=P.PLAN,
        ref=number,
        place="县级政府网站",
        start=start,
        end=end,
        notice="全域土地综合整治实施方案（征求意见稿）公示，主要指标见附表。",
        contact="县自然资源局国土空间生态修复股",
    )


def _first_household(sha: str) -> str:
    """The first household's 承包方编码 in the version's internal workbook (户表), or ""."""
    import openpyxl

    with tempfile.TemporaryDirectory(prefix="landcon-demo-") as tmp:
        path = Path(tmp) / "households.xlsx"
        attachments.blob_store().copy_to(sha, path)
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            rows = book.worksheets[0].iter_rows(values_only=True)
            for row in rows:
                labels = [str(v or "") for v in row]
                column = next((i for i, v in enumerate(labels) if "承包方编码" in v or v == "CBFBM"), None)
                if column is not None:
                    first = next(rows, None)
                    return str(first[column] or "") if first else ""
        finally:
            book.close()
    return ""


def seed_realloc_publicity(code: str) -> dict[str, Any]:
    """The cleared 公示 of project ``code``'s latest 权属调整 version (see the module docstring)."""
    author = records.actor(AUTHOR)
    shown = projects.show_project(author, code)
    covered = [u["code"] for u in shown["units"] if len(str(u["code"])) == 9]
    who = records.actor(TOWNSHIP) if covered else author
    saved = realloc.versions(author, code)
    if not saved:
        return {"realloc": None}
    version = saved[-1]
    ref = str(version["number"])
    existing = [p for p in publicity.list_publicities(who, code) if p["kind"] == P.REALLOC and p["ref"] == ref]
    if existing:
        return {"realloc": ref, "publicity": existing[-1]["number"], "created": False}
    start, end = back_dated_period(P.REALLOC)
    files = version["files"]
    with tempfile.TemporaryDirectory(prefix="landcon-demo-") as tmp:
        table = Path(tmp) / "权属调整方案公示表.xlsx"
        attachments.blob_store().copy_to(files["publicity.xlsx"], table)
        p = publicity.publish(
            who,
            code,
            kind=P.REALLOC,
            ref=ref,
            place="村务公开栏",
            place_unit=covered[0] if covered else None,
            start=start,
            end=end,
            notice=f"{version['name'] or '权属调整方案'}（第 {ref} 版）现予公示，分户调整结果见附表。",
            contact="村民委员会办公室；乡镇自然资源所",
            table=table,
        )
    household = _first_household(files["households.xlsx"])
    o = publicity.add_objection(
        who,
        code,
        p["number"],
        name="张某某",
        household=household,
        content="调整后地块离住处较远，希望分到靠近村口的地块。",
        received_on=start + dt.timedelta(days=2),
    )
    publicity.answer(
        who,
        code,
        p["number"],
        o["id"],
        outcome=P.DISMISSED,
        text="经核实，该户调整后地块的价值与原地块相当，距离在方案允许范围内；靠近村口的地块已按抽签结果分配。",
        on=start + dt.timedelta(days=4),
    )
    return {"realloc": ref, "publicity": p["number"], "objections": 1, "created": True}

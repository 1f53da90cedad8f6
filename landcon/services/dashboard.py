"""监管驾驶舱 (the supervision dashboard of a 州市 or the province): for the projects the actor sees
(``records.projects_clause``, as the overview), optionally narrowed to one unit of its scope —
projects by stage and county, progress against the planned schedule per project and sub-project,
funds by source, 新增耕地 planned / detected / accepted, and open alerts.

Every number is an existing engine or service figure, gathered here:

- stages: the chain's stage labels (``profile.chain``), as the overview;
- progress: each sub-project's latest percent complete (``supervision.list_subprojects``) against the
  elapsed share of its planned period on today's date (``engine.schedule``), and the project's
  investment-weighted mean of both (``engine.schedule.project_progress``);
- funds: ``supervision.funds`` of each approved project (``engine.supervision.funds_summary``), added
  up by source;
- 新增耕地 planned: the indicator ``cultivated.new_m2`` of the latest plan version (the overview's
  figure); detected: the ``achieved`` class area of the project's latest change detection
  (``alert_inputs.monitor_result``); accepted: for projects past the chain's ``accepted`` milestone,
  the 核定 figure of the newest passing whole-project acceptance record
  (``services.accepted_farmland``), 0 for one without (listed in ``accepted_without_figure``, and
  said in the row's ``accepted_basis``);
- open alerts: ``alerts.list_alerts`` with state ``open`` (see ``open_alerts``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from landcon.engine import schedule
from landcon.engine import supervision as S
from landcon.engine import workflow as wf
from landcon.errors import InvalidRecord, NotFound
from landcon.services import alert_inputs, alerts, clock, records, supervision
from landcon.services.accepted_farmland import Accepted, accepted_new_farmland
from landcon.services.indicators import number
from landcon.services.org import unit_by_code
from landcon.services.profile import get_profile
from landcon.services.records import Actor
from landcon.store.models import PlanVersion, Project, Unit

MU = 10_000 / 15
NEW_FARMLAND = "cultivated.new_m2"
#: What a sub-project row of the dashboard shows of ``supervision.list_subprojects``.
SUB_KEYS = ("code", "name", "unit_name", "start", "end", "investment", "percent", "last_report")


def _scope(who: Actor, unit: str | None) -> dict[str, Any]:
    """The unit the dashboard covers: the actor's own, or ``unit`` inside its subtree (a participant
    may name a unit above its own, as in the project list; it still sees only its projects)."""
    if not unit:
        return {"unit": who.unit_code, "name": who.unit_name, "level": who.unit_level, "path": who.unit_path}
    with records.read() as session:
        found = unit_by_code(session, unit)
        if not who.unit_path.startswith(found.path):
            records.visible(who, found, f"单位 {unit}")
        return {"unit": found.code, "name": found.name, "level": found.level, "path": found.path}


def _projects(who: Actor, path: str) -> tuple[list[tuple[Any, ...]], dict[str, Accepted]]:
    """(code, name, stage, stage name, chain, county code, county name, latest plan indicators) of the
    projects in scope, and what acceptance established for each, by code."""
    with records.read() as session:
        latest = (
            select(PlanVersion.project_id, func.max(PlanVersion.number).label("n"))
            .group_by(PlanVersion.project_id)
            .subquery()
        )
        q = (
            select(
                Project.id,
                Project.code,
                Project.name,
                Project.stage,
                Project.stage_name,
                Project.chain,
                Unit.code,
                Unit.name,
                PlanVersion.indicators,
            )
            .join(Unit, Project.county_id == Unit.id)
            .outerjoin(latest, latest.c.project_id == Project.id)
            .outerjoin(PlanVersion, (PlanVersion.project_id == Project.id) & (PlanVersion.number == latest.c.n))
            .where(records.projects_clause(who, Project.id, Unit.path))
            .order_by(Unit.code, Project.code)
        )
        if path != who.unit_path:
            q = q.where(Unit.path.startswith(path))
        rows = [tuple(row) for row in session.execute(q)]
        accepted = accepted_new_farmland(session, (r[0] for r in rows))
        return [r[1:] for r in rows], {r[1]: accepted[r[0]] for r in rows}


def detected_new_farmland(project_code: str) -> dict[str, Any] | None:
    """The ``achieved`` (新增耕地已实现) area of the project's latest change detection
    (``alert_inputs.monitor_result``: its standard result folder, ``landcon monitor run`` without
    ``--out``); None when it has none."""
    data = alert_inputs.monitor_result(project_code)
    if data is None:
        return None
    achieved = (data.get("classes") or {}).get("achieved") or {}
    return {"area_m2": float(achieved.get("area_m2") or 0.0), "after_version": data.get("after_version")}


def open_alerts(who: Actor, unit: str | None) -> dict[str, Any]:
    """Open alerts in scope (``alerts.list_alerts`` with state ``open``; ``unit``: responsible units
    within it), counted by kind."""
    items = alerts.list_alerts(who, state="open", unit=unit)
    by_kind = Counter((a["kind"], a["kind_label"]) for a in items)
    return {
        "count": len(items),
        "by_kind": [{"kind": k, "label": label, "count": n} for (k, label), n in sorted(by_kind.items())],
        "items": items,
    }


def _progress(who: Actor, code: str, name: str, today: dt.date) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    subs = []
    for s in supervision.list_subprojects(who, code):
        start = dt.date.fromisoformat(s["start"]) if s["start"] else None
        end = dt.date.fromisoformat(s["end"]) if s["end"] else None
        planned = schedule.planned_percent(start, end, today)
        lag = schedule.ScheduleStatus(s["percent"], planned).lag
        subs.append(
            {"project": code, "project_name": name, **{k: s[k] for k in SUB_KEYS}, "planned": planned, "lag": lag}
        )
    total = schedule.project_progress((s["percent"], s["planned"], s["investment"]) for s in subs)
    if total is None:
        return None, subs
    return {"percent": total.percent, "planned": total.planned, "lag": total.lag, "sub_projects": len(subs)}, subs


def _funds(who: Actor, code: str) -> dict[str, Any] | None:
    try:
        return supervision.funds(who, code)
    except (NotFound, InvalidRecord):  # approved without a submitted plan version: nothing to reconcile
        return None


def dashboard(who: Actor, *, unit: str | None = None, on: dt.date | None = None) -> dict[str, Any]:
    """The dashboard's figures for the actor's scope (or ``unit`` within it) on date ``on`` (default
    today, ``clock.today``: the schedule's elapsed share); see the module doc."""
    records.require(who, "project.read")
    scope = _scope(who, unit)
    profile = get_profile()
    today = on or clock.today()
    stage_names = {s.code: s.name for s in profile.chain.stages}
    by_stage: Counter[str] = Counter()
    counties: dict[str, dict[str, Any]] = {}
    projects, sub_rows, farmland = [], [], []
    planned_src: Counter[str] = Counter()
    allocated: list[tuple[str, dict[str, float]]] = []
    disbursed: list[tuple[str, dict[str, float]]] = []
    rows, accepted_by_code = _projects(who, scope["path"])
    without = []
    for code, name, stage, stage_name, chain_data, county, county_name, indicators in rows:
        chain = wf.Chain.from_dict(chain_data)
        stage_names.setdefault(stage, stage_name)
        by_stage[stage] += 1
        c = counties.setdefault(
            county, {"code": county, "name": county_name, "projects": 0, "stages": {}, "open_alerts": 0}
        )
        c["projects"] += 1
        c["stages"][stage] = c["stages"].get(stage, 0) + 1
        approved = chain.reached(stage, wf.APPROVED)
        accepted = chain.reached(stage, wf.ACCEPTED)
        row: dict[str, Any] = {"code": code, "name": name, "county": county, "county_name": county_name}
        row |= {"stage": stage, "stage_name": stage_name, "approved": approved, "accepted": accepted}
        progress, subs = _progress(who, code, name, today) if approved else (None, [])
        row["progress"] = progress
        sub_rows.extend(subs)
        funds = _funds(who, code) if approved else None
        if funds is not None:
            for r in funds["sources"]:
                planned_src[r["source"]] += r["planned"]
            allocated.append((code, {r["source"]: r["allocated"] for r in funds["sources"]}))
            disbursed.append((code, {r["source"]: r["disbursed"] for r in funds["sources"]}))
        row["funds"] = None if funds is None else {k: funds[k] for k in ("planned", "allocated", "disbursed")}
        planned_m2 = number(indicators or {}, NEW_FARMLAND)
        detected = detected_new_farmland(code) if approved else None
        done = accepted_by_code[code] if accepted else None
        if done is not None and done.verified_m2 is None:
            without.append({"project": code, "name": name, "basis": done.basis})
        farmland.append(
            {
                "project": code,
                "name": name,
                "county_name": county_name,
                "planned_m2": round(planned_m2, 2),
                "detected_m2": None if detected is None else round(detected["area_m2"], 2),
                "detected_version": None if detected is None else detected["after_version"],
                "accepted_m2": done.area_m2 if done is not None else 0.0,
                "accepted_record": done.record if done is not None else None,
                "accepted_basis": done.basis if done is not None else "",
            }
        )
        projects.append(row)
    summary = S.funds_summary(planned_src, allocated, disbursed)
    open_ = open_alerts(who, scope["unit"] if unit else None)
    for a in open_["items"]:
        if a["county"] in counties:
            counties[a["county"]]["open_alerts"] += 1
    totals = {
        "projects": len(projects),
        "planned_m2": round(sum(f["planned_m2"] for f in farmland), 2),
        "detected_m2": round(sum(f["detected_m2"] or 0.0 for f in farmland), 2),
        "accepted_m2": round(sum(f["accepted_m2"] for f in farmland), 2),
        "funds_planned": summary.planned,
        "funds_allocated": summary.allocated,
        "funds_disbursed": summary.disbursed,
        "open_alerts": open_["count"],
    }
    totals |= {f"{k[:-3]}_mu": round(totals[k] / MU, 2) for k in ("planned_m2", "detected_m2", "accepted_m2")}
    return {
        "scope": {k: scope[k] for k in ("unit", "name", "level")} | {"province": profile.province_code},
        "as_of": today.isoformat(),
        "totals": totals,
        "by_stage": [{"stage": s, "name": n, "projects": by_stage.get(s, 0)} for s, n in stage_names.items()],
        "counties": list(counties.values()),
        "projects": projects,
        "sub_projects": sub_rows,
        "funds": [
            {
                "source": r.source,
                "planned": r.planned,
                "allocated": r.allocated,
                "disbursed": r.disbursed,
                "unallocated": r.unallocated,
                "disbursement_rate": r.disbursement_rate,
            }
            for r in summary.rows
        ],
        "new_farmland": farmland,
        "accepted_without_figure": without,
        "alerts": open_,
    }


#: Column kinds of the dashboard tables: how the page and the workbook format a value.
TEXT, COUNT, M2, WAN, PCT, RATE = "text", "count", "m2", "wan", "pct", "rate"


def _table(
    key: str, title: str, columns: list[tuple[str, str, str, bool]], rows: list[dict[str, Any]]
) -> dict[str, Any]:
    """One table: columns (key, label, kind, summed), rows, and the 合计 of the summed columns."""
    totals = {k: round(sum(float(r.get(k) or 0.0) for r in rows), 6) for k, _, _, summed in columns if summed}
    return {
        "key": key,
        "title": title,
        "columns": [{"key": k, "label": label, "kind": kind, "summed": summed} for k, label, kind, summed in columns],
        "rows": [{k: r.get(k) for k, *_ in columns} for r in rows],
        "totals": totals,
    }


def tables(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The tables under the dashboard's charts (and the sheets of its workbook), from ``dashboard``."""
    progress = [
        {**p, **{f"progress_{k}": v for k, v in (p["progress"] or {}).items()}}
        for p in data["projects"]
        if p["approved"]
    ]
    return [
        _table(
            "stages", "项目阶段", [("name", "阶段", TEXT, False), ("projects", "项目数", COUNT, True)], data["by_stage"]
        ),
        _table(
            "counties",
            "各县（市、区）项目",
            [
                ("code", "代码", TEXT, False),
                ("name", "县（市、区）", TEXT, False),
                ("projects", "项目数", COUNT, True),
                ("open_alerts", "未处理预警", COUNT, True),
            ],
            data["counties"],
        ),
        _table(
            "progress",
            "项目实施进度",
            [
                ("code", "项目编号", TEXT, False),
                ("name", "项目", TEXT, False),
                ("county_name", "县（市、区）", TEXT, False),
                ("stage_name", "阶段", TEXT, False),
                ("progress_sub_projects", "子项目数", COUNT, True),
                ("progress_percent", "完成（%）", PCT, False),
                ("progress_planned", "计划（%）", PCT, False),
                ("progress_lag", "落后（百分点）", PCT, False),
            ],
            progress,
        ),
        _table(
            "sub_projects",
            "子项目进度",
            [
                ("project", "项目编号", TEXT, False),
                ("code", "子项目编号", TEXT, False),
                ("name", "子项目", TEXT, False),
                ("unit_name", "责任单位", TEXT, False),
                ("start", "计划开工", TEXT, False),
                ("end", "计划完工", TEXT, False),
                ("investment", "投资（万元）", WAN, True),
                ("percent", "完成（%）", PCT, False),
                ("planned", "计划（%）", PCT, False),
                ("lag", "落后（百分点）", PCT, False),
                ("last_report", "最近填报", TEXT, False),
            ],
            data["sub_projects"],
        ),
        _table(
            "funds",
            "资金（按来源，万元）",
            [
                ("source", "资金来源", TEXT, False),
                ("planned", "方案筹措", WAN, True),
                ("allocated", "子项目安排", WAN, True),
                ("disbursed", "已拨付", WAN, True),
                ("unallocated", "未安排", WAN, True),
                ("disbursement_rate", "拨付率", RATE, False),
            ],
            data["funds"],
        ),
        _table(
            "new_farmland",
            "新增耕地（平方米）",
            [
                ("project", "项目编号", TEXT, False),
                ("name", "项目", TEXT, False),
                ("county_name", "县（市、区）", TEXT, False),
                ("planned_m2", "方案计划", M2, True),
                ("detected_m2", "变更调查已实现", M2, True),
                ("accepted_m2", "已验收（核定）", M2, True),
                ("accepted_basis", "验收依据", TEXT, False),
            ],
            data["new_farmland"],
        ),
        _table(
            "alert_kinds",
            "未处理预警（按类型）",
            [("label", "类型", TEXT, False), ("count", "数量", COUNT, True)],
            data["alerts"]["by_kind"],
        ),
        _table(
            "alerts",
            "未处理预警",
            [
                ("id", "预警编号", TEXT, False),
                ("project", "项目编号", TEXT, False),
                ("county_name", "县（市、区）", TEXT, False),
                ("sub_project", "子项目", TEXT, False),
                ("kind_label", "类型", TEXT, False),
                ("severity_label", "级别", TEXT, False),
                ("message", "内容", TEXT, False),
            ],
            data["alerts"]["items"],
        ),
    ]


def export_xlsx(who: Actor, out: str | Path, *, unit: str | None = None, on: dt.date | None = None) -> dict[str, Any]:
    """Write the dashboard's tables to the workbook ``out`` (``reports.dashboard_xlsx``, atomically);
    returns its path, scope, sheet names and the ``dashboard`` it wrote. Refused, writing nothing, as
    ``dashboard``."""
    from landcon.reports.dashboard_xlsx import write_dashboard_xlsx

    data = dashboard(who, unit=unit, on=on)
    sheets = write_dashboard_xlsx(data, tables(data), out)
    info = {"path": str(out), "unit": data["scope"]["unit"], "unit_name": data["scope"]["name"], "sheets": sheets}
    return info | {"dashboard": data}

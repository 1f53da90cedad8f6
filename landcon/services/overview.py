"""总览: projects by stage, key figures and per-county activity for the actor's scope (its county
subtree, or for township and village users the projects covering their unit: ``records.projects_clause``).

Figures come from each project's latest plan version (indicators computed by ``plan check``):
整治规模 = Σ ``area.zzqy_m2``; planned 新增耕地 = Σ ``cultivated.new_m2``; 永农调整 = Σ 调出 and Σ 调入;
investment = Σ ``investment.total_wan``. Achieved (已验收) 新增耕地 = Σ, over the projects at the chain's
``achieved`` milestone, the 核定 figure of their newest passing whole-project acceptance record
(``services.accepted_farmland``); those without one count 0 and are listed (``accepted_without_figure``).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select

from landcon.engine import workflow as wf
from landcon.engine.indicators.registry import number as _num
from landcon.services import records
from landcon.services.accepted_farmland import accepted_new_farmland
from landcon.services.profile import get_profile
from landcon.services.records import Actor
from landcon.store.models import PlanVersion, Project, Unit

MU = 10_000 / 15


def overview(who: Actor) -> dict[str, Any]:
    records.require(who, "project.read")
    with records.read() as session:
        latest = (
            select(PlanVersion.project_id, func.max(PlanVersion.number).label("n"))
            .group_by(PlanVersion.project_id)
            .subquery()
        )
        rows = session.execute(
            select(
                Project.id,
                Project.code,
                Project.name,
                Project.stage,
                Project.stage_name,
                Unit.code,
                Unit.name,
                PlanVersion.indicators,
            )
            .join(Unit, Project.county_id == Unit.id)
            .outerjoin(latest, latest.c.project_id == Project.id)
            .outerjoin(PlanVersion, (PlanVersion.project_id == Project.id) & (PlanVersion.number == latest.c.n))
            .where(records.projects_clause(who, Project.id, Unit.path))
            .order_by(Unit.code, Project.code)
        ).all()
        accepted = accepted_new_farmland(session, (r[0] for r in rows))
    profile = get_profile()
    stage_names = {s.code: s.name for s in profile.chain.stages}
    by_stage: Counter[str] = Counter()
    counties: dict[str, dict[str, Any]] = {}
    kpi = {"projects": 0, "area_m2": 0.0, "new_farmland_planned_m2": 0.0, "new_farmland_achieved_m2": 0.0}
    kpi |= {"pbf_out_m2": 0.0, "pbf_in_m2": 0.0, "investment_wan": 0.0}
    projects, without = [], []
    for project_id, code, name, stage, stage_name, county, county_name, indicators in rows:
        ind = indicators or {}
        by_stage[stage] += 1
        stage_names.setdefault(stage, stage_name)
        kpi["projects"] += 1
        kpi["area_m2"] += _num(ind, "area.zzqy_m2")
        new = _num(ind, "cultivated.new_m2")
        kpi["new_farmland_planned_m2"] += new
        if profile.chain.reached(stage, wf.ACHIEVED):
            done = accepted[project_id]
            kpi["new_farmland_achieved_m2"] += done.area_m2
            if done.verified_m2 is None:
                without.append({"code": code, "name": name, "basis": done.basis})
        kpi["pbf_out_m2"] += _num(ind, "permanent_farmland.out_m2")
        kpi["pbf_in_m2"] += _num(ind, "permanent_farmland.in_m2")
        kpi["investment_wan"] += _num(ind, "investment.total_wan")
        c = counties.setdefault(county, {"code": county, "name": county_name, "projects": 0, "stages": {}})
        c["projects"] += 1
        c["stages"][stage] = c["stages"].get(stage, 0) + 1
        projects.append({"code": code, "name": name, "county": county, "stage": stage, "stage_name": stage_name})
    kpi = {k: round(v, 2) for k, v in kpi.items()}
    kpi["area_mu"] = round(kpi["area_m2"] / MU, 2)
    kpi["new_farmland_planned_mu"] = round(kpi["new_farmland_planned_m2"] / MU, 2)
    kpi["new_farmland_achieved_mu"] = round(kpi["new_farmland_achieved_m2"] / MU, 2)
    return {
        "scope": {
            "unit": who.unit_code,
            "name": who.unit_name,
            "level": who.unit_level,
            "province": profile.province_code,
        },
        "by_stage": [{"stage": s, "name": stage_names.get(s, s), "projects": by_stage.get(s, 0)} for s in stage_names],
        "kpi": kpi,
        "counties": list(counties.values()),
        "projects": projects,
        "accepted_without_figure": without,
    }

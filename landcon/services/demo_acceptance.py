"""The demo's acceptance (验收) of the project waiting at its chain's acceptance stage, on as-built data
(on given as-built data, a 子项目验收 of one sub-project without 核减 by the county's
natural-resources bureau; then the 整体验收: 整改后同意 with a condition per rule not passed), and
what acceptance unlocks: 拆旧复垦验收 (节余指标), the 补充耕地指标 issued from the verified as-built
figures (its memo names the 核减 of the parcel the latest vintage does not show as 耕地), a use, a
transfer, an 入市 deal and the aftercare (``services.demo_aftercare``).

``admin seed-demo`` calls ``accept_demo`` at once (as-built data synthesised from the plan, nothing to
verify against) unless it is given the accepted project's own plan; then ``make run`` makes the later
vintage with that plan built but for one parcel, ``plan synth-asbuilt --vintage`` draws the as-built
data, and ``admin seed-acceptance`` calls ``accept_demo`` on them after the vintage import, so the
acceptance verifies new farmland against it. Every step goes through the services a user calls.
Idempotent: a project past the ``accepted`` milestone is left as it is.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select

from landcon.engine import acceptance_records as AR
from landcon.engine import acceptance_rules as AR_RULES
from landcon.engine import workflow as wf
from landcon.errors import InvalidRecord
from landcon.services import acceptance, acceptance_records, clock, ledger, monitor, org, projects, records, supervision
from landcon.services.demo_aftercare import seed_aftercare
from landcon.services.demo_votes import seed_market_vote
from landcon.store.models import Project, User


def _state(code: str) -> tuple[str, wf.Chain, str | None]:
    """Stage, chain and first township of project ``code``."""
    with records.read() as session:
        project = session.scalars(select(Project).where(Project.code == code)).first()
        if project is None:
            raise InvalidRecord(f"示例项目 {code} 不存在（先运行 landcon admin seed-demo）", feature=code)
        stage, chain = project.stage, wf.Chain.from_dict(project.chain)
    units = projects.show_project(records.actor("demo_supervisor"), code)["units"]
    towns = [u["code"] for u in units if u["level"] == "township"]
    return stage, chain, (towns[0] if towns else None)


def _inspector(township: str | None) -> str:
    """The demo township's reporter where the project lies in its township, else the county supervisor."""
    with records.read() as session:
        user = session.scalars(select(User).where(User.username == "demo_township")).first()
        unit = user.unit.code if user is not None and user.unit is not None else None
    return "demo_township" if township is not None and unit == township else "demo_supervisor"


def synthesised_asbuilt(code: str) -> Path:
    """As-built data of project ``code``'s approved plan without a vintage (DATA_DIR/results/asbuilt/CODE)."""
    from landcon.services.jobs import results_dir

    folder = results_dir("asbuilt", code)
    sup = records.actor("demo_supervisor")
    version = monitor.resolve(sup, code, None).plan_version  # the approved plan version
    with tempfile.TemporaryDirectory(prefix="landcon-demo-plan-") as tmp:
        plan = projects.export_plan(sup, code, version, Path(tmp) / "plan")
        acceptance.synthesise_asbuilt(plan, folder, project=code)
    return folder


def seed_acceptance(who: records.Actor, code: str, asbuilt_dir: str | Path) -> dict[str, Any]:
    """``admin seed-acceptance``: accept demo project ``code`` on the as-built folder ``asbuilt_dir``
    (module docstring); ``who`` must be a province administrator like for ``admin seed-demo``."""
    records.require_province(who, "unit.manage")
    return accept_demo(code, asbuilt_dir)


def accept_demo(code: str, asbuilt_dir: str | Path | None = None) -> dict[str, Any]:
    """Compute, record and pass project ``code``'s acceptance, reclaim its 拆旧, issue its quota, use and
    sell a quarter each, and seed its aftercare. ``asbuilt_dir`` None: synthesised from its plan."""
    stage, chain, township = _state(code)
    result: dict[str, Any] = {"project": code, "accepted": False}
    if not chain.reached(stage, wf.ACCEPTED):
        if stage != chain.milestones.accepted:
            raise InvalidRecord(f"示例项目 {code} 当前不在验收阶段（{stage}）", feature=code)
        if asbuilt_dir is not None:
            result.update(_accept(code, Path(asbuilt_dir), sub_project=True))
        else:
            result.update(_accept(code, synthesised_asbuilt(code)))
    else:
        stored = acceptance_records.latest_passing_computation(records.actor("demo_supervisor"), code)
        result["computation"] = stored["computation"] if stored is not None else None
    result["aftercare"] = seed_aftercare(code, township, inspector=_inspector(township))
    return result


def _accept(code: str, folder: Path, *, sub_project: bool = False) -> dict[str, Any]:
    actor, today = records.actor, clock.today()
    province, sup, city = actor("demo_province"), actor("demo_supervisor"), actor("demo_city_supervisor")
    run = acceptance.compute(sup, code, folder)
    # A rule that failed or could not be checked is a condition of the acceptance (整改后同意, as
    # ``accept record`` requires), each opening a task.
    conditions = [
        f"{r['title']}：{r['message']}" if r.get("message") else str(r["title"])
        for r in run.data["rules"]
        if r["status"] != AR_RULES.PASS
    ]
    # On given as-built data (``admin seed-acceptance``, ``make run``): a 子项目验收 first.
    sub_row = _accept_sub_project(code, run.data, today) if sub_project else None
    row = acceptance_records.record(
        city,
        code,
        level=AR.PROJECT,
        opinion=AR.AGREE_AFTER_RECTIFICATION if conditions else AR.AGREE,
        accepted_on=today,
        members=["验收组长", "验收组成员"],
        conditions=conditions,
        deadline=today + dt.timedelta(days=90) if conditions else None,
        computation=run.out_dir / "acceptance.json",
    )
    projects.advance(city, code, comment="验收合格")
    for n, area in enumerate(ledger.project_areas(province, code), start=1):
        ledger.reclaim(
            province,
            code,
            area["code"],
            f"云自然资复验〔{today.year}〕{n}号",
            reserve_m2=round(area["demolished_m2"] * 0.1, 2),
        )
    issued = ledger.issue_farmland(province, code, f"云自然资补核〔{today.year}〕1号")
    available = next(ln for ln in issued["lines"] if ln["bucket"] == "avail")
    # A quarter is used and a quarter sold, each with its share of 水田 and 粮食产能 (占补平衡 is three-fold).
    quarter = {
        "area_m2": round(available["area_m2"] / 4, 2),
        "paddy_m2": round(available["paddy_m2"] / 4, 2),
        "grain_kg": available["grain_kg"] // 4,
    }
    county = projects.show_project(sup, code)["county"]
    ledger.use(sup, county, "bcgd", f"{county}占补批〔{today.year}〕1号", **quarter)
    ledger.transfer(
        sup, "bcgd", f"云指标调剂〔{today.year}〕1号", **quarter,
        price_yuan_per_mu=200_000, seller=county, buyer=_neighbour(county), received_yuan=0,
    )  # fmt: skip
    village = seed_market_vote(county)  # 入市 needs the village's decision (土地管理法 第63条)
    if village is not None:
        ledger.market_add(
            actor("demo_author"), county, f"{county}入市〔{today.year}〕1号", parcel_code=f"{village}JA00001",
            collective="示例村股份经济合作社", mode="出让", land_use="工业", area_m2=6666.67, term_years=50,
            price_yuan=2_400_000, cost_yuan=600_000, rate=0.2, village=village,
        )  # fmt: skip
    return {
        "accepted": True,
        "record": row["id"],
        "sub_project_record": sub_row["id"] if sub_row else None,
        "asbuilt": str(folder),
        "computation": run.data,
        "quota": {
            "doc": issued["doc_no"],
            "memo": issued["memo"],
            "area_m2": available["area_m2"],
            "paddy_m2": available["paddy_m2"],
            "grain_kg": available["grain_kg"],
            "used": quarter,
        },
    }


def _fund(
    sup: records.Actor, code: str, registered: list[dict[str, Any]], data: dict[str, Any], today: dt.date
) -> None:
    """Budgets by source for the sub-projects registered at acceptance (the plan's 资金筹措 split in plan
    order, ``demo_supervision.allocate``) and one closing progress report each: 100 % done, disbursed
    its budget × 决算 / 计划投资 of the sub-project, so the dashboard's funds reconcile with the plan and
    the final accounts."""
    from landcon.services.demo_supervision import allocate

    inv = data.get("investment") or {}
    planned = {str(k): float(v) for k, v in (inv.get("planned_by_source_wan") or {}).items()}
    plan_sub = {str(k): float(v) for k, v in (inv.get("planned_by_subproject_wan") or {}).items()}
    final_sub = {str(k): float(v) for k, v in (inv.get("final_by_subproject_wan") or {}).items()}
    if not planned:
        return
    budgets = allocate(planned, {}, [(s["code"], float(s["investment"] or 0.0)) for s in registered])
    for s in registered:
        sub = s["code"]
        supervision.update_subproject(sup, code, sub, budget=budgets[sub])
        share = final_sub.get(sub, 0.0) / plan_sub[sub] if plan_sub.get(sub) else 0.0
        supervision.add_report(
            sup, code, sub, period=f"{today.year}-{today.month:02d}", reported_on=today, percent=100,
            disbursed={src: round(amount * share, 2) for src, amount in budgets[sub].items()}, refresh=False,
        )  # fmt: skip
    supervision.refresh_alerts(sup, code)  # once, on the closed reports


def _accept_sub_project(code: str, data: dict[str, Any], today: dt.date) -> dict[str, Any] | None:
    """The sub-projects registered from the approved plan (when none are), and a 同意 子项目验收 of the
    first one without a 核减 row, recorded by the county supervisor (the natural-resources bureau, the
    coordinator who may record any sub-project's acceptance); None when every sub-project has a 核减."""
    author, sup = records.actor("demo_author"), records.actor("demo_supervisor")
    if not supervision.list_subprojects(sup, code):
        _fund(sup, code, supervision.create_from_plan(author, code), data, today)
    cut = {str(c.get("subproject") or "") for c in data.get("cuts") or []}
    clean = sorted(s["code"] for s in supervision.list_subprojects(sup, code) if s["code"] not in cut)
    if not clean:
        return None
    return acceptance_records.record(
        sup,
        code,
        level=AR.SUB_PROJECT,
        sub_project=clean[0],
        opinion=AR.AGREE,
        accepted_on=today,
        members=["子项目验收组长", "县自然资源局"],
    )


def _neighbour(county: str) -> str:
    """Another county of the same prefecture (the transfer's buyer)."""
    who = records.system_actor()
    units = [u["code"] for u in org.list_units(who, parent=county[:4] + "00", level="county") if u["code"] != county]
    return units[0] if units else county[:2] + "0000"

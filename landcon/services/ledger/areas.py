"""Quota sources computed by the engine: 项目区 of a project's submitted plan and its 补充耕地 indicators."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landcon.engine import acceptance_records as AR
from landcon.engine import ledger as L
from landcon.engine import workflow as wf
from landcon.engine.indicators import registry as indicators_reg
from landcon.services import records
from landcon.services.ledger._accounts import _for_update
from landcon.services.project_access import get_project
from landcon.services.records import Actor
from landcon.store.models import (
    Acceptance,
    LedgerAccount,
    LedgerArea,
    LedgerEntry,
    PlanVersion,
    Project,
    Unit,
)


def _stage_reached(project: Project, milestone: str) -> bool:
    """Whether the project has reached a milestone of its chain (``wf.APPROVED``, ``wf.ACCEPTED``)."""
    return wf.Chain.from_dict(project.chain).reached(project.stage, milestone)


def _approved_version(session: Session, project: Project) -> PlanVersion:
    version = session.scalars(
        select(PlanVersion)
        .where(PlanVersion.project_id == project.id, PlanVersion.status == "submitted")
        .order_by(PlanVersion.number.desc())
        .limit(1)
    ).first()
    if version is None:
        raise L.LedgerRefused(f"项目 {project.code} 没有已提交的实施方案版本")
    return version


def _require_stage(project: Project, milestone: str, *, what: str) -> None:
    if not _stage_reached(project, milestone):
        chain = wf.Chain.from_dict(project.chain)
        target = chain.milestones.accepted if milestone == wf.ACCEPTED else chain.milestones.approved
        name = chain.stage(target).name if target is not None else "（审批链无此阶段）"
        need = f"通过“{name}”" if milestone == wf.ACCEPTED else f"方案获批（进入“{name}”阶段）"
        raise L.LedgerRefused(f"项目 {project.code} 当前处于“{project.stage_name}”阶段：{what}须在项目{need}之后")


def _area(session: Session, project: Project, code: str) -> LedgerArea:
    """The 项目区 snapshot (created from the approved plan's engine indicators on first use)."""
    found = session.scalars(
        _for_update(session, select(LedgerArea).where(LedgerArea.unit_id == project.county_id, LedgerArea.code == code))
    ).first()
    if found is not None:
        if found.project_id != project.id:
            raise L.LedgerRefused(f"项目区 {code} 属于另一个项目")
        return found
    version = _approved_version(session, project)
    areas = {a["code"]: a for a in (version.indicators.get("linkage") or {}).get("project_areas", [])}
    if code not in areas:
        known = "、".join(sorted(areas)) or "无"
        raise L.LedgerRefused(
            f"项目区 {code} 不在项目 {project.code} 已提交方案（版本 {version.number}）的增减挂钩图斑中；"
            f"方案中的项目区：{known}"
        )
    a = areas[code]
    snap = LedgerArea(
        unit_id=project.county_id,
        code=code,
        project_id=project.id,
        plan_version_id=version.id,
        demolished_dm2=L.dm2(a["demolished_m2"]),
        reclaimed_cultivated_dm2=L.dm2(a["reclaimed_cultivated_m2"]),
        new_construction_dm2=L.dm2(a["new_construction_m2"]),
    )
    if session.info.get("actor"):  # stored by the posting's transaction; a draft only reads it
        session.add(snap)
        session.flush()
    return snap


def project_areas(who: Actor, project_code: str) -> list[dict[str, Any]]:
    """The 增减挂钩 项目区 of a project's submitted plan, with the engine's areas (what quota may follow)."""
    with records.read() as session:
        project = _project(session, who, project_code)
        version = _approved_version(session, project)
        return [
            {
                "code": a["code"],
                "plan_version": version.number,
                "demolished_m2": a["demolished_m2"],
                "reclaimed_cultivated_m2": a["reclaimed_cultivated_m2"],
                "new_construction_m2": a["new_construction_m2"],
            }
            for a in (version.indicators.get("linkage") or {}).get("project_areas", [])
        ]


def farmland_quantity(indicators: dict[str, Any], rules: L.LedgerRules) -> L.Qty:
    """补充耕地指标 of a plan version: 可用于占补平衡 area, its 水田 and 粮食产能 (engine indicators)."""
    if indicators_reg.value(indicators, "cultivated.supplementary_m2") is None:
        name = indicators_reg.label("cultivated.supplementary_m2")
        raise L.LedgerRefused(f"该方案版本的指标早于“{name}”的计算：请重新检查并提交方案")
    return L.Qty(
        L.area_units(indicators_reg.value(indicators, "cultivated.supplementary_m2")),
        L.area_units(indicators_reg.value(indicators, "cultivated.supplementary_paddy_m2")),
        L.grain_capacity(indicators_reg.value(indicators, "cultivated.supplementary_by_grade_m2"), rules),
    )


ASBUILT, PLAN = L.ASBUILT, L.PLAN


def accepted_record(session: Session, project: Project) -> Acceptance | None:
    """The project's latest passing whole-project acceptance with its computation (acceptance.json), if any."""
    rows = session.scalars(
        select(Acceptance)
        .where(Acceptance.project_id == project.id, Acceptance.level == AR.PROJECT)
        .order_by(Acceptance.accepted_on.desc(), Acceptance.id.desc())
    )
    for row in rows:
        if AR.is_passing(row.level, row.opinion) and row.computation:
            return row
    return None


def acceptance_name(row: Acceptance) -> str:
    return f"验收记录 {row.id}（{row.accepted_on.isoformat()} {row.opinion}）"


def asbuilt_farmland(session: Session, project: Project, rules: L.LedgerRules) -> tuple[L.Qty, Acceptance]:
    """补充耕地指标 from the accepted verified as-built indicators (``verified_indicators`` of the latest
    passing whole-project acceptance: the as-built state less what the latest vintage does not show as
    耕地, docs/acceptance.md; ``asbuilt_indicators`` for a computation stored before it existed), through
    ``farmland_quantity``: what ``issue_farmland`` issues and what ``ledger check`` expects; refused
    without a passing acceptance."""
    row = accepted_record(session, project)
    if row is None:
        raise L.LedgerRefused(
            f"项目 {project.code} 没有附验收核算结果且验收意见为“同意”或“整改后同意”的整体验收记录："
            "补充耕地指标按验收的竣工成果核定（landcon accept record）"
        )
    computation = row.computation or {}
    built = computation.get("verified_indicators") or computation.get("asbuilt_indicators")
    if not isinstance(built, dict):
        raise L.LedgerRefused(f"项目 {project.code} 的{acceptance_name(row)}没有竣工指标（asbuilt_indicators）")
    return farmland_quantity(built, rules), row


def asbuilt_basis(row: Acceptance, rules: L.LedgerRules) -> str:
    """What an issue from ``row`` rests on, for its memo: the acceptance record and, where the latest
    vintage does not show part of the as-built new 耕地 as 耕地, its 核减 (as-built − verified quantity)."""
    basis = f"按{acceptance_name(row)}的竣工成果核定"
    computation = row.computation or {}
    built, verified = computation.get("asbuilt_indicators"), computation.get("verified_indicators")
    if not isinstance(built, dict) or not isinstance(verified, dict):
        return basis
    cut = farmland_quantity(built, rules) - farmland_quantity(verified, rules)
    return basis if cut == L.ZERO else f"{basis}，其中变更调查核实非耕地核减 {L.describe(cut)}"


def asbuilt_demolished(session: Session, project: Project, code: str) -> int | None:
    """拆旧 area (ledger units) of 项目区 ``code`` from the accepted as-built indicators
    (``linkage.project_areas`` of the as-built state, engine.indicators.linkage); 0 when the as-built
    state has no 拆旧 plot there; None without a passing acceptance (the plan's snapshot applies)."""
    row = accepted_record(session, project)
    if row is None:
        return None
    built = (row.computation or {}).get("asbuilt_indicators") or {}
    areas = {a["code"]: a for a in (built.get("linkage") or {}).get("project_areas", [])}
    return L.units_from_dm2(L.dm2(areas[code]["demolished_m2"])) if code in areas else 0


def _project(session: Session, who: Actor, code: str) -> Project:
    return get_project(session, who, code)


def _area_of(session: Session, unit: str, code: str, *, lock: bool = False) -> LedgerArea:
    stmt = (
        select(LedgerArea).join(Unit, Unit.id == LedgerArea.unit_id).where(Unit.code == unit, LedgerArea.code == code)
    )
    found = session.scalars(_for_update(session, stmt) if lock else stmt).first()
    if found is None:
        raise L.LedgerRefused(f"{unit} 没有项目区 {code} 的指标记录")
    return found


def _used_in_area(session: Session, unit: str, code: str) -> int:
    """建新 used so far in a 项目区: its 已使用 accounts (周转指标 and 本村建房预留)."""
    value = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.area), 0))
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .join(Unit, Unit.id == LedgerAccount.unit_id)
        .where(Unit.code == unit, LedgerAccount.bucket == L.USED, LedgerAccount.area_code == code)
    )
    return int(value or 0)


def _issued_revolving(session: Session, county: str, area_code: str) -> int:
    """Total 周转指标 ever lent to a 项目区 (Σ of the negative lines of its 应归还 account)."""
    value = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.area), 0))
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .join(Unit, Unit.id == LedgerAccount.unit_id)
        .where(
            Unit.code == county,
            LedgerAccount.kind == L.ZZ,
            LedgerAccount.bucket == L.OWED,
            LedgerAccount.area_code == area_code,
            LedgerEntry.area < 0,
        )
    )
    return -int(value or 0)

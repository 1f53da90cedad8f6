"""Use cases creating or cutting quota: 周转指标下达, 拆旧复垦验收, 补充耕地指标核定 and 核减."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landcon.engine import ledger as L
from landcon.engine import workflow as wf
from landcon.errors import InvalidRecord, NotFound
from landcon.services import records
from landcon.services.clock import today
from landcon.services.ledger._accounts import _reclaimed
from landcon.services.ledger._posting import Doc, _lines_of, _post
from landcon.services.ledger.areas import (
    ASBUILT,
    PLAN,
    _approved_version,
    _area,
    _issued_revolving,
    _project,
    _require_stage,
    acceptance_name,
    accepted_record,
    asbuilt_basis,
    asbuilt_demolished,
    asbuilt_farmland,
    farmland_quantity,
)
from landcon.services.ledger.rules import load_rules
from landcon.services.ledger_amounts import stated_qty
from landcon.services.records import Actor
from landcon.store.models import (
    LedgerPosting,
    Project,
    Unit,
)


def issue_revolving(
    who: Actor, project_code: str, area_code: str, area_m2: float, doc_no: str, *, on: dt.date | None = None
) -> dict[str, Any]:
    """周转指标下达 to a 项目区 of an approved project; cumulative issue ≤ its 拆旧 area (engine)."""
    records.require_province(who, "ledger.issue")
    rules = load_rules()
    on = on or today()
    with records.read() as session:
        project = _project(session, who, project_code)
        _require_stage(project, wf.APPROVED, what="下达周转指标")
        county, pid = project.county.code, project.id
    q = L.Qty(L.area_units(area_m2, "周转指标下达面积（m²）"))

    def build(session: Session, balances: Any) -> list[L.Line]:
        project = session.get(Project, pid)
        assert project is not None
        snap = _area(session, project, area_code)
        if (done := _reclaimed(session, county, area_code)) is not None:
            raise L.LedgerRefused(
                f"项目区 {area_code} 已于 {done.posted_on.isoformat()} 拆旧复垦验收（{done.doc_no}），"
                "周转指标周期已结束，不能再下达"
            )
        lent = _issued_revolving(session, county, area_code)
        return L.zz_issue_lines(county, area_code, q, cap=L.units_from_dm2(snap.demolished_dm2), issued=lent)

    doc = Doc(L.ZZ_ISSUE, doc_no, county, L.ZZ, area_code, pid, posted_on=on, due_date=L.due_date(on, rules))
    return _post(who, "ledger.issue", doc, build)


def reclaim(
    who: Actor, project_code: str, area_code: str, doc_no: str, *, reserve_m2: float, on: dt.date | None = None
) -> dict[str, Any]:
    """拆旧复垦验收 of a 项目区 (project past 验收): unused 周转指标 lapses, the 拆旧 area returns the rest
    first, then the village's housing reservation (``reserve_m2``, declared by the township, may be 0), the
    rest is 节余指标 (engine.ledger.reclaim_split). The 拆旧 area is the as-built one of the passing
    acceptance (``asbuilt_demolished``, basis ``asbuilt``); a project accepted without a recorded
    computation falls back on the plan's snapshot (basis ``plan``)."""
    records.require_province(who, "ledger.issue")
    with records.read() as session:
        project = _project(session, who, project_code)
        _require_stage(project, wf.ACCEPTED, what="核定拆旧复垦指标")
        county, pid = project.county.code, project.id
        row = accepted_record(session, project)
        built = asbuilt_demolished(session, project, area_code)
        source = f"；拆旧面积按{acceptance_name(row)}的竣工成果" if row is not None else "；拆旧面积按方案"
    reserve = L.area_units(reserve_m2, "本村建房预留（m²）")

    def build(session: Session, balances: Any) -> list[L.Line]:
        project = session.get(Project, pid)
        assert project is not None
        snap = _area(session, project, area_code)
        if (done := _reclaimed(session, county, area_code)) is not None:
            raise L.LedgerRefused(
                f"项目区 {area_code} 已由 {done.doc_no} 核定拆旧复垦指标（记账号 {done.id}），不能重复核定"
            )
        owed_key, unused_key = (
            L.AccountKey(county, L.ZZ, L.OWED, area_code),
            L.AccountKey(county, L.ZZ, L.AVAIL, area_code),
        )
        now = balances([owed_key, unused_key])
        owed, unused = max(-now[owed_key].area, 0), now[unused_key].area
        demolished = L.units_from_dm2(snap.demolished_dm2) if built is None else built
        if demolished <= 0:
            raise L.LedgerRefused(f"项目 {project_code} 的竣工成果中项目区 {area_code} 没有拆旧地块")
        return L.reclaim_lines(county, area_code, demolished, owed, reserve, unused)

    doc = Doc(
        L.RECLAIM,
        doc_no,
        county,
        L.JSJG,
        area_code,
        pid,
        posted_on=on or today(),
        memo=f"本村建房预留申报 {reserve_m2:g} m²{source}",
        basis=PLAN if built is None else ASBUILT,
    )
    return _post(who, "ledger.issue", doc, build)


def issue_farmland(who: Actor, project_code: str, doc_no: str, *, on: dt.date | None = None) -> dict[str, Any]:
    """补充耕地指标核定 from the 可用于占补平衡 new farmland of the accepted as-built state (area, 水田,
    粮食产能: ``areas.asbuilt_farmland``, the passing whole-project acceptance's as-built indicators);
    refused without a passing acceptance."""
    records.require_province(who, "ledger.issue")
    rules = load_rules()
    with records.read() as session:
        project = _project(session, who, project_code)
        _require_stage(project, wf.ACCEPTED, what="核定补充耕地指标")
        county, pid = project.county.code, project.id
        q, row = asbuilt_farmland(session, project, rules)
        source = f"{asbuilt_basis(row, rules)}{_plan_difference(session, project, q, rules)}"
        if q.area <= 0:
            raise L.LedgerRefused(f"项目 {project_code} 竣工后没有可用于占补平衡的新增耕地（{acceptance_name(row)}）")

    def build(session: Session, _balances: Any) -> list[L.Line]:
        other = session.scalars(
            select(LedgerPosting).where(LedgerPosting.doc_type == L.BCGD_ISSUE, LedgerPosting.project_id == pid)
        ).first()
        if other is not None:
            raise L.LedgerRefused(
                f"项目 {project_code} 的补充耕地指标已由 {other.doc_no} 核定（记账号 {other.id}），不能重复核定"
            )
        return L.bcgd_issue_lines(county, q)

    doc = Doc(L.BCGD_ISSUE, doc_no, county, L.BCGD, "", pid, posted_on=on or today(), memo=source, basis=ASBUILT)
    return _post(who, "ledger.issue", doc, build)


def _plan_difference(session: Session, project: Project, built: L.Qty, rules: L.LedgerRules) -> str:
    """The 核减 of the as-built figure against the approved plan's, for the issuing posting's memo."""
    try:
        planned = farmland_quantity(_approved_version(session, project).indicators, rules)
    except L.LedgerRefused:
        return ""
    cut = planned - built
    if cut == L.ZERO:
        return "；与方案一致"
    change = f"核减 {L.describe(cut)}" if cut.area >= 0 else f"增加 {L.describe(-cut)}"
    return f"；方案 {L.describe(planned)}，竣工较方案{change}"


def correct(
    who: Actor,
    doc_type: str,
    original_doc: str,
    doc_no: str,
    *,
    area_m2: float | None = None,
    area_mu: float | None = None,
    paddy_m2: float | None = None,
    paddy_mu: float | None = None,
    grain_kg: float | None = None,
    reason: str,
    on: dt.date | None = None,
) -> dict[str, Any]:
    """核减 of an issuing posting (指标核定 or 周转指标下达): at most what it issued less earlier 核减."""
    records.require_province(who, "ledger.issue")
    if doc_type not in L.ISSUING:
        raise InvalidRecord(f"只能核减 {'、'.join(L.DOC_TYPES[t] for t in L.ISSUING)}", field="doc_type")
    if not reason.strip():
        raise InvalidRecord("核减须写明原因", field="reason")
    original_doc = L.normalise_doc_no(original_doc)
    q = stated_qty(area_m2=area_m2, area_mu=area_mu, paddy_m2=paddy_m2, paddy_mu=paddy_mu, grain_kg=grain_kg)
    with records.read() as session:
        original = session.scalars(
            select(LedgerPosting).where(LedgerPosting.doc_type == doc_type, LedgerPosting.doc_no == original_doc)
        ).first()
        if original is None:
            raise NotFound(f"{L.DOC_TYPES[doc_type]} {original_doc} 没有记账", feature=original_doc)
        holder = session.get(Unit, original.unit_id)
        assert holder is not None
        records.visible(who, holder, f"{L.DOC_TYPES[doc_type]} {original_doc}")
        oid, county, kind, area_code = original.id, holder.code, original.kind, original.area_code
        original_lines = _lines_of(session, original)

    def build(session: Session, _balances: Any) -> list[L.Line]:
        done = session.scalars(select(LedgerPosting).where(LedgerPosting.corrects_id == oid)).all()
        corrected = L.ZERO
        for p in done:
            for ln in _lines_of(session, p):
                if ln.account.bucket in (L.SOURCE, L.OWED):
                    corrected = corrected + ln.qty
        return L.correct_lines(original_lines, q, corrected=corrected)

    target_kind = L.ZZ if doc_type == L.ZZ_ISSUE else kind
    try:
        expected: tuple[L.Line, ...] | None = tuple(L.correct_lines(original_lines, q, corrected=L.ZERO))
    except L.LedgerRefused:
        expected = ()  # cannot equal a stored (valid) 核减; refused with its reason when built
    doc = Doc(
        L.CORRECT,
        doc_no,
        county,
        target_kind,
        area_code,
        original.project_id,
        oid,
        posted_on=on or today(),
        memo=reason,
        expected=expected,
    )
    return _post(who, "ledger.issue", doc, build)


def correct_farmland(
    who: Actor, project_code: str, doc_no: str, *, reason: str = "", on: dt.date | None = None
) -> dict[str, Any]:
    """核减 after a 复核: the project's 补充耕地指标核定 less its earlier 核减 is brought down to the latest
    passing acceptance's as-built figure (``areas.asbuilt_farmland``) through ``correct``, the reason
    naming that acceptance (and ``reason``, when given, after it). Refused when nothing is to be cut or
    the new figure is larger in any part."""
    rules = load_rules()
    with records.read() as session:
        project = _project(session, who, project_code)
        pid = project.id
        issued = session.scalars(
            select(LedgerPosting).where(LedgerPosting.doc_type == L.BCGD_ISSUE, LedgerPosting.project_id == pid)
        ).first()
        if issued is None:
            raise L.LedgerRefused(f"项目 {project_code} 尚未核定补充耕地指标")
        q, row = asbuilt_farmland(session, project, rules)
        net = L.ZERO
        for p in [issued, *session.scalars(select(LedgerPosting).where(LedgerPosting.corrects_id == issued.id))]:
            for ln in _lines_of(session, p):
                if ln.account.bucket == L.SOURCE:
                    net = net - ln.qty
        cut, original, name = net - q, issued.doc_no, acceptance_name(row)
    if cut == L.ZERO:
        raise L.LedgerRefused(f"项目 {project_code} 的补充耕地指标与{name}的竣工成果一致，无需核减")
    if min(cut.area, cut.paddy, cut.grain) < 0 or cut.area == 0:
        raise L.LedgerRefused(
            f"{name}的竣工成果 {L.describe(q)} 不小于已核定 {L.describe(net)}：增加的指标须另行核定，不能以核减记账"
        )
    return correct(
        who,
        L.BCGD_ISSUE,
        original,
        doc_no,
        area_m2=cut.area / L.AREA_UNITS_PER_M2,
        paddy_m2=cut.paddy / L.AREA_UNITS_PER_M2,
        grain_kg=cut.grain,
        reason=f"按{name}复核核减（竣工成果 {L.describe(q)}）" + (f"：{reason.strip()}" if reason.strip() else ""),
        on=on,
    )

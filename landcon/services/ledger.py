"""Quota ledgers (增减挂钩节余/周转指标, 补充耕地指标) and 入市 records: posting, balances, history, check.

Every posting is one source document, built into balanced lines by ``engine.ledger`` and written in
one audited transaction. The accounts it touches are locked first (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite transactions are ``BEGIN IMMEDIATE``), balances are summed from the entries
inside that lock, and the engine refuses any line that would take a holding account below zero —
so two users spending the last quota at the same moment get one success and one "余额不足".

Quota is created only from records whose areas the engine computed: 周转指标 and 拆旧复垦 from a
项目区 of the project's submitted (approved) plan, 补充耕地指标 from its 可用于占补平衡 indicators
once the project has passed 验收.
"""

from __future__ import annotations

import datetime as dt
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Concatenate, ParamSpec

import pandas as pd
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landcon import config
from landcon.engine import ledger as L
from landcon.engine import workflow as wf
from landcon.engine.indicators import registry as indicators_reg
from landcon.engine.org import COUNTY, PROVINCE
from landcon.errors import InvalidRecord, LandconError, NotFound
from landcon.services import records
from landcon.services.ledger_amounts import (  # noqa: F401 - entry points read typed numbers through this module
    m2_from_mu,
    occupied_qty,
    parse_number,
    parse_optional,
    stated_qty,
)
from landcon.services.projects import get_project, today
from landcon.services.records import Actor
from landcon.store.db import Database
from landcon.store.layers import read_csv_table
from landcon.store.models import (
    LedgerAccount,
    LedgerArea,
    LedgerEntry,
    LedgerPosting,
    LedgerTransfer,
    MarketDeal,
    PlanVersion,
    Project,
    Unit,
)

#: Names for entry points (which may not import the engine): kinds, buckets, document types.
KINDS, BUCKETS, DOC_TYPES, FARMLAND_CLASSES = L.KINDS, L.BUCKETS, L.DOC_TYPES, L.FARMLAND_CLASSES
M2_PER_MU = L.M2_PER_MU  # 亩 typed by users are converted with this one factor
LedgerRefused, InsufficientBalance = L.LedgerRefused, L.InsufficientBalance

P = ParamSpec("P")

APPROVED_STAGE = "implementation"  # a project at or past this stage has an approved plan
ACCEPTANCE_STAGE = "acceptance"  # a project past this stage has been accepted (验收)


def load_rules() -> L.LedgerRules:
    """The ledger rules: built-in values, overridden by ``LANDCON_LEDGER_RULES`` (YAML)."""
    path = config.ledger_rules_file()
    if path is None:
        return L.LedgerRules()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return L.rules_from_dict(data)
    except (OSError, yaml.YAMLError, ValueError, TypeError) as error:
        raise InvalidRecord(f"台账规则文件无法使用：{error}", path=str(path)) from error


# Units, accounts, balances ----------------------------------------------------------------------


def _unit(session: Session, code: str) -> Unit:
    unit = session.scalars(select(Unit).where(Unit.code == code)).first()
    if unit is None:
        raise NotFound(f"行政单位 {code} 不存在", feature=code)
    return unit


#: Unit ids by code per open database (a unit's id and code never change).
_UNIT_IDS: weakref.WeakKeyDictionary[Database, dict[str, int]] = weakref.WeakKeyDictionary()


def _unit_id(session: Session, code: str) -> int:
    cache = _UNIT_IDS.setdefault(records.database(), {})
    if code not in cache:
        cache[code] = _unit(session, code).id
    return cache[code]


def _holder(session: Session, who: Actor, code: str, action: str) -> Unit:
    """A unit that may hold quota (a county or the province), in the actor's scope for ``action``."""
    unit = _unit(session, code)
    if unit.level not in (COUNTY, PROVINCE):
        raise InvalidRecord(f"{unit.name}（{code}）不是县级或省级单位，不能持有指标", feature=code)
    records.visible(who, unit, f"{unit.name} 的指标账户")
    records.require(who, action, unit)
    return unit


def _province_code(code: str) -> str:
    return code[:2] + "0000"


#: Account ids per open database (a restored or reopened database gets a new ``Database`` and a new cache).
_ACCOUNT_IDS: weakref.WeakKeyDictionary[Database, dict[L.AccountKey, int]] = weakref.WeakKeyDictionary()


def _account_ids(who: Actor, keys: Sequence[L.AccountKey]) -> dict[L.AccountKey, int]:
    """Ids of the accounts, created (audited, in their own transaction) when missing. Accounts are
    never deleted, so ids are cached per open database."""
    cache = _ACCOUNT_IDS.setdefault(records.database(), {})
    out = {k: cache[k] for k in keys if k in cache}
    missing = [k for k in dict.fromkeys(keys) if k not in out]
    for attempt in range(3):
        if not missing:
            break
        with records.read() as session:
            units = {
                u.code: u.id for u in session.scalars(select(Unit).where(Unit.code.in_({k.unit for k in missing})))
            }
            for k in list(missing):
                row = session.scalars(
                    select(LedgerAccount.id).where(
                        LedgerAccount.unit_id == units[k.unit],
                        LedgerAccount.kind == k.kind,
                        LedgerAccount.bucket == k.bucket,
                        LedgerAccount.area_code == k.area,
                    )
                ).first()
                if row is not None:
                    out[k] = row
                    missing.remove(k)
        if not missing:
            break
        try:
            with records.write(who, "ledger.account") as session:
                for k in missing:
                    session.add(LedgerAccount(unit_id=units[k.unit], kind=k.kind, bucket=k.bucket, area_code=k.area))
        except InvalidRecord:
            if attempt == 2:
                raise  # pragma: no cover - three concurrent creations in a row
    cache.update(out)
    return out


def _sums(session: Session, ids: Sequence[int]) -> dict[int, L.Qty]:
    rows = session.execute(
        select(
            LedgerEntry.account_id,
            func.coalesce(func.sum(LedgerEntry.area), 0),
            func.coalesce(func.sum(LedgerEntry.paddy), 0),
            func.coalesce(func.sum(LedgerEntry.grain), 0),
        )
        .where(LedgerEntry.account_id.in_(list(ids)))
        .group_by(LedgerEntry.account_id)
    )
    return {int(a): L.Qty(int(x), int(p), int(g)) for a, x, p, g in rows}


def _lock(session: Session, ids: Sequence[int]) -> None:
    """Row locks on the accounts a posting touches, in id order (no deadlock between two postings)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            select(LedgerAccount.id)
            .where(LedgerAccount.id.in_(sorted(ids)))
            .order_by(LedgerAccount.id)
            .with_for_update()
        ).all()


def _for_update(session: Session, stmt: Any) -> Any:
    """``stmt`` with ``FOR UPDATE`` on PostgreSQL: 项目区 postings queue on the 项目区 row (every rule of a
    项目区 — cap, one reclamation, 建新 ≤ 拆旧 — is then checked on committed figures)."""
    return stmt.with_for_update() if session.get_bind().dialect.name == "postgresql" else stmt


def _reclaimed(session: Session, county: str, area_code: str) -> LedgerPosting | None:
    """The 拆旧复垦验收 posting of a 项目区, if it has been posted."""
    return session.scalars(
        select(LedgerPosting)
        .join(Unit, Unit.id == LedgerPosting.unit_id)
        .where(LedgerPosting.doc_type == L.RECLAIM, Unit.code == county, LedgerPosting.area_code == area_code)
    ).first()


def _unit_names(session: Session, codes: set[str]) -> dict[str, str]:
    return {u.code: u.name for u in session.scalars(select(Unit).where(Unit.code.in_(codes)))}


# Postings ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Doc:
    """What every posting records about its source document."""

    doc_type: str
    doc_no: str
    holder: str  # unit code the posting is for
    kind: str
    area_code: str = ""
    project_id: int | None = None
    corrects_id: int | None = None
    posted_on: dt.date | None = None
    due_date: dt.date | None = None
    memo: str = ""
    #: The lines when they follow from the request alone (use, transfer, freeze, 核减): a repeat of the
    #: document must carry the same lines; issuing documents are compared by holder and 项目区 only.
    expected: tuple[L.Line, ...] | None = None

    def __post_init__(self) -> None:
        # One document typed two ways (full-width digits, [2027] for 〔2027〕, spaces) is one document.
        object.__setattr__(self, "doc_no", L.normalise_doc_no(self.doc_no))


Builder = Callable[[Session, Callable[[Sequence[L.AccountKey]], dict[L.AccountKey, L.Qty]]], list[L.Line]]


def _lines_of(session: Session, posting: LedgerPosting) -> list[L.Line]:
    ids = {e.account_id for e in posting.entries}
    accounts = {a.id: a for a in session.scalars(select(LedgerAccount).where(LedgerAccount.id.in_(ids)))}
    codes = {
        a.id: u
        for a, u in session.execute(
            select(LedgerAccount, Unit.code)
            .join(Unit, Unit.id == LedgerAccount.unit_id)
            .where(LedgerAccount.id.in_(ids))
        )
    }
    out = []
    for e in sorted(posting.entries, key=lambda x: x.id):
        a = accounts[e.account_id]
        out.append(L.Line(L.AccountKey(codes[a.id], a.kind, a.bucket, a.area_code), L.Qty(e.area, e.paddy, e.grain)))
    return out


def _existing(session: Session, doc: Doc) -> LedgerPosting | None:
    found = session.scalar(
        select(LedgerPosting.id).where(LedgerPosting.doc_type == doc.doc_type, LedgerPosting.doc_no == doc.doc_no)
    )
    return None if found is None else session.get(LedgerPosting, found)


def _post(
    who: Actor,
    action: str,
    doc: Doc,
    build: Builder,
    *,
    extra: Callable[[Session, LedgerPosting], None] | None = None,
    attempt: int = 0,
) -> dict[str, Any]:
    """Write one posting: idempotent on (doc_type, doc_no). Inside the transaction the accounts are locked
    first, then the lines are built and checked by the engine on balances read under that lock."""
    if not doc.doc_no.strip():
        raise InvalidRecord("须填写来源文件编号（文号、合同号或验收文件号）", field="doc_no")
    if doc.expected:  # the lines follow from the request: no draft needed to know the accounts
        draft = list(doc.expected)
    else:
        with records.read() as session:
            if (old := _existing(session, doc)) is not None:
                return _duplicate(session, old, doc)
            # Which accounts the lines will touch: built once on the current balances, outside the lock.
            draft = build(session, lambda keys: _read_balances(session, keys))
    ids = _account_ids(who, [ln.account for ln in draft])
    try:
        with records.write(who, action) as session:
            if (old := _existing(session, doc)) is not None:
                return _duplicate(session, old, doc)
            holder_id = _unit_id(session, doc.holder)
            _lock(session, list(ids.values()))
            # Someone may have posted the same document while this one waited for the locks (PostgreSQL,
            # READ COMMITTED): it is a duplicate, not a posting to check against the balance it left.
            if (old := _existing(session, doc)) is not None:
                return _duplicate(session, old, doc)

            def balances(keys: Sequence[L.AccountKey]) -> dict[L.AccountKey, L.Qty]:
                return _read_balances(session, keys, ids=ids)

            lines = build(session, balances)
            missing = [ln.account for ln in lines if ln.account not in ids]
            if missing:  # the balances moved between the draft and the lock: rare, so just retry
                raise _Retry
            current = balances([ln.account for ln in lines])
            names = _unit_names(session, {ln.account.unit for ln in lines})
            L.apply(lines, current, names)
            posting = _new_posting(who, doc, holder_id, lines, ids)
            session.add(posting)
            session.flush()
            if extra is not None:
                extra(session, posting)
            result = _posting_dict(posting, lines, names)
    except _Retry:
        return _post(who, action, doc, build, extra=extra, attempt=attempt + 1)
    except InvalidRecord:
        with records.read() as session:  # the same document posted by someone else at the same moment
            if (old := _existing(session, doc)) is not None:
                return _duplicate(session, old, doc)
        if attempt < 2:  # another posting stored the same 项目区 snapshot at the same moment
            return _post(who, action, doc, build, extra=extra, attempt=attempt + 1)
        raise
    result["duplicate"] = False
    return result


class _Retry(Exception):
    pass


def _new_posting(
    who: Actor, doc: Doc, holder_id: int, lines: Sequence[L.Line], ids: dict[L.AccountKey, int]
) -> LedgerPosting:
    posting = LedgerPosting(
        doc_type=doc.doc_type,
        doc_no=doc.doc_no,
        unit_id=holder_id,
        kind=doc.kind,
        area_code=doc.area_code,
        project_id=doc.project_id,
        corrects_id=doc.corrects_id,
        posted_on=doc.posted_on or today(),
        due_date=doc.due_date,
        memo=doc.memo,
        created_by=who.username,
    )
    posting.entries = [
        LedgerEntry(account_id=ids[ln.account], area=ln.qty.area, paddy=ln.qty.paddy, grain=ln.qty.grain)
        for ln in lines
    ]
    return posting


@dataclass(frozen=True)
class Prepared:
    """A posting request checked for permission and input, ready to be written (alone or in a batch)."""

    action: str
    doc: Doc
    build: Builder
    extra: Callable[[Session, LedgerPosting], None] | None = None
    #: 调剂 contract terms a repeated contract must carry unchanged: (price, received, counterparty).
    terms: tuple[int, int, str] | None = None
    #: The contract as shown with the posting (调剂 only).
    transfer: dict[str, Any] | None = None


def _posting(
    prepare: Callable[Concatenate[Session, Actor, P], Prepared],
) -> Callable[Concatenate[Actor, P], dict[str, Any]]:
    """The use case posting one document: ``prepare`` checks it in a read transaction, ``_post`` writes it;
    a repeated 调剂 contract must carry the stored terms."""

    def post(who: Actor, /, *args: P.args, **kwargs: P.kwargs) -> dict[str, Any]:
        with records.read() as session:
            p = prepare(session, who, *args, **kwargs)
        result = _post(who, p.action, p.doc, p.build, extra=p.extra)
        if result["duplicate"] and p.terms is not None:
            with records.read() as session:
                _same_terms(session, result["id"], p)
        if p.transfer is not None:
            result["transfer"] = p.transfer
        return result

    post.__doc__ = prepare.__doc__
    return post


def _read_balances(
    session: Session,
    keys: Sequence[L.AccountKey],
    *,
    ids: dict[L.AccountKey, int] | None = None,
) -> dict[L.AccountKey, L.Qty]:
    """Balances of the accounts (zero for accounts that do not exist yet)."""
    if ids is None:
        found: dict[L.AccountKey, int] = {}
        for k in keys:
            row = session.execute(
                select(LedgerAccount.id)
                .join(Unit, Unit.id == LedgerAccount.unit_id)
                .where(
                    Unit.code == k.unit,
                    LedgerAccount.kind == k.kind,
                    LedgerAccount.bucket == k.bucket,
                    LedgerAccount.area_code == k.area,
                )
            ).first()
            if row is not None:
                found[k] = int(row[0])
        ids = found
    known = {k: ids[k] for k in keys if k in ids}
    sums = _sums(session, list(known.values()))
    return {k: sums.get(known[k], L.ZERO) if k in known else L.ZERO for k in keys}


def _duplicate(session: Session, old: LedgerPosting, doc: Doc) -> dict[str, Any]:
    """A document already posted: the same posting again is a no-op; a different one is refused."""
    holder = session.get(Unit, old.unit_id)
    if holder is None or holder.code != doc.holder or old.kind != doc.kind or old.area_code != doc.area_code:
        raise L.LedgerRefused(
            f"{L.DOC_TYPES[doc.doc_type]} {doc.doc_no} 已于 {old.posted_on.isoformat()} 记账（记账号 {old.id}），"
            "内容与本次不同：同一来源文件只能记账一次，更正请用核减"
        )
    lines = _lines_of(session, old)
    if doc.expected is not None and tuple(lines) != doc.expected:
        raise L.LedgerRefused(
            f"{L.DOC_TYPES[doc.doc_type]} {doc.doc_no} 已于 {old.posted_on.isoformat()} 记账（记账号 {old.id}），"
            "数量或账户与本次不同：同一来源文件只能记账一次，更正请用核减"
        )
    result = _posting_dict(old, lines, _unit_names(session, {ln.account.unit for ln in lines}))
    result["duplicate"] = True
    return result


def _posting_dict(p: LedgerPosting, lines: Sequence[L.Line], names: dict[str, str]) -> dict[str, Any]:
    return {
        "id": p.id,
        "doc_type": p.doc_type,
        "doc_type_name": L.DOC_TYPES[p.doc_type],
        "doc_no": p.doc_no,
        "kind": p.kind,
        "kind_name": L.KINDS[p.kind],
        "area_code": p.area_code,
        "posted_on": p.posted_on.isoformat(),
        "due_date": p.due_date.isoformat() if p.due_date else None,
        "memo": p.memo,
        "created_by": p.created_by,
        "lines": [
            {
                "unit": ln.account.unit,
                "unit_name": names.get(ln.account.unit, ln.account.unit),
                "kind": ln.account.kind,
                "bucket": ln.account.bucket,
                "bucket_name": L.BUCKETS[ln.account.bucket],
                "area_code": ln.account.area,
                "account": L.account_label(ln.account, names),
                **ln.qty.as_dict(),
            }
            for ln in lines
        ],
    }


# Sources computed by the engine ------------------------------------------------------------------


def _stage_reached(project: Project, stage: str, *, past: bool) -> bool:
    chain = wf.Chain.from_dict(project.chain)
    codes = [s.code for s in chain.stages]
    if stage not in codes:
        return False
    here, target = codes.index(project.stage), codes.index(stage)
    return here > target if past else here >= target


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


def _require_stage(project: Project, stage: str, *, past: bool, what: str) -> None:
    if not _stage_reached(project, stage, past=past):
        need = "通过验收" if past else "方案获批（进入实施阶段）"
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


def _project(session: Session, who: Actor, code: str) -> Project:
    return get_project(session, who, code)


# Use cases: posting -----------------------------------------------------------------------------


def issue_revolving(
    who: Actor, project_code: str, area_code: str, area_m2: float, doc_no: str, *, on: dt.date | None = None
) -> dict[str, Any]:
    """周转指标下达 to a 项目区 of an approved project; cumulative issue ≤ its 拆旧 area (engine)."""
    records.require_province(who, "ledger.issue")
    rules = load_rules()
    on = on or today()
    with records.read() as session:
        project = _project(session, who, project_code)
        _require_stage(project, APPROVED_STAGE, past=False, what="下达周转指标")
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


def reclaim(
    who: Actor, project_code: str, area_code: str, doc_no: str, *, reserve_m2: float, on: dt.date | None = None
) -> dict[str, Any]:
    """拆旧复垦验收 of a 项目区 (project past 验收): unused 周转指标 lapses, the engine's 拆旧 area returns the rest
    first, then the village's housing reservation (``reserve_m2``, declared by the township, may be 0), the
    rest is 节余指标 (engine.ledger.reclaim_split)."""
    records.require_province(who, "ledger.issue")
    with records.read() as session:
        project = _project(session, who, project_code)
        _require_stage(project, ACCEPTANCE_STAGE, past=True, what="核定拆旧复垦指标")
        county, pid = project.county.code, project.id
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
        return L.reclaim_lines(county, area_code, L.units_from_dm2(snap.demolished_dm2), owed, reserve, unused)

    doc = Doc(
        L.RECLAIM,
        doc_no,
        county,
        L.JSJG,
        area_code,
        pid,
        posted_on=on or today(),
        memo=f"本村建房预留申报 {reserve_m2:g} m²",
    )
    return _post(who, "ledger.issue", doc, build)


def issue_farmland(who: Actor, project_code: str, doc_no: str, *, on: dt.date | None = None) -> dict[str, Any]:
    """补充耕地指标核定 from an accepted project's 可用于占补平衡 new farmland (engine indicators)."""
    records.require_province(who, "ledger.issue")
    rules = load_rules()
    with records.read() as session:
        project = _project(session, who, project_code)
        _require_stage(project, ACCEPTANCE_STAGE, past=True, what="核定补充耕地指标")
        county, pid = project.county.code, project.id
        q = farmland_quantity(_approved_version(session, project).indicators, rules)
        if q.area <= 0:
            raise L.LedgerRefused(f"项目 {project_code} 没有可用于占补平衡的新增耕地")

    def build(session: Session, _balances: Any) -> list[L.Line]:
        other = session.scalars(
            select(LedgerPosting).where(LedgerPosting.doc_type == L.BCGD_ISSUE, LedgerPosting.project_id == pid)
        ).first()
        if other is not None:
            raise L.LedgerRefused(
                f"项目 {project_code} 的补充耕地指标已由 {other.doc_no} 核定（记账号 {other.id}），不能重复核定"
            )
        return L.bcgd_issue_lines(county, q)

    doc = Doc(L.BCGD_ISSUE, doc_no, county, L.BCGD, "", pid, posted_on=on or today())
    return _post(who, "ledger.issue", doc, build)


def _prepare_use(
    session: Session,
    who: Actor,
    unit: str,
    kind: str,
    doc_no: str,
    *,
    area_m2: float | None = None,
    area_mu: float | None = None,
    paddy_m2: float | None = None,
    paddy_mu: float | None = None,
    grain_kg: float | None = None,
    grade: int | str | None = None,
    dlbm: str | None = None,
    area_code: str = "",
    reserved: bool = False,
    on: dt.date | None = None,
    memo: str = "",
) -> Prepared:
    """建设用地审批使用 (批准文号): 可用 or 本村建房预留 → 已使用.

    A use of 补充耕地指标 deducts area, 水田 and 粮食产能 together (占补平衡 is 数量、水田、产能 three-fold,
    domain §5.3): the document states the 水田 part and the capacity, or they follow from the occupied
    farmland — 水田 from its class ``dlbm`` (0101 all, 0102/0103 none), capacity = area (亩) × kg per 亩 of
    its 等别 ``grade`` (``LedgerRules.grain_kg_per_mu``)."""
    _kind(kind)
    _holder(session, who, unit, "ledger.post")
    if area_code:
        _area_of(session, unit, area_code)
    q = stated_qty(
        area_m2=area_m2, area_mu=area_mu, paddy_m2=paddy_m2, paddy_mu=paddy_mu, grain_kg=grain_kg, what="使用面积"
    )
    if kind == L.BCGD:
        stated_paddy = paddy_m2 is not None or paddy_mu is not None
        q = occupied_qty(q, stated_paddy=stated_paddy, stated_grain=grain_kg is not None, grade=grade, dlbm=dlbm,
                         rules=load_rules())  # fmt: skip
    elif grade is not None or dlbm is not None:
        raise InvalidRecord("被占耕地的等别和地类只用于补充耕地指标（bcgd）")
    lines = L.use_lines(unit, kind, q, area_code=area_code, reserved=reserved)
    code = lines[0].account.area

    def build(session: Session, balances: Any) -> list[L.Line]:
        if code:  # 建新 inside a 项目区: cumulative use ≤ its 拆旧 area, checked on the locked 项目区 row
            snap = _area_of(session, unit, code, lock=True)
            L.apply(lines, balances([ln.account for ln in lines]))  # a short balance is named first
            used = _used_in_area(session, unit, code)
            if used + q.area > L.units_from_dm2(snap.demolished_dm2):
                raise L.LedgerRefused(
                    f"项目区 {code} 建新使用累计将达 {L.mu(used + q.area):,.2f} 亩，超过其拆旧面积 "
                    f"{L.mu(L.units_from_dm2(snap.demolished_dm2)):,.2f} 亩（建新不得超过拆旧）"
                )
        return lines

    doc = Doc(L.USE, doc_no, unit, kind, code, posted_on=on or today(), memo=memo, expected=tuple(lines))
    return Prepared("ledger.post", doc, build)


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


def parse_date(text: str | None, label: str) -> dt.date | None:
    """A date typed by a user (YYYY-MM-DD); empty means none (today, where the use case defaults)."""
    if text is None or not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidRecord(f"{label}应为日期 YYYY-MM-DD（填写的是“{text.strip()}”）", field=label) from None


def _kind(kind: str) -> None:
    if kind not in L.KINDS:
        raise InvalidRecord(
            f"未知指标种类 {kind}（可选：{'、'.join(f'{k} {v}' for k, v in L.KINDS.items())}）", field="kind"
        )


def _prepare_freeze(
    session: Session,
    who: Actor,
    unit: str,
    kind: str,
    doc_no: str,
    *,
    area_m2: float | None = None,
    area_mu: float | None = None,
    paddy_m2: float | None = None,
    paddy_mu: float | None = None,
    grain_kg: float | None = None,
    area_code: str = "",
    unfreeze: bool = False,
    reason: str = "",
    on: dt.date | None = None,
) -> Prepared:
    """冻结 (可用 → 冻结) or 解冻; a provincial supervisor's act, with its document number and reason."""
    records.require_province(who, "ledger.issue")
    _kind(kind)
    if not reason.strip():
        raise InvalidRecord("冻结或解冻须写明原因", field="reason")
    _holder(session, who, unit, "ledger.issue")
    q = stated_qty(area_m2=area_m2, area_mu=area_mu, paddy_m2=paddy_m2, paddy_mu=paddy_mu, grain_kg=grain_kg)
    lines = L.freeze_lines(unit, kind, q, area_code=area_code, unfreeze=unfreeze)
    doc = Doc(
        L.UNFREEZE if unfreeze else L.FREEZE, doc_no, unit, kind, area_code, posted_on=on or today(), memo=reason,
        expected=tuple(lines),
    )  # fmt: skip
    return Prepared("ledger.issue", doc, lambda _s, _b: lines)


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


def _same_terms(session: Session, posting_id: int, p: Prepared) -> None:
    """A repeated 调剂 contract must carry the stored price, money received and counterparty."""
    t = session.get(LedgerTransfer, posting_id)
    if t is None or (t.price_fen_per_mu, t.received_fen, t.counterparty) != p.terms:
        raise L.LedgerRefused(
            f"调剂合同 {p.doc.doc_no} 已记账（记账号 {posting_id}），单价、已收款或省外对方与本次不同："
            "同一合同只能记账一次"
        )


def _prepare_transfer(
    session: Session,
    who: Actor,
    kind: str,
    contract_no: str,
    *,
    price_yuan_per_mu: float,
    area_m2: float | None = None,
    area_mu: float | None = None,
    seller: str | None = None,
    buyer: str | None = None,
    counterparty: str = "",
    received_yuan: float = 0.0,
    paddy_m2: float | None = None,
    paddy_mu: float | None = None,
    grain_kg: float | None = None,
    on: dt.date | None = None,
) -> Prepared:
    """调剂 within the province (seller and buyer both units) or across provinces (one side is
    ``counterparty``, a party outside the province). Total = area (亩, 2 dp) × price per 亩."""
    _kind(kind)
    seller, buyer = seller or None, buyer or None
    if seller is None and buyer is None:
        raise InvalidRecord("调剂须给出调出方或调入方")
    cross = seller is None or buyer is None
    party = counterparty.strip()
    if cross and not party:
        raise InvalidRecord("跨省调剂须写明省外对方（如 浙江省绍兴市）", field="counterparty")
    inside = seller or buyer
    assert inside is not None
    _holder(session, who, inside, "ledger.transfer")
    if seller and buyer:
        other = _unit(session, buyer)
        if other.level not in (COUNTY, PROVINCE):
            raise InvalidRecord(f"{other.name}（{buyer}）不是县级或省级单位，不能持有指标", feature=buyer)
        if _province_code(buyer) != _province_code(seller):
            raise InvalidRecord("省内调剂双方须在同一省；跨省调剂请用 --counterparty 写明省外对方")
    q = stated_qty(area_m2=area_m2, area_mu=area_mu, paddy_m2=paddy_m2, paddy_mu=paddy_mu, grain_kg=grain_kg)
    lines = L.transfer_lines(seller, buyer, kind, q, province=_province_code(inside))
    price = L.fen(price_yuan_per_mu, "单价（元/亩）")
    total = L.transfer_total_fen(q.area, price)
    if total > L.MAX_YUAN * 100:  # each amount in range, but together beyond any contract (and a BIGINT)
        raise L.InvalidAmount(
            f"合同总价 {L.yuan(total):,.0f} 元 超出合理范围（不超过 {L.MAX_YUAN:g} 元），请检查面积和单价"
        )
    received = L.fen(received_yuan, "已收款（元）")
    if received > total:
        raise InvalidRecord(f"已收款 {received_yuan:,.2f} 元 超过合同总价 {L.yuan(total):,.2f} 元")

    def extra(session: Session, posting: LedgerPosting) -> None:
        session.add(
            LedgerTransfer(
                posting_id=posting.id,
                seller_unit_id=_unit_id(session, seller) if seller else None,
                buyer_unit_id=_unit_id(session, buyer) if buyer else None,
                counterparty=party,
                cross_province=cross,
                area=q.area,
                price_fen_per_mu=price,
                total_fen=total,
                received_fen=received,
            )
        )

    doc = Doc(L.TRANSFER, contract_no, inside, kind, posted_on=on or today(), memo=party, expected=tuple(lines))
    shown = {
        "seller": seller,
        "buyer": buyer,
        "counterparty": party,
        "cross_province": cross,
        "price_yuan_per_mu": L.yuan(price),
        "total_yuan": L.yuan(total),
        "received_yuan": L.yuan(received),
    }
    return Prepared("ledger.transfer", doc, lambda _s, _b: lines, extra, (price, received, party), shown)


use = _posting(_prepare_use)
freeze = _posting(_prepare_freeze)
transfer = _posting(_prepare_transfer)


# Many documents in one transaction ----------------------------------------------------------------

_PREPARERS: dict[str, Callable[..., Prepared]] = {
    "use": _prepare_use,
    "transfer": _prepare_transfer,
    "freeze": _prepare_freeze,
    "unfreeze": lambda session, who, *args, **kw: _prepare_freeze(session, who, *args, unfreeze=True, **kw),
}
BATCH_TYPES = tuple(_PREPARERS)


def post_many(who: Actor, items: Sequence[dict[str, Any]], *, source: str = "") -> dict[str, Any]:
    """Post many documents (使用、调剂、冻结、解冻) in one transaction: all or nothing.

    Each item is ``{"type": …, **the arguments of use/transfer/freeze}``. Every item is checked as if
    posted alone, in order, on the balances the earlier items leave; a refusal names the item (its
    position and document) and nothing is written. Documents already posted with the same content are
    skipped (an import can be run again); with other content the batch is refused. Uses inside a
    项目区 are posted one by one (``use``)."""
    start = time.perf_counter()
    prepared: list[Prepared] = []
    with records.read() as session:
        for n, item in enumerate(items, start=1):
            args = dict(item)
            kind = str(args.pop("type", ""))
            try:
                if kind not in _PREPARERS:
                    raise InvalidRecord(f"记账类型 {kind!r} 不能批量登记（可用：{'、'.join(BATCH_TYPES)}）")
                p = _PREPARERS[kind](session, who, **args)
                if kind == "use" and p.doc.area_code:
                    raise InvalidRecord("项目区内的建新使用请逐条登记（landcon ledger post use --project-area）")
            except TypeError as error:
                raise InvalidRecord(f"第 {n} 条：参数有误（{error}）", path=source or None, feature=n) from error
            except LandconError as error:
                raise type(error)(f"第 {n} 条：{error.message}", path=source or None, feature=n) from error
            prepared.append(p)
    ids = _account_ids(who, [ln.account for p in prepared for ln in p.doc.expected or ()])
    posted = duplicates = entries = 0
    with records.write(who, "ledger.post_many") as session:
        _lock(session, list(ids.values()))
        balances = _read_balances(session, list(ids), ids=ids)
        names = _unit_names(session, {k.unit for k in ids})
        stored = _stored_ids(session, [(p.doc.doc_type, p.doc.doc_no) for p in prepared])
        seen: set[tuple[str, str]] = set()
        pending: list[tuple[LedgerPosting, Prepared]] = []
        for n, p in enumerate(prepared, start=1):
            key = (p.doc.doc_type, p.doc.doc_no)
            try:
                if key in seen:
                    raise L.LedgerRefused(f"{L.DOC_TYPES[key[0]]} {key[1]} 在本批中出现两次")
                seen.add(key)
                if key in stored:
                    old = session.get(LedgerPosting, stored[key])
                    assert old is not None
                    _duplicate(session, old, p.doc)
                    if p.terms is not None:
                        _same_terms(session, old.id, p)
                    duplicates += 1
                    continue
                lines = p.build(session, lambda keys: {k: balances.get(k, L.ZERO) for k in keys})
                balances.update(L.apply(lines, balances, names))
            except L.LedgerRefused as error:
                raise type(error)(
                    f"第 {n} 条（{L.DOC_TYPES[key[0]]} {key[1]}）：{error.message}", path=source or None
                ) from error
            posting = _new_posting(who, p.doc, _unit_id(session, p.doc.holder), lines, ids)
            session.add(posting)
            pending.append((posting, p))
            posted += 1
            entries += len(lines)
        session.flush()
        for posting, p in pending:
            if p.extra is not None:
                p.extra(session, posting)
    seconds = time.perf_counter() - start
    return {
        "documents": len(items),
        "posted": posted,
        "duplicates": duplicates,
        "entries": entries,
        "seconds": round(seconds, 3),
        "entries_per_second": round(entries / seconds, 1) if seconds > 0 else None,
    }


#: Columns of a batch file (CSV, UTF-8 or GBK) and what they become.
BATCH_COLUMNS: dict[str, str] = {
    "type": "记账类型：use 使用 / transfer 调剂 / freeze 冻结 / unfreeze 解冻",
    "doc": "来源文件编号（文号或合同号）",
    "unit": "单位代码（use、freeze、unfreeze）",
    "kind": "指标种类 jsjg / bcgd（zz 只能逐条在项目区内使用）",
    "area_mu": "面积（亩；或用 area_m2 列给平方米）",
    "area_m2": "面积（平方米）",
    "paddy_mu": "其中水田（亩；bcgd 使用须给此列或 dlbm）",
    "grain_kg": "粮食产能（公斤；bcgd 使用须给此列或 grade）",
    "capacity_kg": "同 grain_kg",
    "grade": "被占耕地质量等别 1–15（bcgd 使用，按每亩产能计算粮食产能）",
    "dlbm": "被占耕地地类 0101 水田 / 0102 水浇地 / 0103 旱地（bcgd 使用，定其中水田面积）",
    "from": "调出单位代码（transfer）",
    "to": "调入单位代码（transfer）",
    "counterparty": "省外对方（跨省 transfer）",
    "price": "单价 元/亩（transfer）",
    "received": "已收款 元（transfer，可空）",
    "reason": "原因（freeze、unfreeze）",
    "on": "日期 YYYY-MM-DD（可空，默认今天）",
    "memo": "备注（use，可空）",
}


def post_file(who: Actor, path: str | Path) -> dict[str, Any]:
    """Post every row of a batch file in one transaction (``post_many``); columns: ``BATCH_COLUMNS``."""
    source = str(path)
    frame = read_csv_table(path)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    unknown = [c for c in frame.columns if c not in BATCH_COLUMNS]
    if unknown:
        raise InvalidRecord(f"未知的列：{'、'.join(unknown)}（可用：{'、'.join(BATCH_COLUMNS)}）", path=source)
    for needed in ("type", "doc", "kind"):
        if needed not in frame.columns:
            raise InvalidRecord("缺少必需的列", path=source, field=needed)
    items = []
    for n, row in enumerate(frame.to_dict("records"), start=1):
        cell = {k: str(v).strip() for k, v in row.items() if str(v).strip()}
        try:
            items.append(_batch_item(cell))
        except ValueError as error:
            raise InvalidRecord(f"第 {n} 行：{error}", path=source, feature=n) from error
        except LandconError as error:
            raise InvalidRecord(f"第 {n} 行：{error.message}", path=source, field=error.field, feature=n) from error
    return post_many(who, items, source=source)


def _batch_item(cell: dict[str, str]) -> dict[str, Any]:
    def number(column: str, limit: float) -> float | None:
        return L.amount(cell[column], column, limit=limit) if column in cell else None

    if ("area_mu" in cell) == ("area_m2" in cell):
        raise ValueError("area_mu 与 area_m2 须给且只给一个")
    if "grain_kg" in cell and "capacity_kg" in cell:
        raise ValueError("grain_kg 与 capacity_kg 是同一列，只给一个")
    when = parse_date(cell.get("on"), "on")
    item: dict[str, Any] = {
        "type": cell.get("type", ""),
        "kind": cell.get("kind", ""),
        "area_m2": number("area_m2", L.MAX_AREA_M2),
        "area_mu": number("area_mu", L.MAX_AREA_M2 / M2_PER_MU),
        "paddy_mu": number("paddy_mu", L.MAX_AREA_M2 / M2_PER_MU),
        "grain_kg": number("capacity_kg" if "capacity_kg" in cell else "grain_kg", L.MAX_GRAIN_KG),
        "on": when,
    }
    if item["type"] == "transfer":
        price = number("price", L.MAX_YUAN)
        if price is None:
            raise ValueError("缺少 price")
        item.update(
            contract_no=cell.get("doc", ""), seller=cell.get("from"), buyer=cell.get("to"),
            counterparty=cell.get("counterparty", ""), price_yuan_per_mu=price,
            received_yuan=number("received", L.MAX_YUAN) or 0.0,
        )  # fmt: skip
    else:
        item.update(unit=cell.get("unit", ""), doc_no=cell.get("doc", ""))
        if item["type"] in ("freeze", "unfreeze"):
            item["reason"] = cell.get("reason", "")
        else:
            if "memo" in cell:
                item["memo"] = cell["memo"]
            for column in ("grade", "dlbm"):
                if column in cell:
                    item[column] = cell[column]
    return item


def _stored_ids(session: Session, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Ids of the documents among ``keys`` that are already posted."""
    out: dict[tuple[str, str], int] = {}
    numbers = sorted({k[1] for k in keys})
    for i in range(0, len(numbers), 500):
        rows = session.execute(
            select(LedgerPosting.id, LedgerPosting.doc_type, LedgerPosting.doc_no).where(
                LedgerPosting.doc_no.in_(numbers[i : i + 500])
            )
        )
        out.update({(t, d): int(pid) for pid, t, d in rows})
    return {k: out[k] for k in keys if k in out}


# Reading ----------------------------------------------------------------------------------------


def _readable(session: Session, who: Actor, code: str) -> Unit:
    unit = _unit(session, code)
    records.visible(who, unit, f"{unit.name} 的指标台账")
    records.require(who, "ledger.read", unit)
    return unit


def balance(who: Actor, unit: str | None = None, *, kind: str | None = None) -> dict[str, Any]:
    """Balances of a unit's accounts (sums of entries) — for a province also every county's 可用."""
    if kind is not None:
        _kind(kind)
    with records.read() as session:
        u = _readable(session, who, unit or who.unit_code or "530000")
        q = (
            select(
                LedgerAccount.id,
                Unit.code,
                Unit.name,
                Unit.level,
                LedgerAccount.kind,
                LedgerAccount.bucket,
                LedgerAccount.area_code,
            )
            .join(Unit, Unit.id == LedgerAccount.unit_id)
            .order_by(Unit.code, LedgerAccount.kind, LedgerAccount.bucket, LedgerAccount.area_code)
        )
        q = q.where(Unit.path.startswith(u.path)) if u.level == PROVINCE else q.where(LedgerAccount.unit_id == u.id)
        if kind is not None:
            q = q.where(LedgerAccount.kind == kind)
        rows = session.execute(q).all()
        # Σ per account first (the covering index (account_id, area, paddy, grain)), then labelled.
        sums = _sums(session, [r[0] for r in rows])
    accounts = []
    totals: dict[tuple[str, str], L.Qty] = {}
    available: dict[tuple[str, str, str], L.Qty] = {}
    for account_id, code, name, level, k, bucket, area_code in rows:
        if account_id not in sums:
            continue
        qty = sums[account_id]
        if code == u.code or u.level != PROVINCE:
            accounts.append(
                {
                    "unit": code,
                    "unit_name": name,
                    "kind": k,
                    "kind_name": L.KINDS[k],
                    "bucket": bucket,
                    "bucket_name": L.BUCKETS[bucket],
                    "area_code": area_code,
                    **qty.as_dict(),
                }
            )
        if bucket in L.HOLDING:
            totals[(k, bucket)] = totals.get((k, bucket), L.ZERO) + qty
        if u.level == PROVINCE and level == COUNTY and bucket == L.AVAIL:
            available[(code, name, k)] = available.get((code, name, k), L.ZERO) + qty
    counties = [
        {"unit": c, "unit_name": n, "kind": k, "kind_name": L.KINDS[k], **v.as_dict()}
        for (c, n, k), v in sorted(available.items())
    ]
    summary = [
        {"kind": k, "kind_name": L.KINDS[k], "bucket": b, "bucket_name": L.BUCKETS[b], **v.as_dict()}
        for (k, b), v in sorted(totals.items())
    ]
    return {
        "unit": u.code,
        "unit_name": u.name,
        "level": u.level,
        "accounts": accounts,
        "summary": summary,
        "counties": counties,
    }


def history(
    who: Actor,
    unit: str | None = None,
    *,
    kind: str | None = None,
    doc_type: str | None = None,
    limit: int = 100,
    before: int | None = None,
) -> list[dict[str, Any]]:
    """Postings whose lines touch the unit's accounts (a province: every unit below it), newest first."""
    if doc_type is not None and doc_type not in L.DOC_TYPES:
        raise InvalidRecord(f"未知记账类型 {doc_type}", field="doc_type")
    with records.read() as session:
        u = _readable(session, who, unit or who.unit_code or "530000")
        touching = (
            select(LedgerEntry.posting_id)
            .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
            .join(Unit, Unit.id == LedgerAccount.unit_id)
            .where(Unit.path.startswith(u.path))
        )
        q = select(LedgerPosting).where(LedgerPosting.id.in_(touching)).order_by(LedgerPosting.id.desc()).limit(limit)
        if kind:
            q = q.where(LedgerPosting.kind == kind)
        if doc_type:
            q = q.where(LedgerPosting.doc_type == doc_type)
        if before:
            q = q.where(LedgerPosting.id < before)
        postings = list(session.scalars(q))
        out = []
        for p in postings:
            lines = _lines_of(session, p)
            item = _posting_dict(p, lines, _unit_names(session, {ln.account.unit for ln in lines}))
            t = session.get(LedgerTransfer, p.id)
            if t is not None:
                item["transfer"] = _transfer_dict(session, t)
            out.append(item)
        return out


def _transfer_dict(session: Session, t: LedgerTransfer) -> dict[str, Any]:
    def name(uid: int | None) -> str | None:
        if uid is None:
            return None
        unit = session.get(Unit, uid)
        return f"{unit.name}（{unit.code}）" if unit else None

    return {
        "seller": name(t.seller_unit_id) or t.counterparty,
        "buyer": name(t.buyer_unit_id) or t.counterparty,
        "cross_province": t.cross_province,
        "area_mu": L.mu(t.area),
        "price_yuan_per_mu": L.yuan(t.price_fen_per_mu),
        "total_yuan": L.yuan(t.total_fen),
        "received_yuan": L.yuan(t.received_fen),
        "outstanding_yuan": L.yuan(t.total_fen - t.received_fen),
    }


def transfers(who: Actor, unit: str | None = None) -> list[dict[str, Any]]:
    """调剂 contracts where the unit (or a unit below it) sells or buys, newest first."""
    with records.read() as session:
        u = _readable(session, who, unit or who.unit_code or "530000")
        ids = select(Unit.id).where(Unit.path.startswith(u.path))
        rows = session.execute(
            select(LedgerTransfer, LedgerPosting)
            .join(LedgerPosting, LedgerPosting.id == LedgerTransfer.posting_id)
            .where((LedgerTransfer.seller_unit_id.in_(ids)) | (LedgerTransfer.buyer_unit_id.in_(ids)))
            .order_by(LedgerPosting.id.desc())
        ).all()
        return [
            {
                "posting": p.id,
                "contract_no": p.doc_no,
                "signed_on": p.posted_on.isoformat(),
                "kind": p.kind,
                "kind_name": L.KINDS[p.kind],
                **_transfer_dict(session, t),
            }
            for t, p in rows
        ]


def revolving(who: Actor, unit: str | None = None) -> list[dict[str, Any]]:
    """周转指标 per issue: issued, returned (first in, first out), outstanding, deadline, overdue."""
    with records.read() as session:
        u = _readable(session, who, unit or who.unit_code or "530000")
        e, postings = _frames(session, where_path=u.path, kinds=(L.ZZ,))
        names = _unit_names(session, set(e["unit"]))
    due = {int(i): d for i, d in zip(postings["id"], postings["due_date"], strict=True) if d is not None}
    out = L.revolving_status(e, due, today())
    for item in out:
        item["unit_name"] = names.get(item["unit"], item["unit"])
        item["state"] = "逾期" if item["overdue"] else ("未到期" if item["outstanding"] > 0 else "已归还")
        for key in ("issued", "returned", "outstanding"):
            item[f"{key}_mu"] = L.mu(item[key])
    return out


def _frames(
    session: Session, *, where_path: str | None = None, kinds: Sequence[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Entries joined with their accounts (posting order) and the postings, as frames."""
    conn = session.connection()
    q = (
        select(
            LedgerEntry.posting_id,
            LedgerEntry.account_id,
            LedgerEntry.area,
            LedgerEntry.paddy,
            LedgerEntry.grain,
        )
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .join(Unit, Unit.id == LedgerAccount.unit_id)
        .order_by(LedgerEntry.posting_id, LedgerEntry.id)
    )
    a = select(
        LedgerAccount.id, Unit.code.label("unit"), LedgerAccount.kind, LedgerAccount.bucket, LedgerAccount.area_code
    ).join(Unit, Unit.id == LedgerAccount.unit_id)
    p = select(
        LedgerPosting.id, LedgerPosting.doc_type, LedgerPosting.doc_no, LedgerPosting.due_date, LedgerPosting.project_id
    )
    if where_path:
        q = q.where(Unit.path.startswith(where_path))
        a = a.where(Unit.path.startswith(where_path))
    if kinds:
        q = q.where(LedgerAccount.kind.in_(kinds))
        a = a.where(LedgerAccount.kind.in_(kinds))
    entries = pd.DataFrame(conn.execute(q).all(), columns=["posting_id", "account_id", "area", "paddy", "grain"])
    accounts = pd.DataFrame(conn.execute(a).all(), columns=["id", "unit", "kind", "bucket", "area_code"])
    postings = pd.DataFrame(conn.execute(p).all(), columns=["id", "doc_type", "doc_no", "due_date", "project_id"])
    for col in ("area", "paddy", "grain", "posting_id", "account_id"):
        entries[col] = entries[col].astype("int64")
    postings["due_date"] = [_as_date(d) for d in postings["due_date"]]
    return entries.merge(accounts.rename(columns={"id": "account_id"}), on="account_id", how="left"), postings


def _as_date(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def check(who: Actor) -> dict[str, Any]:
    """Recompute every balance from the entries and verify every invariant (engine.ledger.check_ledger).

    The check covers the whole province's ledger, so it is a provincial user's command."""
    records.require_province(who, "ledger.read")
    start = time.perf_counter()
    rules = load_rules()
    with records.read() as session:
        u = _readable(session, who, who.unit_code or "530000")
        conn = session.connection()
        entries = pd.DataFrame(
            conn.execute(
                select(
                    LedgerEntry.posting_id,
                    LedgerEntry.account_id,
                    LedgerEntry.area,
                    LedgerEntry.paddy,
                    LedgerEntry.grain,
                ).order_by(LedgerEntry.posting_id, LedgerEntry.id)
            ).all(),
            columns=["posting_id", "account_id", "area", "paddy", "grain"],
        ).astype("int64")
        accounts = pd.DataFrame(
            conn.execute(
                select(
                    LedgerAccount.id, Unit.code, LedgerAccount.kind, LedgerAccount.bucket, LedgerAccount.area_code
                ).join(Unit, Unit.id == LedgerAccount.unit_id)
            ).all(),
            columns=["id", "unit", "kind", "bucket", "area_code"],
        )
        postings = pd.DataFrame(
            conn.execute(
                select(
                    LedgerPosting.id,
                    LedgerPosting.doc_type,
                    LedgerPosting.doc_no,
                    LedgerPosting.due_date,
                    LedgerPosting.project_id,
                    LedgerPosting.area_code,
                    LedgerPosting.unit_id,
                )
            ).all(),
            columns=["id", "doc_type", "doc_no", "due_date", "project_id", "area_code", "unit_id"],
        )
        postings["due_date"] = [_as_date(d) for d in postings["due_date"]]
        expected = _expected_issues(session, postings, rules)
        demolished = {
            (code, a.code): L.units_from_dm2(a.demolished_dm2)
            for a, code in session.execute(select(LedgerArea, Unit.code).join(Unit, Unit.id == LedgerArea.unit_id))
        }
        transfers_df = pd.DataFrame(
            conn.execute(
                select(
                    LedgerTransfer.posting_id,
                    LedgerTransfer.area,
                    LedgerTransfer.price_fen_per_mu,
                    LedgerTransfer.total_fen,
                )
            ).all(),
            columns=["posting_id", "area", "price_fen_per_mu", "total_fen"],
        )
        deals_df = pd.DataFrame(
            conn.execute(
                select(
                    MarketDeal.contract_no,
                    MarketDeal.price_fen,
                    MarketDeal.cost_fen,
                    MarketDeal.rate,
                    MarketDeal.levy_fen,
                    MarketDeal.collective_fen,
                    MarketDeal.members_fen,
                )
            ).all(),
            columns=["contract_no", "price_fen", "cost_fen", "rate", "levy_fen", "collective_fen", "members_fen"],
        )
    findings, balances = L.check_ledger(
        entries, accounts, postings, expected_issue=expected, demolished=demolished, today=today()
    )
    findings += L.check_contracts(transfers_df, deals_df, rules)
    errors = sum(1 for f in findings if f.severity == "error")
    return {
        "unit": u.code,
        "ok": errors == 0,
        "errors": errors,
        "warnings": len(findings) - errors,
        "postings": len(postings),
        "entries": len(entries),
        "accounts": len(balances),
        "findings": [f.as_dict() for f in findings],
        "seconds": round(time.perf_counter() - start, 3),
    }


def _expected_issues(session: Session, postings: pd.DataFrame, rules: L.LedgerRules) -> dict[int, L.Qty]:
    """What each issuing posting should have issued, recomputed from the stored engine indicators."""
    issuing = postings[postings["doc_type"].isin([L.RECLAIM, L.BCGD_ISSUE])].dropna(subset=["project_id"])
    ids = {int(p) for p in issuing["project_id"]}
    accepted = {
        p.id: p
        for p in session.scalars(select(Project).where(Project.id.in_(ids)))
        if _stage_reached(p, ACCEPTANCE_STAGE, past=True)
    }
    demolished = {
        (a.project_id, a.code): L.units_from_dm2(a.demolished_dm2)
        for a in session.scalars(select(LedgerArea).where(LedgerArea.project_id.in_(list(accepted))))
    }
    farmland: dict[int, L.Qty | None] = {}
    out: dict[int, L.Qty] = {}
    for pid, doc_type, project_id, area_code in zip(
        issuing["id"], issuing["doc_type"], issuing["project_id"], issuing["area_code"], strict=True
    ):
        project = accepted.get(int(project_id))
        if project is None:
            continue
        if doc_type == L.RECLAIM:
            if (project.id, area_code) in demolished:
                out[int(pid)] = L.Qty(demolished[(project.id, area_code)])
            continue
        if project.id not in farmland:
            try:
                farmland[project.id] = farmland_quantity(_approved_version(session, project).indicators, rules)
            except L.LedgerRefused:
                farmland[project.id] = None
        if (q := farmland[project.id]) is not None:
            out[int(pid)] = q
    return out


# 入市 -------------------------------------------------------------------------------------------


MARKET_MODES = ("出让", "出租")


def market_add(
    who: Actor,
    county: str,
    contract_no: str,
    *,
    parcel_code: str,
    collective: str,
    mode: str,
    land_use: str,
    area_m2: float,
    term_years: int,
    price_yuan: float,
    cost_yuan: float = 0.0,
    rate: float | None = None,
    village: str | None = None,
    signed_on: dt.date | None = None,
) -> dict[str, Any]:
    """Record a 集体经营性建设用地入市 deal; 调节金 and the income split are computed (engine.ledger)."""
    rules = load_rules()
    if mode not in MARKET_MODES:
        raise InvalidRecord(f"入市方式应为 {'或'.join(MARKET_MODES)}", field="mode")
    area = L.amount(area_m2, "宗地面积（m²）", limit=L.MAX_AREA_M2, positive=True)
    if not 0 < term_years <= 70:  # 出让年限最高 70 年 (居住用地), 工业 50, 商业 40
        raise InvalidRecord(f"年限应为 1–70 年（填写的是 {term_years}）", field="term_years")
    contract_no = L.normalise_doc_no(contract_no)
    if not contract_no or not parcel_code.strip() or not collective.strip():
        raise InvalidRecord("须填写合同编号、宗地代码和集体经济组织名称")
    price, cost = L.fen(price_yuan, "成交价款（元）"), L.fen(cost_yuan, "土地取得和开发成本（元）")
    if rate is not None:
        rate = L.amount(rate, "调节金比例", limit=1.0)
    sums = L.market_sums(price, cost, rules.market_rate if rate is None else rate, rules)
    with records.write(who, "ledger.market") as session:
        unit = _holder(session, who, county, "ledger.market")
        if unit.level != COUNTY:
            raise InvalidRecord("入市记录属于县级单位", feature=county)
        village_id = None
        if village:
            v = _unit(session, village)
            if not v.path.startswith(unit.path):
                raise InvalidRecord(f"{v.name}（{village}）不在 {unit.name} 内", feature=village)
            village_id = v.id
        existing = session.scalars(select(MarketDeal).where(MarketDeal.contract_no == contract_no)).first()
        if existing is not None:
            raise L.LedgerRefused(f"入市合同 {contract_no} 已登记（{existing.signed_on.isoformat()}），不能重复登记")
        deal = MarketDeal(
            unit_id=unit.id,
            village_id=village_id,
            contract_no=contract_no,
            parcel_code=parcel_code.strip(),
            collective=collective.strip(),
            mode=mode,
            use=land_use,
            area_dm2=L.dm2(area),
            term_years=term_years,
            price_fen=price,
            cost_fen=cost,
            rate=rules.market_rate if rate is None else rate,
            levy_fen=sums.levy_fen,
            collective_fen=sums.collective_fen,
            members_fen=sums.members_fen,
            signed_on=signed_on or today(),
            created_by=who.username,
        )
        session.add(deal)
        session.flush()
        return _deal_dict(deal, unit.name)


def _deal_dict(d: MarketDeal, county_name: str) -> dict[str, Any]:
    return {
        "id": d.id,
        "county_name": county_name,
        "contract_no": d.contract_no,
        "parcel_code": d.parcel_code,
        "collective": d.collective,
        "mode": d.mode,
        "use": d.use,
        "area_m2": L.m2(L.units_from_dm2(d.area_dm2)),
        "area_mu": L.mu(L.units_from_dm2(d.area_dm2)),
        "term_years": d.term_years,
        "price_yuan": L.yuan(d.price_fen),
        "cost_yuan": L.yuan(d.cost_fen),
        "increment_yuan": L.yuan(d.price_fen - d.cost_fen),
        "distributed_yuan": L.yuan(d.collective_fen + d.members_fen),  # 成交价款 − 调节金 − 成本
        "rate": d.rate,
        "levy_yuan": L.yuan(d.levy_fen),
        "collective_yuan": L.yuan(d.collective_fen),
        "members_yuan": L.yuan(d.members_fen),
        "signed_on": d.signed_on.isoformat(),
    }


def market_list(who: Actor, unit: str | None = None) -> list[dict[str, Any]]:
    with records.read() as session:
        u = _readable(session, who, unit or who.unit_code or "530000")
        rows = session.execute(
            select(MarketDeal, Unit.name)
            .join(Unit, Unit.id == MarketDeal.unit_id)
            .where(Unit.path.startswith(u.path))
            .order_by(MarketDeal.signed_on.desc(), MarketDeal.id.desc())
        ).all()
        return [_deal_dict(d, name) for d, name in rows]

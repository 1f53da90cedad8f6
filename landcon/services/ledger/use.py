"""Use cases spending or holding quota: 建设用地审批使用 and 冻结/解冻."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from landcon.engine import ledger as L
from landcon.errors import InvalidRecord
from landcon.services import records
from landcon.services.clock import today
from landcon.services.ledger._accounts import _holder
from landcon.services.ledger._posting import Doc, Prepared, _posting
from landcon.services.ledger.areas import _area_of, _used_in_area
from landcon.services.ledger.parsing import _kind
from landcon.services.ledger.rules import load_rules
from landcon.services.ledger_amounts import occupied_qty, stated_qty
from landcon.services.records import Actor


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
            L.within_demolished(code, "建新使用", used + q.area, L.units_from_dm2(snap.demolished_dm2))
        return lines

    doc = Doc(L.USE, doc_no, unit, kind, code, posted_on=on or today(), memo=memo, expected=tuple(lines))
    return Prepared("ledger.post", doc, build)


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


use = _posting(_prepare_use)


freeze = _posting(_prepare_freeze)

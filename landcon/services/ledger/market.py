"""集体经营性建设用地入市 deals: recorded with 调节金 and the income split computed by the engine."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from landcon.engine import ledger as L
from landcon.engine.org import COUNTY
from landcon.errors import InvalidRecord
from landcon.services import records
from landcon.services.clock import today
from landcon.services.ledger._accounts import _holder, _readable, _unit
from landcon.services.ledger.rules import load_rules
from landcon.services.profile import province_code
from landcon.services.records import Actor
from landcon.services.village_votes import require_market_entry
from landcon.store.models import (
    MarketDeal,
    Unit,
)

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
        existing = session.scalars(select(MarketDeal).where(MarketDeal.contract_no == contract_no)).first()
        if existing is not None:
            raise L.LedgerRefused(f"入市合同 {contract_no} 已登记（{existing.signed_on.isoformat()}），不能重复登记")
        v = None
        if village:
            v = _unit(session, village)
            if not v.path.startswith(unit.path):
                raise InvalidRecord(f"{v.name}（{village}）不在 {unit.name} 内", feature=village)
        require_market_entry(session, v, parcel_code.strip())  # 土地管理法 第63条: the village's decision
        village_id = None if v is None else v.id
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
        u = _readable(session, who, unit or who.unit_code or province_code())
        rows = session.execute(
            select(MarketDeal, Unit.name)
            .join(Unit, Unit.id == MarketDeal.unit_id)
            .where(Unit.path.startswith(u.path))
            .order_by(MarketDeal.signed_on.desc(), MarketDeal.id.desc())
        ).all()
        return [_deal_dict(d, name) for d, name in rows]

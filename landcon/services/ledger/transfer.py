"""The 调剂 use case: quota sold within the province or across provinces, with its contract."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from landcon.engine import ledger as L
from landcon.engine.org import COUNTY, PROVINCE
from landcon.errors import InvalidRecord
from landcon.services.clock import today
from landcon.services.ledger._accounts import _holder, _province_code, _unit, _unit_id
from landcon.services.ledger._posting import Doc, Prepared, _posting
from landcon.services.ledger.parsing import _kind
from landcon.services.ledger_amounts import stated_qty
from landcon.services.records import Actor
from landcon.store.models import (
    LedgerPosting,
    LedgerTransfer,
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


transfer = _posting(_prepare_transfer)

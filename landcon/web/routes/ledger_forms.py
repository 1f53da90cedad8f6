"""The 指标台账 forms: 使用 (建设用地审批), 调剂 (省内 / 跨省) and 入市. Each reads the typed fields, calls
the ledger service and, when it refuses, shows the page again with the service's own message and what
was typed; on success it redirects to the page with a notice naming the posting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from landcon.errors import InvalidRecord, LandconError
from landcon.services import ledger, webauth
from landcon.web.common import Csrf, User
from landcon.web.routes.ledger import ledger_page

router = APIRouter()


def form_post(
    request: Request,
    cur: webauth.Current,
    code: str,
    form: str,
    values: dict[str, str],
    act: Callable[[], dict[str, Any]],
) -> Response:
    """Run a posting; on a refusal show the page again with the message and what was typed."""
    try:
        done = act()
    except LandconError as error:
        return ledger_page(request, cur, code, form=form, error=error, values=values)
    query = f"done={form}&no={done.get('id', '')}" + ("&dup=1" if done.get("duplicate") else "")
    return RedirectResponse(f"/ledger/{code}?{query}", status_code=303)


@router.post("/ledger/{code}/use", response_class=HTMLResponse, include_in_schema=False, dependencies=[Csrf])
def ledger_use(
    request: Request,
    code: str,
    kind: str = Form(""),
    area_mu: str = Form(""),
    paddy_mu: str = Form(""),
    grain_kg: str = Form(""),
    grade: str = Form(""),
    dlbm: str = Form(""),
    doc_no: str = Form(""),
    area_code: str = Form(""),
    posted_on: str = Form(""),
    memo: str = Form(""),
    cur: webauth.Current = User,
) -> Response:
    values = {
        "kind": kind,
        "area_mu": area_mu,
        "paddy_mu": paddy_mu,
        "grain_kg": grain_kg,
        "grade": grade,
        "dlbm": dlbm,
        "doc_no": doc_no,
        "area_code": area_code,
        "posted_on": posted_on,
        "memo": memo,
    }

    def act() -> dict[str, Any]:
        return ledger.use(
            cur.actor,
            code,
            kind,
            doc_no.strip(),
            area_mu=ledger.parse_number(area_mu, "使用面积（亩）", positive=True),
            paddy_mu=ledger.parse_optional(paddy_mu, "其中水田（亩）"),
            grain_kg=ledger.parse_optional(grain_kg, "粮食产能（公斤）"),
            grade=grade.strip() or None,
            dlbm=dlbm.strip() or None,
            area_code=area_code.strip(),
            on=ledger.parse_date(posted_on, "批准日期"),
            memo=memo.strip(),
        )

    return form_post(request, cur, code, "use", values, act)


@router.post("/ledger/{code}/transfer", response_class=HTMLResponse, include_in_schema=False, dependencies=[Csrf])
def ledger_transfer(
    request: Request,
    code: str,
    kind: str = Form(""),
    direction: str = Form("out"),
    buyer: str = Form(""),
    counterparty: str = Form(""),
    area_mu: str = Form(""),
    paddy_mu: str = Form(""),
    grain_kg: str = Form(""),
    price: str = Form(""),
    received: str = Form(""),
    contract_no: str = Form(""),
    signed_on: str = Form(""),
    cur: webauth.Current = User,
) -> Response:
    values = {
        "kind": kind,
        "direction": direction,
        "buyer": buyer,
        "counterparty": counterparty,
        "area_mu": area_mu,
        "paddy_mu": paddy_mu,
        "grain_kg": grain_kg,
        "price": price,
        "received": received,
        "contract_no": contract_no,
        "signed_on": signed_on,
    }

    def act() -> dict[str, Any]:
        # The form's 调入方 is one of two fields; which parties the contract has, and whether a 跨省 one
        # names its 省外对方, the ledger service checks and explains.
        other, party = buyer.strip(), counterparty.strip()
        seller: str | None
        to: str | None
        if direction == "in":  # bought from outside the province
            seller, to = None, code
        elif other and party:  # the form cannot tell which of the two the user meant
            raise InvalidRecord("调入方只填一项：省内单位代码，或省外对方名称")
        else:
            seller, to = code, other or None
        return ledger.transfer(
            cur.actor,
            kind,
            contract_no.strip(),
            area_mu=ledger.parse_number(area_mu, "调剂面积（亩）", positive=True),
            paddy_mu=ledger.parse_optional(paddy_mu, "其中水田（亩）"),
            grain_kg=ledger.parse_optional(grain_kg, "粮食产能（公斤）"),
            price_yuan_per_mu=ledger.parse_number(price, "单价（元/亩）"),
            seller=seller,
            buyer=to,
            counterparty=party,
            received_yuan=ledger.parse_number(received, "已收款（元）", required=False),
            on=ledger.parse_date(signed_on, "合同签订日期"),
        )

    return form_post(request, cur, code, "transfer", values, act)


@router.post("/ledger/{code}/market", response_class=HTMLResponse, include_in_schema=False, dependencies=[Csrf])
def ledger_market(
    request: Request,
    code: str,
    contract_no: str = Form(""),
    parcel_code: str = Form(""),
    collective: str = Form(""),
    village: str = Form(""),
    mode: str = Form(""),
    land_use: str = Form(""),
    area_m2: str = Form(""),
    term_years: str = Form(""),
    price: str = Form(""),
    cost: str = Form(""),
    signed_on: str = Form(""),
    cur: webauth.Current = User,
) -> Response:
    values = {
        "contract_no": contract_no,
        "parcel_code": parcel_code,
        "collective": collective,
        "village": village,
        "mode": mode,
        "land_use": land_use,
        "area_m2": area_m2,
        "term_years": term_years,
        "price": price,
        "cost": cost,
        "signed_on": signed_on,
    }

    def act() -> dict[str, Any]:
        years = ledger.parse_number(term_years, "使用年限（年）", positive=True)
        if years != int(years):  # reading the typed number; the 1–70 年 rule is the service's
            raise InvalidRecord(f"使用年限应为整年数（填写的是“{term_years.strip()}”）")
        return ledger.market_add(
            cur.actor,
            code,
            contract_no,
            parcel_code=parcel_code,
            collective=collective,
            mode=mode,
            land_use=land_use.strip(),
            area_m2=ledger.parse_number(area_m2, "宗地面积（m²）", positive=True),
            term_years=int(years),
            price_yuan=ledger.parse_number(price, "成交价款（元）"),
            cost_yuan=ledger.parse_number(cost, "土地取得及开发成本（元）", required=False),
            village=village.strip() or None,
            signed_on=ledger.parse_date(signed_on, "合同签订日期"),
        )

    return form_post(request, cur, code, "market", values, act)

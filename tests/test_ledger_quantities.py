"""Ledger quantities end to end on SQLite and PostgreSQL (issue 15 §5): a 补充耕地指标 use deducts area,
水田 and 粮食产能 together (stated, or computed from the occupied land's class and 等别); whole-亩 uses
sum exactly to a balance; typed amounts out of range are one-line errors; a document number typed two
ways is one document.

By hand: 293 亩 of 补充耕地指标, of which 100 亩 水田 and 361,938 kg, bought from outside the province.
148 亩 of 0103 旱地 at 等别 8 (800 kg/亩 by the default table) deducts 0 水田 and 118,400 kg, leaving
145 亩, 100 亩 水田, 243,538 kg."""

from __future__ import annotations

import pytest

from landcon.errors import InvalidRecord, LandconError
from landcon.services import ledger, records

COUNTY = "530124"


def who(name: str) -> records.Actor:
    return records.actor(name)


def avail(kind: str = "bcgd") -> tuple[float, float, int]:
    for a in ledger.balance(who("yn_sup"), COUNTY)["accounts"]:
        if a["kind"] == kind and a["bucket"] == "avail" and a["area_code"] == "":
            return a["area_mu"], a["paddy_mu"], a["grain_kg"]
    return 0.0, 0.0, 0


def buy(kind: str, area_mu: float, *, paddy_mu: float | None = None, grain_kg: float | None = None) -> None:
    ledger.transfer(
        who("yn_sup"), kind, f"跨省合同〔2027〕{kind}", area_mu=area_mu, paddy_mu=paddy_mu, grain_kg=grain_kg,
        price_yuan_per_mu=1, buyer=COUNTY, counterparty="浙江省绍兴市",
    )  # fmt: skip


def test_a_farmland_quota_use_deducts_paddy_and_capacity_together(records_world):
    fm = who("fm_sup")
    buy("bcgd", 293, paddy_mu=100, grain_kg=361_938)
    # Stating neither 水田 nor a class, or neither 产能 nor a grade, is refused: no silent 0 水田, 0 kg.
    with pytest.raises(InvalidRecord, match="须写明其中水田面积（可为 0），或被占耕地地类"):
        ledger.use(fm, COUNTY, "bcgd", "富政批〔2027〕1号", area_mu=148, grain_kg=1)
    with pytest.raises(InvalidRecord, match="须写明粮食产能（公斤），或被占耕地的质量等别"):
        ledger.use(fm, COUNTY, "bcgd", "富政批〔2027〕1号", area_mu=148, paddy_mu=0)
    # 148 亩 of 水田 is more 水田 than there is: refused like a short area, naming the quantity.
    with pytest.raises(
        ledger.InsufficientBalance, match=r"^余额不足（水田）：富民县 补充耕地指标（可用） 现有 293\.00 亩"
    ):
        ledger.use(fm, COUNTY, "bcgd", "富政批〔2027〕1号", area_mu=148, dlbm="0101", grade=8)
    with pytest.raises(ledger.InsufficientBalance, match=r"^余额不足（粮食产能）"):
        ledger.use(fm, COUNTY, "bcgd", "富政批〔2027〕1号", area_mu=148, paddy_mu=0, grain_kg=400_000)
    used = ledger.use(fm, COUNTY, "bcgd", "富政批〔2027〕1号", area_mu=148, dlbm="0103", grade=8)
    assert [(ln["bucket"], ln["area_mu"], ln["paddy_mu"], ln["grain_kg"]) for ln in used["lines"]] == [
        ("avail", -148.0, 0.0, -118_400),
        ("used", 148.0, 0.0, 118_400),
    ]
    assert avail() == (145.0, 100.0, 243_538)
    # Using the last 145 亩 without its 水田 would leave "0 亩 of which 100 亩 水田": refused.
    with pytest.raises(ledger.LedgerRefused, match=r"剩余 0\.00 亩.*水田 100\.00 亩 多于面积 0\.00 亩"):
        ledger.use(fm, COUNTY, "bcgd", "富政批〔2027〕2号", area_mu=145, paddy_mu=0, grain_kg=243_538)
    ledger.use(fm, COUNTY, "bcgd", "富政批〔2027〕2号", area_mu=145, paddy_mu=100, grain_kg=243_538)
    assert avail() == (0.0, 0.0, 0)
    result = ledger.check(who("yn_sup"))
    assert result["ok"], result["findings"]


def test_whole_mu_uses_sum_exactly_to_the_balance(records_world):
    """293 亩 used as 100 + 100 + 93 亩 leaves exactly 0; the last use is not refused for a rounding remainder
    (in dm² each 100 亩 was 6,666,667 and the last 93 亩 fell 1 dm² short)."""
    fm = who("fm_sup")
    buy("jsjg", 293)
    for n, part in enumerate((100, 100, 93), start=1):
        ledger.use(fm, COUNTY, "jsjg", f"富政批〔2027〕{n}号", area_mu=part)
    assert avail("jsjg") == (0.0, 0.0, 0)
    used = [a for a in ledger.balance(who("yn_sup"), COUNTY)["accounts"] if a["bucket"] == "used"]
    assert [(a["area_mu"], a["area_m2"]) for a in used] == [(293.0, 195_333.33)]
    with pytest.raises(ledger.InsufficientBalance, match="余额不足（面积）"):
        ledger.use(fm, COUNTY, "jsjg", "富政批〔2027〕4号", area_m2=0.01)
    assert ledger.check(who("yn_sup"))["ok"]


@pytest.mark.parametrize("typed", [float("nan"), float("inf"), 1e309, 1e15, -1.0])
def test_amounts_out_of_range_are_refused_readably(records_world, typed):
    fm = who("fm_sup")
    buy("jsjg", 10)
    for call in (
        lambda: ledger.use(fm, COUNTY, "jsjg", "富政批〔2027〕9号", area_mu=typed),
        lambda: ledger.use(fm, COUNTY, "jsjg", "富政批〔2027〕9号", area_m2=typed),
        lambda: ledger.use(fm, COUNTY, "bcgd", "富政批〔2027〕9号", area_mu=1, paddy_mu=0, grain_kg=typed),
        lambda: ledger.transfer(fm, "jsjg", "合同9", area_mu=1, price_yuan_per_mu=typed, seller=COUNTY, buyer="530102"),
        lambda: ledger.market_add(
            who("fm_author"), COUNTY, "入市9", parcel_code="X", collective="c", mode="出让", land_use="工业",
            area_m2=100, term_years=40, price_yuan=typed,
        ),
    ):  # fmt: skip
        with pytest.raises(LandconError) as refused:
            call()
        assert "\n" not in str(refused.value)
    assert avail("jsjg") == (10.0, 0.0, 0)
    # Each amount in range, the product not: 1 亿亩 × 1 万亿元/亩.
    with pytest.raises(LandconError, match=r"合同总价 .* 超出合理范围"):
        ledger.transfer(who("yn_sup"), "jsjg", "合同10", area_mu=1e8, price_yuan_per_mu=1e12, buyer=COUNTY,
                        counterparty="浙江省")  # fmt: skip


def test_a_document_number_typed_two_ways_is_one_document(records_world):
    fm = who("fm_sup")
    buy("jsjg", 10)
    first = ledger.use(fm, COUNTY, "jsjg", "富政批〔2027〕21号", area_mu=1)
    assert first["doc_no"] == "富政批〔2027〕21号"
    for typed in ("富政批[2027]21号", " 富政批 【2027】 21 号", "富政批（２０２７）２１号"):
        again = ledger.use(fm, COUNTY, "jsjg", typed, area_mu=1)
        assert again["duplicate"] is True and again["id"] == first["id"] and again["doc_no"] == "富政批〔2027〕21号"
    with pytest.raises(ledger.LedgerRefused, match=r"富政批〔2027〕21号 已于 .*，数量或账户与本次不同"):
        ledger.use(fm, COUNTY, "jsjg", "富政批[2027]21号", area_mu=2)
    assert avail("jsjg") == (9.0, 0.0, 0)

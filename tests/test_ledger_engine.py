"""engine.ledger by hand: units, the lines of every document type, refusals, 入市 sums and the whole-ledger
check on small frames (running balances, unbalanced, duplicate, transfer, overdue)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landcon.engine import ledger as L

C = "530124"


def test_units_are_exact_integers() -> None:
    assert L.dm2(10_000) == 1_000_000 and L.dm2(666.665) == 66_667 and L.dm2(-0.005) == -1
    # Ledger area unit 1/300 m²: 0.01 m² = 3 and 1 亩 = 200,000, both exact.
    assert L.area_units(10_000) == 3_000_000 and L.area_units(0.01) == 3 and L.area_units(666.665) == 200_000
    assert L.area_units_from_mu(1) == 200_000 and L.mu(200_000) == 1.0 and L.mu(3_000_000) == 15.0
    assert L.units_from_dm2(66_667) == 200_001 and L.m2(200_000) == 666.67
    assert L.describe(L.Qty(3_000_000, 0, 10_575)) == "15.00 亩（10,000.00 m²），粮食产能 10,575 公斤"
    # 9 亩 × 200,000 元 = 1,800,000 元 (in fen); half a fen rounds up.
    assert L.transfer_total_fen(1_800_000, 20_000_000) == 180_000_000
    # 5 亩 entered as 3,333.33 m² is 5.00 亩 on the contract: 5 × 30,000 元 = 150,000 元 exactly.
    assert L.transfer_total_fen(L.area_units(3_333.33), 3_000_000) == 15_000_000
    assert L.transfer_total_fen(L.area_units(0.34), 1_000_001) == 0  # 0.00051 亩 is 0.00 亩 on the contract
    assert L.due_date(dt.date(2024, 2, 29), L.LedgerRules()) == dt.date(2027, 2, 28)


def test_whole_mu_amounts_sum_exactly() -> None:
    """A 293 亩 balance used as 100 + 100 + 93 亩 leaves exactly 0 (in dm² each 100 亩 rounded up by 1/3 dm²
    and the last use was refused for a remainder of 1 dm²)."""
    avail, used = L.AccountKey(C, "jsjg", "avail"), L.AccountKey(C, "jsjg", "used")
    balances = {avail: L.Qty(L.area_units_from_mu(293))}
    assert balances[avail] == L.Qty(L.area_units(293 * 10_000 / 15))  # the same 293 亩 stated in m²
    for part in (100, 100, 93):
        balances.update(L.apply(L.use_lines(C, "jsjg", L.Qty(L.area_units_from_mu(part))), balances))
    assert balances[avail] == L.ZERO and balances[used] == L.Qty(L.area_units_from_mu(293))


@pytest.mark.parametrize("typed", ["nan", "inf", "-inf", "1e309", "1e15", "-1", "abc"])
def test_amounts_that_are_not_finite_or_in_range_are_refused_in_one_line(typed: str) -> None:
    for convert in (L.area_units, L.area_units_from_mu, L.grain, L.fen):
        with pytest.raises(L.InvalidAmount) as refused:
            convert(typed)  # type: ignore[operator]
        assert "\n" not in str(refused.value)
    with pytest.raises(L.InvalidAmount):
        L.area_units(float(typed) if typed != "abc" else typed)  # type: ignore[arg-type]
    assert L.area_units(1e10) == 3e12 and L.fen(1e12) == 10**14  # large but plausible


@pytest.mark.parametrize(
    "typed",
    [
        "富政批〔2027〕21号",
        "富政批[2027]21号",
        "富政批 【2027】 21 号",
        "  富政批（２０２７）２１号 ",
        "富政批(2027)21号",
    ],
)
def test_document_numbers_are_normalised(typed: str) -> None:
    assert L.normalise_doc_no(typed) == "富政批〔2027〕21号"


def test_document_numbers_keep_meaningful_spaces_and_ascii() -> None:
    assert L.normalise_doc_no("ＨＴ２０２７－０１") == "HT2027-01"
    assert L.normalise_doc_no(" HT   2027-01 ") == "HT 2027-01"
    assert L.normalise_doc_no("合同[1]号") == "合同[1]号"  # only a 4-digit year goes into 〔〕


def test_occupied_farmland_capacity_and_paddy() -> None:
    rules = L.LedgerRules()
    # grade 1 ≈ 1,500 kg/亩 and grade 15 ≈ 100 kg/亩 (domain §4.3), 100 kg per grade between.
    assert (rules.grain_kg_per_mu[1], rules.grain_kg_per_mu[8], rules.grain_kg_per_mu[15]) == (1500, 800, 100)
    assert L.occupied_capacity(L.area_units_from_mu(148), 8, rules) == 118_400
    assert L.occupied_capacity(L.area_units_from_mu(0.005), 15, rules) == 1  # 0.5 kg rounds up
    assert L.occupied_paddy(700, "0101") == 700 and L.occupied_paddy(700, "0103") == 0
    with pytest.raises(L.InvalidAmount, match="等别 16"):
        L.occupied_capacity(1, 16, rules)
    with pytest.raises(L.InvalidAmount, match="被占耕地地类"):
        L.occupied_paddy(1, "0201")


def test_grain_capacity_of_the_fixture() -> None:
    # 500 m² at grade 8 (800 kg/亩) + 9,500 m² at grade 9 (700 kg/亩) = 600 + 9,975 kg.
    assert L.grain_capacity({"8": 500.0, "9": 9500.0}, L.LedgerRules()) == 10_575
    assert L.grain_capacity({"": 666.6666667}, L.LedgerRules()) == 600  # ungraded: grade 10
    with pytest.raises(ValueError, match="等别 16"):
        L.grain_capacity({"16": 1.0}, L.LedgerRules())


def test_reclaim_split_order() -> None:
    # Unused 周转指标 lapses first, then the 拆旧 area repays, then the village, then 节余.
    assert L.reclaim_split(10_000, 6_000, 1_000, unused=1_000) == L.ReclaimSplit(1_000, 5_000, 1_000, 4_000)
    assert L.reclaim_split(3_000, 6_000, 1_000) == L.ReclaimSplit(0, 3_000, 0, 0)
    assert L.reclaim_split(10_000, 0, 12_000) == L.ReclaimSplit(0, 0, 10_000, 0)
    lines = L.reclaim_lines(C, "G1", 10_000, 6_000, 1_000, 1_000)
    assert L.balanced(lines)
    assert [(ln.account.kind, ln.account.bucket, ln.qty.area) for ln in lines] == [
        ("jsjg", "source", -10_000),
        ("zz", "avail", -1_000),
        ("zz", "owed", 6_000),
        ("jsjg", "reserved", 1_000),
        ("jsjg", "avail", 4_000),
    ]


def test_document_lines_and_refusals() -> None:
    q = L.Qty(100, 40, 5)
    for lines in (
        L.bcgd_issue_lines(C, q),
        L.use_lines(C, "bcgd", q),
        L.transfer_lines(C, "530102", "bcgd", q, province="530000"),
        L.transfer_lines(None, C, "jsjg", L.Qty(7), province="530000"),
        L.freeze_lines(C, "bcgd", q),
        L.freeze_lines(C, "bcgd", q, unfreeze=True),
        L.zz_issue_lines(C, "G1", L.Qty(10), cap=10, issued=0),
    ):
        assert L.balanced(lines) and len(lines) == 2
    with pytest.raises(L.LedgerRefused, match=r"累计将达 0\.01 亩，超过其拆旧面积 0\.01 亩"):
        L.zz_issue_lines(C, "G1", L.Qty(2000), cap=2000, issued=1000)
    with pytest.raises(L.LedgerRefused, match=r"水田面积 .* 大于总面积"):
        L.use_lines(C, "bcgd", L.Qty(10, 11))
    with pytest.raises(L.LedgerRefused, match="应大于零"):
        L.use_lines(C, "bcgd", L.Qty(0))
    with pytest.raises(L.LedgerRefused, match="不得调剂"):
        L.transfer_lines(C, "530102", "zz", L.Qty(1), province="530000")
    with pytest.raises(L.LedgerRefused, match="不能相同"):
        L.transfer_lines(C, C, "bcgd", L.Qty(1), province="530000")
    issued = L.bcgd_issue_lines(C, L.Qty(1000, 0, 100))
    fix = L.correct_lines(issued, L.Qty(400, 0, 40), corrected=L.Qty(500, 0, 50))
    assert [(ln.account.bucket, ln.qty) for ln in fix] == [
        ("avail", L.Qty(-400, 0, -40)),
        ("source", L.Qty(400, 0, 40)),
    ]
    with pytest.raises(L.LedgerRefused, match="超过原核定"):
        L.correct_lines(issued, L.Qty(600), corrected=L.Qty(500))


def test_apply_refuses_a_negative_holding_balance_and_names_it() -> None:
    avail = L.AccountKey(C, "bcgd", "avail")
    lines = L.use_lines(C, "bcgd", L.Qty(3_000_000))
    with pytest.raises(L.InsufficientBalance) as refused:
        L.apply(lines, {avail: L.Qty(1_800_000)}, {C: "富民县"})
    assert str(refused.value) == (
        "余额不足（面积）：富民县 补充耕地指标（可用） 现有 9.00 亩（6,000.00 m²），本次需要 15.00 亩（10,000.00 m²）"
    )
    after = L.apply(lines, {avail: L.Qty(3_000_000)})
    assert after == {avail: L.Qty(0), L.AccountKey(C, "bcgd", "used"): L.Qty(3_000_000)}
    with pytest.raises(L.LedgerRefused, match="不平衡"):
        L.apply([L.Line(avail, L.Qty(1))], {})


def test_a_use_deducts_paddy_and_capacity_or_is_refused_naming_which() -> None:
    """占补平衡 is three-fold: 293 亩 of which 100 亩 水田 and 361,938 kg; a use short of 水田 or 产能 is
    refused like one short of area, and a use may not leave more 水田 than area or 产能 on 0 亩."""
    avail = L.AccountKey(C, "bcgd", "avail")
    have = {avail: L.Qty(L.area_units_from_mu(293), L.area_units_from_mu(100), 361_938)}
    mu = L.area_units_from_mu
    with pytest.raises(L.InsufficientBalance, match=r"^余额不足（水田）：.*其中水田 100\.00 亩.*其中水田 120\.00 亩"):
        L.apply(L.use_lines(C, "bcgd", L.Qty(mu(148), mu(120), 100_000)), have)
    with pytest.raises(L.InsufficientBalance, match=r"^余额不足（粮食产能）"):
        L.apply(L.use_lines(C, "bcgd", L.Qty(mu(148), mu(50), 400_000)), have)
    with pytest.raises(
        L.LedgerRefused, match=r"剩余 45\.00 亩.*其中水田 100\.00 亩.*水田 100\.00 亩 多于面积 45\.00 亩"
    ):
        L.apply(L.use_lines(C, "bcgd", L.Qty(mu(248), 0, 100_000)), have)
    with pytest.raises(L.LedgerRefused, match="面积为 0 而粮食产能还有 1 公斤"):
        L.apply(L.use_lines(C, "bcgd", L.Qty(mu(293), mu(100), 361_937)), have)
    after = L.apply(L.use_lines(C, "bcgd", L.Qty(mu(148), mu(50), 118_400)), have)
    assert after[avail] == L.Qty(mu(145), mu(50), 243_538)


def test_market_sums() -> None:
    """入市: 收益 distributed = 成交价款 − 调节金 − 成本 (3,000,000 − 600,000 − 1,000,000 = 1,400,000 元)."""
    rules = L.LedgerRules()
    s = L.market_sums(300_000_000, 100_000_000, 0.3, rules)
    assert (s.increment_fen, s.levy_fen, s.net_fen, s.collective_fen, s.members_fen) == (
        200_000_000, 60_000_000, 140_000_000, 42_000_000, 98_000_000,
    )  # fmt: skip
    with pytest.raises(L.LedgerRefused, match="不在规定范围 20%–50% 内"):
        L.market_sums(100, 0, 0.19, rules)
    with pytest.raises(ValueError, match="未知的台账规则项"):
        L.rules_from_dict({"rate": 0.3})
    with pytest.raises(ValueError, match=r"不在 0\.2–0\.5 之间"):
        L.rules_from_dict({"market_rate": 0.6})


def _frames(rows: list[tuple[int, int, int]], postings: list[tuple[int, str, str, dt.date | None]]):
    accounts = pd.DataFrame(
        [
            (1, C, "bcgd", "avail", ""),
            (2, C, "bcgd", "source", ""),
            (3, C, "bcgd", "used", ""),
            (4, "530102", "bcgd", "avail", ""),
            (5, C, "zz", "avail", "G1"),
            (6, C, "zz", "owed", "G1"),
            (7, C, "zz", "used", "G1"),
        ],
        columns=["id", "unit", "kind", "bucket", "area_code"],
    )
    e = pd.DataFrame(rows, columns=["posting_id", "account_id", "area"]).assign(paddy=0, grain=0)
    p = pd.DataFrame(postings, columns=["id", "doc_type", "doc_no", "due_date"])
    return e, accounts, p


def test_check_ledger_finds_each_kind_of_problem() -> None:
    e, a, p = _frames(
        [
            (1, 2, -100), (1, 1, 100),  # issue 100
            (2, 1, -150), (2, 3, 150),  # use 150: avail dips to −50 …
            (3, 2, -100), (3, 1, 100),  # … although a later issue makes the final balance +50
            (4, 1, -10), (4, 4, 9),     # transfer that loses 1
            (5, 5, 300), (5, 6, -300),  # 周转指标 300, overdue
            (6, 5, -300), (6, 7, 300),  # 建新 300 > 拆旧 200
        ],
        [
            (1, "bcgd_issue", "A", None), (2, "use", "U", None), (3, "bcgd_issue", "B", None),
            (4, "transfer", "T", None), (5, "zz_issue", "Z", dt.date(2020, 1, 1)), (6, "use", "U", None),
            (7, "use", "EMPTY", None),
        ],
    )  # fmt: skip
    findings, balances = L.check_ledger(
        e, a, p, expected_issue={1: L.Qty(100), 3: L.Qty(90)}, demolished={(C, "G1"): 200}, today=dt.date(2026, 1, 1)
    )
    codes = sorted((f.code, f.posting) for f in findings)
    assert codes == [
        ("BUILD_EXCEEDS_DEMOLISH", None),
        ("DUPLICATE_DOCUMENT", 2),
        ("ISSUE_WITHOUT_SOURCE", 3),
        ("NEGATIVE_BALANCE", 2),
        ("REVOLVING_OVERDUE", 5),
        ("TRANSFER_NOT_CONSERVED", 4),
        ("UNBALANCED", 4),
        ("UNBALANCED", 7),
    ]
    assert balances[1] == L.Qty(40) and balances[4] == L.Qty(9)
    assert next(f for f in findings if f.code == "REVOLVING_OVERDUE").severity == "warning"


def test_check_ledger_finds_paddy_above_area_and_capacity_on_nothing() -> None:
    """A balance of "0 亩 of which 4 亩 水田" (or 0 亩 with kg) is reported by ``ledger check``."""
    e, a, p = _frames(
        [(1, 2, -100), (1, 1, 100), (2, 1, -100), (2, 3, 100)], [(1, "bcgd_issue", "A", None), (2, "use", "U", None)]
    )
    e["paddy"] = [-40, 40, 0, 0]  # the use took the area but none of its 水田
    e["grain"] = [-9, 9, -3, 3]
    findings, balances = L.check_ledger(
        e, a, p, expected_issue={1: L.Qty(100, 40, 9)}, demolished={}, today=dt.date(2026, 1, 1)
    )
    assert [(f.code, f.posting) for f in findings] == [("INCOHERENT_BALANCE", 2)]
    assert "多于面积 0.00 亩" in findings[0].message
    assert balances[1] == L.Qty(0, 40, 6)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    parts=st.lists(st.integers(1, 10_000_00), min_size=1, max_size=12),  # 0.01 亩 … 10,000 亩 each
    in_mu=st.lists(st.booleans(), min_size=12, max_size=12),
)
def test_any_split_of_a_balance_stated_in_mu_or_m2_leaves_exactly_zero(parts: list[int], in_mu: list[bool]) -> None:
    """Uses stated in 0.01 亩 (or the same amounts in m² to 0.01 m² where that is exact) sum to the balance
    they split, whatever the order: the last one is never refused for a rounding remainder."""
    avail = L.AccountKey(C, "jsjg", "avail")
    total = sum(parts)
    balances = {avail: L.Qty(L.area_units_from_mu(total / 100))}
    for part, mu in zip(parts, in_mu, strict=False):
        stated = L.area_units_from_mu(part / 100) if mu or part % 3 else L.area_units(part / 100 * 2000 / 3)
        balances.update(L.apply(L.use_lines(C, "jsjg", L.Qty(stated)), balances))
    assert balances[avail] == L.ZERO

"""Quota ledgers end to end on SQLite and PostgreSQL: quota created only from engine-computed records of
an approved/accepted project, use, transfer, freeze, 核减, idempotent documents, every refusal with its
message, and ``check`` finding tampered entries. Figures by hand: ``ledger_fixtures``."""

from __future__ import annotations

import datetime as dt

import pytest
from ledger_fixtures import AREA, CODE, FARMLAND_M2, GRAIN_KG, project_to
from market_fixtures import village_decides
from sqlalchemy import func, select, text

from landcon.errors import InvalidRecord, NotFound, PermissionDenied
from landcon.services import audit, ledger, records
from landcon.store.models import LedgerEntry, LedgerPosting

COUNTY, OTHER = "530124", "530102"
MU = 10000 / 15
FARMLAND_DOC = "云自然资核〔2027〕1号"


def who(name: str) -> records.Actor:
    return records.actor(name)


def count(model: type) -> int:
    with records.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def bucket(unit: str, kind: str, name: str, area_code: str = "") -> dict:
    rows = [
        a
        for a in ledger.balance(who("yn_sup"), unit)["accounts"]
        if a["kind"] == kind and a["bucket"] == name and a["area_code"] == area_code
    ]
    return rows[0] if rows else {"area_m2": 0.0, "area_mu": 0.0, "paddy_m2": 0.0, "grain_kg": 0}


def unchanged(before: tuple[int, int]) -> bool:
    return (count(LedgerPosting), count(LedgerEntry)) == before


def state() -> tuple[int, int]:
    return count(LedgerPosting), count(LedgerEntry)


@pytest.fixture
def accepted(records_world, tmp_path):
    project_to(tmp_path, "aftercare")
    ledger.issue_farmland(who("yn_sup"), CODE, FARMLAND_DOC)
    return records_world


def test_farmland_quota_only_from_the_accepted_project(records_world, tmp_path):
    sup = who("yn_sup")
    project_to(tmp_path, "acceptance")
    with pytest.raises(ledger.LedgerRefused, match="“验收”阶段：核定补充耕地指标须在项目通过“验收”之后"):
        ledger.issue_farmland(sup, CODE, FARMLAND_DOC)
    with pytest.raises(PermissionDenied, match="只有省级用户"):
        ledger.issue_farmland(who("fm_sup"), CODE, FARMLAND_DOC)
    project_to(tmp_path, "aftercare")
    r = ledger.issue_farmland(sup, CODE, FARMLAND_DOC)
    assert r["duplicate"] is False
    assert [(ln["bucket"], ln["area_m2"], ln["grain_kg"]) for ln in r["lines"]] == [
        ("source", -FARMLAND_M2, -GRAIN_KG),
        ("avail", FARMLAND_M2, GRAIN_KG),
    ]
    assert bucket(COUNTY, "bcgd", "avail")["area_mu"] == 15.0
    # The same document again is a no-op; another document for the same project is refused.
    again = ledger.issue_farmland(sup, CODE, FARMLAND_DOC)
    assert again["duplicate"] is True and again["id"] == r["id"]
    with pytest.raises(ledger.LedgerRefused, match=f"已由 {FARMLAND_DOC} 核定"):
        ledger.issue_farmland(sup, CODE, "云自然资核〔2027〕2号")
    assert state() == (1, 2)
    result = ledger.check(sup)
    assert result["ok"] and (result["postings"], result["entries"]) == (1, 2)


def test_use_transfer_and_refusals_with_their_messages(accepted):
    fm, wh = who("fm_sup"), who("wh_sup")
    ledger.use(fm, COUNTY, "bcgd", "富政批〔2027〕1号", area_m2=4000, grain_kg=1000, paddy_m2=0)
    assert bucket(COUNTY, "bcgd", "avail")["area_m2"] == 6000.0
    assert bucket(COUNTY, "bcgd", "used")["grain_kg"] == 1000

    before = state()
    with pytest.raises(
        ledger.InsufficientBalance,
        match=r"余额不足（面积）：富民县 补充耕地指标（可用） 现有 9\.00 亩（6,000\.00 m²）"
        r".*需要 10\.50 亩（7,000\.00 m²）",
    ):
        ledger.use(fm, COUNTY, "bcgd", "富政批〔2027〕2号", area_m2=7000, paddy_m2=0, grain_kg=0)
    assert unchanged(before)
    with pytest.raises(NotFound, match="不存在或不在"):
        ledger.use(wh, COUNTY, "bcgd", "五华批〔2027〕9号", area_m2=1, paddy_m2=0, grain_kg=0)
    with pytest.raises(PermissionDenied, match="无权登记指标使用"):
        ledger.use(who("fm_author"), COUNTY, "bcgd", "富政批〔2027〕3号", area_m2=1)
    # The same approval again: nothing posted twice; with another amount or kind: refused.
    assert (
        ledger.use(fm, COUNTY, "bcgd", "富政批〔2027〕1号", area_m2=4000, grain_kg=1000, paddy_m2=0)["duplicate"]
        is True
    )
    with pytest.raises(ledger.LedgerRefused, match="数量或账户与本次不同：同一来源文件只能记账一次"):
        ledger.use(fm, COUNTY, "bcgd", "富政批〔2027〕1号", area_m2=4500, grain_kg=1000, paddy_m2=0)
    with pytest.raises(ledger.LedgerRefused, match="内容与本次不同：同一来源文件只能记账一次"):
        ledger.use(fm, COUNTY, "jsjg", "富政批〔2027〕1号", area_m2=4000)
    # The same number under another document type is another document (here refused for its balance).
    with pytest.raises(ledger.InsufficientBalance, match=r"五华区 补充耕地指标（可用） 现有 0\.00 亩"):
        ledger.freeze(who("yn_sup"), OTHER, "bcgd", "富政批〔2027〕1号", area_m2=1, reason="核查")
    assert unchanged(before)

    # 调剂 within the province: 3,000 m² = 4.5 亩 at 200,000 元/亩 = 900,000 元.
    t = ledger.transfer(
        fm,
        "bcgd",
        "调剂合同001",
        area_m2=3000,
        price_yuan_per_mu=200_000,
        seller=COUNTY,
        buyer=OTHER,
        received_yuan=100_000,
    )
    assert t["transfer"] == {
        "seller": COUNTY,
        "buyer": OTHER,
        "counterparty": "",
        "cross_province": False,
        "price_yuan_per_mu": 200_000.0,
        "total_yuan": 900_000.0,
        "received_yuan": 100_000.0,
    }
    assert bucket(OTHER, "bcgd", "avail")["area_m2"] == 3000.0
    with pytest.raises(InvalidRecord, match=r"已收款 1,000,000\.00 元 超过合同总价 900,000\.00 元"):
        ledger.transfer(fm, "bcgd", "调剂合同002", area_m2=3000, price_yuan_per_mu=200_000, seller=COUNTY, buyer=OTHER,
                        received_yuan=1_000_000)  # fmt: skip
    with pytest.raises(ledger.LedgerRefused, match="增减挂钩周转指标不得调剂"):
        ledger.transfer(fm, "zz", "调剂合同003", area_m2=1, price_yuan_per_mu=1, seller=COUNTY, buyer=OTHER)
    with pytest.raises(InvalidRecord, match="跨省调剂须写明省外对方"):
        ledger.transfer(wh, "bcgd", "调剂合同004", area_m2=1, price_yuan_per_mu=1, seller=OTHER)
    # Cross-province sale of the buyer's whole 4.5 亩 to 浙江省绍兴市.
    x = ledger.transfer(
        wh, "bcgd", "跨省合同001", area_m2=3000, price_yuan_per_mu=300_000, seller=OTHER, counterparty="浙江省绍兴市"
    )
    assert x["transfer"]["total_yuan"] == 1_350_000.0 and x["transfer"]["cross_province"] is True
    assert [(ln["unit"], ln["bucket"]) for ln in x["lines"]] == [(OTHER, "avail"), ("530000", "external")]
    assert bucket(OTHER, "bcgd", "avail")["area_m2"] == 0.0

    listed = ledger.transfers(who("yn_sup"), "530000")
    assert [(t["contract_no"], t["seller"], t["buyer"], t["outstanding_yuan"]) for t in listed] == [
        ("跨省合同001", "五华区（530102）", "浙江省绍兴市", 1_350_000.0),
        ("调剂合同001", "富民县（530124）", "五华区（530102）", 800_000.0),
    ]
    assert [t["contract_no"] for t in ledger.transfers(fm, COUNTY)] == ["调剂合同001"]
    assert ledger.check(who("yn_sup"))["ok"]
    assert audit.verify(records.system_actor())["ok"]


def test_freeze_unfreeze_and_correction(accepted):
    yn, fm = who("yn_sup"), who("fm_sup")
    with pytest.raises(InvalidRecord, match="须写明原因"):
        ledger.freeze(yn, COUNTY, "bcgd", "云冻〔2027〕1号", area_m2=8000, reason=" ")
    ledger.freeze(yn, COUNTY, "bcgd", "云冻〔2027〕1号", area_m2=8000, reason="疑似重复申报，核查中")
    assert bucket(COUNTY, "bcgd", "frozen")["area_m2"] == 8000.0
    with pytest.raises(ledger.InsufficientBalance, match="余额不足"):
        ledger.use(fm, COUNTY, "bcgd", "富政批〔2027〕5号", area_m2=3000, paddy_m2=0, grain_kg=0)
    # 核减: at most what was issued; what is frozen cannot be taken back until unfrozen.
    with pytest.raises(ledger.LedgerRefused, match="超过原核定"):
        ledger.correct(yn, "bcgd_issue", FARMLAND_DOC, "云核减〔2027〕1号", area_m2=10_001, reason="复核")
    with pytest.raises(ledger.InsufficientBalance, match="余额不足"):
        ledger.correct(yn, "bcgd_issue", FARMLAND_DOC, "云核减〔2027〕1号", area_m2=2500, reason="复核")
    ledger.freeze(yn, COUNTY, "bcgd", "云解冻〔2027〕1号", area_m2=8000, unfreeze=True, reason="核查无误")
    c = ledger.correct(yn, "bcgd_issue", FARMLAND_DOC, "云核减〔2027〕1号", area_m2=2500, grain_kg=575, reason="复核")
    assert [(ln["bucket"], ln["area_m2"], ln["grain_kg"]) for ln in c["lines"]] == [
        ("avail", -2500.0, -575),
        ("source", 2500.0, 575),
    ]
    assert bucket(COUNTY, "bcgd", "avail")["area_m2"] == 7500.0
    assert bucket(COUNTY, "bcgd", "source")["grain_kg"] == -10_000
    with pytest.raises(ledger.LedgerRefused, match="超过原核定"):
        ledger.correct(yn, "bcgd_issue", FARMLAND_DOC, "云核减〔2027〕2号", area_m2=7501, reason="再次复核")
    with pytest.raises(NotFound, match="没有记账"):
        ledger.correct(yn, "bcgd_issue", "不存在的文件", "云核减〔2027〕3号", area_m2=1, reason="x")
    assert ledger.check(yn)["ok"]


def test_revolving_quota_reclamation_and_the_village_reservation(records_world, tmp_path):
    yn, fm = who("yn_sup"), who("fm_sup")
    project_to(tmp_path, "province_approval")
    with pytest.raises(ledger.LedgerRefused, match="方案获批"):
        ledger.issue_revolving(yn, CODE, AREA, 4000, "云周〔2027〕1号")
    project_to(tmp_path, "implementation")
    with pytest.raises(ledger.LedgerRefused, match=r"项目区 G9 不在项目 FM-2027-01 已提交方案.*方案中的项目区：G1"):
        ledger.issue_revolving(yn, CODE, "G9", 4000, "云周〔2027〕1号")
    r = ledger.issue_revolving(yn, CODE, AREA, 4000, "云周〔2027〕1号", on=dt.date(2027, 3, 1))
    assert r["due_date"] == "2030-03-01"
    with pytest.raises(ledger.LedgerRefused, match=r"周转指标累计将达 15\.75 亩，超过其拆旧面积 15\.00 亩"):
        ledger.issue_revolving(yn, CODE, AREA, 6500, "云周〔2027〕2号")
    ledger.issue_revolving(yn, CODE, AREA, 2000, "云周〔2027〕2号", on=dt.date(2020, 1, 1))  # overdue since 2023
    with pytest.raises(ledger.LedgerRefused, match="须指明项目区"):
        ledger.use(fm, COUNTY, "zz", "富政批〔2027〕11号", area_m2=5000)
    ledger.use(fm, COUNTY, "zz", "富政批〔2027〕11号", area_m2=5000, area_code=AREA)  # 建新 5,000 m²

    status = ledger.revolving(yn, "530000")
    assert [(s["issued_mu"], s["outstanding_mu"], s["overdue"]) for s in status] == [
        (6.0, 6.0, False),
        (3.0, 3.0, True),
    ]
    check = ledger.check(yn)
    assert check["ok"] and [f["code"] for f in check["findings"]] == ["REVOLVING_OVERDUE"]
    assert "周转指标 3.00 亩 应于 2023-01-01 前归还，已逾期" in check["findings"][0]["message"]

    with pytest.raises(ledger.LedgerRefused, match="通过“验收”"):
        ledger.reclaim(yn, CODE, AREA, "云复垦验〔2028〕1号", reserve_m2=1000)
    project_to(tmp_path, "aftercare")
    # 拆旧 10,000 m²: the 1,000 m² of 周转指标 never used lapses, 5,000 returns what was used, 1,000 is kept
    # for the village's housing, 4,000 is 节余.
    rc = ledger.reclaim(yn, CODE, AREA, "云复垦验〔2028〕1号", reserve_m2=1000)
    assert sorted((ln["kind"], ln["bucket"], ln["area_m2"]) for ln in rc["lines"]) == [
        ("jsjg", "avail", 4000.0),
        ("jsjg", "reserved", 1000.0),
        ("jsjg", "source", -10_000.0),
        ("zz", "avail", -1000.0),
        ("zz", "owed", 6000.0),
    ]
    assert [s["outstanding_mu"] for s in ledger.revolving(yn, COUNTY)] == [0.0, 0.0]
    # The reservation is used inside the 项目区 for the village's own housing; 节余 may be traded.
    with pytest.raises(ledger.InsufficientBalance, match="本村建房预留"):
        ledger.use(fm, COUNTY, "jsjg", "富政批〔2028〕1号", area_m2=1500, area_code=AREA, reserved=True)
    ledger.use(fm, COUNTY, "jsjg", "富政批〔2028〕1号", area_m2=1000, area_code=AREA, reserved=True)
    ledger.transfer(fm, "jsjg", "挂钩调剂001", area_m2=3000, price_yuan_per_mu=300_000, seller=COUNTY, buyer=OTHER)
    assert bucket(OTHER, "jsjg", "avail")["area_mu"] == 4.5
    assert bucket(COUNTY, "jsjg", "avail")["area_m2"] == 1000.0
    assert bucket(COUNTY, "zz", "avail", AREA)["area_m2"] == 0.0
    check = ledger.check(yn)
    assert check["ok"] and check["findings"] == []
    assert audit.verify(records.system_actor())["ok"]


def test_market_deal_levy_and_shares(records_world):
    fm = who("fm_author")
    village_decides()  # 入市 needs 测试村's decision
    d = ledger.market_add(
        fm, COUNTY, "富民入市〔2027〕1号", parcel_code="530124100201JA00001", collective="测试村股份经济合作社",
        mode="出让", land_use="工业", area_m2=6000, term_years=50, price_yuan=3_000_000, cost_yuan=1_000_000,
        rate=0.3, village="530124100201",
    )  # fmt: skip
    # 增值收益 2,000,000; 调节金 30 % = 600,000; distributed = 成交价款 − 调节金 − 成本 = 3,000,000 − 600,000
    # − 1,000,000 = 1,400,000 (before: price − 调节金 = 2,400,000); collective 30 % = 420,000; members 980,000.
    assert (d["area_mu"], d["increment_yuan"], d["levy_yuan"], d["collective_yuan"], d["members_yuan"]) == (
        9.0, 2_000_000.0, 600_000.0, 420_000.0, 980_000.0,
    )  # fmt: skip
    assert d["distributed_yuan"] == 1_400_000.0
    with pytest.raises(ledger.LedgerRefused, match="调节金比例 60% 不在规定范围 20%–50% 内"):
        ledger.market_add(fm, COUNTY, "富民入市〔2027〕2号", parcel_code="X", collective="c", mode="出让",
                          land_use="商业", area_m2=1, term_years=40, price_yuan=1, rate=0.6)  # fmt: skip
    with pytest.raises(ledger.LedgerRefused, match="已登记"):  # the same contract typed another way
        ledger.market_add(fm, COUNTY, " 富民入市[2027]１号", parcel_code="X", collective="c", mode="出租",
                          land_use="商业", area_m2=1, term_years=20, price_yuan=1)  # fmt: skip
    with pytest.raises(NotFound):
        ledger.market_add(who("wh_author"), COUNTY, "五华入市1", parcel_code="X", collective="c", mode="出让",
                          land_use="商业", area_m2=1, term_years=20, price_yuan=1)  # fmt: skip
    assert [x["contract_no"] for x in ledger.market_list(who("yn_sup"), "530000")] == ["富民入市〔2027〕1号"]
    assert ledger.market_list(who("wh_author"), OTHER) == []
    assert ledger.check(who("yn_sup"))["ok"]


def test_check_finds_entries_changed_behind_its_back(accepted):
    yn = who("yn_sup")
    ledger.use(who("fm_sup"), COUNTY, "bcgd", "富政批〔2027〕1号", area_m2=4000, paddy_m2=0, grain_kg=0)
    db = records.database()
    with db.engine.begin() as conn:  # an edit outside landcon: the used line grows by 1 m²
        conn.execute(
            text("UPDATE ledger_entries SET area = area + 100 WHERE id = (SELECT MAX(id) FROM ledger_entries)")
        )
    result = ledger.check(yn)
    assert not result["ok"]
    assert [f["code"] for f in result["findings"]] == ["UNBALANCED"]
    with db.engine.begin() as conn:  # now the issue itself is inflated, still balanced
        conn.execute(
            text("UPDATE ledger_entries SET area = area - 100 WHERE id = (SELECT MAX(id) FROM ledger_entries)")
        )
        conn.execute(text("UPDATE ledger_entries SET area = area * 2 WHERE posting_id = 1"))
    codes = [f["code"] for f in ledger.check(yn)["findings"]]
    assert codes == ["ISSUE_WITHOUT_SOURCE"]


def test_a_batch_file_posts_all_or_nothing(accepted, tmp_path):
    yn = who("yn_sup")
    good = tmp_path / "batch.csv"
    good.write_text(
        "type,doc,unit,kind,area_mu,grain_kg,from,to,price,received,reason,memo,paddy_mu\n"
        "use,富政批〔2027〕21号,530124,bcgd,3,1000,,,,,,县城扩建,0\n"
        "transfer,调剂合同021,,bcgd,4.5,,530124,530102,200000,100000,,,\n"
        "freeze,云冻〔2027〕21号,530102,bcgd,1.5,,,,,,核查中,,\n",
        encoding="gbk",  # as Excel saves it on Chinese Windows
    )
    r = ledger.post_file(yn, good)
    assert (r["posted"], r["duplicates"], r["entries"]) == (3, 0, 6)
    # 15 − 3 − 4.5 = 7.5 亩 left in 富民县; 五华区 holds 4.5 − 1.5 = 3 亩 available and 1.5 frozen.
    assert bucket(COUNTY, "bcgd", "avail")["area_m2"] == 5000.0
    assert bucket(COUNTY, "bcgd", "used")["grain_kg"] == 1000
    assert (bucket(OTHER, "bcgd", "avail")["area_m2"], bucket(OTHER, "bcgd", "frozen")["area_m2"]) == (2000.0, 1000.0)
    assert ledger.transfers(yn, OTHER)[0]["total_yuan"] == 900_000.0
    again = ledger.post_file(yn, good)
    assert (again["posted"], again["duplicates"]) == (0, 3)

    before = state()
    short = tmp_path / "short.csv"
    short.write_text(
        "type,doc,unit,kind,area_m2,dlbm,grain_kg\nuse,富政批〔2027〕22号,530124,bcgd,4000,0103,0\n"
        "use,富政批〔2027〕23号,530124,bcgd,1500,0103,0\n",
        encoding="utf-8",
    )
    with pytest.raises(ledger.InsufficientBalance, match=r"第 2 条（建设用地审批使用 富政批〔2027〕23号）：余额不足"):
        ledger.post_file(yn, short)
    assert unchanged(before)  # the first row (within the balance) was not written either
    bad = tmp_path / "bad.csv"
    bad.write_text("type,doc,unit,kind,area_mu\nuse,x,530124,bcgd,三亩\n", encoding="utf-8")
    with pytest.raises(InvalidRecord, match=r"bad\.csv.*要素 1：第 1 行：area_mu应为数字"):
        ledger.post_file(yn, bad)
    for typed, why in (
        ("nan", "有限的数"),
        ("inf", "有限的数"),
        ("1e309", "有限的数"),
        ("1e15", "超出合理范围"),
        ("-2", "不小于零"),
    ):
        bad.write_text(
            f"type,doc,unit,kind,area_mu,paddy_mu,grain_kg\nuse,x,530124,bcgd,1,0,{typed}\n", encoding="utf-8"
        )
        with pytest.raises(InvalidRecord, match=rf"第 1 行：grain_kg.*{why}"):
            ledger.post_file(yn, bad)
    denied = tmp_path / "denied.csv"
    denied.write_text("type,doc,unit,kind,area_mu,reason\nfreeze,云冻1,530124,bcgd,1,核查\n", encoding="utf-8")
    with pytest.raises(PermissionDenied, match="第 1 条"):
        ledger.post_file(who("fm_sup"), denied)
    assert unchanged(before)
    assert ledger.check(yn)["ok"]

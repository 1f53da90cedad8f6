"""村民同意 records read by a project's plan check, and 入市 behind its village's vote (SQLite and PostgreSQL).

The project is ``ledger_fixtures.project_to(…, "plan")``: its plan's 增减挂钩 拆旧 plot ZJGGTB 1 reclaims the
宅基地 cell (3,0) (10,000 m², 图斑 BSM 4, village 530124100201) and carries CMTY = 是, which a project's
check no longer reads: only consent records count.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ledger_fixtures import CODE, linkage_plan, project_to
from records_fixtures import VILLAGE_CODE, RecordsDB

from landcon.engine import votes as V
from landcon.errors import InvalidRecord, PermissionDenied
from landcon.services import consent, ledger, projects, records
from landcon.services import village_votes as VV

RULE = "DEMOLITION_NEEDS_CONSENT"


def _stored(number: int = 1) -> dict[str, object]:
    detail = projects.version_detail(records.actor("fm_author"), CODE, number)
    return next(f for f in detail["findings"] if f["rule"] == RULE)


def _meeting(motion_kind: str, votes_for: int, **kw: object) -> dict[str, object]:
    return VV.add_meeting(
        records.actor("fm_town"),
        CODE,
        village=VILLAGE_CODE,
        kind=V.VILLAGERS,
        held_on=kw.pop("held_on", "2026-03-01"),
        motion=f"表决 {motion_kind}",
        motion_kind=motion_kind,
        eligible=40,
        present=30,
        votes_for=votes_for,
        against=30 - votes_for,
        abstain=0,
        **kw,  # type: ignore[arg-type]
    )


def test_a_project_check_reads_records_not_cmty(records_world: RecordsDB, tmp_path: Path) -> None:
    project_to(tmp_path, "plan")
    f = _stored()
    assert (f["status"], f["features"]) == ("fail", [{"layer": "ZJGGTB", "id": "1"}])
    assert "ZJGGTB 1（1.0000 公顷）" in str(f["message"])
    assert consent.coverage(records.actor("fm_author"), CODE)["gaps"] == [
        {"parcel": "ZJGGTB:1", "bsm": ["4"], "villages": [VILLAGE_CODE], "area_m2": 10000.0}
    ]
    town = records.actor("fm_town")
    record = tmp_path / "同意书.pdf"
    record.write_bytes(b"%PDF-1.4 signed")
    c = consent.add_consent(
        town,
        CODE,
        kind="demolition",
        given_on="2026-02-01",
        village="测试村",
        household_code="530124100201010001",
        household_name="张*",
        parcels=["4"],  # the 图斑's BSM
        attachment=record,
    )
    assert (c["counts"], c["parcels"], c["village_code"], c["attachment"]) == (True, ["4"], VILLAGE_CODE, "同意书.pdf")
    now = consent.coverage(records.actor("fm_author"), CODE)
    assert (now["version"], now["finding"]["status"], now["stored"]["status"]) == (1, "pass", "fail")
    assert now["finding"]["message"] == "拆除或改变用途的宅基地 1.0000 公顷 均有村民同意记录（1 条记录）"
    # Saving the plan again stores the finding read from the records.
    projects.save_plan(records.actor("fm_author"), CODE, linkage_plan(tmp_path / "again"))
    assert _stored()["status"] == "pass"


def test_a_meeting_consent_counts_while_the_meeting_passes(records_world: RecordsDB, tmp_path: Path) -> None:
    project_to(tmp_path, "plan")
    town = records.actor("fm_town")
    failed = _meeting(V.DEMOLITION, 19)  # 19 < 20 = 2/3 of 30 present
    passed = _meeting(V.DEMOLITION, 20, held_on="2026-03-02")
    consent.add_consent(town, CODE, kind="demolition", given_on="2026-03-01", meeting=int(failed["id"]))
    assert consent.coverage(town, CODE)["finding"]["status"] == "fail"
    whole = consent.add_consent(town, CODE, kind="demolition", given_on="2026-03-02", meeting=int(passed["id"]))
    assert (whole["whole_village"], whole["counts"], whole["household_name"]) == (True, True, "")
    assert consent.coverage(town, CODE)["finding"]["status"] == "pass"
    listed = consent.list_consents(records.actor("fm_sup"), CODE)
    assert [(x["meeting"], x["meeting_passed"], x["counts"]) for x in listed] == [
        (failed["id"], False, False),
        (passed["id"], True, True),
    ]


def test_consent_records_are_checked_and_recorded_by_townships(records_world: RecordsDB, tmp_path: Path) -> None:
    project_to(tmp_path, "plan")
    town = records.actor("fm_town")
    with pytest.raises(InvalidRecord, match="农户同意须列出所涉地块"):
        consent.add_consent(
            town, CODE, kind="demolition", given_on="2026-02-01", village="测试村", household_name="张*"
        )
    with pytest.raises(InvalidRecord, match="农户同意须填写承包方编码或户主姓名"):
        consent.add_consent(town, CODE, kind="demolition", given_on="2026-02-01", village="测试村", parcels=["4"])
    with pytest.raises(InvalidRecord, match="同意类型应为 demolition、reallocation、market，不是 '拆房'"):
        consent.add_consent(town, CODE, kind="拆房", given_on="2026-02-01", village="测试村", parcels=["4"])
    with pytest.raises(PermissionDenied, match="县级及以上只能查看"):
        consent.add_consent(
            records.actor("fm_author"), CODE, kind="demolition", given_on="2026-02-01", village="测试村",
            household_name="张*", parcels=["4"],
        )  # fmt: skip
    assert consent.list_consents(records.actor("fm_author"), CODE) == []


def test_cmty_is_an_import_path(records_world: RecordsDB, tmp_path: Path) -> None:
    project_to(tmp_path, "plan")
    town = records.actor("fm_town")
    made = consent.import_cmty(town, CODE)
    assert [(x["parcels"], x["source"], x["household_name"]) for x in made] == [
        (["ZJGGTB:1"], "CMTY", "方案第 1 版 CMTY=是")
    ]
    assert consent.import_cmty(town, CODE) == []  # already imported
    assert consent.coverage(town, CODE)["finding"]["status"] == "pass"


def _market(parcel: str = "530124100201JA00001", contract: str = "富民入市〔2027〕1号") -> dict[str, object]:
    return ledger.market_add(
        records.actor("fm_author"), "530124", contract, parcel_code=parcel, collective="测试村股份经济合作社",
        mode="出让", land_use="工业", area_m2=6000, term_years=50, price_yuan=3_000_000, cost_yuan=1_000_000,
        rate=0.3, village=VILLAGE_CODE,
    )  # fmt: skip


def test_market_entry_needs_a_passed_vote_of_a_village_that_keeps_its_votes(
    records_world: RecordsDB, tmp_path: Path
) -> None:
    project_to(tmp_path, "plan")
    _meeting(V.TENURE_SCHEME, 25)  # the village now keeps its votes here
    with pytest.raises(InvalidRecord, match="测试村（530124100201）没有集体经营性建设用地入市的村民会议表决记录"):
        _market()
    _meeting(V.MARKET_ENTRY, 19, held_on="2026-04-01")
    with pytest.raises(InvalidRecord, match="测试村 2026-04-01 的入市表决未通过（表决未通过：应到 40 人，到会 30 人"):
        _market()
    _meeting(V.MARKET_ENTRY, 20, held_on="2026-05-01", parcels=["530124100201JA00001"])
    with pytest.raises(InvalidRecord, match="通过的入市表决不包括宗地 530124100201JA00002"):
        _market("530124100201JA00002")
    assert _market()["contract_no"] == "富民入市〔2027〕1号"


def test_market_entry_refused_without_a_village_or_a_decision(records_world: RecordsDB, tmp_path: Path) -> None:
    project_to(tmp_path, "plan")
    with pytest.raises(InvalidRecord) as refused:
        ledger.market_add(
            records.actor("fm_author"), "530124", "富民入市〔2027〕9号", parcel_code="530124100201JA00001",
            collective="测试村股份经济合作社", mode="出让", land_use="工业", area_m2=6000, term_years=50,
            price_yuan=3_000_000,
        )  # fmt: skip
    assert "入市须写明宗地所在村（村代码）：没有所在村无法检查村民会议或村民代表会议的入市决议" in str(refused.value)
    # A village without any record is no longer let through.
    with pytest.raises(
        InvalidRecord, match="测试村（530124100201）没有集体经营性建设用地入市的村民会议表决记录或会议同意记录"
    ):
        _market()
    assert ledger.market_list(records.actor("yn_sup"), "530124") == []


def test_market_entry_reads_meeting_consents_of_kind_market(records_world: RecordsDB, tmp_path: Path) -> None:
    project_to(tmp_path, "plan")
    town = records.actor("fm_town")
    consent.add_consent(
        town, CODE, kind="market", given_on="2026-02-01", village="测试村", household_code="530124100201010001",
        household_name="张*", parcels=["530124100201JA00001"],
    )  # fmt: skip
    with pytest.raises(InvalidRecord, match="该村有 1 条农户入市同意记录，农户同意不能代替村集体的决议"):
        _market()
    # A meeting on another matter that passes by its own rule (过半数) but not by 入市's 2/3 does not count.
    short = _meeting(V.OTHER, 16)
    assert short["passed"] is True
    consent.add_consent(town, CODE, kind="market", given_on="2026-03-01", meeting=int(short["id"]))
    with pytest.raises(InvalidRecord, match="没有集体经营性建设用地入市的村民会议表决记录或会议同意记录"):
        _market()
    # A meeting with 2/3 of those present for, whose consent names the parcel, lets that parcel enter.
    enough = _meeting(V.OTHER, 20, held_on="2026-03-02")
    consent.add_consent(
        town, CODE, kind="market", given_on="2026-03-02", meeting=int(enough["id"]), parcels=["530124100201JA00001"]
    )
    with pytest.raises(InvalidRecord, match="没有集体经营性建设用地入市的村民会议表决记录或会议同意记录"):
        _market("530124100201JA00002", "富民入市〔2027〕2号")
    assert _market()["contract_no"] == "富民入市〔2027〕1号"

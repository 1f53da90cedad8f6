"""Aftercare alerts: accepted new farmland no longer 耕地 or 撂荒 (ZZSXDM WG) in a later vintage, expired
agreements and overdue inspections — the pure checks on the 100 m grid and the scan of an accepted
project (SQLite and PostgreSQL).

New farmland of the plan (``ledger_fixtures.linkage_plan``): CZGHTB:1 = cell (0,0), CZGHTB:2 = cell
(2,0), ZJGGTB:1 = cell (3,0) (拆旧 复垦为 0103). The vintage: (0,0) 0103 with ZZSXDM WG (10,000 m²
撂荒); (2,0) left half 0103, right half 0201 果园 (5,000 m² no longer 耕地); (3,0) still 0702 (10,000 m²).
Agreement GH-1 (village 530124100201) cares for CZGHTB:1 and CZGHTB:2; ZJGGTB:1 has none (the county).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import cell, dltb_row, grid_dltb
from ledger_fixtures import CODE, project_to
from plan_fixtures import box
from records_fixtures import COUNTY, VILLAGE_CODE, RecordsDB

from landcon.engine import aftercare as C
from landcon.engine import care_alerts as CA
from landcon.services import aftercare, aftercare_inspections, alerts, clock, records
from landcon.services.datasets import import_dataset
from landcon.services.jobs import results_dir

D = dt.date
PARCELS = [("CZGHTB:1", cell(0, 0)), ("CZGHTB:2", cell(2, 0)), ("ZJGGTB:1", cell(3, 0))]


def _vintage_rows() -> list[dict[str, object]]:
    return [
        dltb_row("1", "0103", cell(0, 0), ZZSXDM="WG", ZZSXMC="未耕种"),
        dltb_row("2", "0103", cell(1, 0)),
        dltb_row("3", "0103", box(2, 0, 2.5, 1)),
        dltb_row("10", "0201", box(2.5, 0, 3, 1)),
        dltb_row("4", "0702", cell(3, 0)),
        dltb_row("5", "0301", cell(0, 1)),
        dltb_row("6", "0301", cell(1, 1)),
        dltb_row("7", "0404", cell(2, 1)),
        dltb_row("8", "0404", cell(3, 1)),
    ]


def test_in_vintage_areas_on_the_grid() -> None:
    found = C.in_vintage(grid_dltb(_vintage_rows()), PARCELS, 4543)
    assert [f.to_dict() for f in found] == [
        {
            "key": "CZGHTB:1",
            "not_cultivated_m2": 0.0,
            "abandoned_m2": 10000.0,
            "not_cultivated_bsm": [],
            "abandoned_bsm": ["1"],
        },
        {
            "key": "CZGHTB:2",
            "not_cultivated_m2": 5000.0,
            "abandoned_m2": 0.0,
            "not_cultivated_bsm": ["10"],
            "abandoned_bsm": [],
        },
        {
            "key": "ZJGGTB:1",
            "not_cultivated_m2": 10000.0,
            "abandoned_m2": 0.0,
            "not_cultivated_bsm": ["4"],
            "abandoned_bsm": [],
        },
    ]
    owner = C.responsible(["CZGHTB:1", "ZJGGTB:1"], [("V", ("CZGHTB:1",)), ("T", ("CZGHTB:1",))], "C")
    assert owner == {"CZGHTB:1": "V", "ZJGGTB:1": "C"}


def test_care_agreement_checks() -> None:
    old = CA.CareAgreementState("GH-1", "V", D(2025, 1, 1), D(2026, 12, 31), ("P1", "P2"), D(2026, 6, 1))
    renewed = CA.CareAgreementState("GH-2", "V", D(2027, 1, 1), D(2029, 12, 31), ("P1",), None)
    found = CA.care_agreements([old, renewed], D(2027, 4, 2), 90)
    assert [(c.kind, c.key, c.severity, c.unit, c.message) for c in found] == [
        (
            "care_expired",
            "care_expired:GH-1",
            "warning",
            "V",
            "管护协议 GH-1 已于 2026-12-31 到期（92 天），1 块新增耕地没有有效的管护协议：P2",
        ),
        (
            "care_overdue",
            "care_overdue:GH-2",
            "warning",
            "V",
            "管护协议 GH-2 已 91 天未巡查（协议 2027-01-01 起未巡查），超过 90 天",
        ),
    ]
    assert CA.care_agreements([renewed], D(2027, 4, 1), 90) == []  # 90 days: not more than the interval


@pytest.fixture
def on(monkeypatch: pytest.MonkeyPatch) -> dict[str, D]:
    today = {"date": D(2027, 3, 1)}
    monkeypatch.setattr(clock, "today", lambda: today["date"])
    return today


def _care_alerts() -> dict[str, dict[str, object]]:
    found = alerts.list_alerts(records.actor("fm_sup"), project_code=CODE)
    return {a["key"]: a for a in found if str(a["kind"]).startswith("care_")}


def test_scan_of_an_accepted_project(records_world: RecordsDB, tmp_path: Path, on: dict[str, D]) -> None:
    project_to(tmp_path, "aftercare")
    aftercare.add_agreement(
        records.actor("fm_sup"),
        CODE,
        "GH-1",
        caretaker_kind="村集体",
        caretaker="测试村",
        unit=VILLAGE_CODE,
        start="2027-01-01",
        end="2029-12-31",
        parcels=["CZGHTB:1", "CZGHTB:2"],
    )
    alerts.scan(records.actor("fm_sup"), CODE)
    assert _care_alerts() == {}  # no vintage after the plan's dataset version yet, inspection not due
    path = tmp_path / "v2.gpkg"
    grid_dltb(_vintage_rows()).to_file(path, layer="DLTB", engine="pyogrio")
    import_dataset(path, "grid", replace=True)
    alerts.scan(records.actor("fm_sup"), CODE)
    found = _care_alerts()
    assert {k: (a["severity"], a["unit"], a["message"]) for k, a in found.items()} == {
        f"care_not_cultivated:{VILLAGE_CODE}": (
            "serious",
            VILLAGE_CODE,
            f"{CODE} 变更调查（数据版本 2）：已验收新增耕地 1 块不再是耕地，5,000.00 平方米（7.50 亩）：CZGHTB:2",
        ),
        f"care_not_cultivated:{COUNTY}": (
            "serious",
            COUNTY,
            f"{CODE} 变更调查（数据版本 2）：已验收新增耕地 1 块不再是耕地，10,000.00 平方米（15.00 亩）：ZJGGTB:1",
        ),
        f"care_abandoned:{VILLAGE_CODE}": (
            "warning",
            VILLAGE_CODE,
            f"{CODE} 变更调查（数据版本 2）：已验收新增耕地 1 块撂荒（种植属性 WG），"
            "10,000.00 平方米（15.00 亩）：CZGHTB:1",
        ),
    }
    assert found[f"care_abandoned:{VILLAGE_CODE}"]["figures"] == {
        "vintage": 2,
        "area_m2": 10000.0,
        "area_mu": 15.0,
        "parcels": {"CZGHTB:1": 10000.0},
    }
    kept = json.loads((results_dir("aftercare", CODE) / "vintage.json").read_text(encoding="utf-8"))
    assert (kept["plan_version"], kept["before_version"], kept["dataset_version"]) == (1, 1, 2)
    (results_dir("aftercare", CODE) / "vintage.json").write_text("{", encoding="utf-8")  # damaged: computed again
    alerts.scan(records.actor("fm_sup"), CODE)
    assert {k: a["holds"] for k, a in _care_alerts().items()} == dict.fromkeys(found, True)
    assert json.loads((results_dir("aftercare", CODE) / "vintage.json").read_text(encoding="utf-8")) == kept
    # 104 days after the start without an inspection; the inspection's own scan clears it.
    on["date"] = D(2027, 4, 15)
    alerts.scan(records.actor("fm_sup"), CODE)
    overdue = _care_alerts()["care_overdue:GH-1"]
    assert (overdue["state"], overdue["message"]) == (
        "open",
        "管护协议 GH-1 已 104 天未巡查（协议 2027-01-01 起未巡查），超过 90 天",
    )
    aftercare_inspections.add_inspection(
        records.actor("fm_town"), CODE, "GH-1", inspected_on="2027-04-15", inspector="李四", result="正常"
    )
    assert (_care_alerts()["care_overdue:GH-1"]["state"], _care_alerts()["care_overdue:GH-1"]["holds"]) == (
        "resolved",
        False,
    )
    on["date"] = D(2030, 2, 1)
    alerts.scan(records.actor("fm_sup"), CODE)
    expired = _care_alerts()["care_expired:GH-1"]
    assert (
        expired["message"]
        == "管护协议 GH-1 已于 2029-12-31 到期（32 天），2 块新增耕地没有有效的管护协议：CZGHTB:1、CZGHTB:2"
    )
    assert expired["unit"] == VILLAGE_CODE


def test_no_care_alerts_before_acceptance(records_world: RecordsDB, tmp_path: Path, on: dict[str, D]) -> None:
    project_to(tmp_path, "implementation")
    path = tmp_path / "v2.gpkg"
    grid_dltb(_vintage_rows()).to_file(path, layer="DLTB", engine="pyogrio")
    import_dataset(path, "grid", replace=True)
    alerts.scan(records.actor("fm_sup"), CODE)
    assert _care_alerts() == {}


def test_a_long_parcel_list_is_cut_in_the_message_and_kept_in_the_figures() -> None:
    found = [CA.CareFinding(f"CZGHTB:{n}", "V", 100.0, 0.0) for n in range(1, 13)]
    [alert] = CA.care_farmland("P", 2, found)
    assert alert.message.endswith(
        "：CZGHTB:1、CZGHTB:2、CZGHTB:3、CZGHTB:4、CZGHTB:5、CZGHTB:6、CZGHTB:7、CZGHTB:8、CZGHTB:9、CZGHTB:10 等 12 块"
    )
    assert len(alert.figures["parcels"]) == 12 and alert.figures["area_m2"] == 1200.0

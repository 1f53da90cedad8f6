"""Aftercare alerts: accepted new farmland no longer 耕地 or 撂荒 (ZZSXDM WG) in a later vintage, expired
agreements and overdue inspections — the pure checks on the 100 m grid and the scan of an accepted
project (SQLite and PostgreSQL).

Accepted new farmland (the as-built parcels with verified new 耕地 of ``ledger_fixtures``' acceptance):
JGTB:A1 = cell (0,0), 500 m² verified (it was 耕地 before; the rest is not new), JGTB:A2 = cell (2,0),
9,500 m², JGTB:A3 = cell (3,0) (拆旧 复垦为 0103), 10,000 m². The vintage: (0,0) 0103 with ZZSXDM WG
(撂荒: 10,000 m², counted up to A1's 500 m²); (2,0) left half 0103, right half 0201 果园 (5,000 m² no
longer 耕地); (3,0) still 0702 (10,000 m²). Agreement GH-1 (village 530124100201) cares for A1 and A2;
A3 has none (the county).
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
        parcels=["JGTB:A1", "JGTB:A2"],
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
            f"{CODE} 变更调查（数据版本 2）：已验收新增耕地 1 块不再是耕地，5,000.00 平方米（7.50 亩）：JGTB:A2",
        ),
        f"care_not_cultivated:{COUNTY}": (
            "serious",
            COUNTY,
            f"{CODE} 变更调查（数据版本 2）：已验收新增耕地 1 块不再是耕地，10,000.00 平方米（15.00 亩）：JGTB:A3",
        ),
        f"care_abandoned:{VILLAGE_CODE}": (
            "warning",
            VILLAGE_CODE,
            f"{CODE} 变更调查（数据版本 2）：已验收新增耕地 1 块撂荒（种植属性 WG），500.00 平方米（0.75 亩）：JGTB:A1",
        ),
    }
    assert found[f"care_abandoned:{VILLAGE_CODE}"]["figures"] == {
        "vintage": 2,
        "area_m2": 500.0,
        "area_mu": 0.75,
        "parcels": {"JGTB:A1": 500.0},
    }
    kept = json.loads((results_dir("aftercare", CODE) / "vintage.json").read_text(encoding="utf-8"))
    assert (kept["acceptance_record"], kept["before_version"], kept["dataset_version"]) == (1, 1, 2)
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
        == "管护协议 GH-1 已于 2029-12-31 到期（32 天），2 块新增耕地没有有效的管护协议：JGTB:A1、JGTB:A2"
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


def test_care_follows_the_accepted_parcels_not_the_plan(
    records_world: RecordsDB, tmp_path: Path, on: dict[str, D]
) -> None:
    from acceptance_fixtures import meta as asbuilt_meta
    from acceptance_fixtures import passing_opinion, rows, vintage, write_asbuilt

    from landcon.errors import InvalidRecord
    from landcon.services import acceptance, acceptance_records, projects

    project_to(tmp_path, "acceptance")
    # Vintage 2: A2's orchard (2,0) is 耕地, A3's homestead (3,0) still 0702, so A3 fails verification.
    path = tmp_path / "v2.gpkg"
    vintage().to_file(path, layer="DLTB", engine="pyogrio")
    import_dataset(path, "grid", replace=True)
    run = acceptance.compute(records.actor("fm_sup"), CODE, write_asbuilt(tmp_path / "asb", rows(1.0), asbuilt_meta()))
    verified = {p["parcel"]: p["verified_m2"] for p in run.data["asbuilt_parcels"]}
    assert verified == {"A1": 500.0, "A2": 9_500.0, "A3": 0.0, "A4": 0.0}
    acceptance_records.record(
        records.actor("km_sup"), CODE, level="project", accepted_on="2027-11-15", members=["组长"],
        computation=run.out_dir / "acceptance.json", **passing_opinion(run.data),
    )  # fmt: skip
    projects.advance(records.actor("km_sup"), CODE)
    every = aftercare.add_agreement(
        records.actor("fm_sup"), CODE, "GH-1", caretaker_kind="村集体", caretaker="测试村", unit=VILLAGE_CODE,
        start="2027-01-01", end="2029-12-31", every=True,
    )  # fmt: skip
    assert (every["parcels"], every["area_m2"]) == (["JGTB:A1", "JGTB:A2"], 10_000.0)
    with pytest.raises(InvalidRecord, match="地块 A3 不是已验收的新增耕地地块"):
        aftercare.add_agreement(
            records.actor("fm_sup"), CODE, "GH-2", caretaker_kind="村集体", caretaker="测试村",
            start="2027-01-01", end="2029-12-31", parcels=["A3"],
        )  # fmt: skip
    # The vintage the acceptance verified against is not a new vintage: the cut A3 raises nothing.
    alerts.scan(records.actor("fm_sup"), CODE)
    assert _care_alerts() == {}
    # Vintage 3: the whole cell (2,0) is 果园 — A2's verified 9,500 m² is lost, not the cell's 10,000 m².
    later = [dltb_row("3", "0201", cell(2, 0)) if r["BSM"] == "3" else r for r in _vintage_v2_rows()]
    grid_dltb(later).to_file(tmp_path / "v3.gpkg", layer="DLTB", engine="pyogrio")
    import_dataset(tmp_path / "v3.gpkg", "grid", replace=True)
    alerts.scan(records.actor("fm_sup"), CODE)
    assert {k: a["message"] for k, a in _care_alerts().items()} == {
        f"care_not_cultivated:{VILLAGE_CODE}": (
            f"{CODE} 变更调查（数据版本 3）：已验收新增耕地 1 块不再是耕地，9,500.00 平方米（14.25 亩）：JGTB:A2"
        )
    }


def _vintage_v2_rows() -> list[dict[str, object]]:
    """``acceptance_fixtures.vintage()``'s rows (the DLTB of vintage 2 above)."""
    return [
        dltb_row("1", "0103", cell(0, 0), GDPDJB="2", GDDB=8),
        dltb_row("2", "0103", cell(1, 0), GDPDJB="5", GDDB=12),
        dltb_row("3", "0103", cell(2, 0), GDPDJB="2", GDDB=9),
        dltb_row("4", "0702", cell(3, 0)),
        dltb_row("5", "0301", cell(0, 1)),
        dltb_row("6", "0301", cell(1, 1)),
        dltb_row("7", "0404", cell(2, 1)),
        dltb_row("8", "0404", cell(3, 1)),
    ]

"""后期管护 records (SQLite and PostgreSQL): agreements over an accepted project's new farmland,
inspections with photos, the rectification task, scope and audit.

The project is ``ledger_fixtures.project_to(…, "aftercare")`` (past the ``accepted`` milestone). Its
accepted new farmland (as-built parcels with verified new 耕地): JGTB:A1 = cell (0,0), 500 m²
verified (it was 耕地 before), JGTB:A2 = cell (2,0), 9,500 m² (both ZXMBH Z1), and the 拆旧 plot
JGTB:A3 = cell (3,0) (复垦为 0103, Z2), 10,000 m²; the 建新 A4 adds no 耕地.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from conftest import cell
from ledger_fixtures import CODE, project_to
from records_fixtures import TOWNSHIP, VILLAGE_CODE, RecordsDB
from sqlalchemy import select
from supervision_fixtures import jpeg, lonlat

from landcon.errors import InvalidRecord, NotFound, PermissionDenied
from landcon.services import aftercare, records, tasks
from landcon.services import aftercare_inspections as AI
from landcon.store.models import AuditEntry

CELL_AREA_M2 = 10_000.0


def _add(who: str = "fm_sup", code: str = "GH-1", **kw: object) -> dict[str, object]:
    values: dict[str, object] = {
        "caretaker_kind": "村集体",
        "caretaker": "测试村股份经济合作社",
        "contact": "0871-1234567",
        "unit": VILLAGE_CODE,
        "duties": "田间道路、沟渠日常维护；耕地不撂荒",
        "start": "2027-01-01",
        "end": "2029-12-31",
        "funds_per_year": 1.5,
        "funds_source": "县级财政",
        "parcels": ["JGTB:A1", "A2"],
        **kw,
    }
    return aftercare.add_agreement(records.actor(who), CODE, code, **values)  # type: ignore[arg-type]


def test_agreement_refused_before_acceptance(records_world: RecordsDB, tmp_path: Path) -> None:
    project_to(tmp_path, "acceptance")
    with pytest.raises(InvalidRecord, match="当前处于“验收”阶段：通过验收后才能登记管护协议"):
        _add()


def test_agreements_by_id_subproject_and_polygon(records_world: RecordsDB, tmp_path: Path) -> None:
    project_to(tmp_path, "aftercare")
    a = _add()
    assert (a["parcels"], a["unit"], a["caretaker_kind"], a["funds_per_year"]) == (
        ["JGTB:A1", "JGTB:A2"],
        VILLAGE_CODE,
        "村集体",
        1.5,
    )
    # The verified new 耕地 of the two parcels, not their outline (A1 was mostly 耕地 before).
    assert a["area_m2"] == 500.0 + 9_500.0
    b = _add(code="GH-2", parcels=[], subprojects=["Z1"], unit=None, caretaker_kind="合作社")
    assert (b["parcels"], b["unit"]) == (["JGTB:A1", "JGTB:A2"], None)
    polygon = tmp_path / "range.gpkg"
    gpd.GeoDataFrame(geometry=[cell(3, 0).buffer(-10)], crs="EPSG:4543").to_file(polygon, engine="pyogrio")
    c = _add(code="GH-3", parcels=[], polygon=polygon, caretaker_kind="农户")
    assert (c["parcels"], c["area_m2"]) == (["JGTB:A3"], CELL_AREA_M2)
    assert [x["code"] for x in aftercare.list_agreements(records.actor("fm_town"), CODE)] == ["GH-1", "GH-2", "GH-3"]
    with pytest.raises(InvalidRecord, match="地块 CZGHTB:1 不是已验收的新增耕地地块"):
        _add(code="GH-4", parcels=["CZGHTB:1"])  # a plan parcel, not an accepted as-built one
    with pytest.raises(InvalidRecord, match="地块 A4 不是已验收的新增耕地地块"):
        _add(code="GH-4", parcels=["A4"])  # the 建新 plot: no verified new 耕地
    with pytest.raises(InvalidRecord, match="管护协议 GH-1 已登记"):
        _add()
    with pytest.raises(InvalidRecord, match="管护主体类型 '公司' 无效"):
        _add(code="GH-4", caretaker_kind="公司")
    with pytest.raises(InvalidRecord, match="管护期限结束日期 2026-12-31 早于开始日期 2027-01-01"):
        _add(code="GH-4", end="2026-12-31")
    with pytest.raises(InvalidRecord, match="管护单位 富民县（530124）应为项目 FM-2027-01 所属 富民县 的乡镇或村"):
        _add(code="GH-4", unit="530124")


def test_scope_and_roles(records_world: RecordsDB, tmp_path: Path) -> None:
    project_to(tmp_path, "aftercare")
    with pytest.raises(NotFound, match="不在"):
        _add(who="wh_sup")
    with pytest.raises(PermissionDenied, match="无权登记管护协议"):
        _add(who="fm_town")
    _add()
    with pytest.raises(NotFound, match="不在"):
        aftercare.list_agreements(records.actor("wh_sup"), CODE)
    with pytest.raises(NotFound, match="不在"):
        AI.add_inspection(
            records.actor("wh_sup"), CODE, "GH-1", inspected_on="2027-06-01", inspector="王", result="正常"
        )


def test_inspection_task_and_photos(records_world: RecordsDB, tmp_path: Path) -> None:
    project_to(tmp_path, "aftercare")
    _add()
    inside = jpeg(tmp_path / "inside.jpg", lonlat(250, 50))  # inside cell (2,0)
    far = jpeg(tmp_path / "far.jpg", lonlat(250, 600))  # 500 m north of cell (2,0)
    town = records.actor("fm_town")  # the township's reporter: the caretaker village is below it
    ok = AI.add_inspection(town, CODE, "GH-1", inspected_on="2027-06-01", inspector="李四", result="正常")
    assert (ok["result"], ok["task_id"], ok["photos"]) == ("正常", None, [])
    found = AI.add_inspection(
        town,
        CODE,
        "GH-1",
        inspected_on="2027-09-01",
        inspector="李四",
        result="需整改",
        findings="东侧排水沟淤堵",
        photos=[inside, (far, "远处.jpg")],
    )
    statuses = [(p["filename"], p["status"], p["flagged"], p["distance_m"]) for p in found["photos"]]
    assert statuses == [
        ("inside.jpg", "on_site", False, 0.0),
        ("远处.jpg", "outside", True, pytest.approx(500.0, abs=0.005)),
    ]
    assert found["photos"][1]["status_name"] == "超出管护地块范围"
    task = tasks.get_task(records.actor("fm_sup"), found["task_id"])
    assert (task["unit"], task["deadline"], task["project"], task["note"]) == (
        VILLAGE_CODE,
        "2027-09-16",
        CODE,
        "东侧排水沟淤堵",
    )
    assert task["title"] == f"管护整改：{CODE} 协议 GH-1（2027-09-01 巡查）"
    listed = AI.list_inspections(records.actor("fm_sup"), CODE, "GH-1")
    assert [(i["inspected_on"], i["result"], len(i["photos"])) for i in listed] == [
        ("2027-09-01", "需整改", 2),
        ("2027-06-01", "正常", 0),
    ]
    assert aftercare.list_agreements(records.actor("fm_sup"), CODE)[0]["last_inspection"] == "2027-09-01"
    assert AI.photo_file(town, CODE, found["photos"][0]["id"]).read_bytes() == inside.read_bytes()
    with pytest.raises(InvalidRecord, match="需整改时须填写发现的问题"):
        AI.add_inspection(town, CODE, "GH-1", inspected_on="2027-09-02", inspector="李四", result="需整改")
    with records.read() as session:
        actions = sorted(
            {
                (e.actor, e.action)
                for e in session.scalars(select(AuditEntry).where(AuditEntry.object_type.like("care_%")))
            }
        )
    assert actions == [
        ("fm_sup", "care.manage/create"),
        ("fm_town", "care.inspect/create"),
        ("fm_town", "care.inspect/update"),
    ]


def test_township_reporter_of_another_township_refused(records_world: RecordsDB, tmp_path: Path) -> None:
    project_to(tmp_path, "aftercare")
    _add(unit=TOWNSHIP)
    from landcon.services import org

    org.add_user(records.system_actor(), "hs_town", password="secret123", unit="530102001", roles=["reporter"])
    with pytest.raises(NotFound):
        AI.add_inspection(
            records.actor("hs_town"), CODE, "GH-1", inspected_on="2027-06-01", inspector="王", result="正常"
        )

"""``services.baobei.export_baobei`` and ``landcon project export-baobei`` on the records world (SQLite
and PostgreSQL): the approved ledger plan (``ledger_fixtures.linkage_plan``) in 实施 with its
sub-projects and one progress report, then accepted.

By hand: 整治区域 box(0,0,4,2) (one parcel); 新增耕地 the levelled cell (0,0) (500 m²), the orchard
(2,0) (9,500 m²) and the 拆旧 homestead (3,0) (10,000 m², 增减挂钩: not 补充耕地), so the 新增耕地
坐标文件 has 3 parcels and the 补充耕地监测图斑 2 parcels of 10,000 m² (``FARMLAND_M2``).
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
import shapely
from ledger_fixtures import CODE, FARMLAND_M2, project_to
from records_fixtures import VILLAGE_CODE
from typer.testing import CliRunner

from landcon.cli.main import app
from landcon.engine.area import ellipsoid_area
from landcon.engine.indicators import registry
from landcon.errors import NotFound, PermissionDenied, TransitionRefused
from landcon.services import acceptance_records, aftercare, baobei, projects, records, supervision
from landcon.store.coordinate_file import read_coordinate_file
from landcon.store.layers import read_vector_layer

EPSG = 4543


@pytest.fixture(scope="module")
def world(records_world_once, tmp_path_factory):
    project_to(tmp_path_factory.mktemp("plan"), "implementation")
    sup = records.actor("fm_sup")
    supervision.create_from_plan(sup, CODE)
    supervision.add_report(
        sup, CODE, "Z1", period="2026-06", reported_on="2026-06-30", percent=40, disbursed={"中央财政": 120.5}
    )
    return records_world_once


def _indicators() -> dict:
    author = records.actor("fm_author")
    number = max(v["number"] for v in projects.show_project(author, CODE)["plan_versions"] if v["frozen"])
    return projects.version_detail(author, CODE, number)["indicators"]


def _checksums_match(folder, manifest) -> None:
    listed = {f["path"] for f in manifest["files"]}
    assert listed | {"manifest.json"} == {p.name for p in folder.iterdir()}
    for f in manifest["files"]:
        data = (folder / f["path"]).read_bytes()
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (f["sha256"], f["size"])


def test_lixiang_package_reads_back_to_the_engine_figures(world, tmp_path) -> None:
    out = tmp_path / "lixiang"
    m = baobei.export_baobei(records.actor("fm_author"), CODE, "立项", out=out)
    indicators = _indicators()
    on_disk = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk == {k: v for k, v in m.items() if k != "out_dir"}
    _checksums_match(out, m)
    assert (m["stage"], m["basis"], m["plan_version"]) == ("立项", "方案", 1)
    assert sorted(f["path"] for f in m["files"]) == sorted(
        ["坐标文件_整治区域.txt", "坐标文件_新增耕地.txt", "补充耕地监测图斑.gpkg", "清单.txt"]
    )

    _, zz = read_coordinate_file(out / "坐标文件_整治区域.txt", EPSG)
    assert len(zz) == 1
    assert zz[0].area_ha == round(registry.number(indicators, "area.zzqy_m2") / 10_000, 4)
    _, new = read_coordinate_file(out / "坐标文件_新增耕地.txt", EPSG)
    assert len(new) == 3 == {f["path"]: f["count"] for f in m["files"]}["坐标文件_新增耕地.txt"]
    geoms = np.asarray([p.geometry for p in new], dtype=object)
    # each parcel's area to the file's precision: TBMJ in 公顷 to 4 decimals, coordinates to 0.01 m
    assert sorted(p.area_ha for p in new) == sorted(round(a / 10_000, 4) for a in ellipsoid_area(geoms, EPSG))
    assert sorted(round(float(a)) for a in shapely.area(geoms)) == [10_000, 10_000, 10_000]

    layer = read_vector_layer(out / "补充耕地监测图斑.gpkg", "BCGDJCTB")
    assert len(layer) == 2 == {f["path"]: f["count"] for f in m["files"]}["补充耕地监测图斑.gpkg"]
    assert round(float(layer["XZGDMJ"].sum()), 2) == FARMLAND_M2 == indicators["cultivated"]["supplementary_m2"]
    assert m["monitoring_m2"] == FARMLAND_M2
    assert sorted(layer["XZGDMJ"]) == [500.0, 9500.0]
    by_number = {p.number: p for p in new}
    for bsm, tbmj, geom in zip(layer["BSM"], layer["TBMJ"], layer.geometry, strict=True):
        parcel = by_number[bsm]  # the same 图斑 in the coordinate file, to its precision
        assert parcel.area_ha == round(tbmj / 10_000, 4)
        assert float(shapely.area(shapely.symmetric_difference(parcel.geometry, geom))) < 0.01
    arr = np.asarray(layer.geometry.array, dtype=object)
    assert float(shapely.area(shapely.intersection(arr[0], arr[1]))) == 0.0

    attributes = {r["key"]: r["value"] for r in m["attributes"]}
    assert attributes["cultivated.new_m2"] == indicators["cultivated"]["new_m2"] == 20_000.0
    assert attributes["cultivated.supplementary_m2"] == FARMLAND_M2
    assert {u["code"] for u in m["project"]["units"]} >= {"530124100"}
    assert [a["name"] for a in m["attachments"] if not a["missing"]] == ["实施方案", "方案审查批复意见"]
    assert m["missing_attachments"] == []
    assert [d["stage"] for d in m["stage_dates"]][-1] == "implementation"
    index = (out / "清单.txt").read_text(encoding="utf-8")
    assert "补充耕地监测图斑.gpkg  2 个要素" in index and "新增耕地面积：20000.0（平方米）" in index


def test_shishi_adds_subprojects_and_lists_missing_attachments(world, tmp_path) -> None:
    out = tmp_path / "shishi"
    m = baobei.export_baobei(records.actor("fm_sup"), CODE, "实施", out=out)
    _checksums_match(out, m)
    subs = read_vector_layer(out / "子项目.gpkg", "ZXM")
    assert sorted(subs["ZXMBH"]) == ["Z1", "Z2"]
    z1 = subs[subs["ZXMBH"] == "Z1"].iloc[0]
    assert (z1["WCBL"], z1["BFZJ_WY"], z1["TBRQ"]) == (40.0, 120.5, "2026-06-30")
    assert m["missing_attachments"] == ["规划设计与预算报告", "施工前后照片"]


def test_refusals_write_nothing(world, tmp_path) -> None:
    out = tmp_path / "refused"
    with pytest.raises(TransitionRefused, match="尚无验收结果"):
        baobei.export_baobei(records.actor("fm_author"), CODE, "验收", out=out)
    with pytest.raises(NotFound):
        baobei.export_baobei(records.actor("wh_sup"), CODE, "立项", out=out)
    with pytest.raises(PermissionDenied, match="导出报备包"):
        baobei.export_baobei(records.actor("fm_town"), CODE, "立项", out=out)
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_cli_json_and_the_accepted_project(world, tmp_path) -> None:
    runner = CliRunner()
    bad = runner.invoke(app, ["project", "export-baobei", CODE, "--stage", "竣工", "--as", "fm_author", "--json"])
    assert bad.exit_code != 0 and "报备阶段应为" in json.loads(bad.stdout)["error"]["message"]
    project_to(tmp_path, "aftercare", a2_width=0.5)
    out = tmp_path / "yanshou"
    args = ["project", "export-baobei", CODE, "--stage", "验收", "--out", str(out), "--as", "fm_author", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    m = json.loads(result.stdout)
    assert (m["basis"], m["monitoring_m2"]) == ("竣工", 5250.0)  # the as-built parcels (test_baobei_asbuilt)
    assert "工程复核报告" in m["missing_attachments"] and "后期管护协议" in m["missing_attachments"]
    _checksums_match(out, m)

    # records that exist count: a 管护 agreement, and a file attached to an acceptance record
    sup = records.actor("fm_sup")
    aftercare.add_agreement(
        sup, CODE, "GH-1", caretaker_kind="村集体", caretaker="测试村", unit=VILLAGE_CODE,
        start="2027-01-01", end="2029-12-31", parcels=["JGTB:A1"],
    )  # fmt: skip
    report = tmp_path / "Z1工程复核报告.pdf"
    report.write_bytes(b"%PDF-1.4\n%%EOF\n")
    acceptance_records.record(
        sup, CODE, level="sub_project", sub_project="Z1", opinion="同意", accepted_on="2027-11-01",
        members=["县级验收组"], files=[report],
    )  # fmt: skip
    m = baobei.export_baobei(records.actor("fm_author"), CODE, "验收", out=tmp_path / "again")
    present = {a["name"]: a["present"] for a in m["attachments"]}
    assert (present["后期管护协议"], present["工程复核报告"]) == (["1 条记录"], ["Z1工程复核报告.pdf"])
    assert not {"后期管护协议", "工程复核报告"} & set(m["missing_attachments"])
    assert "  后期管护协议：1 条记录（" in (tmp_path / "again" / "清单.txt").read_text(encoding="utf-8")

"""The 验收 报备 package from the as-built acceptance (``services.baobei.acceptance_parcels``, basis 竣工)
on the records world (SQLite and PostgreSQL): the approved ledger plan accepted on the hand-made
as-built parcels (``acceptance_fixtures.rows``: the 0.5-cell-wide orchard strip A2 carries out the
plan's 9,500 m² orchard (2,0) only in part, so the 核减 row 竣工少于方案 is listed) against the later
vintage (``acceptance_fixtures.vintage``: the 拆旧 homestead A3 is still 0702, so its 10,000 m² fail
verification: 竣工 15,250 m², 核定 5,250 m²), 决算 800 万元, read back: the coordinate file, the
GeoPackage and the attributes carry the accepted (核定) parcels and figures, not the plan's, and agree
with the project's ZZ_YS."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from acceptance_fixtures import vintage
from ledger_fixtures import CODE, project_to

from landcon.engine import baobei as B
from landcon.engine.area import ellipsoid_area
from landcon.engine.zzys import ha
from landcon.services import acceptance_outputs, acceptance_records, baobei, records
from landcon.services.datasets import import_dataset
from landcon.store.coordinate_file import read_coordinate_file
from landcon.store.layers import read_vector_layer

EPSG = 4543


@pytest.fixture(scope="module")
def accepted(records_world_once, tmp_path_factory):
    project_to(tmp_path_factory.mktemp("plan"), "acceptance")
    path = tmp_path_factory.mktemp("vintage") / "v2.gpkg"
    vintage().to_file(path, layer="DLTB", engine="pyogrio")
    import_dataset(path, "grid", replace=True)
    project_to(tmp_path_factory.mktemp("plan"), "aftercare", a2_width=0.5)
    stored = acceptance_records.latest_passing_computation(records.actor("fm_author"), CODE)
    assert stored is not None
    return stored


def test_yanshou_package_carries_the_asbuilt_parcels(accepted, tmp_path) -> None:
    out = tmp_path / "yanshou"
    m = baobei.export_baobei(records.actor("fm_author"), CODE, "验收", out=out)
    data = accepted["computation"]
    built, plan = data["asbuilt_indicators"], data["plan_indicators"]
    verified = {r["parcel"]: r["verified_m2"] for r in data["asbuilt_parcels"]}
    assert verified == {"A1": 500.0, "A2": 4750.0, "A3": 0.0, "A4": 0.0}
    assert m["basis"] == "竣工"
    assert m["acceptance"]["record"] == accepted["record"]["id"]
    assert m["acceptance"]["totals"] == data["totals"]
    assert m["acceptance"]["cuts"] == [
        {
            "layer": "JGTB",
            "parcel": "A2",
            "plan_parcel": "CZGHTB 2",
            "subproject": "Z1",
            "reason": "竣工少于方案",
            "cut_m2": 4750.0,
        },
        {
            "layer": "JGTB",
            "parcel": "A3",
            "plan_parcel": "ZJGGTB 1",
            "subproject": "Z2",
            "reason": "变更调查非耕地",
            "cut_m2": 10000.0,
        },
    ]

    # 补充耕地监测图斑: A1 and A2 (A3 is the 增减挂钩 拆旧 plot, A4 adds no 耕地), 核定 areas
    layer = read_vector_layer(out / "补充耕地监测图斑.gpkg", B.MONITORING_LAYER)
    assert dict(zip(layer["BSM"], layer["XZGDMJ"], strict=True)) == {"A1": 500.0, "A2": 4750.0}
    assert round(float(layer["XZGDMJ"].sum()), 2) == built["cultivated"]["supplementary_m2"] == 5250.0
    assert m["monitoring_m2"] == 5250.0 != plan["cultivated"]["supplementary_m2"]
    geoms = np.asarray(layer.geometry.array, dtype=object)
    assert list(layer["TBMJ"]) == [round(float(a), 2) for a in ellipsoid_area(geoms, EPSG)]

    # 坐标文件_新增耕地: every as-built parcel with 核定 new 耕地 (not A3), drawn as built
    _, new = read_coordinate_file(out / "坐标文件_新增耕地.txt", EPSG)
    assert sorted(p.number for p in new) == ["A1", "A2"]
    by_number = {p.number: p for p in new}
    for bsm, tbmj, geom in zip(layer["BSM"], layer["TBMJ"], layer.geometry, strict=True):
        assert by_number[bsm].area_ha == round(tbmj / 10_000, 4)
        assert float(shapely.area(shapely.symmetric_difference(by_number[bsm].geometry, geom))) < 0.01
    assert round(float(shapely.area(by_number["A2"].geometry))) == 5_000  # the half-width strip, not the plan cell

    # the attributes are what was accepted: the 核定 indicators and the 决算, as ZZ_YS states them
    attributes = {r["key"]: r["value"] for r in m["attributes"]}
    verified_ind = data["verified_indicators"]
    assert (built["cultivated"]["new_m2"], data["totals"]["verified_new_m2"]) == (15_250.0, 5_250.0)
    assert attributes["cultivated.new_m2"] == verified_ind["cultivated"]["new_m2"] == 5_250.0
    assert attributes["cultivated.supplementary_m2"] == m["monitoring_m2"] == 5_250.0
    assert attributes["cultivated.after_net_m2"] == verified_ind["cultivated"]["after_net_m2"]
    assert (attributes["investment.total_wan"], data["investment"]["final_wan"]) == (800.0, 800.0)
    zzys = acceptance_outputs.export_zzys(records.actor("fm_author"), CODE, tmp_path / "zzys")["zzys"]
    fields = {f["key"]: f["value"] for group in zzys["groups"].values() for f in group}
    assert fields["new.total"] == ha(attributes["cultivated.new_m2"]) == 0.525
    assert fields["new.supplementary"] == ha(attributes["cultivated.supplementary_m2"])
    assert fields["investment.total"] == attributes["investment.total_wan"]
    index = (out / "清单.txt").read_text(encoding="utf-8")
    assert "竣工新增耕地 15250.0 平方米，核定 5250.0 平方米；核减：" in index
    assert "  A2（竣工少于方案）4750.0 平方米" in index
    on_disk = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk["acceptance"] == m["acceptance"]


def test_a_record_without_asbuilt_parcels_falls_back_to_the_plan(accepted, tmp_path) -> None:
    from sqlalchemy import select

    from landcon.store.models import Acceptance

    rid = accepted["record"]["id"]
    with records.write(records.actor("km_sup"), "acceptance.record") as session:
        row = session.scalars(select(Acceptance).where(Acceptance.id == rid)).one()
        kept = dict(row.computation or {})
        row.computation = {k: v for k, v in kept.items() if k != "asbuilt_parcels"}
    try:
        m = baobei.export_baobei(records.actor("fm_author"), CODE, "验收", out=tmp_path / "old")
        assert (m["basis"], "acceptance" in m) == ("按方案", False)
    finally:
        with records.write(records.actor("km_sup"), "acceptance.record") as session:
            session.scalars(select(Acceptance).where(Acceptance.id == rid)).one().computation = kept

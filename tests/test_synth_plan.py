"""The synthetic plan generator: layers, fields and domains, no overlaps, determinism, and the
rule margins of both variants, checked with plain arithmetic on the frames (docs/plan.md)."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import yaml as pyyaml

from landcon.engine import codes
from landcon.engine.indicators.compose import analyse_plan
from landcon.engine.layers import CZKFBJ, DLTB, STBHHX, YJJBNTBHTB
from landcon.engine.overlay import clip, overlay_pairs
from landcon.engine.plan import COST_ITEMS, CZGHTB, PLAN_FIELDS, YJJBNTTZTB, ZJGGTB, ZZQY, check_plan
from landcon.engine.plan import Plan as PlanData
from landcon.engine.tiankan import DEFAULT_TABLE
from landcon.synth.county import generate_county
from landcon.synth.plan import generate_plan

EPSG = 4543
Plan = tuple[dict[str, gpd.GeoDataFrame], dict[str, Any]]


@pytest.fixture(scope="module")
def county() -> dict[str, gpd.GeoDataFrame]:
    return generate_county("530124", features=3_000, seed=3, epsg=EPSG)


@pytest.fixture(scope="module")
def compliant(county: dict[str, gpd.GeoDataFrame]) -> Plan:
    return generate_plan(county, dataset="demo", variant="compliant", seed=5)


@pytest.fixture(scope="module")
def violating(county: dict[str, gpd.GeoDataFrame]) -> Plan:
    return generate_plan(county, dataset="demo", variant="violating", seed=5)


def _geoms(frame: gpd.GeoDataFrame) -> np.ndarray:
    return np.asarray(frame.geometry.array, dtype=object)


def indicators(base: dict[str, gpd.GeoDataFrame], plan: Plan) -> dict[str, float]:
    """The rule inputs by the docs/plan.md arithmetic (planar areas where the plan is measured): the
    slope grade after is the steeper of GDPDJB and ZHPDJB, the 田坎系数 after the table's for it."""
    layers, yaml = plan
    dltb = base[DLTB]
    zone = shapely.union_all(_geoms(layers[ZZQY]))
    cut = clip(_geoms(dltb), zone, EPSG, full_area=dltb["TBMJ"].to_numpy())
    dlbm = dltb["DLBM"].to_numpy(dtype=object)[cut.index]
    cultivated = np.isin(dlbm, list(codes.CULTIVATED_CODES))
    construction = np.asarray([codes.THREE_CLASS_OF[c] == codes.CONSTRUCTION for c in dlbm])
    tbmj = dltb["TBMJ"].to_numpy()[cut.index] * cut.share
    kcxs = np.nan_to_num(dltb["KCXS"].to_numpy(dtype=np.float64)[cut.index])
    grade = dltb["GDPDJB"].to_numpy(dtype=object)[cut.index]
    before_net = float(np.sum(np.where(cultivated, tbmj * (1 - kcxs), 0.0)))
    before_construction = float(np.sum(np.where(construction, tbmj, 0.0)))

    cz, zj = layers[CZGHTB], layers[ZJGGTB]
    target = np.concatenate(
        [
            cz["GHDLBM"].to_numpy(dtype=object),
            np.where(zj["GGLX"] == "拆旧", zj["FKDLBM"], zj["JXDLBM"].fillna("0702")).astype(object),
        ]
    )
    zh = np.concatenate([cz["ZHKCXS"].to_numpy(dtype=np.float64), np.full(len(zj), np.nan)])
    zh_slope = np.concatenate(
        [cz["ZHPDJB"].fillna("").to_numpy(dtype=object), zj["ZHPDJB"].fillna("").to_numpy(dtype=object)]
    )
    zh_type = np.concatenate(
        [cz["ZHGDLX"].fillna("").to_numpy(dtype=object), zj["ZHGDLX"].fillna("").to_numpy(dtype=object)]
    )
    gdlx = dltb["GDLX"].fillna("").to_numpy(dtype=object)[cut.index]
    changes = np.concatenate([_geoms(cz), _geoms(zj)])
    pairs = overlay_pairs(cut.geometry, changes, EPSG)
    piece_tb = tbmj[pairs.index] * pairs.share
    after = target[pairs.area]
    after_cult = np.isin(after, list(codes.CULTIVATED_CODES))
    before_cult = cultivated[pairs.index]
    kc = kcxs[pairs.index]
    slope_after = np.asarray(
        [
            max([g for g in (str(a or ""), b) if g]) if (a or b) else ""
            for a, b in zip(grade[pairs.index], zh_slope[pairs.area], strict=True)
        ],
        dtype=object,
    )
    type_after = np.where(zh_type[pairs.area] != "", zh_type[pairs.area], gdlx[pairs.index])
    table = np.asarray(
        [
            (DEFAULT_TABLE[t][g] if t in DEFAULT_TABLE else max(DEFAULT_TABLE["TT"][g], DEFAULT_TABLE["PD"][g]))
            if g
            else np.nan
            for g, t in zip(slope_after, type_after, strict=True)
        ]
    )
    zh_p = zh[pairs.area]
    kc_after = np.where(np.isnan(table), np.where(np.isnan(zh_p), np.where(before_cult, kc, 0.0), zh_p), table)
    conversion = np.where(~before_cult & after_cult, piece_tb * (1 - kc_after), 0.0)
    levelling = np.where(before_cult & after_cult, piece_tb * np.maximum(kc - kc_after, 0), 0.0)
    gain = conversion + levelling
    after_construction = np.asarray([codes.THREE_CLASS_OF[c] == codes.CONSTRUCTION for c in after])
    construction_change = float(np.sum(piece_tb * (after_construction.astype(float) - construction[pairs.index])))

    out: dict[str, float] = {
        "before_net": before_net,
        "new": float(gain.sum()),
        "new_rate": float(gain.sum()) / before_net,
        "new_on_grade5": float(gain[slope_after == "5"].sum()),
        "new_without_slope": float(gain[slope_after == ""].sum()),
        "zhkcxs_below_table": float(np.sum(after_cult & (zh_p < table - 1e-9))),
        "construction_before": before_construction,
        "construction_change": construction_change,
        "demolished": float(zj.geometry[zj["GGLX"] == "拆旧"].area.sum()),
        "new_construction": float(zj.geometry[zj["GGLX"] == "建新"].area.sum()),
        "consent_missing": float((zj["GGLX"].eq("拆旧") & zj["CMTY"].ne("是")).sum()),
        "years": float(yaml["end_year"] - yaml["start_year"] + 1),
        "investment": float(sum(sp["investment"] for sp in yaml["sub_projects"])),
        "funding": float(sum(f["amount"] for f in yaml["funding"])),
    }
    to_cult = _geoms(cz[cz["GHDLBM"].isin(list(codes.CULTIVATED_CODES))])
    red = _geoms(base[STBHHX])
    out["new_farmland_in_red_m2"] = float(
        shapely.area(shapely.intersection(shapely.union_all(to_cult), shapely.union_all(red)))
    )
    tz = layers[YJJBNTTZTB]
    yj_zone = shapely.area(shapely.intersection(zone, shapely.union_all(_geoms(base[YJJBNTBHTB]))))
    out["pf_before"] = float(yj_zone)
    out["pf_out"] = float(tz.geometry[tz["TZLX"] == "调出"].area.sum())
    out["pf_in"] = float(tz.geometry[tz["TZLX"] == "调入"].area.sum())
    out["pf_out_ratio"] = out["pf_out"] / yj_zone
    out["pf_gain_ratio"] = (out["pf_in"] - out["pf_out"]) / out["pf_out"] if out["pf_out"] else float("nan")
    kf = shapely.union_all(_geoms(base[CZKFBJ]))
    out["pf_out_in_kf_m2"] = float(
        shapely.area(shapely.intersection(shapely.union_all(_geoms(tz[tz["TZLX"] == "调出"])), kf))
    )
    return out


def test_layers_fields_and_domains(county: dict[str, gpd.GeoDataFrame], compliant: Plan, violating: Plan) -> None:
    for layers, yaml in (compliant, violating):
        assert set(layers) == {ZZQY, CZGHTB, YJJBNTTZTB, ZJGGTB}
        for name, frame in layers.items():
            assert [c for c in frame.columns if c != "geometry"] == [f.name for f in PLAN_FIELDS[name]], name
            assert frame.crs == county[DLTB].crs, name
            assert len(frame) > 0, name
            geoms = _geoms(frame)
            assert shapely.is_valid(geoms).all(), name
            assert np.isin(shapely.get_type_id(geoms), (3, 6)).all(), name
        assert len(layers[ZZQY]) == 1
        assert layers[ZZQY]["ZZQYBH"].iloc[0] == yaml["townships"][0] + "ZZ01"
        cz, zj, tz = layers[CZGHTB], layers[ZJGGTB], layers[YJJBNTTZTB]
        assert cz["GHDLBM"].map(codes.is_valid_dlbm).all()
        assert cz["ZHKCXS"].dropna().between(0, 1).all()
        assert cz["ZHGDDB"].dropna().between(codes.GDDB_MIN, codes.GDDB_MAX).all()
        assert set(cz["STXFLX"].dropna()) <= {"水环境", "湿地", "国土绿化", "矿山", "水土流失", "石漠化", "其他"}
        assert set(tz["TZLX"]) == {"调出", "调入"}
        assert set(zj["GGLX"]) == {"拆旧", "建新"}
        assert zj.loc[zj["GGLX"] == "拆旧", "FKDLBM"].map(codes.is_valid_dlbm).all()
        assert zj.loc[zj["GGLX"] == "建新", "JXDLBM"].isin(["0701", "0702"]).all()
        assert (zj["XMQBH"] == "ZJGG01").all()
        sub_codes = {sp["code"] for sp in yaml["sub_projects"]}
        assert 5 <= len(yaml["sub_projects"]) <= 8
        assert set(cz["ZXMBH"]) <= sub_codes and set(zj["ZXMBH"]) <= sub_codes
        assert {"农用地整理", "建设用地整理", "生态保护修复", "人居环境整治"} <= {
            sp["type"] for sp in yaml["sub_projects"]
        }
        for sp in yaml["sub_projects"]:
            assert yaml["start_year"] <= sp["start_year"] <= sp["end_year"] <= yaml["end_year"]
            assert sp["village"][:9] == yaml["townships"][0] and sp["investment"] > 0
        assert {f["source"] for f in yaml["funding"]} <= {
            "中央财政", "省级财政", "州市财政", "县级财政", "整合涉农资金", "专项债", "社会资本", "指标收益", "村集体",
        }  # fmt: skip
        assert yaml["name"].startswith("富民县") and yaml["name"].endswith("全域土地综合整治实施方案")
        assert yaml["county"] == "530124" and yaml["base_dataset"] == "demo" and yaml["rule_pack"] == "yunnan"
        assert (yaml["base_year"], yaml["start_year"]) == (2023, 2025)
        assert pyyaml.safe_load(pyyaml.safe_dump(yaml, allow_unicode=True)) == yaml  # plain Python values only
        # Change parcels lie inside the 整治区域 (建新 may lie outside).
        zone = shapely.buffer(shapely.union_all(_geoms(layers[ZZQY])), 0.01)
        inside = np.concatenate([_geoms(cz), _geoms(zj[zj["GGLX"] == "拆旧"]), _geoms(tz)])
        assert shapely.covers(zone, inside).all()


def test_no_overlaps(compliant: Plan, violating: Plan) -> None:
    for layers, _ in (compliant, violating):
        geoms = np.concatenate([_geoms(layers[CZGHTB]), _geoms(layers[ZJGGTB])])
        i, j = shapely.STRtree(geoms).query(geoms, predicate="intersects")
        pair = i < j
        overlap = shapely.area(shapely.intersection(geoms[i[pair]], geoms[j[pair]]))
        assert overlap.max(initial=0.0) < 0.01


def test_new_construction_avoids_farmland(county: dict[str, gpd.GeoDataFrame], compliant: Plan) -> None:
    dltb = county[DLTB]
    farmland = _geoms(dltb[dltb["DLBM"].isin(list(codes.CULTIVATED_CODES))])
    zj = compliant[0][ZJGGTB]
    new = shapely.union_all(_geoms(zj[zj["GGLX"] == "建新"]))
    hit = shapely.STRtree(farmland).query(new, predicate="intersects")
    assert float(shapely.area(shapely.intersection(farmland[hit], new)).sum()) < 0.01


def test_deterministic(county: dict[str, gpd.GeoDataFrame], compliant: Plan) -> None:
    again = generate_plan(county, dataset="demo", variant="compliant", seed=5)
    assert again[1] == compliant[1]
    for name, frame in compliant[0].items():
        pd.testing.assert_frame_equal(
            pd.DataFrame(again[0][name].drop(columns="geometry")), pd.DataFrame(frame.drop(columns="geometry"))
        )
        assert shapely.equals_exact(_geoms(again[0][name]), _geoms(frame), tolerance=0).all(), name
    other = generate_plan(county, dataset="demo", variant="compliant", seed=6)
    assert other[1] != compliant[1]


def test_compliant_margins(county: dict[str, gpd.GeoDataFrame], compliant: Plan) -> None:
    ind = indicators(county, compliant)
    assert ind["new_rate"] >= 0.06
    assert ind["new_on_grade5"] == 0.0
    assert ind["new_without_slope"] == 0.0
    assert ind["zhkcxs_below_table"] == 0
    assert ind["new_farmland_in_red_m2"] < 0.01
    assert ind["construction_change"] <= 0.0
    assert 0 < ind["new_construction"] < ind["demolished"]
    assert ind["consent_missing"] == 0
    assert 0 < ind["pf_out_ratio"] <= 0.04
    assert ind["pf_gain_ratio"] >= 0.08
    assert ind["pf_out_in_kf_m2"] < 0.01
    assert ind["years"] == 3
    assert ind["investment"] == ind["funding"]
    # 调出 lies in the 永农, 调入 outside it, with a better (lower) grade than the 调出 mean.
    tz = compliant[0][YJJBNTTZTB]
    yj = shapely.union_all(_geoms(county[YJJBNTBHTB]))
    out_geoms, in_geoms = _geoms(tz[tz["TZLX"] == "调出"]), _geoms(tz[tz["TZLX"] == "调入"])
    assert shapely.area(shapely.difference(out_geoms, yj)).max() < 0.01
    assert shapely.area(shapely.intersection(in_geoms, yj)).max() < 0.01
    dltb = county[DLTB]
    pairs = overlay_pairs(_geoms(dltb), out_geoms, EPSG)
    weight = dltb["TBMJ"].to_numpy()[pairs.index] * pairs.share
    out_grade = float(np.sum(dltb["GDDB"].to_numpy(dtype=float)[pairs.index] * weight) / weight.sum())
    in_grade = tz.loc[tz["TZLX"] == "调入", "ZHGDDB"].astype(float)
    assert float(np.average(in_grade, weights=shapely.area(in_geoms))) < out_grade
    cz = compliant[0][CZGHTB]
    assert cz["STXFLX"].notna().any()


def test_compliant_plan_merges_fields_and_carries_costs_quantities_and_quota_income(
    county: dict[str, gpd.GeoDataFrame], compliant: Plan
) -> None:
    layers, meta = compliant
    plan = PlanData(layers, meta)
    assert check_plan(plan) == []
    zones = {YJJBNTBHTB: None, STBHHX: None, CZKFBJ: None}
    fields = analyse_plan(county[DLTB], zones, plan, EPSG).indicators["fields"]
    assert fields["after"] < fields["before"] and fields["merge_degree"] > 0  # 小田并大田 merges more than it adds
    for sp in meta["sub_projects"]:
        assert list(sp["costs"]) == list(COST_ITEMS) and sum(sp["costs"].values()) == sp["investment"]
        assert min(sp["costs"].values()) >= 0
    cz = layers[CZGHTB]
    for sp in meta["sub_projects"]:
        if "land_levelling" in sp.get("quantities", {}):
            area = float(cz.geometry[cz["ZXMBH"] == sp["code"]].area.sum())
            assert sp["quantities"]["land_levelling"] == round(area / 10_000, 2)
    assert sum("land_levelling" in sp.get("quantities", {}) for sp in meta["sub_projects"]) == 2
    funding = {f["source"]: f["amount"] for f in meta["funding"]}
    assert funding["指标收益"] > 0 and sum(funding.values()) == sum(sp["investment"] for sp in meta["sub_projects"])


def test_violating_breaks_rules(county: dict[str, gpd.GeoDataFrame], violating: Plan) -> None:
    ind = indicators(county, violating)
    assert ind["new_rate"] < 0.05
    assert ind["new_on_grade5"] > 0
    assert ind["zhkcxs_below_table"] > 0
    assert ind["new_farmland_in_red_m2"] > 0
    assert ind["construction_change"] > 0
    assert ind["new_construction"] > ind["demolished"]
    assert ind["consent_missing"] >= 1
    assert ind["pf_out_ratio"] > 0.05
    assert ind["years"] == 6
    assert ind["investment"] != ind["funding"]
    assert (violating[0][CZGHTB]["GHDLBM"] == "0702").any()


def test_optional_layers_missing(county: dict[str, gpd.GeoDataFrame]) -> None:
    base = {k: v for k, v in county.items() if k not in (YJJBNTBHTB, STBHHX, CZKFBJ)}
    layers, yaml = generate_plan(base, dataset="demo", variant="compliant", seed=1)
    assert layers[YJJBNTTZTB].empty and list(layers[YJJBNTTZTB].columns) == [
        *(f.name for f in PLAN_FIELDS[YJJBNTTZTB]),
        "geometry",
    ]
    assert len(layers[CZGHTB]) > 0 and len(layers[ZJGGTB]) > 0
    assert sum(f["amount"] for f in yaml["funding"]) == sum(sp["investment"] for sp in yaml["sub_projects"])
    with pytest.raises(ValueError):
        generate_plan(county, dataset="demo", variant="bogus", seed=1)  # type: ignore[arg-type]

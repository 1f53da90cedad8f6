"""入库成果 on a hand-computable grid: the after state, the other layers and the 部标 coordinate file.

Cells are 100 m squares on the central meridian of EPSG:4543 (10 000.00 m² each, conftest).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from conftest import CELL, X0, Y0, cell, dltb_row, grid_dltb
from delivery_invariants import check_after_state, check_layer_areas
from plan_fixtures import box, layer

from landcon.engine.after_state import AFTER_FIELDS, after_state, next_ids, single_polygons
from landcon.engine.area import ellipsoid_area
from landcon.engine.coordinate_file import (
    CoordinateFileError,
    CoordinateParcel,
    format_coordinate_file,
    in_gauss_kruger,
    parse_coordinate_file,
    zone_of,
)
from landcon.engine.delivery import delivery_layers
from landcon.engine.indicators import analyse_plan
from landcon.engine.plan import CZGHTB, YJJBNTTZTB, ZJGGTB, ZZQY, Plan
from landcon.reports.coordinate_file import write_coordinate_file
from landcon.store.coordinate_file import read_coordinate_file

EPSG = 4543
BSM = "53012410020100000"  # + one digit: 18-digit 标识码 as in 三调


def base() -> gpd.GeoDataFrame:
    """Row 0: 旱地 旱地 果园(即可恢复) 宅基地; row 1: 乔木林地 乔木林地 农村道路 农村道路."""
    classes = ["0103", "0103", "0201", "0702", "0301", "0301", "1006", "1006"]
    rows = [dltb_row(f"{BSM}{i + 1}", c, cell(i % 4, i // 4)) for i, c in enumerate(classes)]
    rows[0].update(GDPDJB="2", GDDB=8)
    rows[1].update(GDPDJB="2", GDDB=12)
    rows[2].update(ZZSXDM="JKHF", ZZSXMC="即可恢复")
    rows[3].update(CZCSXM="203")
    return grid_dltb(rows)


META = {
    "name": "测试方案",
    "county": "530124",
    "townships": ["530124100"],
    "township_name": "永定街道",
    "pilot_code": "530124202501",
    "village_types": {"530124100201": "集聚提升类"},
    "start_year": 2025,
    "end_year": 2027,
    "sub_projects": [{"code": "Z1", "name": "高标准农田建设项目", "type": "农用地整理", "investment": 600}],
    "funding": [{"source": "中央财政", "amount": 600}],
}


def plan() -> Plan:
    """ZZQY cuts the last column in half; the 旱地 parcel levels cell 0 and half of cell 1 to
    田坎系数 0.05; the orchard becomes 旱地; one 调入 parcel on the orchard."""
    return Plan(
        {
            ZZQY: layer(ZZQY, [{"ZZQYBH": "Q1", "geometry": box(0, 0, 3.5, 2)}]),
            CZGHTB: layer(
                CZGHTB,
                [
                    {"GHDLBM": "0103", "ZXMBH": "Z1", "ZHKCXS": 0.05, "geometry": box(0, 0, 1.5, 1)},
                    {"GHDLBM": "0103", "ZXMBH": "Z1", "ZHKCXS": 0.05, "ZHGDDB": 9, "geometry": cell(2, 0)},
                ],
            ),
            YJJBNTTZTB: layer(YJJBNTTZTB, [{"TZLX": "调入", "TZYNDKBH": "I1", "ZHGDDB": 9, "geometry": cell(2, 0)}]),
            ZJGGTB: layer(ZJGGTB, []),
        },
        dict(META),
    )


@pytest.fixture(scope="module")
def result():
    dltb, p = base(), plan()
    analysis = analyse_plan(dltb, {"YJJBNTBHTB": [box(0, 0, 3, 1)], "STBHHX": None, "CZKFBJ": None}, p, EPSG)
    after = after_state(dltb, analysis, EPSG, meta=p.meta)
    return dltb, p, analysis, after


def test_after_state_by_hand(result):
    _, _, analysis, after = result
    assert list(after.columns[:-1]) == list(AFTER_FIELDS)
    assert len(after) == 9  # 3 whole, 2 changed, cell 1 in two, two half cells, no slivers
    by = {
        (round(g.bounds[0] - X0), round(g.bounds[1] - Y0), round(g.bounds[2] - X0)): row
        for g, (_, row) in zip(after.geometry, after.iterrows(), strict=True)
    }
    levelled = by[(0, 0, 100)]
    assert (levelled["DLBM"], levelled["TBMJ"], levelled["KCXS"], levelled["KCMJ"]) == ("0103", 10000.0, 0.05, 500.0)
    assert (levelled["TBDLMJ"], levelled["XZGDMJ"], levelled["XZGDLYDLBM"]) == (9500.0, 500.0, "1203")
    assert levelled["XZGDLYXM"] == "高标准农田建设项目" and levelled["GDDB"] == 8 and levelled["SJNF"] == 2027
    assert levelled["GDLX"] == "TT" and levelled["GDPDJB"] == "2"
    assert levelled["ZZSXDM"] == ""  # crop status unknown after the works
    half_levelled, half_left = by[(100, 0, 150)], by[(150, 0, 200)]
    assert (half_levelled["TBMJ"], half_levelled["TBDLMJ"], half_levelled["XZGDMJ"]) == (5000.0, 4750.0, 250.0)
    left = (half_left["TBMJ"], half_left["KCMJ"], half_left["TBDLMJ"], half_left["XZGDMJ"])
    assert left == (5000.0, 500.0, 4500.0, 0)
    orchard = by[(200, 0, 300)]
    assert (orchard["DLBM"], orchard["DLMC"], orchard["TBDLMJ"], orchard["XZGDMJ"]) == ("0103", "旱地", 9500.0, 9500.0)
    assert (orchard["XZGDLYDLBM"], orchard["XZGDLYDLMC"], orchard["XZGDDB"], orchard["GDDB"]) == ("0201", "果园", 9, 9)
    assert orchard["KCDLBM"] == "1203" and orchard["GDLX"] == "" and orchard["TBXHDM"] == ""
    homestead = by[(300, 0, 350)]
    home = (homestead["DLBM"], homestead["TBMJ"], homestead["CZCSXM"], homestead["SJNF"])
    assert home == ("0702", 5000.0, "203", 2023)
    assert np.isnan(homestead["KCXS"]) and homestead["KCDLBM"] == ""
    # Untouched whole cells keep their BSM and TBBH; the six split or changed pieces get new ones.
    kept = {f"{BSM}{k}" for k in (5, 6, 7)}
    assert kept <= set(after["BSM"])
    assert set(after["BSM"]) - kept == {f"5301241002010000{k:02d}" for k in range(9, 15)}
    assert set(after.loc[~after["BSM"].isin(kept), "TBBH"]) == {str(k) for k in range(9, 15)}
    assert after["TBMJ"].sum() == 70000.0
    assert round(after["XZGDMJ"].sum(), 2) == analysis.indicators["cultivated"]["new_m2"] == 10250.0


def test_after_state_invariants_hold_on_the_grid(result):
    dltb, p, analysis, after = result
    check_layer_areas("SDQYZZHDLTB", after)
    layers = delivery_layers(p, after, dltb, EPSG)
    check_after_state(after, layers[ZZQY], analysis.indicators)


def test_other_layers_carry_names_and_own_areas(result):
    dltb, p, _, after = result
    layers = delivery_layers(p, after, dltb, EPSG)
    zz = layers[ZZQY].iloc[0]
    assert (zz["SDBH"], zz["SJCZMC"], zz["SJDCZLX"]) == ("530124202501", "大营村委会", "集聚提升类")
    assert zz["ZZQYMJ"] == 70000.0
    assert (zz["XZQDM"], zz["XZQMC"], zz["ZZQYBH"]) == ("530124100", "永定街道", "Q1")
    adj = layers[YJJBNTTZTB].iloc[0]
    assert (adj["TZQDLBM"], adj["TZQDLMC"], adj["TZHDLBM"], adj["TZHDLMC"]) == ("0201", "果园", "0103", "旱地")
    assert (adj["SJCZMC"], adj["TZYNDKMJ"], adj["TZLX"]) == ("大营村委会", 10000.0, "调入")
    cz = layers[CZGHTB]
    assert list(cz["GHDLMJ"]) == [15000.0, 10000.0]
    assert list(cz["ZLDWMC"]) == ["大营村委会"] * 2 and list(cz["GHDLMC"]) == ["旱地"] * 2
    for name in (ZZQY, YJJBNTTZTB, CZGHTB):
        check_layer_areas(name, layers[name])


def test_a_parcel_across_a_tuban_leaves_two_tuban():
    """A road strip across a forest cell: the strip is one changed 图斑, each side its own 图斑."""
    dltb = base()
    p = Plan(
        {
            ZZQY: layer(ZZQY, [{"ZZQYBH": "Q1", "geometry": box(0, 1, 1, 2)}]),
            CZGHTB: layer(CZGHTB, [{"GHDLBM": "1006", "ZXMBH": "Z1", "geometry": box(0.4, 1, 0.6, 2)}]),
            YJJBNTTZTB: layer(YJJBNTTZTB, []),
            ZJGGTB: layer(ZJGGTB, []),
        },
        dict(META),
    )
    analysis = analyse_plan(dltb, {"YJJBNTBHTB": None, "STBHHX": None, "CZKFBJ": None}, p, EPSG)
    after = after_state(dltb, analysis, EPSG, meta=p.meta).sort_values("TBMJ")
    pieces = list(zip(after["DLBM"], after["TBMJ"], strict=True))
    assert pieces == [("1006", 2000.0), ("0301", 4000.0), ("0301", 4000.0)]
    assert (shapely.get_type_id(after.geometry.array) == 3).all()
    assert after["BSM"].is_unique and f"{BSM}5" not in set(after["BSM"])
    check_after_state(after, delivery_layers(p, after, dltb, EPSG)[ZZQY], analysis.indicators)


def test_ellipsoid_area_not_planar_area_away_from_the_meridian():
    """ZZQYMJ/TBMJ are the 图斑椭球面积, not shapely's plane area: 100 km east of the meridian the
    Gauss–Krüger scale makes them differ by ~0.025 %."""
    square = shapely.box(600_000, Y0, 600_100, Y0 + CELL)
    dltb = grid_dltb([dltb_row(f"{BSM}1", "0301", square, TBMJ=float(ellipsoid_area([square], EPSG)[0]))])
    p = Plan(
        {
            ZZQY: layer(ZZQY, [{"ZZQYBH": "Q1", "geometry": square}]),
            CZGHTB: layer(CZGHTB, []),
            YJJBNTTZTB: layer(YJJBNTTZTB, []),
            ZJGGTB: layer(ZJGGTB, []),
        },
        dict(META),
    )
    analysis = analyse_plan(dltb, {"YJJBNTBHTB": None, "STBHHX": None, "CZKFBJ": None}, p, EPSG)
    after = after_state(dltb, analysis, EPSG, meta=p.meta)
    zz = delivery_layers(p, after, dltb, EPSG)[ZZQY]
    s = round(float(ellipsoid_area([square], EPSG)[0]), 2)
    assert abs(s - 10000.0) > 1.0
    assert after["TBMJ"].tolist() == [s] and zz["ZZQYMJ"].tolist() == [s]


def test_single_polygons_and_new_ids():
    multi = shapely.MultiPolygon([cell(0, 0), cell(2, 0)])
    mixed = shapely.GeometryCollection([cell(0, 1), shapely.LineString([(0, 0), (1, 1)])])
    parts, of = single_polygons(np.asarray([multi, mixed, shapely.Polygon()], dtype=object))
    assert list(of) == [0, 0, 1] and all(p.geom_type == "Polygon" for p in parts)
    assert next_ids(["530124000000000009", "530124000000000010"], 2, "X") == [
        "530124000000000011",
        "530124000000000012",
    ]
    assert next_ids(["A1", "7"], 2, "530124ZZH", width=12) == ["530124ZZH001", "530124ZZH002"]


# ---------------------------------------------------------------------------------------------
# 部标 坐标文件
# ---------------------------------------------------------------------------------------------

RING = shapely.Polygon(
    [(X0, Y0), (X0 + 100, Y0), (X0 + 100, Y0 + 100), (X0, Y0 + 100)],
    [[(X0 + 40, Y0 + 40), (X0 + 60, Y0 + 40), (X0 + 60, Y0 + 60), (X0 + 40, Y0 + 60)]],
)


def test_coordinate_file_text_by_hand():
    text = format_coordinate_file(
        [CoordinateParcel("Q1", "测试区", 0.96, RING, "整治区域")], EPSG, producer="富民县", date="2026-01-02"
    )
    lines = text.split("\r\n")
    assert lines[:12] == [
        "[属性描述]",
        "格式版本号=1.01版本",
        "数据产生单位=富民县",
        "数据产生日期=2026-01-02",
        "坐标系=2000国家大地坐标系",
        "几度分带=3",
        "投影类型=高斯克吕格",
        "计量单位=米",
        "带号=34",
        "精度=0.01",
        "转换参数=,,,,,,",
        "[地块坐标]",
    ]
    # Exterior clockwise from the north-west corner, hole anticlockwise; X northing, Y 34 + easting.
    assert lines[12:24] == [
        "10,0.9600,Q1,测试区,面,,整治区域,,@",
        "J1,1,2800100.00,34500000.00",
        "J2,1,2800100.00,34500100.00",
        "J3,1,2800000.00,34500100.00",
        "J4,1,2800000.00,34500000.00",
        "J1,1,2800100.00,34500000.00",
        "J5,2,2800060.00,34500040.00",
        "J6,2,2800040.00,34500040.00",
        "J7,2,2800040.00,34500060.00",
        "J8,2,2800060.00,34500060.00",
        "J5,2,2800060.00,34500040.00",
        "",
    ]


def test_coordinate_file_reads_back_to_the_same_polygons(tmp_path):
    skew = shapely.Polygon([(X0 + 0.123, Y0 + 0.456), (X0 + 250.5, Y0 + 10.25), (X0 + 90.014, Y0 + 310.9)])
    geoms = [RING, skew, shapely.MultiPolygon([cell(5, 5), cell(7, 5)])]
    areas = ellipsoid_area(geoms, EPSG)
    parcels = [CoordinateParcel(str(k), "地块", areas[k] / 10_000, g) for k, g in enumerate(geoms)]
    path = write_coordinate_file(parcels, EPSG, tmp_path / "坐标.txt", producer="富民县自然资源局")
    assert path.read_bytes().decode("gbk").startswith("[属性描述]\r\n")
    header, back = read_coordinate_file(path, EPSG)
    assert header["带号"] == "34" and header["数据产生单位"] == "富民县自然资源局"
    assert [p.number for p in back] == ["0", "1", "2", "2"]  # a multi-part parcel: one block per part
    got = [back[0].geometry, back[1].geometry, shapely.MultiPolygon([back[2].geometry, back[3].geometry])]
    for want, have in zip(geoms, got, strict=True):
        assert shapely.hausdorff_distance(want, have) <= 0.005 * 2**0.5 + 1e-9
        assert shapely.equals_exact(shapely.normalize(want), shapely.normalize(have), tolerance=0.0051)
    # Same area as the polygons on the file's 0.01 m grid; within perimeter × 0.005·√2 of the input.
    on_grid = shapely.set_precision(np.asarray(geoms, dtype=object), 0.01)
    np.testing.assert_allclose(ellipsoid_area(got, EPSG), ellipsoid_area(on_grid, EPSG), atol=1e-3)
    assert (np.abs(ellipsoid_area(got, EPSG) - areas) <= shapely.length(geoms) * 0.005 * 2**0.5).all()
    assert [round(p.area_ha, 4) for p in back[:2]] == [round(a / 10_000, 4) for a in areas[:2]]


def test_prefixed_zone_crs_keeps_its_eastings():
    assert zone_of(4522) == (34, 0.0) and zone_of(4543) == (34, 34_000_000.0)
    square = shapely.box(34_500_000, Y0, 34_500_100, Y0 + 100)
    text = format_coordinate_file([CoordinateParcel("1", "a", 1.0, square)], 4522)
    _, back = parse_coordinate_file(text, 4522)
    assert shapely.equals(back[0].geometry, square)


def test_geographic_layers_are_written_in_their_gauss_kruger_zone():
    """EPSG:4490 polygons go into the file in the 3° zone of their longitude (here 102°E → 34)."""
    square = cell(0, 0)
    lonlat = gpd.GeoSeries([square], crs="EPSG:4543").to_crs(4490).iloc[0]
    geoms, epsg = in_gauss_kruger([lonlat], 4490)
    assert epsg == 4543 and shapely.hausdorff_distance(geoms[0], square) < 1e-6
    text = format_coordinate_file([CoordinateParcel("1", "a", 1.0, geoms[0])], epsg)
    assert "带号=34" in text and "J1,1,2800100.00,34500000.00" in text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[属性描述]\n带号=34\n[地块坐标]\nJ1,1,1,2\n", "第 4 行"),
        ("[属性描述]\n带号=34\n[地块坐标]\n5,1.0,1,a,面,,,,@\nJ1,1,2800000,34500000\n", "界址点数 5"),
        ("[属性描述]\n带号=34\n[地块坐标]\n1,1.0,1,a,面,,,,@\nJ1,1,北,34500000\n", "坐标无法读取"),
        ("[属性描述]\n带号=35\n[地块坐标]\n", "带号 35"),
    ],
)
def test_unreadable_coordinate_files_name_the_line(text, message):
    with pytest.raises(CoordinateFileError, match=message):
        parse_coordinate_file(text, EPSG, source="x.txt")

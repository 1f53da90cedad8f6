"""The synthetic county generator: determinism, exact tiling, attribute consistency, land mix."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from landcon.engine import codes
from landcon.engine.area import ellipsoid_area
from landcon.engine.coverage import overlapping_pairs
from landcon.engine.layers import CJDCQ, CZKFBJ, DLTB, STANDARD_LAYERS, STBHHX, XZQ, YJJBNTBHTB
from landcon.engine.schema import ERROR, validate_layers
from landcon.synth.county import TIANKAN_COEFFICIENTS, generate_county

EPSG = 4543


@pytest.fixture(scope="module")
def small() -> dict[str, gpd.GeoDataFrame]:
    return generate_county("530124", features=2_000, seed=1, epsg=EPSG)


@pytest.fixture(scope="module")
def mid() -> dict[str, gpd.GeoDataFrame]:
    return generate_county("530124", features=5_000, seed=7, epsg=EPSG)


def _geoms(frame: gpd.GeoDataFrame) -> np.ndarray:
    return np.asarray(frame.geometry.array, dtype=object)


def test_layers_and_crs(small: dict[str, gpd.GeoDataFrame]) -> None:
    assert set(small) == set(STANDARD_LAYERS)
    for name, frame in small.items():
        assert frame.crs is not None and frame.crs.to_epsg() == EPSG, name
        assert len(frame) > 0, name
        geoms = _geoms(frame)
        assert shapely.is_valid(geoms).all(), name
        assert not shapely.is_empty(geoms).any(), name
        assert np.isin(shapely.get_type_id(geoms), (3, 6)).all(), name
        assert frame["BSM"].is_unique, name
        assert frame["BSM"].map(type).eq(str).all(), name


def test_coordinates_in_yunnan(small: dict[str, gpd.GeoDataFrame]) -> None:
    minx, miny, maxx, maxy = small[XZQ].total_bounds
    assert 440_000 < minx < maxx < 560_000
    assert 2_740_000 < miny < maxy < 2_860_000
    prefixed = generate_county("530124", features=400, seed=1, epsg=4522)  # zone 34, CM 102°E
    assert 34_440_000 < prefixed[DLTB].total_bounds[0] < 34_560_000


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        generate_county("110101", features=500)
    with pytest.raises(ValueError):
        generate_county("539999", features=500)
    with pytest.raises(ValueError):
        generate_county("530124", features=500, epsg=4326)


def test_deterministic_per_seed() -> None:
    a = generate_county("530124", features=800, seed=3)
    b = generate_county("530124", features=800, seed=3)
    c = generate_county("530124", features=800, seed=4)
    for name in STANDARD_LAYERS:
        pd.testing.assert_frame_equal(pd.DataFrame(a[name]), pd.DataFrame(b[name]))
        assert shapely.equals_exact(_geoms(a[name]), _geoms(b[name]), tolerance=0).all()
    assert len(a[DLTB]) != len(c[DLTB]) or not a[DLTB]["TBMJ"].equals(c[DLTB]["TBMJ"])


@pytest.mark.parametrize("features", [1_000, 3_000])
def test_feature_count(features: int) -> None:
    layers = generate_county("530102", features=features, seed=11)
    assert abs(len(layers[DLTB]) - features) <= 0.1 * features


def test_exact_tiling(small: dict[str, gpd.GeoDataFrame]) -> None:
    dltb, villages, towns = small[DLTB], small[CJDCQ], small[XZQ]
    g = _geoms(dltb)
    assert shapely.coverage_is_valid(g)
    assert (shapely.get_type_id(g) == 3).all()
    assert dltb["TBMJ"].min() >= 1.0
    i, _, inter = overlapping_pairs(g)
    assert not len(i) or ellipsoid_area(inter, EPSG).max() <= 1.0
    assert shapely.coverage_is_valid(_geoms(villages))
    assert shapely.coverage_is_valid(_geoms(towns))
    total_dltb = ellipsoid_area([shapely.coverage_union_all(g)], EPSG)[0]
    total_villages = ellipsoid_area([shapely.coverage_union_all(_geoms(villages))], EPSG)[0]
    total_towns = towns["JSMJ"].sum()
    assert total_dltb == pytest.approx(dltb["TBMJ"].sum(), rel=1e-4)
    assert total_dltb == pytest.approx(total_villages, rel=1e-4)
    assert total_dltb == pytest.approx(total_towns, rel=1e-4)
    assert villages["JSMJ"].sum() == pytest.approx(total_towns, rel=1e-4)


def test_parcels_inside_their_village(small: dict[str, gpd.GeoDataFrame]) -> None:
    dltb, villages = small[DLTB], small[CJDCQ]
    by_code = villages.set_index("ZLDWDM").geometry
    village_geom = by_code.loc[dltb["ZLDWDM"].str[:12]].to_numpy()
    inner = shapely.point_on_surface(_geoms(dltb))
    assert shapely.within(inner, village_geom).all()
    # Every parcel lies inside its village up to rounding.
    outside = shapely.area(shapely.difference(_geoms(dltb), village_geom))
    assert outside.max() < 0.01


def test_codes_and_names(small: dict[str, gpd.GeoDataFrame]) -> None:
    towns, villages, dltb = small[XZQ], small[CJDCQ], small[DLTB]
    assert towns["XZQDM"].str.fullmatch(r"530124\d{3}").all()
    assert towns["XZQMC"].str.contains(r"(?:镇|乡|街道)$").all()
    assert (towns["YSDM"] == "1000600100").all() and (towns["MSSM"] == "00").all()
    assert villages["ZLDWDM"].str.fullmatch(r"530124\d{6}").all()
    assert villages["ZLDWDM"].str[:9].isin(towns["XZQDM"]).all()
    assert (villages["YSDM"] == "1000600200").all()
    assert (towns["DCMJ"] == towns["JSMJ"]).all()
    assert np.allclose(towns["JSMJ"], ellipsoid_area(_geoms(towns), EPSG), atol=0.01)
    assert np.allclose(villages["JSMJ"], ellipsoid_area(_geoms(villages), EPSG), atol=0.01)
    assert dltb["ZLDWDM"].str.len().eq(19).all() and dltb["QSDWDM"].str.len().eq(19).all()
    assert dltb["ZLDWDM"].str[:12].isin(villages["ZLDWDM"]).all()
    assert dltb["BSM"].str.len().eq(18).all()
    assert not dltb.duplicated(["ZLDWDM", "TBBH"]).any()
    assert (dltb["YSDM"] == "2001010100").all() and (dltb["SJNF"] == 2023).all()


def test_dltb_attributes(mid: dict[str, gpd.GeoDataFrame]) -> None:
    d = mid[DLTB]
    area = ellipsoid_area(_geoms(d), EPSG)
    assert np.abs(d["TBMJ"] - np.round(area, 2)).max() <= 0.01
    kcxs = d["KCXS"].fillna(0.0)
    assert np.abs(d["KCMJ"] - np.round(d["TBMJ"] * kcxs, 2)).max() <= 1e-9
    assert np.abs(d["TBDLMJ"] - (d["TBMJ"] - d["KCMJ"])).max() <= 0.01
    assert (d["DLMC"] == d["DLBM"].map(codes.LAND_USE_NAMES)).all()
    zz = d["ZZSXDM"].notna()
    assert (d.loc[zz, "ZZSXMC"] == d.loc[zz, "ZZSXDM"].map(codes.PLANTING_CODES)).all()
    assert d.loc[~zz, "ZZSXMC"].isna().all()
    cultivated = d["DLBM"].isin(codes.CULTIVATED_CODES)
    crop = d["ZZSXDM"].isin(codes.CULTIVATED_ONLY_PLANTING)
    assert not (crop & ~cultivated).any()
    for field in ("GDPDJB", "GDLX", "KCDLBM", "GDDB"):
        assert d.loc[~cultivated, field].isna().all(), field
    assert d.loc[cultivated, "GDPDJB"].isin(list(codes.SLOPE_GRADES)).all()
    assert d.loc[cultivated, "GDDB"].between(codes.GDDB_MIN, codes.GDDB_MAX).all()
    assert not (~cultivated & (kcxs > 0)).any()
    assert (kcxs[cultivated & (d["GDPDJB"] == "1")] == 0).all()
    assert (d.loc[cultivated & (kcxs > 0), "KCDLBM"] == "1203").all()
    grade_gdlx = d.loc[cultivated & (kcxs > 0), ["GDLX", "GDPDJB", "KCXS"]]
    expected = [
        TIANKAN_COEFFICIENTS[gdlx][grade] for gdlx, grade in zip(grade_gdlx.GDLX, grade_gdlx.GDPDJB, strict=True)
    ]
    assert np.allclose(grade_gdlx["KCXS"], expected)
    refined = d["TBXHDM"].isin(codes.REFINEMENT_NEEDING_CROP)
    assert refined.any()
    assert d.loc[refined, "ZZSXDM"].isin(["LS", "FLS", "LYFL"]).all()
    assert (
        d.loc[d["TBXHDM"].notna(), "TBXHMC"] == d.loc[d["TBXHDM"].notna(), "TBXHDM"].map(codes.REFINEMENT_CODES)
    ).all()
    assert d["QSXZ"].isin(["10", "30"]).all()
    assert d["CZCSXM"].dropna().isin(["202", "203"]).all()
    assert set(d["ZZSXDM"].dropna()) >= {"LS", "FLS", "LYFL", "WG", "JKHF", "GCHF"}
    assert d["ZZSXDM"].isin(list(codes.RECOVERY_CODES)).sum() > 0
    # Dtypes: text as object, numbers float64 / int64.
    for field in ("BSM", "DLBM", "DLMC", "ZLDWDM", "GDPDJB", "ZZSXDM", "HDMC"):
        assert d[field].dtype == object, field
    for field in ("TBMJ", "KCXS", "KCMJ", "TBDLMJ"):
        assert d[field].dtype == np.float64, field
    assert d["SJNF"].dtype == np.int64


def test_land_mix(mid: dict[str, gpd.GeoDataFrame]) -> None:
    d = mid[DLTB]
    total = d["TBDLMJ"].sum()
    share = d.groupby(d["DLBM"].map(codes.base_code).str[:2])["TBDLMJ"].sum() / total
    assert 0.15 <= share["01"] <= 0.25
    assert 0.50 <= share["03"] <= 0.60
    present = set(d["DLBM"])
    for code in (
        "0101",
        "0103",
        "0201",
        "0202",
        "0301",
        "0305",
        "0404",
        "0702",
        "0701",
        "1006",
        "1107",
        "1101",
        "1103",
    ):
        assert code in present, code
    cultivated = d[d["DLBM"].isin(codes.CULTIVATED_CODES)]
    steep = cultivated["GDPDJB"].isin(["3", "4", "5"])
    assert cultivated.loc[steep, "TBMJ"].sum() > 0.5 * cultivated["TBMJ"].sum()
    assert (cultivated["GDLX"] == "TT").mean() > 0.2
    paddy_grade = cultivated.loc[cultivated["DLBM"] == "0101", "GDPDJB"]
    assert paddy_grade.isin(["1", "2"]).mean() > 0.5
    plots = cultivated["TBMJ"] / codes.SQM_PER_MU
    assert 0.5 <= plots.median() <= 5.0
    roads = d[d["DLBM"].isin(["1006", "1107"])]
    width = 2 * roads["TBMJ"] / shapely.length(shapely.boundary(_geoms(roads)))
    assert width.median() < 8.0


def test_planning_layers(mid: dict[str, gpd.GeoDataFrame]) -> None:
    yj, st, cz = mid[YJJBNTBHTB], mid[STBHHX], mid[CZKFBJ]
    d = mid[DLTB]
    assert yj["DLBM"].isin(codes.CULTIVATED_CODES).all()
    assert np.allclose(yj["YJJBNTMJ"], ellipsoid_area(_geoms(yj), EPSG), atol=0.01)
    farm = d[d["DLBM"].isin(codes.CULTIVATED_CODES)]
    assert yj["YJJBNTMJ"].sum() > 0.4 * farm["TBMJ"].sum()
    assert yj["YJJBNTMJ"].sum() <= farm["TBMJ"].sum() + 1.0
    assert 1 <= len(st) <= 12 and (st["XJXZQHDM"] == "530124").all()
    assert st["QYMJ"].min() > 0
    assert set(cz["GHFQDM"]) <= {"01", "02", "03"} and "01" in set(cz["GHFQDM"])
    assert (
        cz["GHFQMC"] == cz["GHFQDM"].map({"01": "城镇集中建设区", "02": "城镇弹性发展区", "03": "特别用途区"})
    ).all()


def test_validator_finds_no_errors(mid: dict[str, gpd.GeoDataFrame]) -> None:
    errors = [p for p in validate_layers(mid) if p.severity == ERROR]
    assert errors == []


def test_feature_count_follows_the_request() -> None:
    # How the time grows with the count is bench/bench_smoke.py's business.
    for n in (2_000, 8_000):
        layers = generate_county("530124", features=n, seed=5)
        assert abs(len(layers[DLTB]) - n) <= 0.1 * n

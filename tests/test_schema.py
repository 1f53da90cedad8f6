"""Validation rules on the 3 × 2 grid of 100 m cells (conftest): each rule fires on a defect and
stays silent on the clean grid."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from conftest import X0, Y0, cell, dltb_row, grid_dltb

from landcon.engine.area import ellipsoid_area, refined_ellipsoid_area
from landcon.engine.crs import check_crs
from landcon.engine.schema import validate_layer, validate_layers


def codes_of(problems, code=None):
    return [p for p in problems if code is None or p.code == code]


def errors(problems):
    return [p for p in problems if p.severity == "error"]


def test_clean_grid_has_no_errors(dltb):
    problems = validate_layers({"DLTB": dltb})
    assert errors(problems) == []
    # optional fields of the standard that the fixture leaves out are reported as warnings
    assert {p.field for p in problems} == {"TBYBH", "XZDWKD", "FRDBS", "HDMC", "BZ"}
    assert all(p.code == "FIELD_MISSING_OPTIONAL" for p in problems)


def test_clean_grid_areas_are_hand_computable(dltb):
    # 100 m × 100 m on the central meridian: 10 000 m² each; 耕地 KCXS 0.1 → KCMJ 1 000, TBDLMJ 9 000
    assert list(dltb["TBMJ"]) == [10000.0] * 6
    assert list(dltb["TBDLMJ"]) == [9000.0, 9000.0, 9000.0, 10000.0, 10000.0, 10000.0]


@pytest.mark.parametrize("field", ["DLBM", "TBMJ", "ZLDWDM", "TBDLMJ"])
def test_missing_required_field(dltb, field):
    problems = validate_layer("DLTB", dltb.drop(columns=[field]))
    hits = codes_of(problems, "FIELD_MISSING")
    assert [(p.field, p.severity, p.feature) for p in hits] == [(field, "error", None)]


def test_wrong_type_text_code_stored_as_number(dltb):
    dltb["DLBM"] = [101, 101, 103, 301, 702, 201]  # leading zeros lost: a real export mistake
    problems = validate_layer("DLTB", dltb)
    assert [(p.code, p.field) for p in codes_of(problems, "FIELD_TYPE")] == [("FIELD_TYPE", "DLBM")]


def test_wrong_type_number_stored_as_text(dltb):
    dltb["TBMJ"] = dltb["TBMJ"].map(lambda v: f"{v:.2f}")
    assert [p.field for p in codes_of(validate_layer("DLTB", dltb), "FIELD_TYPE")] == ["TBMJ"]


def test_int_field_as_integral_float_is_accepted(dltb):
    dltb["SJNF"] = dltb["SJNF"].astype(float)  # FileGDB without ArcGIS Pro 3.2 ints
    assert codes_of(validate_layer("DLTB", dltb), "FIELD_TYPE") == []


def test_mandatory_value_empty(dltb):
    dltb.loc[2, "ZLDWDM"] = "  "
    hits = codes_of(validate_layer("DLTB", dltb), "VALUE_MISSING")
    assert [(p.feature, p.field) for p in hits] == [("530124100201000003", "ZLDWDM")]


def test_invalid_dlbm_code(dltb):
    dltb.loc[1, "DLBM"] = "0199"
    hits = codes_of(validate_layer("DLTB", dltb), "CODE_INVALID")
    assert [(p.feature, p.field) for p in hits] == [("530124100201000002", "DLBM")]
    assert "0199" in hits[0].message


def test_suffixed_codes_are_valid(dltb):
    dltb.loc[5, "DLBM"] = "0201K"
    dltb.loc[5, "DLMC"] = "可调整果园"
    dltb.loc[3, "DLBM"] = "1104A"
    dltb.loc[3, "DLMC"] = "养殖坑塘"
    assert errors(validate_layer("DLTB", dltb)) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("QSXZ", "99"),
        ("GDLX", "XX"),
        ("GDPDJB", "6"),
        ("ZZSXDM", "ABC"),
        ("CZCSXM", "209"),
        ("KCDLBM", "1201"),
    ],
)
def test_invalid_attribute_codes(dltb, field, value):
    dltb.loc[0, field] = value
    hits = codes_of(validate_layer("DLTB", dltb), "CODE_INVALID")
    assert [(p.feature, p.field) for p in hits] == [("530124100201000001", field)]


def test_gddb_out_of_range(dltb):
    dltb.loc[0, "GDDB"] = 16
    hits = codes_of(validate_layer("DLTB", dltb), "CODE_INVALID")
    assert [(p.feature, p.field) for p in hits] == [("530124100201000001", "GDDB")]


def test_crop_status_on_non_cultivated(dltb):
    dltb.loc[3, ["ZZSXDM", "ZZSXMC"]] = ["LS", "种植粮食作物"]  # 乔木林地 with a grain crop
    hits = codes_of(validate_layer("DLTB", dltb), "CROP_ON_NON_CULTIVATED")
    assert [(p.feature, p.field, p.severity) for p in hits] == [("530124100201000004", "ZZSXDM", "error")]


def test_recovery_attribute_on_non_cultivated_is_fine(dltb):
    dltb.loc[5, ["ZZSXDM", "ZZSXMC"]] = ["JKHF", "即可恢复"]  # 果园 that was 耕地
    assert errors(validate_layer("DLTB", dltb)) == []


def test_recovery_attribute_on_cultivated_warns(dltb):
    dltb.loc[0, ["ZZSXDM", "ZZSXMC"]] = ["GCHF", "工程恢复"]
    hits = codes_of(validate_layer("DLTB", dltb), "RECOVERY_ON_CULTIVATED")
    assert [(p.feature, p.severity) for p in hits] == [("530124100201000001", "warning")]


@pytest.mark.parametrize(("field", "value"), [("GDPDJB", "2"), ("GDLX", "PD")])
def test_cultivated_attribute_on_non_cultivated(dltb, field, value):
    dltb.loc[4, field] = value  # 农村宅基地
    hits = codes_of(validate_layer("DLTB", dltb), "CULTIVATED_ATTR_ON_NON_CULTIVATED")
    assert [(p.feature, p.field) for p in hits] == [("530124100201000005", field)]


def test_tiankan_coefficient_on_non_cultivated(dltb):
    dltb.loc[4, ["KCXS", "KCMJ", "TBDLMJ"]] = [0.1, 1000.0, 9000.0]
    hits = codes_of(validate_layer("DLTB", dltb), "CULTIVATED_ATTR_ON_NON_CULTIVATED")
    assert [(p.feature, p.field) for p in hits] == [("530124100201000005", "KCXS")]


def test_cultivated_without_slope_grade(dltb):
    dltb.loc[0, "GDPDJB"] = None
    hits = codes_of(validate_layer("DLTB", dltb), "CULTIVATED_ATTR_MISSING")
    assert [p.feature for p in hits] == ["530124100201000001"]


def test_quality_grade_on_non_cultivated_warns(dltb):
    dltb.loc[3, "GDDB"] = 5
    hits = codes_of(validate_layer("DLTB", dltb), "QUALITY_ON_NON_CULTIVATED")
    assert [(p.feature, p.severity) for p in hits] == [("530124100201000004", "warning")]


def test_name_does_not_match_code(dltb):
    dltb.loc[0, "DLMC"] = "旱地"  # code says 0101 水田
    hits = codes_of(validate_layer("DLTB", dltb), "NAME_MISMATCH")
    assert [(p.feature, p.field) for p in hits] == [("530124100201000001", "DLMC")]
    assert "水田" in hits[0].message


def test_crop_name_does_not_match_code(dltb):
    dltb.loc[1, "ZZSXMC"] = "种植非粮作物"
    hits = codes_of(validate_layer("DLTB", dltb), "NAME_MISMATCH")
    assert [(p.feature, p.field) for p in hits] == [("530124100201000002", "ZZSXMC")]


def test_mojibake_is_caught_as_encoding_and_name_problem(dltb):
    # "水田" written as GBK and read as Latin-1: what a shapefile without .cpg gives
    dltb.loc[0, "DLMC"] = "水田".encode("gbk").decode("latin-1")
    dltb.loc[0, "ZLDWMC"] = "大营村委会".encode("gbk").decode("latin-1")
    problems = validate_layer("DLTB", dltb)
    assert {(p.code, p.field) for p in problems if p.feature == "530124100201000001"} == {
        ("TEXT_ENCODING", "DLMC"),
        ("TEXT_ENCODING", "ZLDWMC"),
        ("NAME_MISMATCH", "DLMC"),
    }
    name = codes_of(problems, "NAME_MISMATCH")[0]
    assert "编码" in name.message


def test_tbdlmj_not_tbmj_minus_kcmj(dltb):
    dltb.loc[0, "TBDLMJ"] = 9000.02  # beyond the 0.01 m² rounding
    dltb.loc[1, "TBDLMJ"] = 9000.01  # within rounding
    hits = codes_of(validate_layer("DLTB", dltb), "TBDLMJ_MISMATCH")
    assert [p.feature for p in hits] == ["530124100201000001"]


def test_kcmj_not_tbmj_times_kcxs(dltb):
    dltb.loc[2, ["KCMJ", "TBDLMJ"]] = [1000.5, 8999.5]  # TBMJ × KCXS = 1000.00
    hits = codes_of(validate_layer("DLTB", dltb), "KCMJ_MISMATCH")
    assert [p.feature for p in hits] == ["530124100201000003"]
    assert codes_of(validate_layer("DLTB", dltb), "TBDLMJ_MISMATCH") == []


def test_kcxs_out_of_range(dltb):
    dltb.loc[0, ["KCXS", "KCMJ", "TBDLMJ"]] = [1.2, 12000.0, -2000.0]
    problems = validate_layer("DLTB", dltb)
    assert [p.feature for p in codes_of(problems, "KCXS_RANGE")] == ["530124100201000001"]
    assert [p.field for p in codes_of(problems, "AREA_NOT_POSITIVE")] == ["TBDLMJ"]


def test_tbmj_differs_from_ellipsoid_area(dltb):
    # tolerance for 10 000 m² is max(0.1, 0.01) = 0.1 m²
    dltb.loc[0, ["TBMJ", "KCMJ", "TBDLMJ"]] = [10000.2, 1000.02, 9000.18]
    dltb.loc[1, ["TBMJ", "KCMJ", "TBDLMJ"]] = [10000.09, 1000.01, 9000.08]
    hits = codes_of(validate_layer("DLTB", dltb), "TBMJ_MISMATCH")
    assert [p.feature for p in hits] == ["530124100201000001"]
    assert "+0.20" in hits[0].message


def test_tbmj_relative_tolerance_on_large_parcel():
    big = shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)  # 1 km²: tolerance 1e-6 × 1e6 = 1 m²
    ok = dltb_row("1", "0301", big, TBMJ=1_000_000.9, TBDLMJ=1_000_000.9)
    bad = dltb_row("2", "0301", shapely.box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000), TBMJ=1_000_001.2, TBDLMJ=1_000_001.2)
    hits = codes_of(validate_layer("DLTB", grid_dltb([ok, bad])), "TBMJ_MISMATCH")
    assert [p.feature for p in hits] == ["2"]


def test_tbmj_of_the_official_formula_validates_on_a_long_diagonal_edge():
    # 1 km triangle 107 km east of the central meridian: TBMJ as official software computes it
    # (国土调查办发〔2008〕32号 on the three vertices) is accepted, although it lies 2.9e-5 (14.59 m²)
    # below the geodesic area — the case that used to fail TBMJ_MISMATCH.
    x0 = X0 + 107_000
    tri = shapely.Polygon([(x0, Y0), (x0 + 1000, Y0), (x0 + 300, Y0 + 1000)])
    tbmj = round(float(ellipsoid_area([tri], 4543)[0]), 2)
    refined = round(float(refined_ellipsoid_area([tri], 4543)[0]), 2)
    assert refined - tbmj == pytest.approx(14.59, abs=0.011)
    official = dltb_row("1", "0301", tri, TBMJ=tbmj, TBDLMJ=tbmj)
    geodesic = dltb_row("2", "0301", shapely.affinity.translate(tri, 0, 2000), TBMJ=refined, TBDLMJ=refined)
    hits = codes_of(validate_layer("DLTB", grid_dltb([official, geodesic])), "TBMJ_MISMATCH")
    assert [p.feature for p in hits] == ["2"]


def test_self_intersecting_geometry(dltb):
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    dltb.loc[0, "geometry"] = bowtie
    hits = codes_of(validate_layer("DLTB", dltb), "GEOMETRY_INVALID")
    assert [p.feature for p in hits] == ["530124100201000001"]
    assert "Self-intersection" in hits[0].message


def test_hole_outside_shell(dltb):
    shell = [(X0, Y0), (X0 + 100, Y0), (X0 + 100, Y0 + 100), (X0, Y0 + 100)]
    outside = [(X0 + 200, Y0 + 200), (X0 + 210, Y0 + 200), (X0 + 210, Y0 + 210)]
    dltb.loc[0, "geometry"] = shapely.Polygon(shell, [outside])
    hits = codes_of(validate_layer("DLTB", dltb), "GEOMETRY_INVALID")
    assert [p.feature for p in hits] == ["530124100201000001"]


def test_empty_and_non_polygon_geometry(dltb):
    dltb.loc[0, "geometry"] = shapely.Polygon()
    dltb.loc[1, "geometry"] = shapely.Point(X0, Y0)
    dltb.loc[2, "geometry"] = None
    problems = validate_layer("DLTB", dltb)
    assert [p.feature for p in codes_of(problems, "GEOMETRY_EMPTY")] == [
        "530124100201000001",
        "530124100201000003",
    ]
    assert [p.feature for p in codes_of(problems, "GEOMETRY_TYPE")] == ["530124100201000002"]


def test_multipolygon_with_hole_is_valid_and_area_counted():
    ring = shapely.box(X0, Y0, X0 + 300, Y0 + 300).difference(shapely.box(X0 + 100, Y0 + 100, X0 + 200, Y0 + 200))
    multi = shapely.MultiPolygon([ring, shapely.box(X0 + 400, Y0, X0 + 500, Y0 + 100)])
    row = dltb_row("1", "0301", multi)  # 90 000 − 10 000 + 10 000 = 90 000 m²
    assert row["TBMJ"] == 90000.0
    assert errors(validate_layer("DLTB", grid_dltb([row]))) == []


def test_overlap_beyond_one_square_metre(dltb):
    # cell 6 (果园, col 2 row 1) grows 2 m into cell 5 (宅基地): 2 m × 100 m = 200 m² overlap
    dltb.loc[5, "geometry"] = shapely.box(X0 + 198, Y0 + 100, X0 + 300, Y0 + 200)
    dltb.loc[5, ["TBMJ", "TBDLMJ"]] = [10200.0, 10200.0]
    hits = codes_of(validate_layer("DLTB", dltb), "OVERLAP")
    assert [p.feature for p in hits] == ["530124100201000005"]
    assert "530124100201000006" in hits[0].message and "200.00" in hits[0].message


def test_overlap_below_one_square_metre_is_tolerated(dltb):
    dltb.loc[5, "geometry"] = shapely.box(X0 + 199.995, Y0 + 100, X0 + 300, Y0 + 200)  # 0.5 m²
    dltb.loc[5, ["TBMJ", "TBDLMJ"]] = [10000.5, 10000.5]
    assert codes_of(validate_layer("DLTB", dltb), "OVERLAP") == []


def test_duplicate_polygon_is_an_overlap(dltb):
    extra = dltb_row("530124100201000099", "0301", cell(0, 1))
    frame = grid_dltb([*dltb.to_dict("records"), extra])
    hits = codes_of(validate_layer("DLTB", frame), "OVERLAP")
    assert [(p.feature, "10000.00" in p.message) for p in hits] == [("530124100201000004", True)]


def test_touching_at_a_corner_is_no_overlap():
    a = dltb_row("1", "0301", cell(0, 0))
    b = dltb_row("2", "0301", cell(1, 1))
    assert codes_of(validate_layer("DLTB", grid_dltb([a, b])), "OVERLAP") == []


def test_duplicate_bsm(dltb):
    dltb.loc[3, "BSM"] = "530124100201000001"
    hits = codes_of(validate_layer("DLTB", dltb), "DUPLICATE_BSM")
    assert [(p.feature, p.severity) for p in hits] == [("530124100201000001", "error")]


def test_feature_id_falls_back_to_row_number(dltb):
    dltb = dltb.drop(columns=["BSM"])
    dltb.loc[2, "DLBM"] = "9999"
    problems = validate_layer("DLTB", dltb)
    assert [p.feature for p in codes_of(problems, "CODE_INVALID")] == [3]


@pytest.mark.parametrize(
    ("crs", "code"),
    [(None, "CRS_MISSING"), ("EPSG:4326", "CRS_NOT_CGCS2000"), ("EPSG:32648", "CRS_NOT_CGCS2000")],
)
def test_crs_missing_or_not_cgcs2000(dltb, crs, code):
    frame = dltb.set_crs(crs, allow_override=True) if crs else dltb.set_crs(None, allow_override=True)
    problems = validate_layer("DLTB", frame)
    hits = codes_of(problems, code)
    assert len(hits) == 1 and hits[0].severity == "error" and hits[0].feature is None
    assert "CGCS2000" in hits[0].message
    # areas are not computed in a refused CRS, so no TBMJ noise on top
    assert codes_of(problems, "TBMJ_MISMATCH") == []


@pytest.mark.parametrize("epsg", [4543, 4522, 4490])
def test_accepted_cgcs2000_zones(epsg):
    frame = grid_dltb().to_crs(epsg)  # test set-up only: landcon never reprojects
    problems = validate_layer("DLTB", frame)
    assert codes_of(problems, "CRS_NOT_CGCS2000") == [] and codes_of(problems, "CRS_MISSING") == []
    assert codes_of(problems, "TBMJ_MISMATCH") == []


def test_village_code_must_exist_in_cjdcq(dltb):
    village = gpd.GeoDataFrame(
        {
            "BSM": ["1"],
            "YSDM": ["1000600200"],
            "ZLDWDM": ["530124100201"],
            "ZLDWMC": ["大营村委会"],
            "DCMJ": [60000.0],
            "JSMJ": [60000.0],
            "geometry": [shapely.box(X0, Y0, X0 + 300, Y0 + 200)],
        },
        crs="EPSG:4543",
    )
    assert errors(validate_layers({"DLTB": dltb, "CJDCQ": village})) == []
    dltb.loc[0, ["ZLDWDM", "QSDWDM"]] = ["5301241002020000000", "5301241002020000000"]
    problems = validate_layers({"DLTB": dltb, "CJDCQ": village})
    assert [p.feature for p in codes_of(problems, "ZLDWDM_NOT_IN_CJDCQ")] == ["530124100201000001"]


def test_village_layer_area_checked():
    village = gpd.GeoDataFrame(
        {
            "BSM": ["1", "2"],
            "YSDM": ["1000600200"] * 2,
            "ZLDWDM": ["530124100201", "530124100202"],
            "ZLDWMC": ["大营村委会", "小营村委会"],
            "DCMJ": [10000.0, 10000.0],
            "JSMJ": [10000.0, 10500.0],
            "geometry": [cell(0, 0), cell(1, 0)],
        },
        crs="EPSG:4543",
    )
    hits = codes_of(validate_layer("CJDCQ", village), "JSMJ_MISMATCH")
    assert [(p.feature, p.severity) for p in hits] == [("2", "warning")]


def test_zoning_layers_need_only_valid_polygons():
    red_line = gpd.GeoDataFrame({"geometry": [cell(0, 0, 500)]}, crs="EPSG:4543")
    assert validate_layer("STBHHX", red_line) == []
    red_line.loc[0, "geometry"] = shapely.LineString([(X0, Y0), (X0 + 1, Y0 + 1)])
    assert [p.code for p in validate_layer("STBHHX", red_line)] == ["GEOMETRY_TYPE"]


def test_zoning_layer_known_fields_checked_when_present():
    farmland = gpd.GeoDataFrame(
        {"DLBM": ["0101", "0199"], "DLMC": ["水田", "水田"], "geometry": [cell(0, 0), cell(1, 0)]},
        crs="EPSG:4543",
    )
    problems = validate_layer("YJJBNTBHTB", farmland)
    assert [(p.code, p.feature) for p in problems] == [("CODE_INVALID", 2)]
    boundary = gpd.GeoDataFrame({"GHFQDM": ["01", "07"], "geometry": [cell(0, 0), cell(1, 0)]}, crs="EPSG:4543")
    assert [(p.code, p.severity) for p in validate_layer("CZKFBJ", boundary)] == [("CODE_UNKNOWN", "warning")]


def test_problem_dict_shape(dltb):
    dltb.loc[0, "DLBM"] = "0199"
    problem = codes_of(validate_layer("DLTB", dltb), "CODE_INVALID")[0].as_dict()
    assert set(problem) == {"layer", "feature", "field", "code", "severity", "message"}
    assert problem["layer"] == "DLTB" and problem["feature"] == "530124100201000001"


def test_refinement_without_crop_warns(dltb):
    dltb.loc[0, ["TBXHDM", "TBXHMC", "ZZSXDM", "ZZSXMC"]] = ["LQGD", "林区耕地", "WG", "未耕种"]
    hits = codes_of(validate_layer("DLTB", dltb), "REFINEMENT_WITHOUT_CROP")
    assert [(p.feature, p.severity) for p in hits] == [("530124100201000001", "warning")]
    dltb.loc[0, ["ZZSXDM", "ZZSXMC"]] = ["LS", "种植粮食作物"]
    assert codes_of(validate_layer("DLTB", dltb), "REFINEMENT_WITHOUT_CROP") == []


def test_zldwdm_format_warning(dltb):
    dltb.loc[0, "ZLDWDM"] = "53012410020"
    hits = codes_of(validate_layer("DLTB", dltb), "CODE_FORMAT")
    assert [(p.feature, p.severity) for p in hits] == [("530124100201000001", "warning")]


def test_many_features_vectorised_counts():
    rows = [dltb_row(str(i), "0301", cell(i % 50, i // 50, 20)) for i in range(2500)]
    frame = grid_dltb(rows)
    frame.loc[np.arange(0, 2500, 100), "DLBM"] = "0000"
    problems = validate_layer("DLTB", frame)
    assert len(codes_of(problems, "CODE_INVALID")) == 25
    assert codes_of(problems, "OVERLAP") == []


def test_middle_dot_names_and_degree_signs_are_not_mojibake(dltb):
    dltb.loc[0, "QSDWMC"] = "岩帅·班洪村民小组"  # names in minority areas carry a middle dot
    dltb.loc[1, "MSSM"] = "25°"
    assert codes_of(validate_layer("DLTB", dltb), "TEXT_ENCODING") == []


def test_gauss_krueger_on_another_ellipsoid_is_refused(dltb):
    # a Xi'an 80 / Beijing 54 style zone: right projection, wrong datum
    frame = dltb.set_crs("+proj=tmerc +lon_0=102 +x_0=500000 +ellps=krass +units=m", allow_override=True)
    problems = validate_layer("DLTB", frame)
    assert [p.code for p in problems if p.severity == "error"] == ["CRS_NOT_CGCS2000"]


def test_unrecognised_crs():
    assert check_crs("not a crs at all").code == "CRS_UNKNOWN"


def test_missing_and_empty_layers(dltb):
    # DLTB is required (survey and plan start from it): missing or empty is an error
    problems = validate_layers({"XZQ": dltb.iloc[0:0][["geometry"]]}, expected=("DLTB", "CJDCQ"))
    assert [(p.layer, p.code, p.severity) for p in problems if p.code.startswith("LAYER")] == [
        ("DLTB", "LAYER_MISSING", "error"),
        ("CJDCQ", "LAYER_MISSING", "warning"),
        ("XZQ", "LAYER_EMPTY", "warning"),
    ]
    empty = validate_layers({"DLTB": dltb.iloc[0:0]})
    assert [(p.layer, p.code, p.severity) for p in empty if p.code.startswith("LAYER")] == [
        ("DLTB", "LAYER_EMPTY", "error")
    ]
    assert not [p for p in validate_layers({"DLTB": dltb}) if p.code.startswith("LAYER")]


def test_zero_means_empty_off_cultivated_land(dltb):
    # Shapefile / FileGDB exports write 0 where GDDB, GDPDJB, KCXS are empty (乔木林地, 宅基地, 果园)
    dltb.loc[3:5, "GDDB"] = 0
    dltb.loc[3:5, "KCXS"] = 0.0
    dltb.loc[3:5, "GDPDJB"] = "0"
    assert errors(validate_layer("DLTB", dltb)) == []


def test_zero_grade_on_cultivated_land_is_still_refused(dltb):
    dltb["GDDB"] = dltb["GDDB"].astype(float)
    dltb.loc[0, "GDDB"] = 0  # 水田 needs a grade 1–15
    dltb.loc[1, "GDDB"] = 16
    dltb.loc[2, "GDPDJB"] = "0"  # 旱地 needs a slope grade 1–5
    hits = errors(validate_layer("DLTB", dltb))
    assert [(p.feature, p.field, p.code) for p in hits] == [
        ("530124100201000003", "GDPDJB", "CODE_INVALID"),
        ("530124100201000001", "GDDB", "CODE_INVALID"),
        ("530124100201000002", "GDDB", "CODE_INVALID"),
    ]
    assert "0 表示空值" in hits[1].message

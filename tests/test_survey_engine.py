"""Baseline survey engine on hand-made grids of 100 m cells (answers worked out on paper).

Cells lie next to the central meridian of EPSG:4543, where a 100 m cell's ellipsoid area is
10 000.00 m²; cultivated cells have KCXS 0.1, so TBDLMJ = 9 000 m² = 13.5 亩.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from conftest import CELL, VILLAGE, X0, Y0, cell, dltb_row, grid_dltb

from landcon.engine.fragmentation import shared_boundaries, size_class
from landcon.engine.overlay import clip, zone_shares
from landcon.engine.survey import AreaUnit, SurveyOptions, compute_survey

EPSG = 4543
VILLAGE_B = "5301241002020000000"  # another village of the same township 530124100


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    """A box in grid units (1 = 100 m) from the grid origin."""
    return shapely.box(X0 + x0 * CELL, Y0 + y0 * CELL, X0 + x1 * CELL, Y0 + y1 * CELL)


def frame(rows: list[dict[str, object]]) -> gpd.GeoDataFrame:
    return grid_dltb(rows)


def unit(result, level: str, code: str | None = None) -> dict:
    found = [u for u in result.units if u["level"] == level and (code is None or u["code"] == code)]
    assert len(found) == 1, [(u["level"], u["code"]) for u in result.units]
    return found[0]


def no_zones() -> dict[str, None]:
    return {"YJJBNTBHTB": None, "STBHHX": None, "CZKFBJ": None}


# --- land-use structure -----------------------------------------------------------------------


def test_landuse_structure_of_the_default_grid(dltb: gpd.GeoDataFrame) -> None:
    result = compute_survey(dltb, no_zones(), EPSG)
    assert [(u["level"], u["code"]) for u in result.units] == [
        ("county", "530124"),
        ("township", "530124100"),
        ("village", "530124100201"),
    ]
    v = unit(result, "village")
    assert v["parent"] == "530124100"
    assert v["dltb_count"] == 6
    assert v["unit_area_m2"] == 60000.0
    # The 田坎 deducted from the three cultivated cells (KCMJ 3 × 1 000 m²) is land of class 1203:
    # 二级 1203, 一级 12 其他土地, 三大类 农用地 — each table adds up to the unit's 60 000 m².
    assert v["landuse_tbdlmj_m2"] == {
        "0101": 18000.0,
        "0103": 9000.0,
        "0201": 10000.0,
        "0301": 10000.0,
        "0702": 10000.0,
        "1203": 3000.0,
    }
    assert v["level1_tbdlmj_m2"] == {"01": 27000.0, "02": 10000.0, "03": 10000.0, "07": 10000.0, "12": 3000.0}
    assert v["three_class_m2"] == {"农用地": 50000.0, "建设用地": 10000.0}
    assert v["kcmj_m2"] == 3000.0
    assert v["cultivated_net_m2"] == 27000.0
    assert v["cultivated_gross_m2"] == 30000.0
    assert v["cultivated_by_type_net_m2"] == {"0101": 18000.0, "0103": 9000.0}
    assert v["cultivated_slope_grade_net_m2"] == {"3": 27000.0}
    assert v["cultivated_terrace_net_m2"] == {"TT": 27000.0}
    assert v["cultivated_crop_status_net_m2"] == {"LS": 27000.0}
    assert v["cultivated_grade_net_m2"] == {"7": 27000.0}
    assert v["cultivated_mean_grade"] == 7.0
    assert v["construction_m2"] == 10000.0
    assert v["homestead_m2"] == 10000.0 and v["homestead_count"] == 1
    # No zone layers: the overlay is unavailable, not zero.
    for key in (
        "cultivated_in_permanent_farmland_net_m2",
        "cultivated_in_redline_net_m2",
        "cultivated_in_urban_boundary_net_m2",
        "construction_in_redline_m2",
        "construction_outside_urban_boundary_m2",
        "idle_homestead_m2",
        "idle_homestead_count",
    ):
        assert v[key] is None, key
    # Three cultivated cells in a row (0101 0101 0103) are one patch of 27 000 m² net = 40.5 亩.
    assert v["cultivated_patches"] == 1
    assert v["largest_patch_net_m2"] == 27000.0
    assert v["largest_patch_gross_m2"] == 30000.0
    assert v["patch_size_classes_net"]["gt20"] == {"count": 1, "net_m2": 27000.0}
    assert v["patches_ge_100mu_net"] == 0
    # Perimeter 800 m of a 300 × 100 m patch: SHAPE = 800 / (2·√(π·30000)); ED = 800 m / 6 ha.
    assert v["mean_shape_index"] == pytest.approx(800 / (2 * math.sqrt(math.pi * 30000)), rel=1e-9)
    assert v["edge_density_m_per_ha"] == pytest.approx(800 / 6, rel=1e-9)
    assert v["patch_density_per_100ha"] == pytest.approx(1 / 6 * 100, rel=1e-9)
    # County = township = village here.
    county = unit(result, "county")
    assert county["cultivated_net_m2"] == 27000.0 and county["parent"] is None


def test_grades_are_area_weighted() -> None:
    rows = [
        dltb_row("1", "0101", cell(0, 0), GDDB=4),
        dltb_row("2", "0103", cell(1, 0), GDDB=10),
        dltb_row("3", "0103", cell(2, 0), GDDB=10, GDPDJB="5", ZZSXDM="WG"),
    ]
    dltb = frame(rows)
    dltb["GDDB"] = dltb["GDDB"].astype("Int64")  # as GeoParquet gives a nullable integer column
    v = unit(compute_survey(dltb, no_zones(), EPSG), "village")
    assert v["cultivated_mean_grade"] == 8.0  # (4 + 10 + 10) / 3 with equal net areas
    assert v["cultivated_grade_net_m2"] == {"4": 9000.0, "10": 18000.0}
    assert v["abandoned_cultivated_net_m2"] == 9000.0
    assert v["cultivated_over_25deg_net_m2"] == 9000.0


# --- overlay and apportionment -----------------------------------------------------------------


def test_split_polygon_is_apportioned_by_ellipsoid_share() -> None:
    # One 0101 polygon of two cells: TBMJ 20 000, KCMJ 2 000, TBDLMJ 18 000; 永农 covers its left
    # cell only, and a 生态保护红线 polygon covers a quarter (50 × 100 m) of it.
    rows = [dltb_row("1", "0101", box(0, 0, 2, 1)), dltb_row("2", "0702", cell(2, 0))]
    zones = {
        "YJJBNTBHTB": [box(0, 0, 1, 1)],
        "STBHHX": [box(1.5, 0, 2.5, 1)],  # right quarter of the field and half of the homestead
        "CZKFBJ": [box(2, 0, 3, 1)],  # exactly the homestead
    }
    v = unit(compute_survey(frame(rows), zones, EPSG), "village")
    assert v["cultivated_in_permanent_farmland_net_m2"] == 9000.0
    assert v["cultivated_in_redline_net_m2"] == 4500.0
    assert v["construction_in_redline_m2"] == 5000.0
    assert v["cultivated_in_urban_boundary_net_m2"] == 0.0
    assert v["construction_outside_urban_boundary_m2"] == 0.0


def test_overlapping_zone_polygons_are_not_counted_twice() -> None:
    rows = [dltb_row("1", "0101", cell(0, 0))]
    zones = {"YJJBNTBHTB": [box(0, 0, 1, 1), box(0, 0, 0.5, 1), box(-1, -1, 2, 2)], "STBHHX": None, "CZKFBJ": None}
    v = unit(compute_survey(frame(rows), zones, EPSG), "village")
    assert v["cultivated_in_permanent_farmland_net_m2"] == 9000.0
    share = zone_shares(np.array([cell(0, 0), cell(1, 0)], dtype=object), np.array(zones["YJJBNTBHTB"]), EPSG)
    assert list(share) == [1.0, 1.0]
    half = zone_shares(np.array([cell(0, 0)], dtype=object), np.array([box(0, 0, 0.5, 1), box(0.25, 0, 0.75, 1)]), EPSG)
    assert half[0] == pytest.approx(0.75, abs=1e-9)


def test_zone_shares_exact_and_crossing() -> None:
    geoms = np.array([cell(0, 0), cell(1, 0), cell(2, 0), cell(5, 5)], dtype=object)
    zone = np.array([box(0, 0, 1.25, 1), box(2, 0, 3, 1)], dtype=object)
    share = zone_shares(geoms, zone, EPSG)
    assert share[0] == 1.0  # boundary on the cell's edges: decided by a point, no intersection
    assert share[1] == pytest.approx(0.25, abs=1e-9)
    assert share[2] == 1.0
    assert share[3] == 0.0


def test_consolidation_area_clips_and_apportions() -> None:
    rows = [dltb_row(str(i), "0101", cell(i, 0)) for i in range(3)]
    # The area covers cell 0 and half of cell 1; cell 2 is outside.
    area = AreaUnit("ZZQY01", "整治区域一", box(0, 0, 1.5, 1))
    result = compute_survey(frame(rows), no_zones(), EPSG, areas=[area])
    a = unit(result, "area", "ZZQY01")
    assert a["name"] == "整治区域一" and a["parent"] is None
    assert a["dltb_count"] == 2
    assert a["unit_area_m2"] == 15000.0
    assert a["kcmj_m2"] == 1500.0
    assert a["cultivated_net_m2"] == 13500.0
    assert a["cultivated_patches"] == 1
    assert a["largest_patch_gross_m2"] == 15000.0
    cut = clip(np.array([r["geometry"] for r in rows], dtype=object), area.geometry, EPSG)
    assert list(cut.index) == [0, 1]
    assert cut.share[0] == 1.0 and cut.share[1] == pytest.approx(0.5, abs=1e-9)


def test_empty_area_reports_zeros() -> None:
    area = AreaUnit("Z2", "空区域", box(50, 50, 51, 51))
    a = unit(compute_survey(grid_dltb(), no_zones(), EPSG, areas=[area]), "area")
    assert a["dltb_count"] == 0
    assert a["unit_area_m2"] == 0.0
    assert a["landuse_tbdlmj_m2"] == {}
    assert a["cultivated_patches"] == 0
    assert a["mean_patch_net_m2"] is None
    assert a["patch_size_classes_net"]["le5"] == {"count": 0, "net_m2": 0.0}
    assert a["cultivated_in_permanent_farmland_net_m2"] is None


# --- patches ---------------------------------------------------------------------------------


def test_patch_spanning_two_villages() -> None:
    rows = [
        dltb_row("1", "0101", cell(0, 0)),
        dltb_row("2", "0101", cell(1, 0), ZLDWDM=VILLAGE_B),
    ]
    result = compute_survey(frame(rows), no_zones(), EPSG)
    assert unit(result, "township")["cultivated_patches"] == 1
    assert unit(result, "township")["largest_patch_net_m2"] == 18000.0
    assert unit(result, "village", VILLAGE[:12])["cultivated_patches"] == 1
    assert unit(result, "village", VILLAGE_B[:12])["cultivated_patches"] == 1
    assert unit(result, "village", VILLAGE_B[:12])["largest_patch_net_m2"] == 9000.0
    # Village-level perimeters are each cell's own 400 m; the township patch has 600 m.
    assert unit(result, "village", VILLAGE_B[:12])["edge_density_m_per_ha"] == pytest.approx(400.0)
    assert unit(result, "township")["edge_density_m_per_ha"] == pytest.approx(600 / 2)


def test_point_touching_cells_do_not_connect() -> None:
    rows = [
        dltb_row("1", "0101", cell(0, 0)),
        dltb_row("2", "0301", cell(1, 0)),
        dltb_row("3", "0301", cell(0, 1)),
        dltb_row("4", "0103", cell(1, 1)),
    ]
    v = unit(compute_survey(frame(rows), no_zones(), EPSG), "village")
    assert v["cultivated_patches"] == 2
    assert v["mean_patch_net_m2"] == 9000.0


def test_ring_with_a_hole_and_its_island() -> None:
    ring = shapely.Polygon(box(0, 0, 3, 3).exterior.coords, [box(1, 1, 2, 2).exterior.coords])
    rows = [dltb_row("1", "0103", ring), dltb_row("2", "0301", cell(1, 1))]
    v = unit(compute_survey(frame(rows), no_zones(), EPSG), "village")
    assert v["cultivated_patches"] == 1
    assert v["largest_patch_gross_m2"] == 80000.0
    # Perimeter 1 200 m outside + 400 m around the hole.
    assert v["mean_shape_index"] == pytest.approx(1600 / (2 * math.sqrt(math.pi * 80000)), rel=1e-9)
    # Island cultivated too: it joins the ring through the hole's edges.
    rows[1] = dltb_row("2", "0101", cell(1, 1))
    v = unit(compute_survey(frame(rows), no_zones(), EPSG), "village")
    assert v["cultivated_patches"] == 1
    assert v["largest_patch_net_m2"] == 81000.0
    assert v["mean_shape_index"] == pytest.approx(1200 / (2 * math.sqrt(math.pi * 90000)), rel=1e-9)


def test_multipart_polygon_parts_are_separate_patches() -> None:
    multi = shapely.MultiPolygon([cell(0, 0), cell(2, 0)])
    rows = [dltb_row("1", "0101", multi), dltb_row("2", "0301", cell(1, 0))]
    v = unit(compute_survey(frame(rows), no_zones(), EPSG), "village")
    assert v["dltb_count"] == 2
    assert v["cultivated_patches"] == 2
    assert v["largest_patch_net_m2"] == 9000.0  # TBDLMJ 18 000 shared by the parts' ellipsoid areas
    assert v["patch_size_classes_net"]["10_20"] == {"count": 2, "net_m2": 18000.0}


def test_t_junction_neighbours_connect_with_exact_shared_length() -> None:
    # A's right edge has no vertex where B and C meet: the fast key match misses, the exact path finds it.
    a = box(0, 0, 1, 1)
    b = box(1, 0, 1.5, 0.5)
    c = box(1, 0.5, 1.5, 1)
    edges = shared_boundaries(np.array([a, b, c], dtype=object))
    got = {(int(i), int(j)): round(float(n), 6) for i, j, n in zip(edges.i, edges.j, edges.length, strict=True)}
    assert got == {(0, 1): 50.0, (0, 2): 50.0, (1, 2): 50.0}


def test_size_classes_follow_the_review_table_limits() -> None:
    mu = 10000 / 15
    net = np.array([5 * mu, 5 * mu + 10, 10 * mu, 20 * mu, 20 * mu + 10])
    assert list(size_class(net)) == ["le5", "5_10", "5_10", "10_20", "gt20"]
    # Areas as stored (0.01 m²): 3333.33 m² is 5.00 亩 → ≤5亩; 6666.67 m² is 10.00 亩 → 5–10亩.
    assert list(size_class(np.array([3333.33, 3333.34, 6666.67, 6666.68]))) == ["le5", "le5", "5_10", "5_10"]
    assert list(size_class(np.array([6670.0, 13333.33, 13340.0]))) == ["10_20", "10_20", "gt20"]


def test_hundred_mu_patches() -> None:
    # 8 × 1 cells of 0101 (8 × 9 000 = 72 000 m² = 108 亩) and a lone cell far away.
    rows = [dltb_row(str(i), "0101", cell(i, 0)) for i in range(8)] + [dltb_row("x", "0101", cell(0, 5))]
    v = unit(compute_survey(frame(rows), no_zones(), EPSG), "village")
    assert v["cultivated_patches"] == 2
    assert v["patches_ge_100mu_net"] == 1
    assert v["patches_ge_1000mu_net"] == 0
    assert v["largest_patch_net_m2"] == 72000.0


def _strip_rows(width_m: float, side: float = 40.0) -> list[dict[str, object]]:
    """Two small fields (side × side m) on either side of a road strip ``width_m`` wide."""
    x0 = X0
    left = shapely.box(x0, Y0, x0 + side, Y0 + side)
    road = shapely.box(x0 + side, Y0, x0 + side + width_m, Y0 + side)
    right = shapely.box(x0 + side + width_m, Y0, x0 + 2 * side + width_m, Y0 + side)
    return [dltb_row("1", "0103", left), dltb_row("2", "1006", road), dltb_row("3", "0103", right)]


def test_bridging_across_a_narrow_road() -> None:
    rows = _strip_rows(6.0)
    plain = unit(compute_survey(frame(rows), no_zones(), EPSG), "village")
    assert plain["cultivated_patches"] == 2
    assert "bridged" not in plain
    # Each field is 1 600 m² gross, 1 440 m² net = 2.16 亩: small, and mergeable across the 6 m road.
    assert plain["small_patches_mergeable_count"] == 2
    assert plain["small_patches_mergeable_net_m2"] == 2880.0
    wide = unit(compute_survey(frame(rows), no_zones(), EPSG, options=SurveyOptions(bridge_width_m=8)), "village")
    assert wide["cultivated_patches"] == 2
    assert wide["bridged"]["cultivated_patches"] == 1
    assert wide["bridged"]["largest_patch_net_m2"] == 2880.0
    narrow = unit(compute_survey(frame(rows), no_zones(), EPSG, options=SurveyOptions(bridge_width_m=5)), "village")
    assert narrow["bridged"]["cultivated_patches"] == 2
    assert narrow["small_patches_mergeable_count"] == 0


# --- potential --------------------------------------------------------------------------------


def test_potential_and_idle_homesteads() -> None:
    rows = [
        dltb_row("1", "0201", cell(0, 0), ZZSXDM="JKHF"),
        dltb_row("2", "0301", cell(1, 0), ZZSXDM="GCHF"),
        dltb_row("3", "0201", cell(2, 0), ZZSXDM="GCHF"),
        dltb_row("4", "1201", cell(3, 0)),
        dltb_row("5", "0702", cell(4, 0)),
        dltb_row("6", "0702", cell(5, 0)),
    ]
    result = compute_survey(frame(rows), no_zones(), EPSG, idle_bsm=frozenset({"5", "4"}))
    v = unit(result, "village")
    assert v["restorable_immediate_m2"] == 10000.0
    assert v["restorable_engineering_m2"] == 20000.0
    assert v["restorable_engineering_by_class_m2"] == {"0201": 10000.0, "0301": 10000.0}
    assert v["idle_land_m2"] == 10000.0
    assert v["idle_homestead_m2"] == 20000.0 and v["idle_homestead_count"] == 2  # listed BSMs, whatever their class
    assert v["idle_construction_m2"] == 20000.0  # 1201 + the idle homestead, each once
    assert v["homestead_count"] == 2
    assert set(result.potential["idle_construction"]["BSM"]) == {"4", "5"}
    assert list(result.potential["restorable_immediate"]["BSM"]) == ["1"]


def test_every_unit_key_is_documented(dltb: gpd.GeoDataFrame) -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "survey.md").read_text(encoding="utf-8")
    area = AreaUnit("A", "区", box(0, 0, 1, 1))
    result = compute_survey(dltb, no_zones(), EPSG, areas=[area], options=SurveyOptions(bridge_width_m=8))
    keys = {k for u in result.units for k in u} | set(result.units[0]["bridged"])
    assert sorted(k for k in keys if f"`{k}`" not in doc) == []

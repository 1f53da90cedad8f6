"""Geometric check of an allocation: a hand-computed 2-block, 4-household village and one test per violation.

Fixture (all numbers by hand):
  parcels  H1: DK001 5000 m² + DK002 4000 m², grade 01 → 9000      H2: DK003 7500 m² grade 05 (0.8) → 6000
           H3: DK004 9000 m² grade 01 → 9000                       H4: DK005 6000 m² grade 01 → 6000
           H4 also keeps DK006 (locked) 20 × 50 m grade 02 (0.95) → 950
  blocks   TK001 200 × 100 grade 01 → 20000;  TK002 100 × 100 grade 05 → 8000;  Σ 28000
  d = 1 − 28000 / 30000 = 1/15  →  entitled H1 8400, H2 5600, H3 8400, H4 5600 + 950 = 6550
  allocation  TK001: N01 H1 x 0–84, N02 H3 x 84–168, N03 H2 x 168–200  (8400, 8400, 3200)
              TK002: N04 H2 x 300–330, N05 H4 x 330–400               (3000 × 0.8 = 2400, 7000 × 0.8 = 5600)
              DK006 H4 kept.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from realloc_fixtures import large_village
from shapely import MultiPolygon, Polygon, box

from landcon.engine.realloc.geocheck import GeoCheck, check_allocation
from landcon.engine.realloc.layout import layout_block, road_side
from landcon.engine.realloc.params import Params

H1, H2, H3, H4 = (f"53012400100100{i:02d}" for i in range(1, 5))
LOCKED = {"DK006": H4}
ROAD = box(0, -10, 600, 0)


def _parcels() -> gpd.GeoDataFrame:
    rows = [
        ("DK001", H1, "01", box(0, 200, 100, 250)),
        ("DK002", H1, "01", box(100, 200, 180, 250)),
        ("DK003", H2, "05", box(0, 250, 100, 325)),
        ("DK004", H3, "01", box(200, 200, 290, 300)),
        ("DK005", H4, "01", box(300, 200, 360, 300)),
        ("DK006", H4, "02", box(500, 0, 520, 50)),
    ]
    return gpd.GeoDataFrame(
        {"DKBM": [r[0] for r in rows], "CBFBM": [r[1] for r in rows], "DLDJ": [r[2] for r in rows]},
        geometry=[r[3] for r in rows],
    )


def _blocks() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"TKBM": ["TK001", "TK002"], "DLDJ": ["01", "05"]},
        geometry=[box(0, 0, 200, 100), box(300, 0, 400, 100)],
    )


def _pieces() -> dict[str, tuple[str, shapely.Geometry]]:
    return {
        "N01": (H1, box(0, 0, 84, 100)),
        "N02": (H3, box(84, 0, 168, 100)),
        "N03": (H2, box(168, 0, 200, 100)),
        "N04": (H2, box(300, 0, 330, 100)),
        "N05": (H4, box(330, 0, 400, 100)),
        "DK006": (H4, box(500, 0, 520, 50)),
    }


def _allocation(pieces: dict[str, tuple[str, shapely.Geometry]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"DKBM": list(pieces), "CBFBM": [h for h, _ in pieces.values()]},
        geometry=[g for _, g in pieces.values()],
    )


def _check(
    pieces: dict[str, tuple[str, shapely.Geometry]] | None = None,
    *,
    params: Params | None = None,
    area_tol: float = 1.0,
) -> GeoCheck:
    allocation = _allocation(_pieces() if pieces is None else pieces)
    return check_allocation(_parcels(), _blocks(), allocation, LOCKED, params or Params(), area_tol=area_tol)


def _kinds(check: GeoCheck) -> list[str]:
    return [v.kind for v in check.violations]


# --- the valid plan ----------------------------------------------------------------------------------------


def test_hand_computed_entitlements_and_values() -> None:
    check = _check()
    assert check.violations == []
    assert check.ok
    assert check.deduction == pytest.approx(1 / 15)
    assert check.entitled == pytest.approx({H1: 8400.0, H2: 5600.0, H3: 8400.0, H4: 6550.0})
    assert check.received == pytest.approx({H1: 8400.0, H2: 5600.0, H3: 8400.0, H4: 6550.0})
    assert check.deviation == pytest.approx({H1: 0.0, H2: 0.0, H3: 0.0, H4: 0.0}, abs=1e-12)


def test_given_deduction_is_used() -> None:
    check = _check(params=Params(deduction=0.05))
    # T = 0.95 · pooled value (+ 950 for H4); H1 receives 8400 of 8550 → −1.75 %, within ±5 %.
    assert check.deduction == 0.05
    assert check.entitled == pytest.approx({H1: 8550.0, H2: 5700.0, H3: 8550.0, H4: 6650.0})
    assert check.deviation[H1] == pytest.approx(-150 / 8550)
    assert check.ok


def test_layout_block_allocation_passes() -> None:
    blocks = _blocks()
    pieces: dict[str, tuple[str, shapely.Geometry]] = {}
    plan = {"TK001": [(H1, 8400.0), (H3, 8400.0), (H2, 3200.0)], "TK002": [(H2, 3000.0), (H4, 7000.0)]}
    for code, geom in zip(blocks["TKBM"], blocks.geometry, strict=True):
        road = road_side(geom, [ROAD])
        strips = layout_block(geom, road, [a for _, a in plan[code]])
        for k, ((h, _), strip) in enumerate(zip(plan[code], strips, strict=True)):
            pieces[f"{code}-{k}"] = (h, strip)
    pieces["DK006"] = (H4, box(500, 0, 520, 50))
    assert pieces["TK001-0"][1].bounds == pytest.approx((0, 0, 84, 100), abs=1e-8)
    check = _check(pieces)
    assert check.violations == []
    assert check.received == pytest.approx(check.entitled)


def test_pieces_valued_block_by_block() -> None:
    # One piece over two adjacent blocks of grade 01 and 05: 10000 + 0.8 · 10000 = 18000 = the parcel value.
    parcels = gpd.GeoDataFrame({"DKBM": ["A"], "CBFBM": [H1], "DLDJ": ["01"]}, geometry=[box(0, 500, 180, 600)])
    blocks = gpd.GeoDataFrame(
        {"TKBM": ["TK001", "TK002"], "DLDJ": ["01", "05"]}, geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)]
    )
    allocation = gpd.GeoDataFrame({"CBFBM": [H1]}, geometry=[box(0, 0, 200, 100)])
    check = check_allocation(parcels, blocks, allocation, {}, Params())
    assert check.violations == []
    assert check.deduction == pytest.approx(0.0)
    assert check.received[H1] == pytest.approx(18000.0)


def test_locked_parcel_matched_by_geometry_without_names() -> None:
    allocation = _allocation(_pieces()).drop(columns="DKBM")
    check = check_allocation(_parcels(), _blocks(), allocation, LOCKED, Params())
    assert check.ok


def test_slivers_below_area_tol_are_tolerated() -> None:
    pieces = _pieces()
    pieces["N03"] = (H2, box(168.005, 0, 200, 100))  # 0.5 m² gap
    assert _check(pieces).ok
    check = _check(pieces, area_tol=0.1)
    assert _kinds(check) == ["uncovered"]
    assert check.violations[0].amount == pytest.approx(0.5, abs=1e-6)


# --- one test per violation kind ---------------------------------------------------------------------------


def test_uncovered() -> None:
    pieces = _pieces()
    pieces["N03"] = (H2, box(178, 0, 200, 100))  # 10 × 100 m strip left out of TK001
    check = _check(pieces)
    assert _kinds(check) == ["uncovered", "tolerance"]
    v = check.violations[0]
    assert v.features == ("TK001",)
    assert v.amount == pytest.approx(1000.0)
    assert v.message == "田块 TK001 有 1000.00 m² 未分配"
    # H2 now has 2200 + 2400 = 4600 of 5600.
    assert check.violations[1].features == (H2,)
    assert check.violations[1].amount == pytest.approx(-1000 / 5600)


def test_overlap() -> None:
    pieces = _pieces()
    pieces["N01"] = (H1, box(0, 0, 88, 100))  # 4 m into N02: 400 m², H1 +4.76 % (within)
    check = _check(pieces)
    assert _kinds(check) == ["overlap"]
    v = check.violations[0]
    assert v.features == ("N01", "N02")
    assert v.amount == pytest.approx(400.0)
    assert H1 in v.message and H3 in v.message and "400.00 m²" in v.message


def test_outside() -> None:
    pieces = _pieces()
    pieces["N05"] = (H4, box(330, 0, 400, 110))  # 70 × 10 m beyond TK002
    check = _check(pieces)
    assert _kinds(check) == ["outside"]
    assert check.violations[0].features == ("N05",)
    assert check.violations[0].amount == pytest.approx(700.0)
    assert check.received[H4] == pytest.approx(6550.0)  # the outside area is worth nothing


def test_width() -> None:
    pieces = _pieces()
    del pieces["N01"]
    pieces["N01a"] = (H1, box(0, 0, 15, 100))
    pieces["N01b"] = (H1, box(15, 0, 84, 100))
    check = _check(pieces, params=Params(min_width=20))
    assert _kinds(check) == ["width"]
    v = check.violations[0]
    assert v.features == ("N01a",)
    assert v.amount == pytest.approx(15.0, abs=0.01)
    assert "宽 15.00 m，小于最小宽度 20.00 m" in v.message
    assert _check(pieces, params=Params(min_width=15)).ok


def test_locked_reassigned() -> None:
    pieces = _pieces()
    pieces["DK006"] = (H1, box(500, 0, 520, 50))
    check = _check(pieces)
    assert _kinds(check) == ["locked", "tolerance", "tolerance"]
    assert check.violations[0].features == ("DK006", H4, H1)
    # H1 8400 + 950 of 8400; H4 5600 of 6550.
    assert {v.features[0]: v.amount for v in check.violations[1:]} == pytest.approx({H1: 950 / 8400, H4: -950 / 6550})


def test_locked_reshaped() -> None:
    pieces = _pieces()
    pieces["DK006"] = (H4, box(505, 0, 525, 50))  # moved 5 m: symmetric difference 2 × 250 m²
    check = _check(pieces)
    assert _kinds(check) == ["locked", "outside"]
    assert check.violations[0].features == ("DK006", "DK006")
    assert check.violations[0].amount == pytest.approx(500.0)
    assert check.violations[1].amount == pytest.approx(250.0)
    # Only the 15 × 50 m still on the parcel counts: 5600 + 712.5.
    assert check.received[H4] == pytest.approx(6312.5)


def test_locked_missing() -> None:
    pieces = _pieces()
    del pieces["DK006"]
    check = _check(pieces)
    assert _kinds(check) == ["locked", "tolerance"]
    assert check.violations[0].features == ("DK006", H4)
    assert check.violations[0].amount == pytest.approx(1000.0)
    assert check.violations[1].amount == pytest.approx(-950 / 6550)


def test_locked_parcel_not_in_parcels() -> None:
    check = check_allocation(_parcels(), _blocks(), _allocation(_pieces()), {**LOCKED, "DK999": H1}, Params())
    assert _kinds(check) == ["locked"]
    assert check.violations[0].features == ("DK999",)


def test_unknown_household() -> None:
    pieces = _pieces()
    stranger = "5301240010019999"
    pieces["N04"] = (stranger, box(300, 0, 330, 100))
    check = _check(pieces)
    assert _kinds(check) == ["unknown_household", "tolerance"]
    v = check.violations[0]
    assert v.features == (stranger, "N04")
    assert v.amount == pytest.approx(3000.0)
    assert check.violations[1].features == (H2,)
    assert check.violations[1].amount == pytest.approx(-2400 / 5600)


def test_household_receiving_nothing() -> None:
    pieces = _pieces()
    pieces["N02"] = (H1, box(84, 0, 168, 100))
    check = _check(pieces)
    assert _kinds(check) == ["tolerance", "tolerance"]
    by_hh = {v.features[0]: v for v in check.violations}
    assert by_hh[H3].amount == pytest.approx(-1.0)
    assert by_hh[H3].message == f"承包方 {H3} 分得 0.00，应得 8400.00，偏差 -100.00% 超出 ±5%"
    assert by_hh[H1].amount == pytest.approx(1.0)
    assert check.received[H3] == 0.0


def test_tolerance_message_and_amounts() -> None:
    pieces = _pieces()
    pieces["N01"] = (H1, box(0, 0, 76, 100))
    pieces["N02"] = (H3, box(76, 0, 168, 100))
    check = _check(pieces)
    assert _kinds(check) == ["tolerance", "tolerance"]
    assert check.violations[0].message == f"承包方 {H1} 分得 7600.00，应得 8400.00，偏差 -9.52% 超出 ±5%"
    assert check.violations[0].amount == pytest.approx(-800 / 8400)
    assert check.violations[1].message == f"承包方 {H3} 分得 9200.00，应得 8400.00，偏差 +9.52% 超出 ±5%"
    # At ±10 % both are within.
    assert _check(pieces, params=Params(tolerance=0.1)).ok


def test_multipart() -> None:
    pieces = _pieces()
    merged = MultiPolygon([pieces.pop("N03")[1], pieces.pop("N04")[1]])
    pieces["N34"] = (H2, merged)
    check = _check(pieces)
    assert _kinds(check) == ["multipart"]
    assert check.violations[0].features == ("N34",)
    assert check.violations[0].amount == 2.0
    assert check.received[H2] == pytest.approx(5600.0)


def test_invalid() -> None:
    pieces = _pieces()
    spike = Polygon([(0, 0), (84, 0), (84, 100), (84, 120), (84, 100), (0, 100)])
    pieces["N01"] = (H1, spike)
    check = _check(pieces)
    assert _kinds(check) == ["invalid"]
    assert check.violations[0].features == ("N01",)
    assert "Self-intersection" in check.violations[0].message
    assert check.received[H1] == pytest.approx(8400.0)  # checked further once made valid


def test_invalid_block_is_reported() -> None:
    blocks = _blocks()
    blocks.loc[1, "geometry"] = Polygon([(300, 0), (400, 0), (400, 100), (400, 130), (400, 100), (300, 100)])
    check = check_allocation(_parcels(), blocks, _allocation(_pieces()), LOCKED, Params())
    assert _kinds(check) == ["invalid"]
    assert check.violations[0].features == ("TK002",)


# --- scale -------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_village_scale_plan_is_valid_and_a_moved_strip_is_found() -> None:
    """A full village (``large_village``); its check's speed is bench/bench_smoke.py's business."""
    parcels, blocks, allocation, locked = large_village()
    check = check_allocation(parcels, blocks, allocation, locked, Params())
    assert check.violations == []
    assert check.deduction == pytest.approx(1 / 21)

    # The same plan with one strip moved 1 m into its neighbour: exactly one overlap and one gap.
    moved = allocation.copy()
    moved.loc[3, "geometry"] = shapely.affinity.translate(moved.geometry[3], xoff=1.0)
    check = check_allocation(parcels, blocks, moved, locked, Params())
    assert _kinds(check) == ["uncovered", "overlap"]
    assert check.violations[0].amount == pytest.approx(150.0, abs=1e-6)
    assert check.violations[1].features == ("#3", "#4")

"""Strip layout along the road side: hand-computed cuts on a 100 m grid."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from shapely import MultiPolygon, Polygon, box
from shapely.affinity import rotate

from landcon.engine.realloc.layout import (
    frontage_axis,
    layout_block,
    min_piece_area,
    order_along,
    parcel_width,
    polygonal,
    road_side,
    strip_width,
)

BLOCK = box(0, 0, 200, 100)
ROAD_SOUTH = box(0, -10, 200, 0)


def _coords(line: shapely.LineString | None) -> list[tuple[float, float]]:
    assert line is not None
    return [(float(x), float(y)) for x, y in shapely.get_coordinates(line)]


def _assert_cover(block: Polygon, strips: list[Polygon | MultiPolygon]) -> None:
    """The strips tile the block: same total area, union equal to the block, no pairwise overlap."""
    assert sum(s.area for s in strips) == pytest.approx(block.area, abs=1e-6)
    assert shapely.symmetric_difference(shapely.union_all(strips), block).area < 1e-6
    for i in range(len(strips)):
        for j in range(i + 1, len(strips)):
            assert shapely.intersection(strips[i], strips[j]).area < 1e-9


# --- road_side ---------------------------------------------------------------------------------------------


def test_road_side_is_the_touching_edge_running_with_the_block_on_its_left() -> None:
    assert _coords(road_side(BLOCK, [ROAD_SOUTH])) == [(0.0, 0.0), (200.0, 0.0)]
    # A road running past both corners gives the same edge (no stubs up the sides).
    assert _coords(road_side(BLOCK, [box(-50, -10, 250, 0)])) == [(0.0, 0.0), (200.0, 0.0)]
    # Road along the north side: counter-clockwise exterior runs west.
    assert _coords(road_side(BLOCK, [box(0, 100, 200, 110)])) == [(200.0, 100.0), (0.0, 100.0)]


def test_road_side_snap_distance() -> None:
    road = box(0, -10, 200, -0.5)  # 0.5 m gap
    assert _coords(road_side(BLOCK, [road])) == [(0.0, 0.0), (200.0, 0.0)]
    assert road_side(BLOCK, [road], snap=0.25) is None
    assert road_side(BLOCK, [box(0, 300, 10, 400)]) is None
    assert road_side(BLOCK, []) is None


def test_road_side_longest_stretch_and_corner() -> None:
    # Two separate roads: south (200 m) and a 60 m stretch on the east side.
    side = road_side(BLOCK, [box(200, 20, 210, 80), ROAD_SOUTH])
    assert _coords(side) == [(0.0, 0.0), (200.0, 0.0)]
    # One L-shaped road along the west and south sides: one connected stretch of 300 m.
    side = road_side(BLOCK, [box(-10, -10, 200, 0).union(box(-10, 0, 0, 100))])
    assert _coords(side) == [(0.0, 100.0), (0.0, 0.0), (200.0, 0.0)]
    assert side is not None and side.length == pytest.approx(300.0)


def test_road_all_round_falls_back_to_the_rectangle_axis() -> None:
    ring_road = box(-10, -10, 210, 110).difference(BLOCK)
    side = road_side(BLOCK, [ring_road])
    assert side is not None and side.is_closed and side.length == pytest.approx(600.0)
    origin, u = frontage_axis(BLOCK, side)
    assert origin == pytest.approx([0.0, 0.0], abs=1e-9)
    assert u == pytest.approx([1.0, 0.0], abs=1e-9)
    # Roads on three sides: the chord runs from the west side's top to the east side's top.
    three = [box(-10, -10, 210, 0), box(-10, 0, 0, 100), box(200, 0, 210, 100)]
    side = road_side(BLOCK, three)
    assert _coords(side) == [(0.0, 100.0), (0.0, 0.0), (200.0, 0.0), (200.0, 100.0)]
    origin, u = frontage_axis(BLOCK, side)
    assert origin.tolist() == [0.0, 100.0]
    assert u.tolist() == [1.0, 0.0]


def test_polygonal_part() -> None:
    square = box(0, 0, 10, 10)
    assert polygonal(shapely.GeometryCollection([square, shapely.LineString([(10, 0), (20, 0)])])).equals(square)
    bowtie = Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
    fixed = polygonal(bowtie)
    assert fixed.geom_type == "MultiPolygon" and fixed.is_valid and fixed.area == pytest.approx(50.0)
    assert polygonal(None).is_empty
    assert polygonal(shapely.LineString([(0, 0), (1, 1)])).is_empty


# --- frontage_axis / order_along ---------------------------------------------------------------------------


def test_frontage_axis_from_the_chord() -> None:
    origin, u = frontage_axis(BLOCK, road_side(BLOCK, [ROAD_SOUTH]))
    assert origin.tolist() == [0.0, 0.0]
    assert u.tolist() == [1.0, 0.0]
    # L-shaped road side (0,100)→(0,0)→(200,0): chord direction (200, −100)/√50000.
    origin, u = frontage_axis(BLOCK, shapely.LineString([(0, 100), (0, 0), (200, 0)]))
    assert origin.tolist() == [0.0, 100.0]
    assert u == pytest.approx([2 / math.sqrt(5), -1 / math.sqrt(5)])


def test_frontage_axis_without_road_is_the_longer_rectangle_side() -> None:
    origin, u = frontage_axis(BLOCK, None)
    assert origin == pytest.approx([0.0, 0.0], abs=1e-9)
    assert u == pytest.approx([1.0, 0.0], abs=1e-9)
    tall = box(0, 0, 50, 300)
    _, u = frontage_axis(tall, None)
    assert abs(u[0]) == pytest.approx(0.0, abs=1e-9)
    assert abs(u[1]) == pytest.approx(1.0)


def test_order_along_sorts_homes_by_projection_and_puts_missing_last() -> None:
    road = road_side(BLOCK, [ROAD_SOUTH])
    homes = [(150.0, -50.0), None, (20.0, 300.0), (90.0, 0.0), None, (20.0, -5.0)]
    # projections on u = (1, 0): 150, –, 20, 90, –, 20 → ties and missing keep their order.
    assert order_along(road, BLOCK, homes) == [2, 5, 3, 0, 1, 4]
    # Road on the north side runs west: the order reverses.
    north = road_side(BLOCK, [box(0, 100, 200, 110)])
    assert order_along(north, BLOCK, homes) == [0, 3, 2, 5, 1, 4]


# --- layout_block ------------------------------------------------------------------------------------------


def test_layout_rectangle_two_strips() -> None:
    strips = layout_block(BLOCK, road_side(BLOCK, [ROAD_SOUTH]), [5000, 15000])
    assert [s.area for s in strips] == pytest.approx([5000.0, 15000.0], abs=1e-6)
    assert strips[0].bounds == pytest.approx((0, 0, 50, 100), abs=1e-9)
    assert strips[1].bounds == pytest.approx((50, 0, 200, 100), abs=1e-9)
    assert all(s.is_valid and s.geom_type == "Polygon" for s in strips)
    _assert_cover(BLOCK, strips)


def test_layout_follows_the_road_direction() -> None:
    # North road runs west: the first strip is at the east end.
    strips = layout_block(BLOCK, road_side(BLOCK, [box(0, 100, 200, 110)]), [5000, 15000])
    assert strips[0].bounds == pytest.approx((150, 0, 200, 100), abs=1e-9)
    assert strips[1].bounds == pytest.approx((0, 0, 150, 100), abs=1e-9)


def test_layout_trapezoid_exact_cut() -> None:
    # Depth 50 + x/4 over 0 ≤ x ≤ 200; ∫₀¹⁰⁰ = 5000 + 1250 = 6250; total 15000.
    block = Polygon([(0, 0), (200, 0), (200, 100), (0, 50)])
    strips = layout_block(block, road_side(block, [ROAD_SOUTH]), [6250, 8750])
    assert [s.area for s in strips] == pytest.approx([6250.0, 8750.0], abs=1e-6)
    assert strips[0].bounds == pytest.approx((0, 0, 100, 75), abs=1e-6)
    assert strips[1].bounds == pytest.approx((100, 0, 200, 100), abs=1e-6)
    _assert_cover(block, strips)


def test_layout_uneven_areas_trapezoid() -> None:
    # First strip of 3000: 50c + c²/8 = 3000 → c = −200 + √(40000 + 24000) = 52.98...
    block = Polygon([(0, 0), (200, 0), (200, 100), (0, 50)])
    strips = layout_block(block, road_side(block, [ROAD_SOUTH]), [3000, 4000, 8000])
    c = -200 + math.sqrt(64000)
    assert strips[0].bounds[2] == pytest.approx(c, abs=1e-7)
    assert [s.area for s in strips] == pytest.approx([3000.0, 4000.0, 8000.0], abs=1e-6)
    _assert_cover(block, strips)


def test_layout_l_shape_cut_on_the_inner_edge() -> None:
    block = Polygon([(0, 0), (200, 0), (200, 50), (100, 50), (100, 100), (0, 100)])  # 15000 m²
    strips = layout_block(block, road_side(block, [ROAD_SOUTH]), [5000, 5000, 5000])
    assert [s.bounds for s in strips] == [(0, 0, 50, 100), (50, 0, 100, 100), (100, 0, 200, 50)]
    assert all(s.geom_type == "Polygon" and s.is_valid for s in strips)
    assert [s.area for s in strips] == pytest.approx([5000.0] * 3, abs=1e-6)


def test_layout_concave_block_gives_multipolygon_strip() -> None:
    # "C" open to the east: 10000 − 70·40 = 7200 m²; the stem x ≤ 30 holds 3000, the arms 2 × 2100.
    block = Polygon([(0, 0), (100, 0), (100, 30), (30, 30), (30, 70), (100, 70), (100, 100), (0, 100)])
    strips = layout_block(block, road_side(block, [ROAD_SOUTH]), [3000, 4200])
    assert strips[0].geom_type == "Polygon"
    assert strips[0].bounds == (0, 0, 30, 100)
    assert isinstance(strips[1], MultiPolygon)
    assert sorted(p.bounds for p in strips[1].geoms) == [(30, 0, 100, 30), (30, 70, 100, 100)]
    assert strips[1].area == pytest.approx(4200.0, abs=1e-6)


def test_layout_diagonal_road() -> None:
    # Square of side 100√2 standing on the corner (0, 0); the road runs along its south-east side.
    block = Polygon([(0, 0), (100, 100), (0, 200), (-100, 100)])
    road = road_side(block, [Polygon([(0, 0), (100, 100), (110, 90), (10, -10)])])
    assert _coords(road) == [(0.0, 0.0), (100.0, 100.0)]
    origin, u = frontage_axis(block, road)
    assert origin.tolist() == [0.0, 0.0]
    assert u == pytest.approx([math.sqrt(0.5), math.sqrt(0.5)])
    strips = layout_block(block, road, [5000, 15000])
    assert [s.area for s in strips] == pytest.approx([5000.0, 15000.0], abs=1e-6)
    # Width along the road = 5000 / (100√2) = 25√2; the cut runs through (25, 25) and (−75, 125).
    assert strip_width(strips[0], u) == pytest.approx(25 * math.sqrt(2), abs=1e-9)
    assert strip_width(strips[1], u) == pytest.approx(75 * math.sqrt(2), abs=1e-9)
    xy = shapely.get_coordinates(strips[0])
    assert {(round(x, 6), round(y, 6)) for x, y in xy} == {(0, 0), (25, 25), (-75, 125), (-100, 100)}
    _assert_cover(block, strips)


def test_layout_without_road_uses_the_longer_side() -> None:
    strips = layout_block(BLOCK, None, [5000, 15000])
    assert strips[0].bounds == pytest.approx((0, 0, 50, 100), abs=1e-6)
    # A rotated 200 × 100 block: the strips are cut across the 200 m side (each 100 m deep).
    tilted = rotate(BLOCK, 30, origin=(0, 0))
    strips = layout_block(tilted, None, [2000, 8000, 10000])
    _, u = frontage_axis(tilted, None)
    assert abs(float(u @ np.array([math.cos(math.radians(30)), math.sin(math.radians(30))]))) == pytest.approx(1.0)
    assert [strip_width(s, u) for s in strips] == pytest.approx([20.0, 80.0, 100.0], abs=1e-6)
    assert [parcel_width(s) for s in strips] == pytest.approx([20.0, 80.0, 100.0], abs=0.02)


def test_layout_rescales_tiny_differences_and_rejects_larger_ones() -> None:
    road = road_side(BLOCK, [ROAD_SOUTH])
    strips = layout_block(BLOCK, road, [5000.0, 15000.01])  # relative 5e-7: rescaled
    assert sum(s.area for s in strips) == pytest.approx(20000.0, abs=1e-6)
    assert strips[0].area == pytest.approx(5000.0 * 20000.0 / 20000.01, abs=1e-6)
    with pytest.raises(ValueError, match=r"20100\.000000.*20000\.000000"):
        layout_block(BLOCK, road, [5000.0, 15100.0])
    with pytest.raises(ValueError):
        layout_block(BLOCK, road, [25000.0, -5000.0])
    assert layout_block(BLOCK, road, [20000.0])[0].equals(BLOCK)


def test_layout_many_strips_cover_an_irregular_block() -> None:
    block = Polygon([(0, 0), (180, -20), (260, 40), (230, 150), (120, 120), (40, 160), (-30, 90)])
    road = road_side(block, [Polygon([(0, 0), (180, -20), (182, -30), (0, -10)])])
    assert _coords(road) == [(0.0, 0.0), (180.0, -20.0)]  # the 1 m stub up the next side is trimmed
    assert road is not None
    areas = np.full(12, block.area / 12)
    strips = layout_block(block, road, areas.tolist())
    assert [s.area for s in strips] == pytest.approx(areas.tolist(), abs=1e-6)
    _assert_cover(block, strips)
    # Every strip whose span along u overlaps the road's span opens onto the road.
    origin, u = frontage_axis(block, road)
    touching = 0
    for s in strips:
        t = (shapely.get_coordinates(s) - origin) @ u
        if t.min() < road.length - 1e-6 and t.max() > 1e-6:
            assert shapely.intersection(s.boundary, road.buffer(1e-6)).length > 0.1
            touching += 1
    assert touching >= 8


# --- widths and minimum piece -----------------------------------------------------------------------------


def test_strip_width_and_parcel_width() -> None:
    assert strip_width(box(10, 0, 35, 100), np.array([1.0, 0.0])) == 25.0
    assert strip_width(box(10, 0, 35, 100), np.array([0.0, 1.0])) == 100.0
    assert parcel_width(box(0, 0, 15, 100)) == pytest.approx(15.0, abs=0.02)
    assert parcel_width(box(0, 0, 100, 20)) == pytest.approx(20.0, abs=0.02)
    assert parcel_width(rotate(box(0, 0, 20, 137.3), 33)) == pytest.approx(20.0, abs=0.02)
    assert parcel_width(Polygon()) == 0.0


def test_min_piece_area_rectangle_is_width_times_depth() -> None:
    road = road_side(BLOCK, [ROAD_SOUTH])
    assert min_piece_area(BLOCK, road, 20) == pytest.approx(2000.0)
    assert min_piece_area(BLOCK, road, 250) == pytest.approx(20000.0)  # wider than the block
    assert min_piece_area(BLOCK, road, 0) == 0.0
    # Road on the east side: strips run across the 100 m side, 200 m deep.
    east = road_side(BLOCK, [box(200, 0, 210, 100)])
    assert min_piece_area(BLOCK, east, 20) == pytest.approx(4000.0)


def test_min_piece_area_triangle_is_smallest_at_the_thin_end() -> None:
    # Depth 100 − x: strip [80, 100] = 20·20/2 = 200; strip [0, 20] = 1800; mean-depth estimate 1000.
    tri = Polygon([(0, 0), (100, 0), (0, 100)])
    assert min_piece_area(tri, road_side(tri, [ROAD_SOUTH]), 20) == pytest.approx(200.0, abs=1e-6)


def test_min_piece_area_finds_an_interior_minimum() -> None:
    # A V notch from the top: depth 100 − 0.8x up to x = 100, then 20 + 0.8(x − 100).
    # Strip [90, 110] = 2 × ∫₉₀¹⁰⁰ (100 − 0.8x) dx = 2 × 240 = 480; ends 1840; [80, 100] = 560.
    block = Polygon([(0, 0), (200, 0), (200, 100), (100, 20), (0, 100)])
    assert min_piece_area(block, road_side(block, [ROAD_SOUTH]), 20) == pytest.approx(480.0, abs=1e-6)
    # Off-centre notch at x = 37: depth 50 − 30x/37, then 20 + 80(x − 37)/163. S'(s) = depth(s + 20) − depth(s)
    # vanishes at s* = (30 + 1360/163) / (80/163 + 30/37) ≈ 29.21, between the breakpoints 17 and 37.
    block = Polygon([(0, 0), (200, 0), (200, 100), (37, 20), (0, 50)])
    s_star = (30 + 1360 / 163) / (80 / 163 + 30 / 37)
    expected = shapely.intersection(block, box(s_star, -1, s_star + 20, 101)).area
    at_breakpoints = [shapely.intersection(block, box(x, -1, x + 20, 101)).area for x in (17.0, 37.0)]
    assert expected < min(at_breakpoints) - 1.0
    assert min_piece_area(block, road_side(block, [ROAD_SOUTH]), 20) == pytest.approx(expected, abs=1e-6)

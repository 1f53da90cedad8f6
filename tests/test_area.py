"""图斑椭球面积: the official 国土调查办发〔2008〕32号 formula against an independent implementation of
the same document, both against GeographicLib (pyproj.Geod on CGCS2000) on short edges, and the
refined diagnostic area against GeographicLib on any figure."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pyproj import Geod, Transformer

from landcon.engine.area import (
    CGCS2000_A,
    CGCS2000_F,
    ellipsoid_area,
    refined_ellipsoid_area,
    zone_difference,
)
from landcon.engine.crs import central_meridian, check_crs

GEOD = Geod(a=CGCS2000_A, f=CGCS2000_F)


def geodesic_area(geom: shapely.Geometry, epsg: int, pieces: int = 100) -> float:
    """GeographicLib area of the same figure: edges densified in the plane (about ``pieces`` per
    polygon perimeter, where short geodesics coincide with the plane-straight edges to far below
    1e-9), then every vertex inverse-projected."""
    fine = shapely.segmentize(geom, max(1.0, shapely.length(geom) / pieces)) if pieces else geom
    return geographiclib_area(fine, epsg)


def geographiclib_area(geom: shapely.Geometry, epsg: int) -> float:
    """GeographicLib area of the geodesic polygon through the vertices of ``geom`` as given."""
    to_geo = Transformer.from_crs(epsg, 4490, always_xy=True)
    total = 0.0
    for poly in getattr(geom, "geoms", [geom]):
        for k, ring in enumerate([poly.exterior, *poly.interiors]):
            lon, lat = to_geo.transform(*np.asarray(ring.coords).T)
            a = abs(GEOD.polygon_area_perimeter(lon, lat)[0])
            total += a if k == 0 else -a
    return total


# --- an independent implementation of 国土调查办发〔2008〕32号, scalar, with Python math --------------

_A, _F = 6378137.0, 1 / 298.257222101
_B = _A - _A * _F
_EE = (_A * _A - _B * _B) / (_A * _A)  # e², as the document defines it
_EP = (_A * _A - _B * _B) / (_B * _B)  # e'²
_C = _A * _A / _B  # polar radius of curvature


def _series_constants() -> tuple[float, float, float, float, float]:
    """A–E of the document with the fractions reduced (3/6 = 1/2, 30/80 = 3/8, 630/2304 = 35/128 …)."""
    e2, e4, e6, e8 = _EE, _EE**2, _EE**3, _EE**4
    return (
        1 + e2 / 2 + 3 * e4 / 8 + 5 * e6 / 16 + 35 * e8 / 128,
        e2 / 6 + 3 * e4 / 16 + 3 * e6 / 16 + 35 * e8 / 192,
        3 * e4 / 80 + e6 / 16 + 5 * e8 / 64,
        e6 / 112 + 5 * e8 / 256,
        5 * e8 / 2304,
    )


_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(48)


def _meridian_arc(lat: float) -> float:
    """Meridian arc from the equator, a(1 − e²)∫(1 − e² sin² φ)^(−3/2) dφ by 48-point Gauss–Legendre."""
    phi = 0.5 * lat * (_NODES + 1)
    return _A * (1 - _EE) * 0.5 * lat * float(np.dot(_WEIGHTS, (1 - _EE * np.sin(phi) ** 2) ** -1.5))


def _gk_inverse(x_east: float, y_north: float, epsg: int) -> tuple[float, float]:
    """The document's section 三: footpoint latitude (here by Newton on the meridian arc), then its
    B and L series; returns (B, L) in radians, L from the prime meridian."""
    zone_prefix = (epsg - 4513 + 25) * 1_000_000 if epsg < 4534 else 0
    yp = x_east - 500_000 - zone_prefix
    bf = y_north / 6_367_000
    for _ in range(5):
        m = _A * (1 - _EE) / (1 - _EE * math.sin(bf) ** 2) ** 1.5
        bf -= (_meridian_arc(bf) - y_north) / m
    t = math.tan(bf)
    n2 = _EP * math.cos(bf) ** 2
    v2 = 1 + n2
    n = _C / math.sqrt(v2)
    q = yp / n
    b = (
        bf
        - 0.5 * v2 * t * q**2
        + (5 + 3 * t**2 + n2 - 9 * n2 * t**2) * v2 * t * q**4 / 24
        - (61 + 90 * t**2 + 45 * t**4) * v2 * t * q**6 / 720
    )
    lon = (
        q / math.cos(bf)
        - (1 + 2 * t**2 + n2) * q**3 / (6 * math.cos(bf))
        + (5 + 28 * t**2 + 24 * t**4 + 6 * n2 + 8 * n2 * t**2) * q**5 / (120 * math.cos(bf))
    )
    return b, lon + math.radians(central_meridian(epsg))


def official_area_by_hand(geom: shapely.Geometry, epsg: int) -> float:
    """Σ over edges of 2b²·L̄·[A sin(½ΔB)cos Bm − B sin(3/2 ΔB)cos 3Bm + …], prime meridian as the
    reference (as in the document's sample), |ring sums|, holes subtracted."""
    ca, cb, cc, cd, ce = _series_constants()
    total = 0.0
    for poly in getattr(geom, "geoms", [geom]):
        for k, ring in enumerate([poly.exterior, *poly.interiors]):
            points = [_gk_inverse(x, y, epsg) for x, y in ring.coords]
            s = 0.0
            for (b1, l1), (b2, l2) in itertools.pairwise(points):
                db, bm = b2 - b1, (b1 + b2) / 2
                bracket = (
                    ca * math.sin(db / 2) * math.cos(bm)
                    - cb * math.sin(3 * db / 2) * math.cos(3 * bm)
                    + cc * math.sin(5 * db / 2) * math.cos(5 * bm)
                    - cd * math.sin(7 * db / 2) * math.cos(7 * bm)
                    + ce * math.sin(9 * db / 2) * math.cos(9 * bm)
                )
                s += 2 * _B * _B * (l1 + l2) / 2 * bracket
            total += abs(s) if k == 0 else -abs(s)
    return total


# x offsets: on the central meridian, ~107–150 km off it (zone edge at 25°N)
ZONES = [
    (4543, 0.0),
    (4543, 107_000.0),
    (4543, -150_000.0),
    (4522, 0.0),
    (4521, -100_000.0),
    (4544, 60_000.0),
]


def false_easting(epsg: int) -> float:
    return (epsg - 4513 + 25) * 1_000_000 + 500_000 if epsg < 4534 else 500_000


def figures(epsg: int, dx: float, size: float) -> list[shapely.Geometry]:
    x0, y0 = false_easting(epsg) + dx, 2_800_000.0
    triangle = shapely.Polygon([(x0, y0), (x0 + size, y0), (x0 + 0.3 * size, y0 + size)])
    rotated = shapely.affinity.rotate(shapely.box(x0, y0, x0 + size, y0 + 0.6 * size), 37, origin=(x0, y0))
    holed = shapely.box(x0, y0, x0 + size, y0 + size).difference(
        shapely.box(x0 + 0.2 * size, y0 + 0.3 * size, x0 + 0.5 * size, y0 + 0.7 * size)
    )
    multi = shapely.MultiPolygon([triangle, shapely.affinity.translate(rotated, 2 * size, 0)])
    return [triangle, rotated, holed, multi]


@pytest.mark.parametrize(("epsg", "dx"), ZONES)
@pytest.mark.parametrize("size", [30.0, 100.0, 1_000.0, 10_000.0])
def test_official_formula_matches_an_independent_implementation(epsg, dx, size):
    geoms = figures(epsg, dx, size)
    ours = ellipsoid_area(geoms, epsg)
    for geom, value in zip(geoms, ours, strict=True):
        by_hand = official_area_by_hand(geom, epsg)
        assert abs(value - by_hand) <= 1e-9 * by_hand, (geom.geom_type, value, by_hand)


def test_series_constants_integrate_the_zone_exactly():
    # b²∫cos φ/(1 − e² sin² φ)² dφ between two parallels, by quadrature, against formula (2)'s bracket
    nodes, weights = np.polynomial.legendre.leggauss(32)
    for b1, b2 in [(0.1, 0.1001), (0.44, 0.4401), (0.44, 0.46), (0.7, 0.9)]:
        phi = 0.5 * (b2 - b1) * nodes + 0.5 * (b1 + b2)
        exact = _B**2 * 0.5 * (b2 - b1) * float(np.sum(weights * np.cos(phi) / (1 - _EE * np.sin(phi) ** 2) ** 2))
        series = float(zone_difference(np.array([b1]), np.array([b2]))[0])
        # the series stops at e⁸; the first term left out is of order e¹⁰ ≈ 1.4e-11
        assert series == pytest.approx(exact, rel=1e-11)


@pytest.mark.parametrize(("epsg", "dx"), ZONES)
@pytest.mark.parametrize("size", [1_000.0, 3_000.0])
def test_official_and_by_hand_match_geographiclib_on_short_edges(epsg, dx, size):
    # Edges of ≤ 5 m: the trapezoid's departure from the geodesic (which grows with the square of
    # the edges' length, 2.9e-5 at 1 km) is ≤ 7e-10 of the figure; GeographicLib's own summation
    # over the figure's ~2 000 vertices is good to about 1e-9 (below ~300 m its absolute rounding,
    # ~1e-4 m², dominates, so smaller figures would test GeographicLib rather than the formula).
    for k, geom in enumerate(figures(epsg, dx, size)):
        fine = shapely.segmentize(geom, 5.0)
        reference = geographiclib_area(fine, epsg)
        official = ellipsoid_area([fine], epsg)[0]
        assert abs(official - reference) <= 3e-9 * reference, (geom.geom_type, official, reference)
        if size == 1_000.0 and k == 0:  # the scalar loop is slow on thousands of vertices
            assert abs(official_area_by_hand(fine, epsg) - reference) <= 3e-9 * reference


def test_long_diagonal_edges_depart_from_the_geodesic_as_the_document_says():
    # 1 km triangle 107 km east of CM 102°E: the trapezoid on three vertices is the legal area,
    # ≈ 2.9e-5 below the geodesic (−14.59 m²), far more than the TBMJ tolerance of 1e-6.
    x0, y0 = 607_000.0, 2_800_000.0
    tri = shapely.Polygon([(x0, y0), (x0 + 1000, y0), (x0 + 300, y0 + 1000)])
    official = ellipsoid_area([tri], 4543)[0]
    reference = geodesic_area(tri, 4543, pieces=3000)
    assert official == pytest.approx(official_area_by_hand(tri, 4543), rel=1e-9)
    assert round(official - reference, 2) == -14.59
    assert refined_ellipsoid_area([tri], 4543)[0] == pytest.approx(reference, rel=1e-9)


@pytest.mark.parametrize(("epsg", "dx"), ZONES)
@pytest.mark.parametrize("size", [30.0, 100.0, 1_000.0, 10_000.0])
def test_refined_area_matches_geographiclib(epsg, dx, size):
    geoms = figures(epsg, dx, size)
    ours = refined_ellipsoid_area(geoms, epsg)
    for geom, value in zip(geoms, ours, strict=True):
        reference = geodesic_area(geom, epsg)
        assert abs(value - reference) <= 1e-6 * reference, (geom.geom_type, value, reference)


def test_geographic_crs_input():
    square = shapely.box(102.0, 25.0, 102.01, 25.01)
    lon, lat = np.asarray(shapely.segmentize(square, 1e-5).exterior.coords).T
    reference = abs(GEOD.polygon_area_perimeter(lon, lat)[0])
    # edges along meridians and parallels: the trapezoid is exact on them
    assert ellipsoid_area([square], 4490)[0] == pytest.approx(reference, rel=1e-9)
    assert refined_ellipsoid_area([square], 4490)[0] == pytest.approx(reference, rel=1e-9)


def test_hundred_metre_cell_on_central_meridian_is_ten_thousand_square_metres():
    cell = shapely.box(500_000, 2_800_000, 500_100, 2_800_100)
    assert round(float(ellipsoid_area([cell], 4543)[0]), 2) == 10_000.00


def test_zone_prefix_does_not_change_area():
    plain = shapely.box(400_000, 2_800_000, 400_500, 2_800_300)
    prefixed = shapely.affinity.translate(plain, 34_000_000, 0)  # zone 34 = CM 102°E = 4522
    assert ellipsoid_area([plain], 4543)[0] == pytest.approx(ellipsoid_area([prefixed], 4522)[0], rel=1e-12)


def test_empty_missing_and_non_polygon_give_zero():
    geoms = [
        None,
        shapely.Polygon(),
        shapely.Point(500_000, 2_800_000),
        shapely.box(500_000, 2_800_000, 500_010, 2_800_010),
    ]
    for area in (ellipsoid_area, refined_ellipsoid_area):
        out = area(geoms, 4543)
        assert list(out[:3]) == [0.0, 0.0, 0.0] and round(out[3], 4) == 100.0


def test_official_area_never_adds_vertices():
    # Inserting a vertex on a straight diagonal edge changes the legal area (the document works on
    # the vertices as given); the refined diagnostic does not change.
    tri = shapely.Polygon([(380_000, 2_800_000), (400_000, 2_800_000), (385_000, 2_820_000)])  # 20 km
    split = shapely.segmentize(tri, 1000.0)
    assert ellipsoid_area([tri], 4543)[0] != pytest.approx(ellipsoid_area([split], 4543)[0], rel=1e-6)
    reference = geodesic_area(tri, 4543)
    assert abs(refined_ellipsoid_area([tri], 4543, densify_m=1000)[0] - reference) / reference < 1e-9


def test_chunking_gives_same_result():
    rng = np.random.default_rng(3)
    boxes = [
        shapely.box(x, y, x + w, y + h)
        for x, y, w, h in zip(
            rng.uniform(400_000, 600_000, 250_001),
            rng.uniform(2.7e6, 2.9e6, 250_001),
            rng.uniform(1, 80, 250_001),
            rng.uniform(1, 80, 250_001),
            strict=True,
        )
    ]
    whole = ellipsoid_area(boxes, 4543)
    assert np.allclose(whole[-5:], ellipsoid_area(boxes[-5:], 4543), rtol=0, atol=1e-9)


def test_crs_helpers():
    assert central_meridian(4543) == 102.0 and central_meridian(4522) == 102.0 and central_meridian(4534) == 75.0
    assert check_crs("EPSG:4490").epsg == 4490
    assert check_crs("EPSG:4554").epsg == 4554
    assert check_crs("EPSG:4326").code == "CRS_NOT_CGCS2000"
    assert check_crs(None).code == "CRS_MISSING"


# --- properties -------------------------------------------------------------------------------

coord = st.floats(min_value=-3000, max_value=3000, allow_nan=False)


@st.composite
def convex_polygons(draw):
    points = draw(st.lists(st.tuples(coord, coord), min_size=3, max_size=12, unique=True))
    hull = shapely.convex_hull(shapely.multipoints(points))
    if hull.geom_type != "Polygon" or hull.area < 10:
        hull = shapely.box(0, 0, 100, 100)
    return shapely.affinity.translate(hull, 480_000, 2_790_000)


@settings(max_examples=60, deadline=None)
@given(convex_polygons(), st.floats(min_value=-2500, max_value=2500), st.floats(min_value=0.1, max_value=3.0))
def test_refined_area_is_additive_over_a_split(poly, offset, angle):
    cx, cy = poly.centroid.x, poly.centroid.y
    line = shapely.LineString(
        [(cx - 10_000, cy + offset - 10_000 * angle), (cx + 10_000, cy + offset + 10_000 * angle)]
    )
    pieces = list(shapely.get_parts(shapely.ops.split(poly, line)))
    whole = refined_ellipsoid_area([poly], 4543)[0]
    parts = refined_ellipsoid_area(pieces, 4543).sum()
    assert parts == pytest.approx(whole, rel=1e-8, abs=1e-5)


@settings(max_examples=60, deadline=None)
@given(convex_polygons(), st.integers(min_value=0, max_value=11), st.booleans())
def test_official_area_is_additive_over_a_coverage(poly, start, reverse):
    # Pieces that share their vertices exactly (no vertex of one lying inside an edge of another)
    # add up: every inner edge is summed once each way. Here: fan triangles from a vertex, none a
    # sliver (a ring is taken unsigned, and on a sliver the formula's departure from the plane
    # figure can exceed the sliver's area and flip its orientation).
    ring = list(poly.exterior.coords)[:-1]
    k = start % len(ring)
    ring = ring[k:] + ring[:k]
    fans = [shapely.Polygon([ring[0], ring[i], ring[i + 1]]) for i in range(1, len(ring) - 1)]
    assume(min(f.area for f in fans) >= 1.0)
    whole = ellipsoid_area([poly], 4543)[0]
    assert ellipsoid_area(fans, 4543).sum() == pytest.approx(whole, rel=1e-10, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(convex_polygons(), st.integers(min_value=0, max_value=11), st.booleans())
def test_invariant_under_start_vertex_and_orientation(poly, start, reverse):
    ring = list(poly.exterior.coords)[:-1]
    k = start % len(ring)
    ring = ring[k:] + ring[:k]
    if reverse:
        ring = ring[::-1]
    other = shapely.Polygon(ring)
    # The sums run in another order: on a 1 m × 3.5 km sliver the rounding differs by ~1.5e-12 of the
    # area, so the bound is the additivity test's (1e-10), still far below the TBMJ tolerance.
    for area in (ellipsoid_area, refined_ellipsoid_area):
        a, b = area([poly, other], 4543)
        assert a == pytest.approx(b, rel=1e-10, abs=1e-9)

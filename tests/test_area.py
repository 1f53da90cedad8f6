"""图斑椭球面积 against GeographicLib (pyproj.Geod on CGCS2000) and its invariants."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod, Transformer

from landcon.engine.area import CGCS2000_A, CGCS2000_F, ellipsoid_area
from landcon.engine.crs import central_meridian, check_crs

GEOD = Geod(a=CGCS2000_A, f=CGCS2000_F)


def geodesic_area(geom: shapely.Geometry, epsg: int) -> float:
    """GeographicLib area of the same figure: edges densified in the plane (about 100 pieces per
    polygon perimeter, where short geodesics coincide with the plane-straight edges to far below
    1e-9), then every vertex inverse-projected."""
    to_geo = Transformer.from_crs(epsg, 4490, always_xy=True)
    fine = shapely.segmentize(geom, max(1.0, shapely.length(geom) / 100))
    total = 0.0
    for poly in getattr(fine, "geoms", [fine]):
        for k, ring in enumerate([poly.exterior, *poly.interiors]):
            lon, lat = to_geo.transform(*np.asarray(ring.coords).T)
            a = abs(GEOD.polygon_area_perimeter(lon, lat)[0])
            total += a if k == 0 else -a
    return total


# x offsets: on the central meridian, ~120 km east and ~150 km west (zone edge at 25°N)
ZONES = [
    (4543, 0.0),
    (4543, 120_000.0),
    (4543, -150_000.0),
    (4522, 0.0),
    (4521, -100_000.0),
    (4544, 60_000.0),
]


def false_easting(epsg: int) -> float:
    return (epsg - 4513 + 25) * 1_000_000 + 500_000 if epsg < 4534 else 500_000


@pytest.mark.parametrize(("epsg", "dx"), ZONES)
@pytest.mark.parametrize("size", [30.0, 100.0, 1_000.0, 10_000.0])
def test_matches_geographiclib(epsg, dx, size):
    x0, y0 = false_easting(epsg) + dx, 2_800_000.0
    triangle = shapely.Polygon([(x0, y0), (x0 + size, y0), (x0 + 0.3 * size, y0 + size)])
    rotated = shapely.affinity.rotate(shapely.box(x0, y0, x0 + size, y0 + 0.6 * size), 37, origin=(x0, y0))
    holed = shapely.box(x0, y0, x0 + size, y0 + size).difference(
        shapely.box(x0 + 0.2 * size, y0 + 0.3 * size, x0 + 0.5 * size, y0 + 0.7 * size)
    )
    multi = shapely.MultiPolygon([triangle, shapely.affinity.translate(rotated, 2 * size, 0)])
    geoms = [triangle, rotated, holed, multi]
    ours = ellipsoid_area(geoms, epsg)
    for geom, value in zip(geoms, ours, strict=True):
        reference = geodesic_area(geom, epsg)
        assert abs(value - reference) <= 1e-6 * reference, (geom.geom_type, value, reference)


def test_geographic_crs_input():
    square = shapely.box(102.0, 25.0, 102.01, 25.01)
    lon, lat = np.asarray(shapely.segmentize(square, 1e-5).exterior.coords).T
    reference = abs(GEOD.polygon_area_perimeter(lon, lat)[0])
    assert ellipsoid_area([square], 4490)[0] == pytest.approx(reference, rel=1e-6)


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
    out = ellipsoid_area(geoms, 4543)
    assert list(out[:3]) == [0.0, 0.0, 0.0] and round(out[3], 4) == 100.0


def test_long_edges_are_split_before_projection():
    tri = shapely.Polygon([(380_000, 2_800_000), (400_000, 2_800_000), (385_000, 2_820_000)])  # 20 km
    reference = geodesic_area(tri, 4543)
    assert abs(ellipsoid_area([tri], 4543, densify_m=1000)[0] - reference) / reference < 1e-9


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
def test_additive_over_a_split(poly, offset, angle):
    cx, cy = poly.centroid.x, poly.centroid.y
    line = shapely.LineString(
        [(cx - 10_000, cy + offset - 10_000 * angle), (cx + 10_000, cy + offset + 10_000 * angle)]
    )
    pieces = list(shapely.get_parts(shapely.ops.split(poly, line)))
    whole = ellipsoid_area([poly], 4543)[0]
    parts = ellipsoid_area(pieces, 4543).sum()
    assert parts == pytest.approx(whole, rel=1e-8, abs=1e-5)


@settings(max_examples=60, deadline=None)
@given(convex_polygons(), st.integers(min_value=0, max_value=11), st.booleans())
def test_invariant_under_start_vertex_and_orientation(poly, start, reverse):
    ring = list(poly.exterior.coords)[:-1]
    k = start % len(ring)
    ring = ring[k:] + ring[:k]
    if reverse:
        ring = ring[::-1]
    other = shapely.Polygon(ring)
    a, b = ellipsoid_area([poly, other], 4543)
    assert a == pytest.approx(b, rel=1e-12, abs=1e-9)

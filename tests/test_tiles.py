"""Vector tiles: tile arithmetic, tile geometry, MVT encoding, the tile service and its router.

The dataset is the conftest grid — six 100 m cells (3 columns × 2 rows) with their south-west
corner at X0 = 500 000, Y0 = 2 800 000 in EPSG:4543 (CM 102°E, ≈ 25.3°N). At zoom 16 the border
between tiles x = 51336 and 51337 runs at X ≈ 500 258 m, through the third column of cells, so
the western tile holds all six cells (the third clipped) and the eastern one only the third
column (旱地 0103 and 果园 0201); the tile buffer (64/4096 of a tile, ≈ 8.6 m of ground here)
does not reach the second column (which ends at 500 200).
"""

from __future__ import annotations

import math
import time

import mapbox_vector_tile
import numpy as np
import pytest
import shapely
from conftest import X0, Y0, cell, grid_dltb, write_grid
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient
from pyproj import Transformer

from landcon.engine import tiles as tm
from landcon.errors import DatasetNotFound, InvalidRecord
from landcon.reports.mvt import Attributes, TileLayer, encode
from landcon.services import records
from landcon.services import tiles as service
from landcon.services.datasets import import_dataset
from landcon.services.webauth import Current
from landcon.web.tiles import router

HALF = 20037508.342789244  # πR
GRID_DLBM = ["0101", "0101", "0103", "0301", "0702", "0201"]  # conftest grid_dltb, row by row
WEST, EAST, ROW = 51336, 51337, 28003  # zoom-16 tiles of the grid


def decode(data: bytes) -> dict:
    return mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})


# --------------------------------------------------------------------------- tile arithmetic


def test_world_tile_bounds():
    assert tm.ORIGIN_SHIFT == pytest.approx(HALF, abs=1e-9)
    assert tm.tile_bounds(0, 0, 0) == pytest.approx((-HALF, -HALF, HALF, HALF))
    assert tm.tile_bounds(1, 0, 0) == pytest.approx((-HALF, 0.0, 0.0, HALF))  # north-west quarter
    assert tm.tile_bounds(1, 1, 1) == pytest.approx((0.0, -HALF, HALF, 0.0))  # south-east quarter
    assert tm.tile_size(16) == pytest.approx(2 * HALF / 65536)
    assert tm.pixel_size(0) == pytest.approx(2 * HALF / 4096)


def test_tile_containing_a_point_worked_by_hand():
    # x = ⌊(102.5 + 180)/360 · 4096⌋ = ⌊3214.2⌋ = 3214;
    # y = ⌊(1 − ln(tan 25° + sec 25°)/π)/2 · 4096⌋ = ⌊(1 − 0.450875/π)/2 · 4096⌋ = ⌊1754.07⌋ = 1754.
    assert tm.tile_for_lonlat(102.5, 25.0, 12) == (3214, 1754)
    minx, miny, maxx, maxy = tm.tile_bounds(12, 3214, 1754)
    mx, my = tm.lonlat_to_mercator(102.5, 25.0)
    assert minx <= mx < maxx and miny < my <= maxy
    assert tm.tile_for_lonlat(0.0, 0.0, 1) == (1, 1)
    assert tm.tile_for_lonlat(-180.0, 89.9, 3) == (0, 0)  # clamped to the square world
    assert tm.tile_for_lonlat(180.0, -89.9, 3) == (7, 7)


def test_mercator_formulas():
    x, y = tm.lonlat_to_mercator(180.0, 0.0)
    assert (float(x), float(y)) == pytest.approx((HALF, 0.0), abs=1e-6)
    _, top = tm.lonlat_to_mercator(0.0, tm.MAX_LATITUDE)
    assert float(top) == pytest.approx(HALF, rel=1e-12)
    _, y45 = tm.lonlat_to_mercator(0.0, 45.0)
    assert float(y45) == pytest.approx(6378137.0 * math.log(math.tan(math.pi / 4 + math.pi / 8)))
    lon, lat = tm.mercator_to_lonlat(np.array([1_000_000.0, -5e6]), np.array([2_900_000.0, 123.0]))
    back_x, back_y = tm.lonlat_to_mercator(lon, lat)
    assert back_x == pytest.approx([1_000_000.0, -5e6]) and back_y == pytest.approx([2_900_000.0, 123.0])
    # Agrees with PROJ.
    px, py = Transformer.from_crs(4326, 3857, always_xy=True).transform(102.5, 25.0)
    assert tuple(map(float, tm.lonlat_to_mercator(102.5, 25.0))) == pytest.approx((px, py), abs=1e-6)


@pytest.mark.parametrize(
    ("z", "x", "y", "bad"),
    [(23, 0, 0, "z=23"), (-1, 0, 0, "z=-1"), (1, 2, 0, "x=2"), (1, 0, -1, "y=-1"), (3, 0, 8, "y=8"), (2.0, 0, 0, "z")],
)
def test_invalid_tiles_name_the_bad_value(z, x, y, bad):
    with pytest.raises(ValueError, match=bad):
        tm.tile_bounds(z, x, y)


def test_tiles_covering():
    xs, ys = tm.tiles_covering(tm.tile_bounds(3, 2, 5), 4)
    assert (list(xs), list(ys)) == ([4, 5], [10, 11])
    mx, my = (float(v) for v in tm.lonlat_to_mercator(102.5, 25.0))
    assert tuple(map(list, tm.tiles_covering((mx, my, mx, my), 12))) == ([3214], [1754])


# --------------------------------------------------------------------------- tile geometry


def area2(ring: list) -> float:
    """Twice the surveyor's-formula area of a closed or open ring."""
    pts = ring[:-1] if ring[0] == ring[-1] else ring
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(pts, pts[1:] + pts[:1], strict=True))


def test_tile_geometries_maps_clips_and_orients():
    bounds = tm.tile_bounds(1, 0, 0)  # x −HALF…0, y 0…HALF: one tile unit = HALF/4096 m
    unit = HALF / 4096
    square = shapely.box(-3072 * unit, 1024 * unit, -1024 * unit, 3072 * unit)  # CCW exterior
    with_hole = shapely.Polygon(
        shapely.box(-3900 * unit, 100 * unit, -3500 * unit, 500 * unit).exterior.coords,
        [shapely.box(-3800 * unit, 200 * unit, -3600 * unit, 400 * unit).exterior.coords],
    )
    crossing = shapely.box(-100 * unit, 3000 * unit, 500 * unit, 3100 * unit)  # reaches 500 units east
    far = shapely.box(1e6, 1e6, 2e6, 2e6)  # in the eastern hemisphere
    sliver = shapely.box(-2000 * unit, 100 * unit, -1000 * unit, 100.2 * unit)  # 0.2 units thin
    kept, geoms = tm.tile_geometries([square, far, with_hole, crossing, sliver], bounds)
    assert kept.tolist() == [0, 2, 3]
    # u = (X − minX)·4096/s, v = (maxY − Y)·4096/s with s = HALF.
    assert shapely.equals(geoms[0], shapely.box(1024, 1024, 3072, 3072))
    assert shapely.equals(geoms[2], shapely.box(4096 - 100, 4096 - 3100, 4096 + 64, 4096 - 3000))  # buffer
    assert len(geoms[1].interiors) == 1
    # MVT orientation in tile coordinates (y down): exterior positive, hole negative.
    assert area2(list(geoms[0].exterior.coords)) > 0
    assert area2(list(geoms[1].exterior.coords)) > 0
    assert area2(list(geoms[1].interiors[0].coords)) < 0


def test_tile_geometries_snaps_to_the_grid_and_keeps_shapes_valid():
    bounds = tm.tile_bounds(2, 1, 1)
    unit = tm.pixel_size(2)
    minx, _, _, maxy = bounds
    rng = np.random.default_rng(5)
    # Polygons with many vertices closer together than a pixel.
    circles = [
        shapely.Point(minx + cx * unit, maxy - cy * unit).buffer(r * unit, quad_segs=64)
        for cx, cy, r in zip(
            rng.uniform(200, 3900, 30), rng.uniform(200, 3900, 30), rng.uniform(3, 150, 30), strict=True
        )
    ]
    kept, geoms = tm.tile_geometries(circles, bounds)
    assert kept.tolist() == list(range(30))
    coords = shapely.get_coordinates(geoms)
    assert np.array_equal(coords, np.rint(coords))
    assert shapely.is_valid(geoms).all()
    expected = shapely.area(circles) / unit**2
    # Snapping moves each vertex by at most half a pixel diagonal: |Δarea| ≤ perimeter · 0.71.
    assert (np.abs(shapely.area(geoms) - expected) <= shapely.length(circles) / unit * 0.71).all()
    small = shapely.get_num_coordinates(geoms[np.argmin(expected)])
    assert small < shapely.get_num_coordinates(circles[int(np.argmin(expected))])  # simplified


def test_spikes_and_repeated_vertices_are_removed():
    bounds = tm.tile_bounds(0, 0, 0)
    unit = tm.pixel_size(0)
    minx, _, _, maxy = bounds
    # A square with a spike out and back along its bottom edge, and a vertex 0.2 units off a corner.
    ring = [(0, 0), (100, 0), (150, 0), (100, 0), (100, 100), (0.2, 100), (0, 100)]
    square = shapely.Polygon([(minx + (1000 + x) * unit, maxy - (1000 + y) * unit) for x, y in ring])
    _, geoms = tm.tile_geometries([square], bounds)
    assert geoms[0].normalize().equals_exact(shapely.box(1000, 1000, 1100, 1100).normalize(), 0)
    assert shapely.get_num_coordinates(geoms[0]) == 5


# --------------------------------------------------------------------------- MVT encoding


def test_encode_round_trip_and_agrees_with_mapbox_vector_tile():
    a = shapely.Polygon([(0, 0), (100, 0), (100, 100), (0, 100)], [[(10, 10), (10, 20), (20, 20), (20, 10)]])
    b = shapely.MultiPolygon([shapely.box(200, 200, 300, 260), shapely.box(400, 400, 500, 500)])
    c = shapely.box(-30, 4000, 50, 4150)
    props = {
        "DLBM": ["0101", None, "0101"],
        "TBMJ": [1.5, 1.5, float("nan")],
        "GDDB": [7, -3, None],
        "flag": [True, None, False],
    }
    data = encode([TileLayer("DLTB", [a, b, c], props, ids=[10, 11, 12])])
    layer = decode(data)["DLTB"]
    assert layer["extent"] == 4096 and layer["version"] == 2
    features = layer["features"]
    assert [f["id"] for f in features] == [10, 11, 12]
    assert [f["properties"] for f in features] == [
        {"DLBM": "0101", "TBMJ": 1.5, "GDDB": 7, "flag": True},
        {"TBMJ": 1.5, "GDDB": -3},
        {"DLBM": "0101", "flag": False},
    ]
    reference = mapbox_vector_tile.encode(
        {"name": "DLTB", "features": [{"geometry": g, "properties": {}} for g in (a, b, c)]},
        default_options={"y_coord_down": True},
    )
    expected = decode(reference)["DLTB"]["features"]
    assert [f["geometry"] for f in features] == [f["geometry"] for f in expected]
    assert features[0]["geometry"]["type"] == "Polygon" and len(features[0]["geometry"]["coordinates"]) == 2
    assert features[1]["geometry"]["type"] == "MultiPolygon"


def test_fast_path_matches_the_reference_encoder():
    bounds = tm.tile_bounds(10, 815, 440)
    minx, miny, maxx, _ = bounds
    rng = np.random.default_rng(11)
    size = maxx - minx
    geoms = [
        shapely.Point(minx + u * size, miny + v * size).buffer(r * size, quad_segs=8)
        for u, v, r in zip(
            rng.uniform(-0.1, 1.1, 200), rng.uniform(-0.1, 1.1, 200), rng.uniform(0.001, 0.05, 200), strict=True
        )
    ]
    source = tm.PolygonSource.from_geometries(geoms)
    polygons = tm.tile_polygons(source, np.arange(len(geoms)), bounds)
    fast = decode(encode([TileLayer("L", polygons, Attributes.from_columns({"i": polygons.rows.tolist()}))]))
    shapes = polygons.geometries()
    slow = decode(
        mapbox_vector_tile.encode(
            {
                "name": "L",
                "features": [
                    {"geometry": g, "properties": {"i": int(i)}} for g, i in zip(shapes, polygons.rows, strict=True)
                ],
            },
            default_options={"y_coord_down": True},
        )
    )
    assert len(fast["L"]["features"]) == len(polygons) > 100
    assert [f["geometry"] for f in fast["L"]["features"]] == [f["geometry"] for f in slow["L"]["features"]]
    assert [f["properties"] for f in fast["L"]["features"]] == [f["properties"] for f in slow["L"]["features"]]


def test_values_are_stored_once_per_layer():
    attributes = Attributes.from_columns({"TBMJ": [1.5, 2.0, 1.5], "TBDLMJ": [1.5, 1.5, 2.0], "DLBM": ["a", "a", "b"]})
    assert len(attributes.offsets) - 1 == 4  # 1.5, 2.0, "a", "b"
    data = encode([TileLayer("L", [shapely.box(0, 0, 10, 10)] * 3, attributes)])
    from mapbox_vector_tile.Mapbox import vector_tile_pb2

    tile = vector_tile_pb2.tile()
    tile.ParseFromString(data)
    assert len(tile.layers[0].values) == 4 and list(tile.layers[0].keys) == ["TBMJ", "TBDLMJ", "DLBM"]


def test_empty_tile_is_empty_bytes():
    assert encode([TileLayer("L", [])]) == b""
    assert encode([TileLayer("L", [shapely.Polygon()])]) == b""


# --------------------------------------------------------------------------- service


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("LANDCON_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture
def grid(data_dir, tmp_path):
    import_dataset(write_grid(tmp_path / "grid.gpkg"), "grid")
    return "grid"


def test_grid_tiles_at_zoom_16(grid):
    west = decode(service.tile(grid, "DLTB", 16, WEST, ROW))["DLTB"]
    assert sorted(f["id"] for f in west["features"]) == [0, 1, 2, 3, 4, 5]
    assert [f["properties"]["DLBM"] for f in sorted(west["features"], key=lambda f: f["id"])] == GRID_DLBM
    east = decode(service.tile(grid, "DLTB", 16, EAST, ROW))["DLTB"]
    assert sorted((f["id"], f["properties"]["DLBM"]) for f in east["features"]) == [(2, "0103"), (5, "0201")]
    first = next(f for f in west["features"] if f["id"] == 0)
    assert first["properties"] == {
        "BSM": "530124100201000001",
        "DLBM": "0101",
        "DLMC": "水田",
        "ZLDWMC": "大营村委会",
        "TBMJ": 10000.0,
        "TBDLMJ": 9000.0,
        "GDDB": 7,
        "GDPDJB": "3",
    }
    # The cell in tile units: its mercator footprint × (4096 / tile size)², to rounding.
    to_merc = Transformer.from_crs(4543, 3857, always_xy=True)
    merc = shapely.transform(cell(0, 0), lambda c: np.column_stack(to_merc.transform(c[:, 0], c[:, 1])))
    expected = merc.area * (4096 / tm.tile_size(16)) ** 2
    drawn = shapely.geometry.shape(first["geometry"])
    assert drawn.area == pytest.approx(expected, rel=0.005)
    # The third column reaches into the eastern tile from its western buffer edge.
    third = shapely.geometry.shape(next(f for f in east["features"] if f["id"] == 2)["geometry"])
    assert third.bounds[0] == -64


def test_empty_far_and_low_zoom_tiles(grid):
    assert service.tile(grid, "DLTB", 16, 0, 0) == b""
    assert service.tile(grid, "DLTB", 16, WEST + 5, ROW) == b""
    z = service.MIN_ZOOM["DLTB"] - 1
    x, y = tm.tile_for_lonlat(102.0, 25.3, z)
    assert service.tile(grid, "DLTB", z, x, y) == b""  # below the minimum zoom
    assert service.tile(grid, "YJJBNTBHTB", z, x, y) != b""  # a zone layer is drawn already


def test_disk_cache(grid, data_dir):
    path = service.cache_path(grid, "DLTB", 16, WEST, ROW)
    assert path.is_relative_to(data_dir / "tiles" / grid) and path.parts[-4:] == ("DLTB", "16", str(WEST), f"{ROW}.mvt")
    assert not path.exists()
    first = service.tile(grid, "DLTB", 16, WEST, ROW)
    assert path.read_bytes() == first
    assert service.tile(grid, "DLTB", 16, WEST, ROW) == first
    # Served from the file, not built again (how fast: bench/bench_tiles.py, the "cached" figures).
    path.write_bytes(b"from the disk cache")
    assert service.tile(grid, "DLTB", 16, WEST, ROW) == b"from the disk cache"
    path.write_bytes(first)
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    empty = service.cache_path(grid, "DLTB", 16, WEST + 5, ROW)
    service.tile(grid, "DLTB", 16, WEST + 5, ROW)
    assert not empty.exists()  # outside the layer's extent: answered empty, nothing written


def test_reimport_never_serves_stale_tiles(grid, data_dir, tmp_path):
    old_path = service.cache_path(grid, "DLTB", 16, WEST, ROW)
    service.tile(grid, "DLTB", 16, WEST, ROW)
    changed = grid_dltb()
    changed.loc[0, "DLBM"], changed.loc[0, "DLMC"] = "0103", "旱地"
    import_dataset(write_grid(tmp_path / "grid2.gpkg", changed), grid, replace=True)
    new_path = service.cache_path(grid, "DLTB", 16, WEST, ROW)
    assert new_path != old_path
    features = decode(service.tile(grid, "DLTB", 16, WEST, ROW))["DLTB"]["features"]
    assert next(f for f in features if f["id"] == 0)["properties"]["DLBM"] == "0103"
    for _ in range(100):  # the old version's folder is removed in the background
        if not old_path.parents[3].exists():
            break
        time.sleep(0.02)
    assert not old_path.parents[3].exists()


def test_errors(grid):
    with pytest.raises(DatasetNotFound, match="nosuch"):
        service.tile("nosuch", "DLTB", 16, WEST, ROW)
    with pytest.raises(InvalidRecord, match="XZQ"):
        service.tile(grid, "XZQ", 16, WEST, ROW)
    with pytest.raises(InvalidRecord, match="z=23"):
        service.tile(grid, "DLTB", 23, 0, 0)
    with pytest.raises(InvalidRecord, match="x=4"):
        service.tile(grid, "DLTB", 2, 4, 0)
    with pytest.raises(DatasetNotFound):
        service.layer_info("nosuch")


def test_layer_info(grid):
    info = service.layer_info(grid)
    assert list(info["layers"]) == ["DLTB", "YJJBNTBHTB"]
    dltb = info["layers"]["DLTB"]
    assert dltb["title"] == "地类图斑" and dltb["features"] == 6
    assert (dltb["min_zoom"], dltb["max_zoom"]) == (13, 16)
    fields = {f["name"]: f["title"] for f in dltb["fields"]}
    assert list(fields) == ["BSM", "DLBM", "DLMC", "ZLDWMC", "TBMJ", "TBDLMJ", "GDDB", "GDPDJB"]
    assert fields["DLBM"] == "地类编码" and fields["GDPDJB"] == "耕地坡度级别"
    to_lonlat = Transformer.from_crs(4543, 4326, always_xy=True)
    west, south = to_lonlat.transform(X0, Y0)
    east, north = to_lonlat.transform(X0 + 300, Y0 + 200)
    assert dltb["bounds"] == pytest.approx([west, south, east, north], abs=2e-5)
    assert info["bounds"] == pytest.approx(dltb["bounds"], abs=2e-5)
    zone = info["layers"]["YJJBNTBHTB"]
    assert [f["name"] for f in zone["fields"]] == ["BSM", "DLBM"] and zone["min_zoom"] == 11


def test_warm_builds_the_index_once(grid):
    first = service.warm(grid, "DLTB")
    assert first["DLTB"]["features"] == 6
    again = service.warm(grid)
    assert set(again) == {"DLTB", "YJJBNTBHTB"} and again["DLTB"]["seconds"] < first["DLTB"]["seconds"] + 0.05


def test_concurrent_requests_agree(grid):
    from concurrent.futures import ThreadPoolExecutor

    tiles = [(16, WEST, ROW), (16, EAST, ROW), (15, 25668, 14001), (17, 102673, 56007)] * 5
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda t: service.tile(grid, "DLTB", *t), tiles))
    for t, content in zip(tiles, results, strict=True):
        assert content == service.tile(grid, "DLTB", *t) and content


# --------------------------------------------------------------------------- router


def _as_system_admin(request: Request) -> None:
    """What the app's sign-in dependency leaves for the router: here the command line's administrator."""
    request.state.current = Current(records.system_actor(), "")


@pytest.fixture
def client(grid):
    app = FastAPI(dependencies=[Depends(_as_system_admin)])
    app.include_router(router)
    return TestClient(app)


def test_router_serves_tiles(client, grid):
    response = client.get(f"/tiles/{grid}/DLTB/16/{WEST}/{ROW}.mvt")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    assert response.headers["cache-control"] == "private, max-age=3600"
    assert len(decode(response.content)["DLTB"]["features"]) == 6
    empty = client.get(f"/tiles/{grid}/DLTB/16/0/0.mvt")
    assert empty.status_code == 204 and empty.content == b""
    info = client.get(f"/tiles/{grid}/layers.json")
    assert info.status_code == 200 and info.json()["layers"]["DLTB"]["features"] == 6


@pytest.mark.parametrize(
    ("url", "status", "text"),
    [
        ("/tiles/nosuch/DLTB/16/0/0.mvt", 404, "nosuch"),
        ("/tiles/nosuch/layers.json", 404, "nosuch"),
        ("/tiles/grid/XZQ/16/0/0.mvt", 400, "XZQ"),
        ("/tiles/grid/DLTB/23/0/0.mvt", 400, "z=23"),
        ("/tiles/grid/DLTB/16/70000/0.mvt", 400, "x=70000"),
        ("/tiles/grid/DLTB/16/abc/0.mvt", 400, "abc"),
    ],
)
def test_router_errors(client, url, status, text):
    response = client.get(url)
    assert response.status_code == status
    assert text in response.json()["error"]

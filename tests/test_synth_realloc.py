"""The synthetic tenure-adjustment instance: ownership, plot counts, geometry of parcels, blocks and
roads (rectangular blocks on the consolidation area, strips cut in them whole and wide), codes, locked
parcels, preferences, deduction, determinism and scope, checked against independent computations on
the base layers."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from landcon.engine.coverage import overlapping_pairs
from landcon.engine.layers import CJDCQ, DLTB
from landcon.engine.realloc.layout import frontage_axis, layout_block, min_piece_area, parcel_width, road_side
from landcon.engine.realloc.params import Params
from landcon.engine.realloc.values import valuate
from landcon.synth.county import generate_county
from landcon.synth.realloc import (
    LOCKED_SHARE,
    MIN_BLOCK_M2,
    MIN_BLOCK_SIDE_M,
    MIN_PARCEL_M2,
    PLOTS_RANGE,
    ReallocInstance,
    _max_rectangle,
    _merge_small,
    generate_realloc,
    pick_village,
    plot_count_bounds,
)

EPSG = 4543
FARMLAND = ("0101", "0102", "0103")
Layers = dict[str, gpd.GeoDataFrame]
SEAM_M2 = 1e-3
"""Float seams: pieces meant to touch may overlap or leave gaps of this much area (m²) in all."""
DEDUCTION_RANGE = (0.03, 0.12)
"""Deduction (roads and ditches) of the default layout (300 × 150 m cells, 6 m roads) on the test county."""


@pytest.fixture(scope="module")
def county() -> Layers:
    return generate_county("530124", features=3_000, seed=3, epsg=EPSG)


@pytest.fixture(scope="module")
def instance(county: Layers) -> ReallocInstance:
    return generate_realloc(county[DLTB], county[CJDCQ], seed=5)


@pytest.fixture(scope="module")
def township_code(county: Layers) -> str:
    dltb = county[DLTB]
    farm = dltb[dltb["DLBM"].isin(FARMLAND)]
    return str(farm.geometry.area.groupby(farm["ZLDWDM"].str[:9]).sum().idxmax())


@pytest.fixture(scope="module")
def township(county: Layers, township_code: str) -> ReallocInstance:
    return generate_realloc(county[DLTB], county[CJDCQ], township=township_code, seed=2)


def _geoms(frame: gpd.GeoDataFrame) -> np.ndarray:
    return np.asarray(frame.geometry.array, dtype=object)


def _farmland(dltb: gpd.GeoDataFrame, prefix: str) -> shapely.Geometry:
    rows = dltb["DLBM"].isin(FARMLAND) & dltb["ZLDWDM"].str.startswith(prefix)
    return shapely.union_all(_geoms(dltb[rows]))


def _locked_mask(inst: ReallocInstance) -> np.ndarray:
    locked = {code for code in inst.households["LOCKED"] if code}
    return inst.parcels["DKBM"].isin(locked).to_numpy()


def _pooled(inst: ReallocInstance) -> shapely.Geometry:
    return shapely.union_all(_geoms(inst.parcels)[~_locked_mask(inst)])


def _deduction(inst: ReallocInstance) -> float:
    locked = {code: hh for hh, code in zip(inst.households["CBFBM"], inst.households["LOCKED"], strict=True) if code}
    return valuate(inst.parcels, inst.blocks, locked, Params()).deduction


def _instances(instance: ReallocInstance, township: ReallocInstance) -> list[ReallocInstance]:
    return [instance, township]


# ---------------------------------------------------------------------------------------------
# Choice of village and scope
# ---------------------------------------------------------------------------------------------


def test_pick_village_has_most_farmland(county: Layers) -> None:
    dltb, cjdcq = county[DLTB], county[CJDCQ]
    farm = dltb[dltb["DLBM"].isin(FARMLAND)]
    totals = farm.geometry.area.groupby(farm["ZLDWDM"].str[:12]).sum()
    assert pick_village(dltb, cjdcq) == totals.idxmax()
    # Without the winner's farmland, the runner-up wins.
    winner = totals.idxmax()
    rest = dltb[~(dltb["ZLDWDM"].str.startswith(winner) & dltb["DLBM"].isin(FARMLAND))]
    assert pick_village(rest, cjdcq) == totals.drop(winner).idxmax()
    with pytest.raises(ValueError):
        pick_village(dltb[~dltb["DLBM"].isin(FARMLAND)], cjdcq)


def test_default_scope_is_picked_village(county: Layers, instance: ReallocInstance) -> None:
    village = pick_village(county[DLTB], county[CJDCQ])
    assert instance.village == village
    names = county[CJDCQ].set_index("ZLDWDM")["ZLDWMC"]
    assert instance.name == names[village]
    assert instance.parcels["DKBM"].str[:12].eq(village).all()
    assert instance.households["CBFBM"].str[:12].eq(village).all()


def test_bad_arguments(county: Layers, township_code: str) -> None:
    dltb, cjdcq = county[DLTB], county[CJDCQ]
    village = pick_village(dltb, cjdcq)
    with pytest.raises(ValueError):
        generate_realloc(dltb, cjdcq, village=village, township=township_code)
    with pytest.raises(ValueError):
        generate_realloc(dltb, cjdcq, village="5301")
    with pytest.raises(ValueError):
        generate_realloc(dltb, cjdcq, township="530124")
    with pytest.raises(ValueError):
        generate_realloc(dltb, cjdcq, village="530124999999")  # no farmland
    with pytest.raises(ValueError):
        generate_realloc(dltb, cjdcq, block_size=(100.0, 5.0), road_width=6.0)
    with pytest.raises(ValueError):
        generate_realloc(dltb, cjdcq, households=0)


# ---------------------------------------------------------------------------------------------
# Parcels and households
# ---------------------------------------------------------------------------------------------


def test_plot_count_bounds() -> None:
    assert plot_count_bounds(9, 3) == PLOTS_RANGE == (3, 8)
    assert plot_count_bounds(24, 3) == (3, 8)
    assert plot_count_bounds(8, 3) == (2, 3)
    assert plot_count_bounds(6, 3) == (2, 2)
    assert plot_count_bounds(25, 3) == (8, 9)
    assert plot_count_bounds(3, 3) == (1, 1)
    with pytest.raises(ValueError):
        plot_count_bounds(2, 3)


def _check_ownership(inst: ReallocInstance) -> None:
    parcels, households = inst.parcels, inst.households
    assert households["CBFBM"].is_unique
    assert parcels["CBFBM"].notna().all()
    assert parcels["CBFBM"].isin(set(households["CBFBM"])).all()
    plots = parcels.groupby("CBFBM").size().reindex(households["CBFBM"], fill_value=0)
    village_parcels = parcels.groupby(parcels["DKBM"].str[:12]).size()
    village_households = households.groupby(households["CBFBM"].str[:12]).size()
    assert set(village_parcels.index) == set(village_households.index)
    for village, n_parcels in village_parcels.items():
        low, high = plot_count_bounds(int(n_parcels), int(village_households[village]))
        mine = plots[plots.index.str.startswith(str(village))]
        assert mine.between(low, high).all(), village
    # Contract land stays within the village (发包方).
    assert (parcels["CBFBM"].str[:12] == parcels["DKBM"].str[:12]).all()


def test_every_parcel_has_one_household(instance: ReallocInstance, township: ReallocInstance) -> None:
    for inst in _instances(instance, township):
        _check_ownership(inst)
        # The default sizes fall in the regular case: 3–8 plots for every household.
        plots = inst.parcels.groupby("CBFBM").size()
        assert plots.between(*PLOTS_RANGE).all()
        assert plots.min() == 3 and plots.max() == 8


def test_too_few_parcels_for_three_each(county: Layers, instance: ReallocInstance) -> None:
    dltb, cjdcq = county[DLTB], county[CJDCQ]
    # The layout (hence the consolidation area) depends on the seed and the sizes only.
    households = round(_pooled(instance).area / 500.0 / 2.0)  # parcels of at least 500 m² on average: about 2 each
    inst = generate_realloc(dltb, cjdcq, seed=5, households=households)
    assert shapely.equals_exact(_geoms(inst.blocks), _geoms(instance.blocks), tolerance=0).all()
    assert len(inst.households) == households
    n_parcels = len(inst.parcels)
    assert n_parcels < 3 * households
    plots = inst.parcels.groupby("CBFBM").size().reindex(inst.households["CBFBM"], fill_value=0)
    assert set(plots) <= {n_parcels // households, -(-n_parcels // households)}
    assert plots.sum() == n_parcels
    _check_ownership(inst)


def test_households_follow_consolidation_area(instance: ReallocInstance) -> None:
    # About one household per hectare of the consolidation area (the pooled parcels cover it exactly).
    assert len(instance.households) == round(_pooled(instance).area / 10_000.0)


def test_codes_well_formed(instance: ReallocInstance, township: ReallocInstance) -> None:
    for inst in _instances(instance, township):
        parcels, households, blocks = inst.parcels, inst.households, inst.blocks
        assert parcels["DKBM"].is_unique
        assert parcels["DKBM"].str.fullmatch(r"\d{12}00\d{5}").all()
        assert households["CBFBM"].str.fullmatch(r"\d{12}00\d{4}").all()
        assert parcels["DLDJ"].isin([f"{g:02d}" for g in range(1, 11)]).all()
        assert parcels["DKLB"].eq("10").all()
        assert parcels["SFJBNT"].isin(["0", "1"]).all()
        assert 0.6 < parcels["SFJBNT"].eq("1").mean() < 0.95
        assert parcels["DKMC"].str.len().ge(2).all()
        assert households["CBFMC"].str.fullmatch(r"[\u4e00-\u9fff]{2,3}").all()
        assert households["JTRKS"].between(1, 8).all()
        width = max(3, len(str(len(blocks))))
        assert blocks["TKBM"].tolist() == [f"TK{i:0{width}d}" for i in range(1, len(blocks) + 1)]
        assert blocks["DLDJ"].isin([f"{g:02d}" for g in range(1, 11)]).all()
        assert inst.roads["DLBM"].eq("1006").all()
        for frame in (parcels, blocks, inst.roads):
            assert frame.crs is not None and frame.crs.to_epsg() == EPSG


def test_areas(instance: ReallocInstance) -> None:
    parcels = instance.parcels
    area = shapely.area(_geoms(parcels))
    assert np.array_equal(parcels["SCMJ"].to_numpy(), np.round(area, 2))
    ratio = parcels["HTMJ"] / parcels["SCMJ"]
    assert ratio.between(0.9 - 1e-4, 1.1 + 1e-4).all()
    assert ratio.std() > 0.03  # contract areas really differ
    assert area.min() >= MIN_PARCEL_M2
    assert 500.0 <= area.mean() <= 5_000.0
    holdings = parcels.groupby("CBFBM")["SCMJ"].sum() / 10_000.0
    assert 0.5 <= holdings.mean() <= 1.5


def test_parcels_tile_the_consolidation_area(
    county: Layers, instance: ReallocInstance, township: ReallocInstance
) -> None:
    for inst in _instances(instance, township):
        geoms = _geoms(inst.parcels)
        assert (shapely.get_type_id(geoms) == 3).all() and shapely.is_valid(geoms).all()
        _, _, shared = overlapping_pairs(geoms)
        assert float(shapely.area(shared).sum()) < SEAM_M2
        farmland = _farmland(county[DLTB], inst.village)
        assert float(shapely.area(shapely.difference(geoms, farmland)).sum()) < SEAM_M2
        # The pooled parcels are the consolidation area: the blocks, the roads and the ditches between
        # blocks (what is neither block nor road is a few per cent of it).
        pooled = _pooled(inst)
        layout = shapely.union_all(np.concatenate([_geoms(inst.blocks), _geoms(inst.roads)]))
        assert shapely.area(shapely.difference(layout, pooled)) < SEAM_M2
        rest = shapely.area(shapely.difference(pooled, layout))
        assert 0.005 * pooled.area < rest < 0.08 * pooled.area
        # The consolidation area is most of the farmland; the rest keeps its old use.
        assert 0.45 * farmland.area < pooled.area < 0.9 * farmland.area


def test_parcels_in_their_village(county: Layers, township: ReallocInstance, township_code: str) -> None:
    dltb = county[DLTB]
    assert township.village == township_code
    villages = sorted(set(township.parcels["DKBM"].str[:12]))
    assert len(villages) > 1
    points = shapely.point_on_surface(_geoms(township.parcels))
    for village in villages:
        rows = township.parcels["DKBM"].str.startswith(village).to_numpy()
        assert shapely.covers(_farmland(dltb, village), points[rows]).all(), village


def test_households_argument_in_township(county: Layers, township_code: str) -> None:
    inst = generate_realloc(county[DLTB], county[CJDCQ], township=township_code, seed=2, households=250)
    assert len(inst.households) == 250
    _check_ownership(inst)


def test_grades_smooth_and_spread(instance: ReallocInstance, township: ReallocInstance) -> None:
    for inst in _instances(instance, township):
        geoms = _geoms(inst.parcels)
        grade = inst.parcels["DLDJ"].astype(int).to_numpy()
        i, j = shapely.STRtree(geoms).query(geoms, predicate="touches")
        neighbours = np.abs(grade[i] - grade[j]).mean()
        shuffled = np.abs(grade - np.random.default_rng(0).permutation(grade)).mean()
        assert neighbours < 0.7 * shuffled
        assert np.isin(grade, range(3, 8)).mean() > 0.75
        assert len(set(grade)) >= 7


def test_holdings_scattered_and_near_home(township: ReallocInstance) -> None:
    parcels, households = township.parcels, township.households
    geoms = _geoms(parcels)
    owner = parcels["CBFBM"].to_numpy()
    i, j = shapely.STRtree(geoms).query(geoms, predicate="touches")
    assert (owner[i] == owner[j]).mean() < 0.02
    # Each plot lies nearer its owner's homestead than the homestead of a random household of the
    # same village (about 0.92 here; without the pull toward home the ratio is 1 ± 0.02).
    xy = shapely.get_coordinates(shapely.centroid(geoms))
    home = households.set_index("CBFBM").loc[owner, ["X", "Y"]].to_numpy()
    village = parcels["DKBM"].str[:12].to_numpy()
    other = home.copy()
    rng = np.random.default_rng(0)
    for code in set(village):
        rows = np.flatnonzero(village == code)
        other[rows] = home[rows][rng.permutation(len(rows))]
    assert np.hypot(*(xy - home).T).mean() < 0.96 * np.hypot(*(xy - other).T).mean()


def test_homesteads_on_homestead_land(county: Layers, instance: ReallocInstance, township: ReallocInstance) -> None:
    dltb = county[DLTB]
    for inst in _instances(instance, township):
        for village, rows in inst.households.groupby(inst.households["CBFBM"].str[:12]):
            land = shapely.union_all(_geoms(dltb[(dltb["DLBM"] == "0702") & dltb["ZLDWDM"].str.startswith(village)]))
            points = shapely.points(rows[["X", "Y"]].to_numpy())
            assert shapely.dwithin(land, points, 1e-6).all(), village


# ---------------------------------------------------------------------------------------------
# Locked parcels and preferences
# ---------------------------------------------------------------------------------------------


def test_locked_parcels(county: Layers, instance: ReallocInstance, township: ReallocInstance) -> None:
    for inst in _instances(instance, township):
        parcels, households = inst.parcels.set_index("DKBM"), inst.households
        for village, rows in households.groupby(households["CBFBM"].str[:12]):
            assert rows["LOCKED"].ne("").sum() == round(LOCKED_SHARE * len(rows)), village
        xy = shapely.get_coordinates(shapely.centroid(_geoms(inst.parcels)))
        owner = inst.parcels["CBFBM"].to_numpy()
        mask = _locked_mask(inst)
        near, mean = [], []
        for _, row in households[households["LOCKED"] != ""].iterrows():
            assert ";" not in row["LOCKED"]
            assert parcels.loc[row["LOCKED"], "CBFBM"] == row["CBFBM"]
            mine = np.flatnonzero(owner == row["CBFBM"])
            assert len(mine) >= 2
            dist = np.hypot(xy[mine, 0] - row["X"], xy[mine, 1] - row["Y"])
            near.append(float(dist[mask[mine]][0]))
            mean.append(float(dist[~mask[mine]].mean()))
        # The kept plot is the free piece of farmland outside the consolidation area nearest home.
        assert np.mean(near) < 0.5 * np.mean(mean)
        locked = _geoms(inst.parcels)[mask]
        for layer in (inst.blocks, inst.roads):
            assert float(shapely.area(shapely.intersection(locked, shapely.union_all(_geoms(layer)))).sum()) < SEAM_M2
        farmland = _farmland(county[DLTB], inst.village)
        assert float(shapely.area(shapely.difference(locked, farmland)).sum()) < SEAM_M2
        assert (shapely.area(locked) >= MIN_PARCEL_M2).all()


def test_preferences(instance: ReallocInstance, township: ReallocInstance) -> None:
    for inst in _instances(instance, township):
        tkbm = inst.blocks["TKBM"].tolist()
        centres = shapely.get_coordinates(shapely.centroid(_geoms(inst.blocks)))
        stating = inst.households[inst.households["PREFS"] != ""]
        assert 0.45 < len(stating) / len(inst.households) < 0.75
        near_first = 0
        for _, row in stating.iterrows():
            prefs = row["PREFS"].split(";")
            assert 1 <= len(prefs) <= 3 and len(set(prefs)) == len(prefs)
            assert set(prefs) <= set(tkbm)
            dist = np.hypot(centres[:, 0] - row["X"], centres[:, 1] - row["Y"])
            near_first += tkbm.index(prefs[0]) in np.argsort(dist, kind="stable")[:6]
        assert near_first / len(stating) > 0.8


# ---------------------------------------------------------------------------------------------
# The consolidated layout
# ---------------------------------------------------------------------------------------------


def _check_layout(inst: ReallocInstance, road_width: float, short_side: float) -> None:
    blocks, roads = _geoms(inst.blocks), _geoms(inst.roads)
    assert len(blocks) and len(roads)
    for geoms in (blocks, roads):
        assert (shapely.get_type_id(geoms) == 3).all() and shapely.is_valid(geoms).all()
    # Blocks are rectangles (area ≥ 0.98 × oriented envelope; here equal up to the envelope's float noise),
    # at least MIN_BLOCK_M2 and MIN_BLOCK_SIDE_M wide.
    envelope = shapely.oriented_envelope(blocks)
    assert (shapely.area(blocks) >= 0.9999 * shapely.area(envelope)).all()
    assert shapely.area(blocks).min() >= MIN_BLOCK_M2
    corners = shapely.get_coordinates(envelope).reshape(len(blocks), 5, 2)
    sides = np.hypot(*(corners[:, 1:3] - corners[:, 0:2]).transpose(2, 0, 1))
    assert sides.min() >= MIN_BLOCK_SIDE_M - 1e-6
    # Blocks lie on the pooled parcels, apart from each other and from the roads.
    pooled = _pooled(inst)
    assert float(shapely.area(shapely.difference(blocks, pooled)).sum()) < SEAM_M2
    network = shapely.union_all(roads)
    assert float(shapely.area(shapely.intersection(blocks, network)).sum()) < SEAM_M2
    _, _, shared = overlapping_pairs(blocks)
    assert float(shapely.area(shared).sum()) < SEAM_M2
    # Every block reaches a road along at least one road width.
    side = shapely.length(shapely.intersection(shapely.boundary(blocks), shapely.buffer(network, 0.01)))
    assert side.min() >= road_width
    # Most of the pool ends up in blocks; the rest is roads and ditches.
    assert shapely.area(blocks).sum() > 0.85 * pooled.area
    # Strips cut perpendicular to the road (each at least the pipeline's smallest piece, 1.2 × 20 m along
    # the road) come out whole and at least 20 m wide; the road runs along a side of the block (within the
    # tilt its corner stubs may give the frontage), and the block is never deeper than the cells' short
    # side less a road.
    for block, envelope_sides, envelope_corners in zip(blocks, sides, corners, strict=True):
        road = road_side(block, list(roads))
        _, u = frontage_axis(block, road)
        edges = envelope_corners[1:3] - envelope_corners[0:2]
        along = np.abs(edges @ u) / envelope_sides
        assert along.max() > 0.999
        assert envelope_sides[int(np.argmin(along))] <= short_side - road_width + 1e-3
        n = max(1, min(6, int(block.area // min_piece_area(block, road, 24.0))))
        for strip in layout_block(block, road, [block.area / n] * n):
            assert shapely.get_type_id(strip) == 3
            assert parcel_width(strip) >= 20.0 - 0.01
            assert strip.area >= 0.9 * shapely.area(shapely.oriented_envelope(strip))


def test_layout(instance: ReallocInstance, township: ReallocInstance) -> None:
    _check_layout(instance, 6.0, 150.0)
    _check_layout(township, 6.0, 150.0)


def test_deduction_is_roads_and_ditches(instance: ReallocInstance, township: ReallocInstance) -> None:
    for inst in _instances(instance, township):
        low, high = DEDUCTION_RANGE
        assert low < _deduction(inst) < high
        # In area: the share of the pool in no block, against the share of roads and ditches in a cell.
        share = 1.0 - shapely.area(_geoms(inst.blocks)).sum() / _pooled(inst).area
        cell = 1.0 - (300.0 - 6.0) * (150.0 - 6.0) / (300.0 * 150.0)
        assert 0.9 * cell < share < 2.0 * cell


def test_block_grades(instance: ReallocInstance) -> None:
    pooled = instance.parcels[~_locked_mask(instance)]
    pieces = gpd.overlay(instance.blocks, pooled, how="intersection", keep_geom_type=True)
    pieces["w"] = pieces.geometry.area
    pieces["g"] = pieces["DLDJ_2"].astype(int) * pieces["w"]
    sums = pieces.groupby("TKBM")[["g", "w"]].sum()
    expected = np.floor(sums["g"] / sums["w"] + 0.5).astype(int).map("{:02d}".format)
    actual = instance.blocks.set_index("TKBM")["DLDJ"]
    pd.testing.assert_series_equal(actual.sort_index(), expected.sort_index(), check_names=False)


def test_block_size_and_road_width(county: Layers, instance: ReallocInstance) -> None:
    inst = generate_realloc(county[DLTB], county[CJDCQ], seed=5, block_size=(200.0, 100.0), road_width=8.0)
    _check_layout(inst, 8.0, 100.0)
    # A cell of 200 × 100 m less the roads holds at most 192 × 92 m².
    assert shapely.area(_geoms(inst.blocks)).max() <= 192.0 * 92.0 + 1e-6
    assert len(inst.blocks) > len(instance.blocks)
    # Larger cells: fewer blocks, less road per hectare, a smaller deduction.
    coarse = generate_realloc(county[DLTB], county[CJDCQ], seed=5, block_size=(600.0, 300.0))
    _check_layout(coarse, 6.0, 300.0)
    assert len(coarse.blocks) < len(instance.blocks)
    assert 0.01 < _deduction(coarse) < _deduction(instance) < _deduction(inst)


def _toy_layers(with_homesteads: bool) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """One village: a 900 × 450 m field and an 80 × 80 m island 500 m away, level with it (plus houses)."""
    x0, y0 = 500_000.0, 2_800_000.0
    shapes = [
        ("0103", shapely.box(x0, y0, x0 + 900, y0 + 450)),
        ("0101", shapely.box(x0 + 1400, y0 + 185, x0 + 1480, y0 + 265)),
    ]
    if with_homesteads:
        shapes.append(("0702", shapely.box(x0 + 950, y0 + 500, x0 + 1000, y0 + 540)))
    village = "530124100201"
    dltb = gpd.GeoDataFrame(
        {"DLBM": [c for c, _ in shapes], "ZLDWDM": village + "0000000", "ZLDWMC": "测试村委会"},
        geometry=[g for _, g in shapes],
        crs=EPSG,
    )
    cjdcq = gpd.GeoDataFrame(
        {"ZLDWDM": [village], "ZLDWMC": ["测试村委会"]},
        geometry=[shapely.box(x0 - 100, y0 - 100, x0 + 1600, y0 + 700)],
        crs=EPSG,
    )
    return dltb, cjdcq


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_blocks_without_grid_road_get_access(seed: int) -> None:
    dltb, cjdcq = _toy_layers(with_homesteads=True)
    # Cells of 50 × 25 km: the grid leaves both fields inside one cell, without a road; each field
    # becomes one rectangle (within a raster pixel of its edges) that gives up a road along its long side.
    inst = generate_realloc(dltb, cjdcq, seed=seed, block_size=(50_000.0, 25_000.0))
    assert len(inst.blocks) == 2 and len(inst.roads) == 2
    _check_layout(inst, 6.0, 25_000.0)
    areas = np.sort(shapely.area(_geoms(inst.blocks)))
    assert 70.0 * 70.0 < areas[0] < 80.0 * 80.0
    assert 880.0 * 430.0 < areas[1] < 900.0 * 450.0
    assert len(inst.households) == round(_pooled(inst).area / 10_000.0)  # about 40 of the 41.14 ha
    _check_ownership(inst)


def test_max_rectangle_against_brute_force() -> None:
    rng = np.random.default_rng(0)
    for _ in range(40):
        rows, cols = (int(v) for v in rng.integers(1, 9, 2))
        grid = rng.random((rows, cols)) < 0.75
        min_rows, min_cols = (int(v) for v in rng.integers(1, 4, 2))
        best = 0
        for r0 in range(rows):
            for r1 in range(r0 + min_rows, rows + 1):
                for c0 in range(cols):
                    for c1 in range(c0 + min_cols, cols + 1):
                        if grid[r0:r1, c0:c1].all():
                            best = max(best, (r1 - r0) * (c1 - c0))
        found = _max_rectangle(grid, min_rows, min_cols)
        if best == 0:
            assert found is None
            continue
        assert found is not None
        r0, c0, r1, c1 = found
        assert grid[r0:r1, c0:c1].all() and r1 - r0 >= min_rows and c1 - c0 >= min_cols
        assert (r1 - r0) * (c1 - c0) == best


def test_small_parts_join_a_neighbour() -> None:
    parts = np.array(
        [
            shapely.box(0, 0, 100, 100),
            shapely.box(100, 0, 105, 30),  # 150 m², sharing 30 m with the first
            shapely.box(0, 100, 100, 150),
            shapely.box(100, 30, 110, 60),  # large enough, but flagged: joins the first (30 m shared)
            shapely.box(500, 500, 505, 505),  # an isolated sliver: dropped
        ],
        dtype=object,
    )
    merged = _merge_small(parts, np.array([False, False, False, True, False]))
    assert sorted(shapely.area(merged).round(6)) == [5_000.0, 10_000.0 + 150.0 + 300.0]
    assert (shapely.get_type_id(merged) == 3).all()


def test_no_homestead_land_uses_village_centre() -> None:
    dltb, cjdcq = _toy_layers(with_homesteads=False)
    inst = generate_realloc(dltb, cjdcq, seed=3)
    centre = shapely.get_coordinates(shapely.centroid(cjdcq.geometry.iloc[0]))[0]
    dist = np.hypot(inst.households["X"] - centre[0], inst.households["Y"] - centre[1])
    assert dist.max() < 400.0
    assert dist.std() > 10.0


# ---------------------------------------------------------------------------------------------
# Determinism and speed
# ---------------------------------------------------------------------------------------------


def _assert_same(a: ReallocInstance, b: ReallocInstance) -> None:
    pd.testing.assert_frame_equal(a.households, b.households)
    for name in ("parcels", "blocks", "roads"):
        fa, fb = getattr(a, name), getattr(b, name)
        pd.testing.assert_frame_equal(
            pd.DataFrame(fa.drop(columns="geometry")), pd.DataFrame(fb.drop(columns="geometry"))
        )
        assert shapely.equals_exact(_geoms(fa), _geoms(fb), tolerance=0).all(), name


def test_deterministic_per_seed(county: Layers, instance: ReallocInstance) -> None:
    again = generate_realloc(county[DLTB], county[CJDCQ], seed=5)
    _assert_same(instance, again)
    other = generate_realloc(county[DLTB], county[CJDCQ], seed=6)
    with pytest.raises(AssertionError):
        _assert_same(instance, other)
    assert not instance.parcels["CBFBM"].equals(other.parcels["CBFBM"])
    assert len(instance.parcels) != len(other.parcels) or not np.allclose(
        instance.parcels["SCMJ"].to_numpy(), other.parcels["SCMJ"].to_numpy()
    )

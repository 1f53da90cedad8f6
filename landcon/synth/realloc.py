"""A synthetic 权属调整 (tenure adjustment) instance drawn on a base 三调 dataset.

``generate_realloc`` builds, for one village (or each village of one township), the data a
"小田变大田" reallocation starts from. The new layout comes first: it decides which part of the
farmland the project consolidates (整治区域), and the contract parcels lie on that part.

1. **New layout and consolidation area.** The village's 耕地 (DLTB ``DLBM`` 01xx) is laid under a
   grid of cells of ``block_size`` (long side along the principal axis of the farmland; of
   ``LAYOUT_TRIALS`` random offsets the one whose blocks cover the most farmland is kept), each cell
   shrunk by half a road width on every side. A cell wholly on farmland is one block; in a cell cut
   by the farmland's edge or by its holes (ponds, houses, woods) the largest grid-aligned rectangles
   of farmland are blocks (up to ``RECTANGLES_PER_CELL``, found on a raster of about ``RASTER_M``
   pixels, sides ≥ ``MIN_BLOCK_SIDE_M``, area ≥ ``MIN_BLOCK_M2``). Every block is thus a rectangle
   wholly on farmland. Roads (DLBM 1006, ``road_width`` wide) run between the cells along the grid
   lines parallel to the cells' long side, beside the blocks and through the crossings; along the
   other grid lines a strip of the same width is a ditch or 田坎 between the blocks of a row (in no
   block and no road). A block meeting no road along ``road_width`` metres gives up a road strip along
   one of its long sides (not along another block, whose road would turn a corner) and stays a
   rectangle, or is left out when that is impossible. A block thus meets roads along one side or two
   opposite ones: strips cut in it perpendicular to its road are whole rectangles, never deeper than the
   cells' short side less a road. The consolidation area is the union of the blocks, roads and ditches; the rest of the
   farmland stays as it is.
2. **Contract parcels** (农经权 DK layer). The farmland is cut by the Voronoi cells of a jittered,
   slightly elongated lattice of seeds; the cells' parts on the consolidation area are the 承包地块
   (``DKLB`` 10). A part under ``MIN_PARCEL_M2``, or not the largest of its cell, joins a neighbour,
   so the parcels cover the consolidation area exactly. The seed spacing follows the planned mean
   parcel area (consolidation area ÷ (households × ``MEAN_PLOTS``), kept within
   ``MEAN_PARCEL_RANGE_M2``; widened once when the cut leaves more than ``PARCEL_SURPLUS`` × as many
   parcels). ``DLDJ`` 地力等级 mixes the 耕地等别 (GDDB) of the 图斑 under the parcel with a smooth
   random field, so neighbours have similar grades (spread over 01–10, mostly 03–07); ``SFJBNT`` is a
   smooth, mostly-yes flag (flatter, better land more likely). ``SCMJ`` is the planar area, ``HTMJ``
   the contract area, off by up to ±10 %.
3. **Households** (承包方). Without ``households`` their number follows the consolidation area (about
   ``HECTARES_PER_HOUSEHOLD`` each). Homesteads are random points on the village's 0702 polygons
   (near the village centroid when it has none). Each household draws its plots one at a time in
   random rounds, each pick weighted by ``exp(−distance to homestead / scale)`` and avoiding its own
   plots' neighbourhood, so holdings are scattered but biased toward home (inherited fragmentation).
   Plot counts per household, the locked plot included: see ``plot_count_bounds``.
4. **Locked parcels and preferences.** About ``LOCKED_SHARE`` of the households (among those with at
   least two plots) keep one plot that does not move (orchard or house on it, ``LOCKED``): the part
   of a lattice cell outside the consolidation area nearest their homestead (at least
   ``MIN_PARCEL_M2``, compact: ``KEPT_PLOT_COMPACTNESS``). Locked parcels thus lie in no block and no
   road; fewer households lock a plot when the farmland outside offers too few such parts. About
   ``PREFS_SHARE`` of the households name 1–3 preferred new blocks, mostly among the ones nearest
   home (``PREFS``, most wanted first).
5. **Block attributes.** Block ``DLDJ`` is the area-weighted mean grade of the parcels under it;
   ``TKBM`` numbers the blocks village by village, by grid row, cell and position along the row.

The pooled parcels cover the blocks, roads and ditches, so the deduction ``1 − Σ block value / Σ
pooled value`` is the share of the new roads and ditches (with 6 m roads about 7 % for 300 × 150 m
cells, 4–5 % for 600 × 300 m and 800 × 400 m), give or take the rounding of the block grades.

All numbers (household size, shares, ranges) are synthetic defaults, not survey values. The
function is pure: no file I/O, randomness only from ``seed``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy import ndimage

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
ObjArray = npt.NDArray[np.object_]

FARMLAND_PREFIX = "01"
"""DLTB ``DLBM`` prefix of 耕地 (0101 水田, 0102 水浇地, 0103 旱地)."""
HOMESTEAD_CODE = "0702"
ROAD_CODE = "1006"
ROAD_NAME = "农村道路"
CONTRACT_PLOT = "10"
"""DKLB 地块类别 of a 承包地块."""

HECTARES_PER_HOUSEHOLD = 1.0
"""Mean contract land per household when the count is not given (Yunnan smallholders: 0.3–1.5 ha)."""
MEAN_PLOTS = 5.5
"""Planned mean number of plots per household."""
PLOTS_RANGE = (3, 8)
"""Plots per household whenever the parcel count allows it (see ``plot_count_bounds``)."""
MEAN_PARCEL_RANGE_M2 = (500.0, 5_000.0)
"""The planned mean parcel area is kept inside this range (0.05–0.5 ha plots)."""
MIN_PARCEL_M2 = 200.0
"""Contract parcels are at least this large (smaller parts of a cut join a neighbour)."""
MERGE_ROUNDS = 12
"""Most rounds of merging small parcel parts into their neighbours."""
_SEAM_M = 1e-6
"""Metres: parts of separate overlays this close count as sharing an edge."""
MIN_BLOCK_M2 = 2_000.0
"""Smallest new field block."""
MIN_BLOCK_SIDE_M = 30.0
"""Shortest side of a new field block (strips cut across it stay wide enough for machinery)."""
MIN_ROAD_PART_M2 = 1.0
"""Road pieces smaller than this are dropped."""
LAYOUT_TRIALS = 4
"""Random grid offsets tried per village; the one whose blocks cover the most farmland is kept."""
RASTER_M = 5.0
"""Nominal pixel size of the search for the largest rectangles inside a grid cell cut by the farmland's edge."""
RECTANGLES_PER_CELL = 3
"""Most blocks taken from one grid cell cut by the farmland's edge (largest rectangles first)."""
KEPT_PLOT_COMPACTNESS = 0.3
"""Least 4π·area / perimeter² of a kept (locked) plot outside the consolidation area (no slivers)."""
LOCKED_SHARE = 0.05
PREFS_SHARE = 0.6
CONTRACT_AREA_RANGE = (0.9, 1.1)
"""HTMJ / SCMJ."""
PARCEL_SURPLUS = 1.1
"""A cut leaving more parcels than this × planned is redone once with a lattice widened to match."""
PARCEL_ELONGATION = 1.4
"""Seed lattice spacing ratio (along / across), so plots are somewhat elongated."""
MAX_HOUSEHOLDS_PER_VILLAGE = 9_999
"""The household serial in CBFBM has four digits."""
MAX_PARCELS_PER_VILLAGE = 99_999
"""The parcel serial in DKBM has five digits."""

_FAMILY_SIZES = np.arange(1, 9)
_FAMILY_P = np.array([0.06, 0.13, 0.2, 0.25, 0.18, 0.1, 0.05, 0.03])
_SURNAMES = "李王张杨刘陈赵字普罗何段尹周黄马孙朱许施鲁沈余苏吕彭董郭胡高"
_GIVEN = "国建华明文永德正学志光荣兴春云林海发贵成富金红丽芳秀英兰琼桂珍玉凤美忠祥开有福顺"
_FIELD_PREFIXES = (
    "大",
    "小",
    "长",
    "河边",
    "沟边",
    "坡头",
    "箐口",
    "坝心",
    "塘边",
    "路边",
    "山脚",
    "上",
    "下",
    "门前",
    "背后",
    "老",
    "新",
    "弯",
    "岔路",
    "水井",
)


@dataclass
class ReallocInstance:
    """A tenure-adjustment instance: the before state and the consolidated layout."""

    parcels: gpd.GeoDataFrame
    """Contract parcels before: DKBM, DKMC, CBFBM, SCMJ, HTMJ, DLDJ, DKLB, SFJBNT, geometry."""
    households: pd.DataFrame
    """CBFBM, CBFMC, JTRKS, X, Y (homestead), PREFS (";"-joined TKBM), LOCKED (";"-joined DKBM)."""
    blocks: gpd.GeoDataFrame
    """New field blocks: TKBM, DLDJ, geometry."""
    roads: gpd.GeoDataFrame
    """Road polygons of the new layout: DLBM, DLMC, geometry."""
    village: str
    """12-digit village code, or the 9-digit township code for a township-wide instance."""
    name: str


# ---------------------------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------------------------


def pick_village(dltb: gpd.GeoDataFrame, cjdcq: gpd.GeoDataFrame) -> str:
    """The village (12-digit code) with the most 耕地 (DLBM 01xx, planar area); ties: the lowest code.

    Only villages listed in CJDCQ count when CJDCQ has any rows.
    """
    farm = _farmland_mask(dltb)
    codes = dltb["ZLDWDM"].astype(str).str[:12].to_numpy(dtype=object)[farm]
    areas = shapely.area(_geoms(dltb)[farm])
    totals = pd.Series(areas).groupby(codes).sum()
    if len(cjdcq):
        totals = totals[totals.index.isin(set(cjdcq["ZLDWDM"].astype(str).str[:12]))]
    totals = totals[totals > 0]
    if totals.empty:
        raise ValueError("数据中没有耕地图斑（DLBM 01xx），无法选择村")
    order = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    return str(order[0][0])


def plot_count_bounds(parcels: int, households: int) -> tuple[int, int]:
    """Fewest and most plots a household gets, given the parcel and household counts of a village.

    ``PLOTS_RANGE`` (3–8) when ``3 × households ≤ parcels ≤ 8 × households``; otherwise every
    household gets ``⌊parcels / households⌋`` or ``⌈parcels / households⌉`` plots.
    """
    if households < 1 or parcels < households:
        raise ValueError(f"{parcels} 个地块不够分给 {households} 户（每户至少 1 块）")
    low, high = PLOTS_RANGE
    if low * households <= parcels <= high * households:
        return low, high
    return parcels // households, -(-parcels // households)


def generate_realloc(
    dltb: gpd.GeoDataFrame,
    cjdcq: gpd.GeoDataFrame,
    *,
    village: str | None = None,
    township: str | None = None,
    seed: int = 0,
    block_size: tuple[float, float] = (300.0, 150.0),
    road_width: float = 6.0,
    households: int | None = None,
) -> ReallocInstance:
    """A synthetic tenure-adjustment instance for one village or one township (see the module docstring).

    ``village`` (12 digits; default ``pick_village``) or ``township`` (9 digits: all its villages)
    sets the scope; ``households`` the total number of households (default: from the consolidation
    area); ``block_size`` the (long, short) sides of the new grid cells in metres, ``road_width``
    the new roads' width.
    """
    if village is not None and township is not None:
        raise ValueError("village 与 township 只能指定一个")
    long_side, short_side = (float(v) for v in block_size)
    if not (long_side > road_width > 0 and short_side > road_width):
        raise ValueError(f"田块尺寸 {block_size} 须大于道路宽度 {road_width} 且宽度为正")
    if households is not None and households < 1:
        raise ValueError(f"农户数须为正，得到 {households}")
    rng = np.random.default_rng(seed)
    scope, name, villages = _scope(dltb, cjdcq, village, township)

    zl = dltb["ZLDWDM"].astype(str).str[:12].to_numpy(dtype=object)
    dlbm = dltb["DLBM"].astype(str).to_numpy(dtype=object)
    all_geoms = _geoms(dltb)
    farm = _farmland_mask(dltb) & np.isin(zl, villages)

    # The new layout of each village comes first: its blocks and roads make the consolidation area.
    regions: list[shapely.Geometry] = []
    layouts: list[_Layout] = []
    laid_out: list[str] = []
    for v in villages:
        polygons = all_geoms[farm & (zl == v)]
        region = shapely.union_all(polygons)
        centres_v = shapely.get_coordinates(shapely.centroid(polygons))
        layout = _village_layout(rng, region, centres_v, shapely.area(polygons), (long_side, short_side), road_width)
        if len(layout.blocks):  # a village without room for one block stays out
            laid_out.append(v)
            regions.append(region)
            layouts.append(layout)
    villages = laid_out
    if not layouts:
        raise ValueError(f"{name} 的耕地过于零碎，按田块尺寸 {block_size} 排不出规整田块")
    areas = np.array([layout.area.area for layout in layouts], dtype=np.float64)
    counts = _household_counts(areas, households)
    mean_parcel = float(np.clip(areas.sum() / (counts.sum() * MEAN_PLOTS), *MEAN_PARCEL_RANGE_M2))

    # Contract parcels on each consolidation area; plots that may be kept lie on the rest of the farmland.
    cut = [_cut_parcels(rng, region, layout.area, mean_parcel) for region, layout in zip(regions, layouts, strict=True)]
    for k, v in enumerate(villages):
        if len(cut[k][0]) < counts[k]:
            raise ValueError(f"村 {v} 的整治区域只能切出 {len(cut[k][0])} 个地块，少于 {counts[k]} 户")
        if len(cut[k][0]) + len(cut[k][1]) > MAX_PARCELS_PER_VILLAGE or counts[k] > MAX_HOUSEHOLDS_PER_VILLAGE:
            raise ValueError(f"村 {v} 地块或农户过多（地块 ≤ 99999，农户 ≤ 9999）")

    # Households, their pooled plots and their kept plots, per village.
    n_total = int(counts.sum())
    homes = np.zeros((n_total, 2), dtype=np.float64)
    sizes = np.zeros(n_total, dtype=np.int64)
    names: list[str] = []
    hh_codes: list[str] = []
    locked_of = np.full(n_total, -1, dtype=np.int64)  # household → its locked parcel
    geom_parts: list[ObjArray] = []
    owner_parts: list[IntArray] = []
    village_sizes: list[int] = []
    offset = start = 0
    for k, v in enumerate(villages):
        pooled_k, spare = cut[k]
        n = int(counts[k])
        rows = slice(offset, offset + n)
        settlement = all_geoms[(zl == v) & (dlbm == HOMESTEAD_CODE)]
        homes[rows] = _homesteads(rng, settlement, _village_centre(cjdcq, v, regions[k]), n)
        sizes[rows] = rng.choice(_FAMILY_SIZES, size=n, p=_FAMILY_P)
        n_locked = min(round(LOCKED_SHARE * n), len(spare))
        plots = _plot_counts(rng, len(pooled_k) + n_locked, sizes[rows] * rng.gamma(4.0, 0.25, n))
        who = _locked_households(rng, plots, n_locked)
        plots[who] -= 1
        xy = shapely.get_coordinates(shapely.centroid(pooled_k))
        local = _draw_owners(rng, xy, homes[rows], plots, math.sqrt(mean_parcel))
        kept = spare[_kept_plots(rng, spare, homes[rows][who])]
        geom_parts.extend([pooled_k, kept])
        owner_parts.extend([local + offset, who + offset])
        locked_of[offset + who] = start + len(pooled_k) + np.arange(len(who))
        names.extend(_household_names(rng, n))
        hh_codes.extend(f"{v}00{i + 1:04d}" for i in range(n))
        offset += n
        start += len(pooled_k) + len(kept)
        village_sizes.append(len(pooled_k) + len(kept))
    parcel_geoms = np.concatenate(geom_parts)
    owner = np.concatenate(owner_parts)
    parcel_village = np.repeat(np.arange(len(villages)), village_sizes)
    locked = np.zeros(len(parcel_geoms), dtype=bool)
    locked[locked_of[locked_of >= 0]] = True
    centres = shapely.get_coordinates(shapely.centroid(parcel_geoms))
    source = _source_rows(parcel_geoms, all_geoms, np.flatnonzero(farm))
    grade = _parcel_grades(rng, dltb, source, centres)
    basic = _basic_farmland(rng, dltb, source, centres, grade)

    # Parcel codes: per village, serials by 200 m bands south→north, west→east within a band.
    band = np.floor((centres[:, 1] - centres[:, 1].min()) / 200.0)
    order = np.lexsort((centres[:, 0], band, parcel_village))
    serial = np.zeros(len(parcel_geoms), dtype=np.int64)
    for k in range(len(villages)):
        members = order[parcel_village[order] == k]
        serial[members] = np.arange(1, len(members) + 1)
    dkbm = np.array([f"{villages[k]}00{s:05d}" for k, s in zip(parcel_village, serial, strict=True)], dtype=object)

    # Blocks: village by village, grid rows south→north, cells west→east, then along the row.
    block_geoms = np.concatenate([layout.blocks for layout in layouts])
    road_geoms = np.concatenate([layout.roads for layout in layouts])
    keys = np.concatenate([layout.keys for layout in layouts])
    block_village = np.repeat(np.arange(len(layouts)), [len(layout.blocks) for layout in layouts])
    pooled = np.flatnonzero(~locked)
    block_grade = _block_grades(block_geoms, parcel_geoms[pooled], grade[pooled])
    block_order = np.lexsort((keys[:, 2], keys[:, 0], keys[:, 1], block_village))
    block_geoms, block_grade = block_geoms[block_order], block_grade[block_order]
    width = max(3, len(str(len(block_geoms))))
    tkbm = [f"TK{i + 1:0{width}d}" for i in range(len(block_geoms))]
    prefs = _preferences(rng, homes, shapely.get_coordinates(shapely.centroid(block_geoms)), tkbm)

    # Frames.
    scmj = np.round(shapely.area(parcel_geoms), 2)
    htmj = np.round(scmj * rng.uniform(*CONTRACT_AREA_RANGE, len(scmj)), 2)
    src_dlbm = dlbm[source]
    prefix = rng.integers(0, len(_FIELD_PREFIXES), len(scmj))
    dkmc = [_FIELD_PREFIXES[p] + ("田" if c == "0101" else "地") for p, c in zip(prefix, src_dlbm, strict=True)]
    codes_arr = np.array(hh_codes, dtype=object)
    parcels = gpd.GeoDataFrame(
        {
            "DKBM": dkbm,
            "DKMC": dkmc,
            "CBFBM": codes_arr[owner],
            "SCMJ": scmj,
            "HTMJ": htmj,
            "DLDJ": [f"{g:02d}" for g in grade],
            "DKLB": CONTRACT_PLOT,
            "SFJBNT": basic,
        },
        geometry=parcel_geoms,
        crs=dltb.crs,
    )
    parcels = parcels.sort_values("DKBM", kind="stable").reset_index(drop=True)
    household_frame = pd.DataFrame(
        {
            "CBFBM": codes_arr,
            "CBFMC": names,
            "JTRKS": sizes,
            "X": homes[:, 0],
            "Y": homes[:, 1],
            "PREFS": prefs,
            "LOCKED": [str(dkbm[p]) if p >= 0 else "" for p in locked_of],
        }
    )
    blocks = gpd.GeoDataFrame(
        {"TKBM": tkbm, "DLDJ": [f"{g:02d}" for g in block_grade]}, geometry=block_geoms, crs=dltb.crs
    )
    roads = gpd.GeoDataFrame(
        {"DLBM": [ROAD_CODE] * len(road_geoms), "DLMC": [ROAD_NAME] * len(road_geoms)},
        geometry=road_geoms,
        crs=dltb.crs,
    )
    return ReallocInstance(parcels, household_frame, blocks, roads, scope, name)


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _geoms(frame: gpd.GeoDataFrame) -> ObjArray:
    return np.asarray(frame.geometry.array, dtype=object)


def _farmland_mask(dltb: gpd.GeoDataFrame) -> BoolArray:
    return np.asarray(dltb["DLBM"].astype(str).str.startswith(FARMLAND_PREFIX).to_numpy(dtype=bool))


def _standardise(values: FloatArray) -> FloatArray:
    if len(values) < 2:
        return np.zeros_like(values)
    spread = float(values.std())
    if not spread > 0:
        return np.zeros_like(values)
    return np.asarray((values - values.mean()) / spread, dtype=np.float64)


def _column(dltb: gpd.GeoDataFrame, field: str, rows: IntArray, default: float) -> FloatArray:
    """A numeric DLTB field at ``rows`` (missing field or values → ``default``)."""
    if field not in dltb.columns:
        return np.full(len(rows), default, dtype=np.float64)
    values = pd.to_numeric(dltb[field], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)[rows]
    return np.where(np.isfinite(values), values, default)


def _scope(
    dltb: gpd.GeoDataFrame, cjdcq: gpd.GeoDataFrame, village: str | None, township: str | None
) -> tuple[str, str, list[str]]:
    """(scope code, display name, village codes with 耕地 in scope)."""
    zl = dltb["ZLDWDM"].astype(str).str[:12].to_numpy(dtype=object)
    farm = _farmland_mask(dltb)
    names: dict[str, str] = {}
    if "ZLDWMC" in dltb.columns:
        names.update(zip(zl, dltb["ZLDWMC"].astype(str), strict=True))
    if len(cjdcq):
        names.update(zip(cjdcq["ZLDWDM"].astype(str).str[:12], cjdcq["ZLDWMC"].astype(str), strict=True))
    if township is None:
        code = village if village is not None else pick_village(dltb, cjdcq)
        if len(code) != 12 or not code.isdigit():
            raise ValueError(f"村代码应为 12 位数字，得到 {code!r}")
        if not (farm & (zl == code)).any():
            raise ValueError(f"村 {code} 没有耕地图斑（DLBM 01xx）")
        return code, names.get(code, code), [code]
    if len(township) != 9 or not township.isdigit():
        raise ValueError(f"乡镇代码应为 9 位数字，得到 {township!r}")
    villages = sorted({str(v) for v in zl[farm] if str(v).startswith(township)})
    if not villages:
        raise ValueError(f"乡镇 {township} 没有耕地图斑（DLBM 01xx）")
    listed = "、".join(names.get(v, v) for v in villages[:3]) + ("等" if len(villages) > 3 else "")
    return township, f"乡镇 {township}（{listed} {len(villages)} 个村）", villages


def _household_counts(areas: FloatArray, households: int | None) -> IntArray:
    """Households per village: from the farmland area, or ``households`` split by area (each ≥ 1)."""
    if households is None:
        return np.maximum(1, np.rint(areas / 10_000.0 / HECTARES_PER_HOUSEHOLD)).astype(np.int64)
    if households < len(areas):
        raise ValueError(f"农户数 {households} 少于范围内有耕地的村数 {len(areas)}")
    rest = households - len(areas)
    raw = rest * areas / areas.sum()
    out = np.floor(raw).astype(np.int64)
    out[np.argsort(-(raw - out), kind="stable")[: rest - int(out.sum())]] += 1
    return out + 1


def _village_centre(cjdcq: gpd.GeoDataFrame, village: str, region: shapely.Geometry) -> FloatArray:
    if len(cjdcq):
        rows = cjdcq["ZLDWDM"].astype(str).str[:12].to_numpy(dtype=object) == village
        if rows.any():
            return np.asarray(shapely.get_coordinates(shapely.centroid(shapely.union_all(_geoms(cjdcq)[rows])))[0])
    return np.asarray(shapely.get_coordinates(shapely.centroid(region))[0])


def _lattice(rng: np.random.Generator, region: shapely.Geometry, spacing: float) -> FloatArray:
    """Seeds inside ``region``: a jittered brick lattice of cell area ``spacing²``, elongated, random angle."""
    minx, miny, maxx, maxy = region.bounds
    cx, cy = (minx + maxx) / 2.0, (miny + maxy) / 2.0
    radius = math.hypot(maxx - minx, maxy - miny) / 2.0 + spacing
    stretch = math.sqrt(PARCEL_ELONGATION)
    su, sv = spacing * stretch, spacing / stretch
    angle = rng.uniform(0.0, math.pi)
    u = np.arange(-radius, radius + su, su)
    v = np.arange(-radius, radius + sv, sv)
    uu, vv = np.meshgrid(u, v)
    uu = uu + (np.arange(len(v))[:, None] % 2) * (su / 2.0) + rng.uniform(-0.3, 0.3, uu.shape) * su
    vv = vv + rng.uniform(-0.3, 0.3, vv.shape) * sv
    x = cx + uu.ravel() * math.cos(angle) - vv.ravel() * math.sin(angle)
    y = cy + uu.ravel() * math.sin(angle) + vv.ravel() * math.cos(angle)
    inside = shapely.contains_xy(region, x, y)
    return np.column_stack([x[inside], y[inside]])


def _cut_parcels(
    rng: np.random.Generator, region: shapely.Geometry, area: shapely.Geometry, mean_area: float
) -> tuple[ObjArray, ObjArray]:
    """(contract parcels, candidate kept plots): ``region`` cut by the Voronoi cells of a seed lattice.

    Parcels are the cells' parts on the consolidation ``area``. A part under ``MIN_PARCEL_M2``, or not the
    largest part of its cell (a cell reaching over a gap of the area), joins the larger neighbouring part it
    shares the longest edge with, so the parcels cover ``area`` exactly and there are about as many as
    cells. Candidate kept plots are the cells' parts on the rest of the region, at least ``MIN_PARCEL_M2``
    and compact.
    """
    spacing = math.sqrt(mean_area)
    target = area.area / mean_area
    rest = shapely.difference(region, area)
    for attempt in range(2):  # cells cut by the area's many edges leave more parts: widen the lattice once
        seeds = _lattice(rng, region, spacing)
        if len(seeds) < 2:
            cells = np.array([shapely.buffer(shapely.envelope(region), spacing)], dtype=object)
        else:
            frame = shapely.buffer(shapely.envelope(region), 4.0 * spacing)
            cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=frame))
        parts, cell = _clip(cells, area)
        order = np.lexsort((-shapely.area(parts), cell))
        secondary = np.ones(len(parts), dtype=bool)
        secondary[order[np.r_[True, cell[order][1:] != cell[order][:-1]]]] = False
        parcels = _merge_small(parts, secondary)
        if attempt or len(parcels) <= PARCEL_SURPLUS * target:
            break
        spacing *= math.sqrt(len(parcels) / target)
    spare = _clip(cells, rest)[0]
    size = shapely.area(spare)
    compact = 4.0 * math.pi * size / np.maximum(shapely.length(spare), 1e-9) ** 2
    return parcels, spare[(size >= MIN_PARCEL_M2) & (compact >= KEPT_PLOT_COMPACTNESS)]


def _clip(cells: ObjArray, geom: shapely.Geometry) -> tuple[ObjArray, IntArray]:
    """The polygonal parts of ``cells ∩ geom`` and the cell of each."""
    shapely.prepare(geom)
    hit = np.flatnonzero(shapely.intersects(geom, cells))
    inside = shapely.contains(geom, cells[hit])
    pieces = cells[hit].copy()
    pieces[~inside] = shapely.intersection(pieces[~inside], geom)
    shapely.destroy_prepared(geom)
    parts, index = shapely.get_parts(pieces, return_index=True)
    keep = (shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 0)
    return np.asarray(parts[keep], dtype=object), hit[index[keep]].astype(np.int64)


def _merge_small(parts: ObjArray, extra: BoolArray) -> ObjArray:
    """Parts under ``MIN_PARCEL_M2`` (and, in the first round, the ``extra`` ones) merged into the larger
    neighbour sharing their longest edge, until no small part is left (one sharing no edge with any other
    part is dropped). Edges count as shared within ``_SEAM_M`` (the parts come from separate overlays)."""
    for round_ in range(MERGE_ROUNDS):
        area = shapely.area(parts)
        small = np.flatnonzero((area < MIN_PARCEL_M2) | (extra if round_ == 0 else False))
        if not len(small):
            return parts
        first, other = shapely.STRtree(parts).query(parts[small], predicate="dwithin", distance=_SEAM_M)
        first = small[first]
        pair = first != other
        first, other = first[pair], other[pair]
        near = shapely.buffer(parts[other], _SEAM_M, join_style="mitre")
        shared = shapely.length(shapely.intersection(shapely.boundary(parts[first]), near))
        larger = (area[other] > area[first]) | ((area[other] == area[first]) & (other > first))
        ok = (shared > 10.0 * _SEAM_M) & larger
        if not ok.any():
            if round_ == 0:
                continue
            break  # isolated slivers only
        first, other, shared = first[ok], other[ok], shared[ok]
        order = np.lexsort((-shared, first))
        head = np.r_[True, first[order][1:] != first[order][:-1]]
        target = np.arange(len(parts))
        target[first[order][head]] = other[order][head]
        while True:  # pointer jumping to the root (targets are always larger: no cycles)
            nxt = target[target]
            if np.array_equal(nxt, target):
                break
            target = nxt
        out: list[shapely.Geometry] = []
        for root in np.unique(target):
            members = parts[target == root]
            merged = members[0] if len(members) == 1 else shapely.union_all(members)
            if shapely.get_type_id(merged) != 3:  # seams left open by float noise
                merged = shapely.union_all(members, grid_size=_SEAM_M)
            pieces = shapely.get_parts(merged)
            out.extend(pieces[(shapely.get_type_id(pieces) == 3) & (shapely.area(pieces) > 0)])
        parts = np.asarray(out, dtype=object)
    return parts[shapely.area(parts) >= MIN_PARCEL_M2]


def _source_rows(parcels: ObjArray, geoms: ObjArray, candidates: IntArray) -> IntArray:
    """For each parcel, the DLTB row (among ``candidates``) under a point on its surface."""
    tree = shapely.STRtree(geoms[candidates])
    hit = tree.query_nearest(shapely.point_on_surface(parcels), all_matches=False)
    out = np.zeros(len(parcels), dtype=np.int64)
    out[hit[0]] = candidates[hit[1]]
    return out


def _smooth_field(rng: np.random.Generator, xy: FloatArray, scale: float, waves: int = 16) -> FloatArray:
    """A smooth random field at ``xy`` (sum of plane waves, wavelengths 0.5–2.5 × ``scale``), standardised."""
    lengths = scale * rng.uniform(0.5, 2.5, waves)
    angles = rng.uniform(0.0, 2.0 * math.pi, waves)
    phases = rng.uniform(0.0, 2.0 * math.pi, waves)
    local = xy - xy.mean(axis=0)
    k = 2.0 * math.pi / lengths
    proj = local[:, :1] * (np.cos(angles) * k) + local[:, 1:] * (np.sin(angles) * k)
    return _standardise((np.cos(proj + phases) * (lengths / lengths.max())).sum(axis=1))


def _parcel_grades(rng: np.random.Generator, dltb: gpd.GeoDataFrame, source: IntArray, xy: FloatArray) -> IntArray:
    """地力等级 1–10: the 图斑's 耕地等别 (1 best) blended with a smooth field, mostly 3–7."""
    raw = _column(dltb, "GDDB", source, np.nan)
    known = np.isfinite(raw)
    quality = np.zeros(len(xy), dtype=np.float64)
    quality[known] = _standardise(raw[known])
    score = _standardise(0.5 * quality + 0.85 * _smooth_field(rng, xy, 400.0)) + rng.normal(0.0, 0.2, len(xy))
    return np.clip(np.floor(5.0 + 1.6 * score + 0.5), 1, 10).astype(np.int64)


def _basic_farmland(
    rng: np.random.Generator, dltb: gpd.GeoDataFrame, source: IntArray, xy: FloatArray, grade: IntArray
) -> ObjArray:
    """SFJBNT "1" on about 80 % of the parcels, spatially coherent, less on steep or poor land."""
    slope = _column(dltb, "GDPDJB", source, 3.0)
    score = _smooth_field(rng, xy, 600.0) - 0.6 * (slope >= 4) - 0.4 * (grade >= 8) + rng.normal(0.0, 0.2, len(xy))
    return np.where(score > np.quantile(score, 0.2), "1", "0").astype(object)


def _homesteads(rng: np.random.Generator, polygons: ObjArray, centre: FloatArray, n: int) -> FloatArray:
    """``n`` random points on the 0702 polygons (area-weighted), or scattered around ``centre``."""
    polygons = polygons[shapely.area(polygons) > 0]
    if not len(polygons):
        return centre + rng.normal(0.0, 60.0, (n, 2))
    areas = shapely.area(polygons)
    pick = polygons[rng.choice(len(polygons), size=n, p=areas / areas.sum())]
    out = np.zeros((n, 2), dtype=np.float64)
    todo = np.arange(n)
    for _ in range(64):
        bounds = shapely.bounds(pick[todo])
        candidate = bounds[:, :2] + rng.random((len(todo), 2)) * (bounds[:, 2:] - bounds[:, :2])
        ok = shapely.contains_xy(pick[todo], candidate[:, 0], candidate[:, 1])
        out[todo[ok]] = candidate[ok]
        todo = todo[~ok]
        if not len(todo):
            break
    if len(todo):
        out[todo] = shapely.get_coordinates(shapely.point_on_surface(pick[todo]))
    return out


def _weighted_sample(rng: np.random.Generator, weights: FloatArray, k: int) -> IntArray:
    """``k`` distinct indices drawn with probability ∝ ``weights`` (Gumbel top-k), in draw order."""
    with np.errstate(divide="ignore"):
        keys = np.log(weights) + rng.gumbel(size=len(weights))
    return np.asarray(np.argsort(-keys, kind="stable")[:k], dtype=np.int64)


def _plot_counts(rng: np.random.Generator, parcels: int, weights: FloatArray) -> IntArray:
    """Plots per household adding up to ``parcels``, within ``plot_count_bounds``, larger for larger ``weights``."""
    n = len(weights)
    low, high = plot_count_bounds(parcels, n)
    counts = np.full(n, low, dtype=np.int64)
    extra = parcels - low * n
    if extra and (low, high) == PLOTS_RANGE:
        slots = _weighted_sample(rng, np.repeat(weights, high - low), extra)
        counts += np.bincount(slots // (high - low), minlength=n)
    elif extra:
        counts[rng.permutation(n)[:extra]] += 1
    return counts


def _draw_owners(
    rng: np.random.Generator, xy: FloatArray, homes: FloatArray, counts: IntArray, spacing: float
) -> IntArray:
    """Owner (index into ``homes``) of each parcel: households pick in random rounds, near home, spread.

    A pick is weighted by ``exp(−distance to homestead / scale)``; parcels within 1.6 plot spacings
    of the household's earlier picks weigh 2 % of that, so a holding is rarely contiguous.
    """
    owner = np.full(len(xy), -1, dtype=np.int64)
    radius = float(np.sqrt(((xy - xy.mean(axis=0)) ** 2).sum(axis=1).mean()))
    scale = max(0.35 * radius, 5.0 * spacing)
    points = shapely.points(xy)
    first, second = shapely.STRtree(points).query(points, predicate="dwithin", distance=1.6 * spacing)
    order = np.argsort(first, kind="stable")
    start = np.searchsorted(first[order], np.arange(len(xy) + 1))
    neighbours = second[order]
    owned: list[list[int]] = [[] for _ in range(len(homes))]
    left = counts.copy()
    while (left > 0).any():
        alive = np.flatnonzero(owner < 0)
        position = np.full(len(xy), -1, dtype=np.int64)
        position[alive] = np.arange(len(alive))
        ax, ay = xy[alive, 0], xy[alive, 1]
        available = np.ones(len(alive), dtype=np.float64)
        for h in rng.permutation(np.flatnonzero(left > 0)):
            weight = np.exp(-np.hypot(ax - homes[h, 0], ay - homes[h, 1]) / scale) * available
            if owned[h]:
                near = position[np.concatenate([neighbours[start[o] : start[o + 1]] for o in owned[h]])]
                weight[near[near >= 0]] *= 0.02
            cumulative = np.cumsum(weight)
            if not cumulative[-1] > 0:
                cumulative = np.cumsum(available)
            local = int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))
            available[local] = 0.0
            owner[alive[local]] = h
            owned[h].append(int(alive[local]))
            left[h] -= 1
    return owner


def _locked_households(rng: np.random.Generator, counts: IntArray, k: int) -> IntArray:
    """``k`` households (sorted) among those with at least 2 plots: one of their plots is kept in place."""
    candidates = np.flatnonzero(counts >= 2)
    if k > len(candidates):
        raise AssertionError("more kept plots than households with two plots")
    return np.sort(rng.choice(candidates, size=k, replace=False)).astype(np.int64) if k else np.zeros(0, np.int64)


def _kept_plots(rng: np.random.Generator, spare: ObjArray, homes: FloatArray) -> IntArray:
    """For each homestead, in random order, the nearest candidate plot not taken yet (index into ``spare``)."""
    out = np.zeros(len(homes), dtype=np.int64)
    if not len(homes):
        return out
    xy = shapely.get_coordinates(shapely.centroid(spare))
    free = np.ones(len(spare), dtype=bool)
    for h in rng.permutation(len(homes)):
        dist = np.where(free, np.hypot(xy[:, 0] - homes[h, 0], xy[:, 1] - homes[h, 1]), np.inf)
        out[h] = int(np.argmin(dist))
        free[out[h]] = False
    return out


def _household_names(rng: np.random.Generator, n: int) -> list[str]:
    """Synthetic 户主 names; three surnames dominate each village (clan villages)."""
    p = np.full(len(_SURNAMES), 0.4 / (len(_SURNAMES) - 3))
    p[rng.choice(len(_SURNAMES), size=3, replace=False)] = (0.3, 0.2, 0.1)
    surname = rng.choice(len(_SURNAMES), size=n, p=p)
    first = rng.integers(0, len(_GIVEN), n)
    second = np.where(rng.random(n) < 0.8, rng.integers(0, len(_GIVEN), n), -1)
    return [
        _SURNAMES[s] + _GIVEN[a] + (_GIVEN[b] if b >= 0 else "") for s, a, b in zip(surname, first, second, strict=True)
    ]


def _grid_angle(xy: FloatArray, weights: FloatArray) -> tuple[float, bool]:
    """Grid frame angle in (−45°, 45°] and whether the long side runs along its first axis.

    The long side follows the principal axis of the (weighted) points.
    """
    if len(xy) < 2:
        return 0.0, True
    d = xy - np.average(xy, axis=0, weights=weights)
    cxx = float(np.average(d[:, 0] ** 2, weights=weights))
    cyy = float(np.average(d[:, 1] ** 2, weights=weights))
    cxy = float(np.average(d[:, 0] * d[:, 1], weights=weights))
    theta = 0.5 * math.atan2(2.0 * cxy, cxx - cyy)
    if theta > math.pi / 4:
        return theta - math.pi / 2, False
    if theta <= -math.pi / 4:
        return theta + math.pi / 2, False
    return theta, True


Frame = tuple[float, float, float, float]
"""Origin x, origin y, cos and sin of the grid's first axis."""

_EPS = 1e-6
"""Metres: a boundary this close to a pixel counts as touching it."""
SLIVER_M2 = 1e-3
"""Holes of the consolidation area smaller than this are float seams, not gaps."""


@dataclass
class _Layout:
    """The new layout of one village."""

    blocks: ObjArray
    keys: FloatArray
    """Per block: grid column, grid row, position of its centre along the first grid axis."""
    roads: ObjArray
    area: shapely.Geometry
    """The consolidation area: blocks, roads and the ditches between blocks."""


@dataclass(frozen=True)
class _Axis:
    """One axis of a grid: cells of ``step`` from ``start``, each shrunk by ``inset`` at both ends (half a
    road) and cut into ``pixels`` pixels. Pixel ``j`` of cell ``c`` has the global index ``c·(pixels + 1) + j``
    (index ``pixels`` of every cell is a separator standing for the road); the raster holds the global
    indices ``first`` … ``last − 1``, the farmland's extent."""

    start: float
    step: float
    inset: float
    pixels: int
    first: int = 0
    last: int = 0

    @classmethod
    def over(cls, low: float, high: float, start: float, step: float, width: float) -> _Axis:
        """The axis of cells from ``start``, its raster spanning ``low`` … ``high``."""
        axis = cls(start, step, width / 2.0, max(1, round((step - width) / RASTER_M)))
        return replace(axis, first=axis._index(low), last=axis._index(high) + 1)

    @property
    def pixel(self) -> float:
        return (self.step - 2.0 * self.inset) / self.pixels

    @property
    def size(self) -> int:
        return self.last - self.first

    def _index(self, x: float) -> int:
        cell = math.floor((x - self.start) / self.step)
        rel = x - float(self.low(np.array([cell]))[0])
        return cell * (self.pixels + 1) + min(max(math.floor(rel / self.pixel), 0), self.pixels)

    def low(self, cell: IntArray) -> FloatArray:
        """Where the usable part of each cell begins."""
        return np.asarray(self.start + cell * self.step + self.inset, dtype=np.float64)

    def high(self, cell: IntArray) -> FloatArray:
        """Where the usable part of each cell ends."""
        return np.asarray(self.start + (cell + 1) * self.step - self.inset, dtype=np.float64)

    def edge(self, cell: IntArray, k: IntArray) -> FloatArray:
        """Position of pixel edge ``k`` (0 … pixels) of each cell; the cell's ends exactly where the next
        cell's road or ditch strip computes them."""
        inner = self.low(cell) + k * self.pixel
        return np.where(k == 0, self.low(cell), np.where(k == self.pixels, self.high(cell), inner))

    def cell(self, index: IntArray) -> IntArray:
        """The cell of each global pixel index."""
        return np.asarray(index // (self.pixels + 1), dtype=np.int64)

    def centre(self, index: IntArray) -> FloatArray:
        """Centre of each pixel (global index)."""
        return self.low(self.cell(index)) + (index % (self.pixels + 1) + 0.5) * self.pixel

    def lines(self) -> tuple[FloatArray, IntArray, IntArray]:
        """Pixel edges of the cells in the raster (ascending): position, cell, edge number 0…pixels in the cell."""
        cells = np.arange(self.cell(np.int64(self.first)), self.cell(np.int64(self.last - 1)) + 1)
        cell = np.repeat(cells, self.pixels + 1)
        k = np.tile(np.arange(self.pixels + 1), len(cells))
        return self.low(cell) + k * self.pixel, cell, k

    def span(self, x: FloatArray) -> tuple[IntArray, IntArray, BoolArray]:
        """Global indices of the first and last pixel whose closed extent holds ``x`` (± ``_EPS``), and
        whether ``x`` lies on a cell at all (not in a road gap)."""
        cell = np.floor((x - self.start) / self.step).astype(np.int64)
        rel = x - self.low(cell)
        valid = (rel >= -_EPS) & (rel <= self.pixels * self.pixel + _EPS)
        lo = np.clip(np.floor((rel - _EPS) / self.pixel), 0, self.pixels - 1).astype(np.int64)
        hi = np.clip(np.floor((rel + _EPS) / self.pixel), 0, self.pixels - 1).astype(np.int64)
        base = cell * (self.pixels + 1)
        return base + lo, base + hi, valid

    def across(self, cell: IntArray, k: IntArray) -> list[tuple[IntArray, BoolArray]]:
        """Global indices of the pixels on both sides of edge ``k`` of ``cell``, with their validity."""
        base = cell * (self.pixels + 1)
        return [(base + k - 1, k >= 1), (base + k, k < self.pixels)]


def _to_frame(xy: FloatArray, frame: Frame) -> FloatArray:
    ox, oy, cos, sin = frame
    dx, dy = xy[:, 0] - ox, xy[:, 1] - oy
    return np.column_stack([dx * cos + dy * sin, -dx * sin + dy * cos])


def _from_frame(uv: FloatArray, frame: Frame) -> FloatArray:
    ox, oy, cos, sin = frame
    return np.column_stack([ox + uv[:, 0] * cos - uv[:, 1] * sin, oy + uv[:, 0] * sin + uv[:, 1] * cos])


def _boxes(box: FloatArray, frame: Frame) -> ObjArray:
    """Rectangles (u0, v0, u1, v1) given in the grid frame, as polygons in map coordinates (counter-clockwise)."""
    u0, v0, u1, v1 = np.asarray(box, dtype=np.float64).reshape(-1, 4).T
    corner_u = np.stack([u0, u1, u1, u0, u0], axis=1)
    corner_v = np.stack([v0, v0, v1, v1, v0], axis=1)
    xy = _from_frame(np.column_stack([corner_u.ravel(), corner_v.ravel()]), frame)
    return np.asarray(shapely.polygons(xy.reshape(-1, 5, 2)), dtype=object)


def _village_layout(
    rng: np.random.Generator,
    region: shapely.Geometry,
    xy: FloatArray,
    weights: FloatArray,
    size: tuple[float, float],
    width: float,
) -> _Layout:
    """Blocks and roads of one village's farmland ``region`` (see the module docstring, step 1).

    ``LAYOUT_TRIALS`` random grid offsets are tried; the one whose blocks cover the most farmland is kept.
    """
    angle, long_first = _grid_angle(xy, weights)
    du, dv = size if long_first else (size[1], size[0])
    ox, oy = shapely.bounds(region)[:2]
    frame = (float(ox), float(oy), math.cos(angle), math.sin(angle))
    local = shapely.transform(region, lambda p: _to_frame(p, frame))
    lo_u, lo_v, hi_u, hi_v = shapely.bounds(local)
    rings = shapely.get_rings(shapely.get_parts(local))
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    edges = np.column_stack([coords[:-1][same], coords[1:][same]])  # u1, v1, u2, v2
    shapely.prepare(local)
    best: tuple[tuple[float, int], _Axis, _Axis, IntArray] | None = None
    for offset in rng.random((LAYOUT_TRIALS, 2)):
        u_axis = _Axis.over(lo_u, hi_u, float(lo_u - offset[0] * du), du, width)
        v_axis = _Axis.over(lo_v, hi_v, float(lo_v - offset[1] * dv), dv, width)
        rects = _grid_rectangles(local, coords, edges, u_axis, v_axis)
        covered = float(((rects[:, 4] - rects[:, 2]) * (rects[:, 5] - rects[:, 3])).sum()) * u_axis.pixel * v_axis.pixel
        score = (-covered, len(rects))
        if best is None or score < best[0]:
            best = (score, u_axis, v_axis, rects)
    shapely.destroy_prepared(local)
    assert best is not None
    _, u_axis, v_axis, rects = best
    if not len(rects):
        empty = np.zeros(0, dtype=object)
        return _Layout(empty, np.zeros((0, 3), dtype=np.float64), empty, shapely.Polygon())
    col, row, i0, j0, i1, j1 = rects.T
    box = np.column_stack([u_axis.edge(col, j0), v_axis.edge(row, i0), u_axis.edge(col, j1), v_axis.edge(row, i1)])
    on_line = np.column_stack([j0 == 0, i0 == 0, j1 == u_axis.pixels, i1 == v_axis.pixels])
    roads, ditches = _strips(region, box, col, row, on_line, (u_axis, v_axis), long_first, frame)
    blind = _road_side(_boxes(box, frame), roads) < width
    rest, access, fits = _access_strips(box, blind, roads, width, frame)
    if not fits.all():  # blind blocks without room for a road of their own leave the layout
        keep = np.ones(len(box), dtype=bool)
        keep[np.flatnonzero(blind)[~fits]] = False
        box, on_line, col, row, blind = box[keep], on_line[keep], col[keep], row[keep], blind[keep]
        rest, access = rest[fits], access[fits]
        roads, ditches = _strips(region, box, col, row, on_line, (u_axis, v_axis), long_first, frame)
    box[blind] = rest
    blocks = _boxes(box, frame)
    roads = np.concatenate([roads, _boxes(access, frame)])
    keys = np.column_stack([col, row, (box[:, 0] + box[:, 2]) / 2.0]).astype(np.float64)
    area = (
        _without_slivers(shapely.union_all(np.concatenate([blocks, roads, ditches])))
        if len(blocks)
        else shapely.Polygon()
    )
    return _Layout(blocks, keys, np.asarray(roads, dtype=object), area)


def _strips(
    region: shapely.Geometry,
    box: FloatArray,
    col: IntArray,
    row: IntArray,
    on_line: BoolArray,
    axes: tuple[_Axis, _Axis],
    long_first: bool,
    frame: Frame,
) -> tuple[ObjArray, ObjArray]:
    """(roads, ditches) along the blocks ``box`` (u0, v0, u1, v1 in the grid frame; in cell ``col``, ``row``)
    on the farmland ``region``.

    ``on_line`` flags the block sides (west, south, east, north) lying on a grid line. Roads run along the grid
    lines parallel to the cells' long side, across the whole road width and through the crossings; along the
    other grid lines a strip of the same width is a ditch or 田坎 between the blocks of a row: part of the
    consolidation area, in no block and no road. A block thus meets these roads along sides parallel to the
    cells' long side only, and strips cut across it are never deeper than the cells' short side.
    """
    u_axis, v_axis = axes
    u0, v0, u1, v1 = box.T
    west, south, east, north = on_line.T
    west_end, east_end = u_axis.high(col - 1), u_axis.low(col + 1)  # the far sides of the strips
    south_end, north_end = v_axis.high(row - 1), v_axis.low(row + 1)

    def along_u(cross: bool) -> FloatArray:  # strips on the south and north sides, through the crossings
        lo, hi = (np.where(west, west_end, u0), np.where(east, east_end, u1)) if cross else (u0, u1)
        south_box = np.column_stack([lo, south_end, hi, v0])[south]
        return np.concatenate([south_box, np.column_stack([lo, v1, hi, north_end])[north]])

    def along_v(cross: bool) -> FloatArray:  # strips on the west and east sides
        lo, hi = (np.where(south, south_end, v0), np.where(north, north_end, v1)) if cross else (v0, v1)
        west_box = np.column_stack([west_end, lo, u0, hi])[west]
        return np.concatenate([west_box, np.column_stack([u1, lo, east_end, hi])[east]])

    road_boxes, ditch_boxes = (along_u(True), along_v(False)) if long_first else (along_v(True), along_u(False))
    blocks = _boxes(box, frame)
    return _strips_on(_boxes(road_boxes, frame), region, blocks), _strips_on(_boxes(ditch_boxes, frame), region, blocks)


def _access_strips(
    box: FloatArray, blind: BoolArray, roads: ObjArray, width: float, frame: Frame
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """(rest, strip, fits) of the ``blind`` blocks among ``box`` (all as u0, v0, u1, v1 in the grid frame):
    each gives up a road strip along one of its long sides, the one nearer to the roads unless it runs
    along another block (whose road would then turn a corner); ``rest`` is what remains. ``fits`` is
    False where no long side will do, or the rest would fall under ``MIN_BLOCK_SIDE_M`` or ``MIN_BLOCK_M2``."""
    blocks = _boxes(box, frame)
    tree = shapely.STRtree(blocks)
    network = shapely.union_all(roads) if len(roads) else None
    index = np.flatnonzero(blind)
    rest, strip = box[index].copy(), box[index].copy()
    fits = np.zeros(len(index), dtype=bool)
    for n, i in enumerate(index):
        u0, v0, u1, v1 = box[i]
        across = 1 if u1 - u0 >= v1 - v0 else 0  # coordinate across the long sides: v (1) or u (0)
        lo, hi = box[i, across], box[i, across + 2]
        if hi - lo - width < MIN_BLOCK_SIDE_M or (hi - lo - width) * max(u1 - u0, v1 - v0) < MIN_BLOCK_M2:
            continue
        options = []
        for at_high in (False, True):
            cut, remainder = box[i].copy(), box[i].copy()
            cut[across], cut[across + 2] = (hi - width, hi) if at_high else (lo, lo + width)
            remainder[across], remainder[across + 2] = (lo, hi - width) if at_high else (lo + width, hi)
            polygon = _boxes(cut, frame)[0]
            near = tree.query(polygon, predicate="dwithin", distance=1.5)
            near = near[near != i]
            along = shapely.length(shapely.intersection(shapely.boundary(blocks[near]), shapely.buffer(polygon, 1.5)))
            if (along > 2.0).any():
                continue
            distance = shapely.distance(polygon, network) if network is not None else float(at_high)
            options.append((distance, at_high, cut, remainder))
        if options:
            _, _, strip[n], rest[n] = min(options, key=lambda o: (o[0], o[1]))
            fits[n] = True
    return rest, strip, fits


def _without_slivers(geom: shapely.Geometry) -> shapely.Geometry:
    """``geom`` without holes under ``SLIVER_M2`` (float seams between pieces meant to touch; overlays
    with such near-empty holes are not robust)."""
    polygons = []
    for part in shapely.get_parts(geom):
        if shapely.get_type_id(part) != 3:
            continue
        holes = [ring for ring in part.interiors if shapely.area(shapely.Polygon(ring)) >= SLIVER_M2]
        polygons.append(shapely.Polygon(part.exterior, holes))
    return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)


def _strips_on(strips: ObjArray, region: shapely.Geometry, blocks: ObjArray) -> ObjArray:
    """The parts of ``strips ∩ region`` (merged) that run along a block for at least a metre (a part cut off
    by a gap in the farmland serves no block)."""
    if not len(strips):
        return np.zeros(0, dtype=object)
    parts = shapely.get_parts(shapely.intersection(shapely.union_all(strips), region))
    parts = parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) >= MIN_ROAD_PART_M2)]
    return np.asarray(parts[_road_side(parts, blocks) >= 1.0], dtype=object)


def _grid_rectangles(
    local: shapely.Geometry, vertices: FloatArray, edges: FloatArray, u_axis: _Axis, v_axis: _Axis
) -> IntArray:
    """Blocks of one grid on the (prepared) farmland ``local``, given in the grid frame: rows of (column, row,
    first pixel row, first pixel column, end pixel row, end pixel column) of the cell's pixel raster.

    A pixel is usable when the farmland's boundary keeps off it (no vertex on it, no edge crossing its
    sides) and its centre lies on the farmland, so it lies wholly on the farmland. A wholly usable cell is
    one block; in any other cell the largest rectangles of usable pixels (up to ``RECTANGLES_PER_CELL``,
    sides ≥ ``MIN_BLOCK_SIDE_M``, area ≥ ``MIN_BLOCK_M2``) are blocks.
    """
    nr, nc = v_axis.pixels, u_axis.pixels
    blocked = np.zeros((v_axis.size, u_axis.size), dtype=bool)
    blocked[np.arange(v_axis.first, v_axis.last) % (nr + 1) == nr, :] = True
    blocked[:, np.arange(u_axis.first, u_axis.last) % (nc + 1) == nc] = True

    def mark(rows: IntArray, cols: IntArray, valid: BoolArray) -> None:
        r, c = rows - v_axis.first, cols - u_axis.first
        ok = valid & (r >= 0) & (r < v_axis.size) & (c >= 0) & (c < u_axis.size)
        blocked[r[ok], c[ok]] = True

    r_lo, r_hi, r_ok = v_axis.span(vertices[:, 1])
    c_lo, c_hi, c_ok = u_axis.span(vertices[:, 0])
    for r in (r_lo, r_hi):
        for c in (c_lo, c_hi):
            mark(r, c, r_ok & c_ok)
    for axis, other, normal, along in ((u_axis, v_axis, 0, 1), (v_axis, u_axis, 1, 0)):
        position, cell, k = axis.lines()
        line, q = _crossings(edges[:, normal], edges[:, along], edges[:, 2 + normal], edges[:, 2 + along], position)
        q_lo, q_hi, q_ok = other.span(q)
        for index, valid in axis.across(cell[line], k[line]):
            for q_index in (q_lo, q_hi):
                if normal == 0:
                    mark(q_index, index, valid & q_ok)
                else:
                    mark(index, q_index, valid & q_ok)
    labels, count = ndimage.label(~blocked)
    first = np.zeros(count + 1, dtype=np.int64)  # one pixel of each free component (its first one)
    first[labels.ravel()[::-1]] = np.arange(labels.size - 1, -1, -1)
    r, c = np.unravel_index(first[1:], labels.shape)
    inside = np.r_[False, shapely.contains_xy(local, u_axis.centre(c + u_axis.first), v_axis.centre(r + v_axis.first))]
    usable = inside[labels]
    min_rows = math.ceil(MIN_BLOCK_SIDE_M / v_axis.pixel - 1e-9)
    min_cols = math.ceil(MIN_BLOCK_SIDE_M / u_axis.pixel - 1e-9)
    min_pixels = MIN_BLOCK_M2 / (u_axis.pixel * v_axis.pixel)
    row_of = v_axis.cell(np.arange(v_axis.first, v_axis.last))
    col_of = u_axis.cell(np.arange(u_axis.first, u_axis.last))
    row_start = np.flatnonzero(np.r_[True, row_of[1:] != row_of[:-1]])
    col_start = np.flatnonzero(np.r_[True, col_of[1:] != col_of[:-1]])
    count_in = np.add.reduceat(np.add.reduceat(usable.astype(np.int64), row_start, axis=0), col_start, axis=1)
    out: list[tuple[int, int, int, int, int, int]] = []
    for i, j in zip(*np.nonzero(count_in), strict=True):
        row, col = int(row_of[row_start[i]]), int(col_of[col_start[j]])
        r0, c0 = max(row * (nr + 1), v_axis.first), max(col * (nc + 1), u_axis.first)
        r1, c1 = min(row * (nr + 1) + nr, v_axis.last), min(col * (nc + 1) + nc, u_axis.last)
        window = usable[r0 - v_axis.first : r1 - v_axis.first, c0 - u_axis.first : c1 - u_axis.first].copy()
        di, dj = r0 - row * (nr + 1), c0 - col * (nc + 1)
        for i0, j0, i1, j1 in _largest_rectangles(window, min_rows, min_cols, min_pixels):
            out.append((col, row, i0 + di, j0 + dj, i1 + di, j1 + dj))
    return np.asarray(out, dtype=np.int64).reshape(-1, 6)


def _crossings(
    p1: FloatArray, q1: FloatArray, p2: FloatArray, q2: FloatArray, lines: FloatArray
) -> tuple[IntArray, FloatArray]:
    """Where the segments (p1, q1)–(p2, q2) meet the lines ``p = lines[i]`` (ascending): line index and q.

    Segments running along a line (within 1e-12) are left out: their ends and the crossings with the
    other family of lines account for them."""
    low, high = np.minimum(p1, p2), np.maximum(p1, p2)
    first = np.searchsorted(lines, low - _EPS, side="left")
    count = np.searchsorted(lines, high + _EPS, side="right") - first
    seg = np.repeat(np.arange(len(p1)), count)
    line = first[seg] + np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    dp = (p2 - p1)[seg]
    steep = np.abs(dp) > 1e-12
    t = np.clip((lines[line] - p1[seg]) / np.where(steep, dp, 1.0), 0.0, 1.0)
    q = q1[seg] + t * (q2 - q1)[seg]
    return line[steep].astype(np.int64), np.asarray(q[steep], dtype=np.float64)


def _largest_rectangles(
    usable: BoolArray, min_rows: int, min_cols: int, min_pixels: float
) -> list[tuple[int, int, int, int]]:
    """Greedy largest all-True rectangles of a cell's raster: (row0, col0, row1, col1), ends exclusive."""
    if usable.all():
        rows, cols = usable.shape
        return [(0, 0, rows, cols)] if rows >= min_rows and cols >= min_cols and rows * cols >= min_pixels else []
    found: list[tuple[int, int, int, int]] = []
    for _ in range(RECTANGLES_PER_CELL):
        best = _max_rectangle(usable, min_rows, min_cols)
        if best is None:
            break
        r0, c0, r1, c1 = best
        if (r1 - r0) * (c1 - c0) < min_pixels:
            break
        usable[r0:r1, c0:c1] = False
        found.append(best)
    return found


def _max_rectangle(full: BoolArray, min_rows: int, min_cols: int) -> tuple[int, int, int, int] | None:
    """Largest all-True rectangle of a boolean grid with at least ``min_rows`` × ``min_cols`` cells:
    (row0, col0, row1, col1), ends exclusive; among equals the narrowest, then the first in row-major order."""
    if full.shape[1] > full.shape[0]:  # one pass per column: fewer on the shorter side
        found = _max_rectangle(full.T, min_cols, min_rows)
        return None if found is None else (found[1], found[0], found[3], found[2])
    rows, cols = full.shape
    index = np.arange(rows)[:, None]
    heights = index - np.maximum.accumulate(np.where(full, -1, index), axis=0)  # True cells ending at each row
    low = heights  # low[r, c]: the least height over columns c … c + w − 1 (tallest rectangle of width w)
    best, found = 0, None
    for w in range(1, cols + 1):
        if w > 1:
            low = np.minimum(low[:, :-1], heights[:, w - 1 :])
        top = int(low.max())
        if top < min_rows or top * cols <= best:  # no wider rectangle can do better
            break
        if w < min_cols:
            continue
        area = np.where(low >= min_rows, low, 0) * w
        k = int(np.argmax(area))
        if area.flat[k] > best:
            best = int(area.flat[k])
            r, c = divmod(k, low.shape[1])
            h = int(low[r, c])
            found = (r - h + 1, c, r + 1, c + w)
    return found


def _road_side(blocks: ObjArray, roads: ObjArray) -> FloatArray:
    """Length of each block's boundary lying on a road polygon (within 1 cm)."""
    if not len(roads) or not len(blocks):
        return np.zeros(len(blocks), dtype=np.float64)
    zone = shapely.buffer(shapely.union_all(roads), 0.01)
    return np.asarray(shapely.length(shapely.intersection(shapely.boundary(blocks), zone)), dtype=np.float64)


def _block_grades(blocks: ObjArray, parcels: ObjArray, grade: IntArray) -> IntArray:
    """Area-weighted mean parcel grade under each block, rounded half up."""
    if not len(blocks):
        return np.zeros(0, dtype=np.int64)
    tree = shapely.STRtree(parcels)
    bi, pi = tree.query(blocks, predicate="intersects")
    shared = shapely.area(shapely.intersection(blocks[bi], parcels[pi]))
    num = np.bincount(bi, shared * grade[pi], minlength=len(blocks))
    den = np.bincount(bi, shared, minlength=len(blocks))
    mean = np.divide(num, den, out=np.full(len(blocks), 5.0), where=den > 0)
    return np.clip(np.floor(mean + 0.5), 1, 10).astype(np.int64)


def _preferences(rng: np.random.Generator, homes: FloatArray, block_xy: FloatArray, tkbm: list[str]) -> list[str]:
    """PREFS: about ``PREFS_SHARE`` of the households name 1–3 blocks, mostly among the 6 nearest home."""
    out = [""] * len(homes)
    if not tkbm:
        return out
    wants = np.flatnonzero(rng.random(len(homes)) < PREFS_SHARE)
    sizes = rng.choice([1, 2, 3], size=len(wants), p=[0.45, 0.35, 0.2])
    for h, m in zip(wants, sizes, strict=True):
        near = np.argsort(np.hypot(block_xy[:, 0] - homes[h, 0], block_xy[:, 1] - homes[h, 1]), kind="stable")[:6]
        chosen = [int(near[i]) for i in _weighted_sample(rng, 1.0 / (np.arange(len(near)) + 1.0), int(m))]
        if rng.random() < 0.15 and len(tkbm) > len(chosen):
            others = np.setdiff1d(np.arange(len(tkbm)), chosen)
            chosen[-1] = int(rng.choice(others))
        out[h] = ";".join(tkbm[c] for c in chosen)
    return out

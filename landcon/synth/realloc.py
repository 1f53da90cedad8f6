"""A synthetic 权属调整 (tenure adjustment) instance drawn on a base 三调 dataset.

``generate_realloc`` builds, for one village (or all villages of one township), the data a
"小田变大田" reallocation starts from:

1. **Contract parcels** (农经权 DK layer). The village's 耕地 (DLTB ``DLBM`` 01xx) is cut by the
   Voronoi cells of a jittered, slightly elongated lattice of seeds; polygonal parts of at least
   ``MIN_PARCEL_M2`` become 承包地块 (``DKLB`` 10). The seed spacing follows the planned mean parcel
   area (farmland area ÷ (households × ``MEAN_PLOTS``), kept within ``MEAN_PARCEL_RANGE_M2``).
   ``DLDJ`` 地力等级 mixes the 耕地等别 (GDDB) of the 图斑 under the parcel with a smooth random field,
   so neighbours have similar grades (spread over 01–10, mostly 03–07); ``SFJBNT`` is a smooth,
   mostly-yes flag (flatter, better land more likely). ``SCMJ`` is the planar area, ``HTMJ`` the
   contract area, off by up to ±10 %.
2. **Households** (承包方). Without ``households`` their number follows the farmland area (about
   ``HECTARES_PER_HOUSEHOLD`` each). Homesteads are random points on the village's 0702 polygons
   (near the village centroid when it has none). Each household draws its plots one at a time in
   random rounds, each pick weighted by ``exp(−distance to homestead / scale)`` and avoiding its own
   plots' neighbourhood, so holdings are scattered but biased toward home (inherited fragmentation).
   Plot counts per household: see ``plot_count_bounds``.
3. **Locked parcels and preferences.** About ``LOCKED_SHARE`` of the households keep the plot nearest
   their homestead out of the pool (orchard or house on it, ``LOCKED``); about ``PREFS_SHARE`` name
   1–3 preferred new blocks, mostly among the ones nearest home (``PREFS``, most wanted first).
4. **New layout.** The pooled (unlocked) parcels are merged and cut by a grid of rectangles of
   ``block_size`` (long side along the principal axis of the farmland) with roads of ``road_width``
   between them: roads are the pooled footprint outside the shrunk grid cells (DLBM 1006), blocks the
   footprint inside them, single polygons of at least ``MIN_BLOCK_M2`` (smaller pieces stay out of
   every block and count as deduction); a cell cut by the footprint's edge keeps its largest
   rectangles only (new fields are regular: strips cut along the road stay whole and wide). A block
   without a road side of at least ``road_width``
   metres gets a road cut along its own edge. Block ``DLDJ`` is the area-weighted mean grade of the
   parcels under it; ``TKBM`` numbers the grid rows south→north and the blocks west→east within a row.

All numbers (household size, shares, ranges) are synthetic defaults, not survey values. The
function is pure: no file I/O, randomness only from ``seed``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

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
"""Polygonal parts of a cut smaller than this are not contract parcels."""
MIN_BLOCK_M2 = 2_000.0
"""Block pieces smaller than this are left out of every block."""
MIN_ROAD_PART_M2 = 1.0
"""Road pieces smaller than this are dropped."""
LAYOUT_TRIALS = 4
RECTANGULAR = 0.98
"""A block piece covering this share of its oriented envelope is kept as it is; others become rectangles."""
RASTER_M = 5.0
"""Pixel size of the search for the largest rectangles inside an irregular block piece."""
RECTANGLES_PER_CELL = 3
"""Random grid offsets tried; the one leaving the fewest blocks is kept."""
LOCKED_SHARE = 0.05
PREFS_SHARE = 0.6
CONTRACT_AREA_RANGE = (0.9, 1.1)
"""HTMJ / SCMJ."""
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
    sets the scope; ``households`` the total number of households (default: from the farmland
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
    regions = [shapely.union_all(all_geoms[farm & (zl == v)]) for v in villages]
    areas = np.array([r.area for r in regions], dtype=np.float64)
    counts = _household_counts(areas, households)
    mean_parcel = float(np.clip(areas.sum() / (counts.sum() * MEAN_PLOTS), *MEAN_PARCEL_RANGE_M2))

    # Contract parcels, per village.
    cut = [_cut_parcels(rng, region, mean_parcel) for region in regions]
    parcel_geoms = np.concatenate(cut)
    parcel_village = np.repeat(np.arange(len(villages)), [len(c) for c in cut])
    for k, v in enumerate(villages):
        if len(cut[k]) < counts[k]:
            raise ValueError(f"村 {v} 只能切出 {len(cut[k])} 个地块，少于 {counts[k]} 户")
        if len(cut[k]) > MAX_PARCELS_PER_VILLAGE or counts[k] > MAX_HOUSEHOLDS_PER_VILLAGE:
            raise ValueError(f"村 {v} 地块或农户过多（地块 ≤ 99999，农户 ≤ 9999）")
    centres = shapely.get_coordinates(shapely.centroid(parcel_geoms))
    source = _source_rows(parcel_geoms, all_geoms, np.flatnonzero(farm))
    grade = _parcel_grades(rng, dltb, source, centres)
    basic = _basic_farmland(rng, dltb, source, centres, grade)

    # Households and their plots, per village.
    n_total = int(counts.sum())
    owner = np.full(len(parcel_geoms), -1, dtype=np.int64)
    homes = np.zeros((n_total, 2), dtype=np.float64)
    sizes = np.zeros(n_total, dtype=np.int64)
    names: list[str] = []
    hh_codes: list[str] = []
    locked_of = np.full(n_total, -1, dtype=np.int64)  # household → its locked parcel
    offset = 0
    for k, v in enumerate(villages):
        idx = np.flatnonzero(parcel_village == k)
        n = int(counts[k])
        rows = slice(offset, offset + n)
        settlement = all_geoms[(zl == v) & (dlbm == HOMESTEAD_CODE)]
        homes[rows] = _homesteads(rng, settlement, _village_centre(cjdcq, v, regions[k]), n)
        sizes[rows] = rng.choice(_FAMILY_SIZES, size=n, p=_FAMILY_P)
        plots = _plot_counts(rng, len(idx), sizes[rows] * rng.gamma(4.0, 0.25, n))
        local = _draw_owners(rng, centres[idx], homes[rows], plots, math.sqrt(mean_parcel))
        owner[idx] = local + offset
        who, which = _locked_parcels(rng, centres[idx], local, homes[rows], plots)
        locked_of[offset + who] = idx[which]
        names.extend(_household_names(rng, n))
        hh_codes.extend(f"{v}00{i + 1:04d}" for i in range(n))
        offset += n
    locked = np.zeros(len(parcel_geoms), dtype=bool)
    locked[locked_of[locked_of >= 0]] = True

    # Parcel codes: per village, serials by 200 m bands south→north, west→east within a band.
    band = np.floor((centres[:, 1] - centres[:, 1].min()) / 200.0)
    order = np.lexsort((centres[:, 0], band, parcel_village))
    serial = np.zeros(len(parcel_geoms), dtype=np.int64)
    for k in range(len(villages)):
        members = order[parcel_village[order] == k]
        serial[members] = np.arange(1, len(members) + 1)
    dkbm = np.array([f"{villages[k]}00{s:05d}" for k, s in zip(parcel_village, serial, strict=True)], dtype=object)

    # The consolidated layout on the pooled parcels.
    pooled = np.flatnonzero(~locked)
    footprint = shapely.union_all(parcel_geoms[pooled])
    block_geoms, block_keys, road_geoms = _layout(
        rng, footprint, centres[pooled], shapely.area(parcel_geoms[pooled]), (long_side, short_side), road_width
    )
    block_grade = _block_grades(block_geoms, parcel_geoms[pooled], grade[pooled])
    block_order = np.lexsort((block_keys[:, 2], block_keys[:, 0], block_keys[:, 1]))
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


def _cut_parcels(rng: np.random.Generator, region: shapely.Geometry, mean_area: float) -> ObjArray:
    """``region`` cut by the Voronoi cells of a seed lattice; polygonal parts ≥ ``MIN_PARCEL_M2``."""
    spacing = math.sqrt(mean_area)
    seeds = _lattice(rng, region, spacing)
    if len(seeds) < 2:
        pieces = np.array([region], dtype=object)
    else:
        frame = shapely.buffer(shapely.envelope(region), 4.0 * spacing)
        cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=frame))
        shapely.prepare(region)
        inside = shapely.contains(region, cells)
        pieces = cells.copy()
        pieces[~inside] = shapely.intersection(cells[~inside], region)
        shapely.destroy_prepared(region)
    parts = shapely.get_parts(pieces)
    keep = (shapely.get_type_id(parts) == 3) & (shapely.area(parts) >= MIN_PARCEL_M2)
    return np.asarray(parts[keep], dtype=object)


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


def _locked_parcels(
    rng: np.random.Generator, xy: FloatArray, owner: IntArray, homes: FloatArray, counts: IntArray
) -> tuple[IntArray, IntArray]:
    """(households, their parcel nearest home) for ``LOCKED_SHARE`` of the households with ≥ 2 plots."""
    candidates = np.flatnonzero(counts >= 2)
    k = min(round(LOCKED_SHARE * len(homes)), len(candidates))
    who = np.sort(rng.choice(candidates, size=k, replace=False)) if k else np.zeros(0, dtype=np.int64)
    which = np.zeros(len(who), dtype=np.int64)
    for i, h in enumerate(who):
        mine = np.flatnonzero(owner == h)
        which[i] = mine[np.argmin(np.hypot(xy[mine, 0] - homes[h, 0], xy[mine, 1] - homes[h, 1]))]
    return who.astype(np.int64), which


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


def _layout(
    rng: np.random.Generator,
    footprint: shapely.Geometry,
    xy: FloatArray,
    weights: FloatArray,
    size: tuple[float, float],
    width: float,
) -> tuple[ObjArray, FloatArray, ObjArray]:
    """Blocks, their sort keys (column, row, position along the row) and road polygons on ``footprint``.

    ``LAYOUT_TRIALS`` random grid offsets are tried; the one leaving the fewest blocks (then the
    most block area) is kept.
    """
    angle, long_first = _grid_angle(xy, weights)
    du, dv = size if long_first else (size[1], size[0])
    cos, sin = math.cos(angle), math.sin(angle)
    coords = shapely.get_coordinates(footprint)
    ox, oy = coords.min(axis=0)
    u = (coords[:, 0] - ox) * cos + (coords[:, 1] - oy) * sin
    v = -(coords[:, 0] - ox) * sin + (coords[:, 1] - oy) * cos
    shapely.prepare(footprint)
    best: tuple[tuple[int, float], ObjArray, IntArray, IntArray, ObjArray] | None = None
    for offset in rng.random((LAYOUT_TRIALS, 2)):
        u0, v0 = u.min() - offset[0] * du, v.min() - offset[1] * dv
        cells, col, row = _grid_cells(footprint, (ox, oy, cos, sin), (u0, v0), (du, dv), (u.max(), v.max()), width)
        inside = shapely.contains(footprint, cells)
        pieces = cells.copy()
        pieces[~inside] = shapely.intersection(cells[~inside], footprint)
        parts, cell = shapely.get_parts(pieces, return_index=True)
        keep = (shapely.get_type_id(parts) == 3) & (shapely.area(parts) >= MIN_BLOCK_M2)
        score = (int(keep.sum()), -float(shapely.area(parts[keep]).sum()))
        if best is None or score < best[0]:
            best = (score, parts[keep], col[cell[keep]], row[cell[keep]], cells)
    shapely.destroy_prepared(footprint)
    assert best is not None
    _, blocks, col, row, cells = best
    blocks, col, row = _regular_blocks(blocks, col, row, (ox, oy, cos, sin))
    road_parts = shapely.get_parts(shapely.difference(footprint, shapely.multipolygons(cells)))
    road_parts = road_parts[(shapely.get_type_id(road_parts) == 3) & (shapely.area(road_parts) >= MIN_ROAD_PART_M2)]
    blocks, owner, road_parts = _ensure_access(blocks, np.arange(len(blocks)), road_parts, width)
    centre = shapely.get_coordinates(shapely.centroid(blocks))
    along = (centre[:, 0] - ox) * cos + (centre[:, 1] - oy) * sin
    keys = np.column_stack([col[owner], row[owner], along]).astype(np.float64)
    return np.asarray(blocks, dtype=object), keys, np.asarray(road_parts, dtype=object)


def _regular_blocks(
    blocks: ObjArray, col: IntArray, row: IntArray, frame: tuple[float, float, float, float]
) -> tuple[ObjArray, IntArray, IntArray]:
    """Consolidated fields are rectangles: a cell cut by the footprint's edge becomes the largest
    grid-aligned rectangles inside it (up to ``RECTANGLES_PER_CELL``, each ≥ ``MIN_BLOCK_M2``); the rest
    of it stays out of every block (ditches, 田坎, slopes: part of the deduction)."""
    out: list[shapely.Geometry] = []
    out_col: list[int] = []
    out_row: list[int] = []
    for geom, c, r in zip(blocks, col, row, strict=True):
        area = shapely.area(geom)
        if area >= RECTANGULAR * shapely.area(shapely.oriented_envelope(geom)) and area >= 0.999 * shapely.area(
            shapely.convex_hull(geom)
        ):
            out.append(geom)
            out_col.append(int(c))
            out_row.append(int(r))
            continue
        for rect in _largest_rectangles(geom, frame):
            out.append(rect)
            out_col.append(int(c))
            out_row.append(int(r))
    return np.asarray(out, dtype=object), np.asarray(out_col, dtype=np.int64), np.asarray(out_row, dtype=np.int64)


def _largest_rectangles(geom: shapely.Geometry, frame: tuple[float, float, float, float]) -> list[shapely.Geometry]:
    """Greedy largest axis-aligned rectangles (in the grid frame) of full ``RASTER_M`` pixels inside ``geom``."""
    ox, oy, cos, sin = frame

    def to_uv(xy: FloatArray) -> FloatArray:
        return np.column_stack(
            [(xy[:, 0] - ox) * cos + (xy[:, 1] - oy) * sin, -(xy[:, 0] - ox) * sin + (xy[:, 1] - oy) * cos]
        )

    def to_xy(uv: FloatArray) -> FloatArray:
        return np.column_stack([ox + uv[:, 0] * cos - uv[:, 1] * sin, oy + uv[:, 0] * sin + uv[:, 1] * cos])

    local = shapely.transform(geom, to_uv)
    u0, v0, u1, v1 = shapely.bounds(local)
    nu, nv = int((u1 - u0) // RASTER_M), int((v1 - v0) // RASTER_M)
    if nu < 1 or nv < 1:
        return []
    gu, gv = np.meshgrid(u0 + RASTER_M * np.arange(nu + 1), v0 + RASTER_M * np.arange(nv + 1))
    corner = shapely.contains_xy(local, gu, gv) | shapely.intersects_xy(shapely.boundary(local), gu, gv)
    full = corner[:-1, :-1] & corner[1:, :-1] & corner[:-1, 1:] & corner[1:, 1:]  # rows: v, columns: u
    found: list[shapely.Geometry] = []
    for _ in range(RECTANGLES_PER_CELL):
        best = _max_rectangle(full)
        if best is None:
            break
        (r0, c0, r1, c1) = best
        if (r1 - r0) * (c1 - c0) * RASTER_M**2 < MIN_BLOCK_M2:
            break
        full[r0:r1, c0:c1] = False
        box = shapely.box(u0 + c0 * RASTER_M, v0 + r0 * RASTER_M, u0 + c1 * RASTER_M, v0 + r1 * RASTER_M)
        rect = shapely.intersection(shapely.transform(box, to_xy), geom)  # inside geom by construction
        if shapely.get_type_id(rect) == 3:
            found.append(rect)
    return found


def _max_rectangle(full: BoolArray) -> tuple[int, int, int, int] | None:
    """Largest all-True rectangle of a boolean grid (histogram method): (row0, col0, row1, col1), ends exclusive."""
    rows, cols = full.shape
    heights = np.zeros(cols, dtype=np.int64)
    best: tuple[int, tuple[int, int, int, int]] | None = None
    for r in range(rows):
        heights = np.where(full[r], heights + 1, 0)
        stack: list[int] = []
        for c in range(cols + 1):
            h = int(heights[c]) if c < cols else 0
            while stack and int(heights[stack[-1]]) >= h:
                top = stack.pop()
                height = int(heights[top])
                left = stack[-1] + 1 if stack else 0
                area = height * (c - left)
                if area > 0 and (best is None or area > best[0]):
                    best = (area, (r - height + 1, left, r + 1, c))
            stack.append(c)
    return None if best is None else best[1]


def _grid_cells(
    footprint: shapely.Geometry,
    frame: tuple[float, float, float, float],
    start: tuple[float, float],
    step: tuple[float, float],
    end: tuple[float, float],
    width: float,
) -> tuple[ObjArray, IntArray, IntArray]:
    """Grid cells shrunk by ``width / 2`` on every side (the roads run between them) meeting ``footprint``.

    ``frame`` is (origin x, origin y, cos, sin) of the grid axes; ``start``/``step``/``end`` are in
    grid coordinates. Returns (cells, column, row).
    """
    ox, oy, cos, sin = frame
    (u0, v0), (du, dv) = start, step
    nu, nv = math.ceil((end[0] - u0) / du), math.ceil((end[1] - v0) / dv)
    col, row = (a.ravel() for a in np.meshgrid(np.arange(nu), np.arange(nv)))
    half = width / 2.0
    lo_u, hi_u = u0 + col * du + half, u0 + (col + 1) * du - half
    lo_v, hi_v = v0 + row * dv + half, v0 + (row + 1) * dv - half
    corner_u = np.stack([lo_u, hi_u, hi_u, lo_u, lo_u], axis=1)
    corner_v = np.stack([lo_v, lo_v, hi_v, hi_v, lo_v], axis=1)
    ring = np.stack([ox + corner_u * cos - corner_v * sin, oy + corner_u * sin + corner_v * cos], axis=2)
    cells = shapely.polygons(ring)
    hit = shapely.intersects(footprint, cells)
    return np.asarray(cells[hit], dtype=object), col[hit].astype(np.int64), row[hit].astype(np.int64)


def _road_side(blocks: ObjArray, roads: ObjArray) -> FloatArray:
    """Length of each block's boundary lying on a road polygon (within 1 cm)."""
    if not len(roads) or not len(blocks):
        return np.zeros(len(blocks), dtype=np.float64)
    zone = shapely.buffer(shapely.union_all(roads), 0.01)
    return np.asarray(shapely.length(shapely.intersection(shapely.boundary(blocks), zone)), dtype=np.float64)


def _ensure_access(
    blocks: ObjArray, owner: IntArray, roads: ObjArray, width: float
) -> tuple[ObjArray, IntArray, ObjArray]:
    """Blocks whose road side is shorter than ``width`` give up a road strip along their own edge.

    The strip runs along the long side of the block's oriented envelope nearest to an existing road
    (or the southern one); when what remains is not reached by it, a ring road inside the block's
    outline is used instead. Remaining pieces under ``MIN_BLOCK_M2`` are dropped; a block too small
    for either keeps its shape and stays without a road side.
    """
    blind = np.flatnonzero(_road_side(blocks, roads) < width)
    if not len(blind):
        return blocks, owner, roads
    network = shapely.union_all(roads) if len(roads) else None
    served = np.ones(len(blocks), dtype=bool)
    served[blind] = False
    new_blocks, new_owner, new_roads = list(blocks[served]), list(owner[served]), list(roads)
    for i in blind:
        strip, rest = _access_strip(blocks[i], network, width, ring=False)
        if not rest:
            strip, rest = _access_strip(blocks[i], network, width, ring=True)
        if strip is None or not rest:  # too small for a road of its own: kept as it is
            new_blocks.append(blocks[i])
            new_owner.append(owner[i])
            continue
        parts = shapely.get_parts(strip)
        new_roads.extend(parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) >= MIN_ROAD_PART_M2)])
        new_blocks.extend(rest)
        new_owner.extend([owner[i]] * len(rest))
    return (
        np.asarray(new_blocks, dtype=object),
        np.asarray(new_owner, dtype=np.int64),
        np.asarray(new_roads, dtype=object),
    )


def _access_strip(
    block: shapely.Geometry, network: shapely.Geometry | None, width: float, *, ring: bool
) -> tuple[shapely.Geometry | None, list[shapely.Geometry]]:
    """(road strip cut from ``block``, the remaining block pieces that the strip serves)."""
    if ring:
        inner = shapely.buffer(block, -width, join_style="mitre")
        strip = shapely.difference(block, inner)
    else:
        corners = shapely.get_coordinates(shapely.oriented_envelope(block))[:4]
        edges = [(corners[k], corners[(k + 1) % 4]) for k in range(4)]
        edges.sort(key=lambda e: -math.hypot(*(e[1] - e[0])))
        mids = [(a + b) / 2.0 for a, b in edges[:2]]
        if network is not None:
            dist = [shapely.distance(shapely.Point(m), network) for m in mids]
        else:
            dist = [float(m[1]) for m in mids]
        a, b = edges[int(np.argmin(dist))]
        band = shapely.buffer(shapely.LineString([a, b]), width, cap_style="flat")
        strip = shapely.intersection(block, band)
    parts = shapely.get_parts(shapely.difference(block, strip))
    parts = parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) >= MIN_BLOCK_M2)]
    if not len(parts) or shapely.is_empty(strip):
        return None, []
    side = _road_side(parts, np.array([strip], dtype=object))
    return strip, [p for p, s in zip(parts, side, strict=True) if s >= width]


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

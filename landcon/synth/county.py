"""A synthetic mountainous Yunnan county in the 三调 schema (DLTB, CJDCQ, XZQ) with 三区三线 layers.

The model, in the order it is built (all randomness from one ``numpy.random.Generator``):

1. **Outline and scale.** The county is a smooth random blob whose area grows with the requested
   number of 地类图斑 (about 4 000 m² per 图斑, so parcel sizes stay realistic: 0.5–5 亩 plots in the
   hills, larger paddies in the 坝子, hectare-sized forest parcels). It sits at realistic Yunnan
   coordinates of the requested CGCS2000 3° Gauss–Krüger zone (x ≈ 450–550 km, y ≈ 2.75–2.85 Mm).
2. **Terrain.** A main river valley crosses the county and tributaries branch off it. Each valley
   has a flat floor (坝子 along the main river, narrow floors along the tributaries); away from the
   floor the slope rises to a hillside slope of 6°–38° drawn from smooth random (spectral) noise.
   A "height" proxy (distance from the valleys plus noise) marks ridges.
3. **Land-use zones.** On a 256 × 256 grid, zones are allocated by area quantiles of terrain-driven
   scores: 耕地 (flat, near valleys) ≈ 23 %, 园地 (moderate slopes) ≈ 7 %, 裸岩石砾地 (highest
   ridges) ≈ 1 %, 草地 ≈ 9 %, 林地 the rest. Settlements (自然村) are discs placed near valley
   floors; each 村委会 is centred on one, and each 乡镇 seat (the county seat the largest) is a
   bigger disc with 城镇住宅/商服/机关/科教 land.
4. **Parcels.** Seed points are drawn per grid cell on a jittered sub-lattice whose density follows
   the zone (steep farmland densest, forest sparsest); the parcels are their Voronoi cells (GEOS),
   with vertices rounded to 1 mm. Neighbouring cells share every vertex, so the parcels form an
   exact coverage. Each seed takes its village (nearest 村委会 centre), township (villages grouped
   around the township seats) and land use from the zone scores at its location plus a little
   noise, so zones have fuzzy, fragmented edges.
5. **Linear features.** Rivers (1101), a reservoir (1103), the county road (1003), seat streets
   (1004), rural and field roads (1006, village links and tracks into the hills, a grid in the
   坝子) and ditches (1107) are buffered lines (3–10 m wide; rivers wider). Only the cells they
   touch are re-partitioned: those cells' edges and the features' outlines are noded together with
   snap rounding on the 1 mm grid, edges with the same parcel on both sides are dropped, and the
   faces are rebuilt with ``polygonize``. The edges shared with untouched cells are not moved, so
   the whole layer stays one exact coverage. Faces under 5 m² are merged into a neighbour.
6. **Attributes.** 耕地 gets GDPDJB from its slope, GDLX (terraces TT common on grades 3–5), the
   田坎系数 KCXS from ``TIANKAN_COEFFICIENTS``, GDDB (better in valley paddy, worse on steep
   slopes), a crop status (LS/FLS/LYFL, some WG abandoned, a few XG/LLJZ) and LQGD on a few remote
   plots; some 园地/林地 next to farmland is former farmland (JKHF/GCHF, a few K codes). TBMJ is the
   official ellipsoid area (``engine.area``), KCMJ = TBMJ × KCXS, TBDLMJ = TBMJ − KCMJ.
7. **Administrative and planning layers.** CJDCQ and XZQ are coverage unions of their 图斑 (so they
   tile exactly); YJJBNTBHTB are the contiguous blocks of gentle farmland per village; STBHHX the
   largest blocks of ridge forest; CZKFBJ discs around the township seats.

Time and memory are linear in the number of parcels (vectorised numpy and shapely; Python loops
run only over villages, townships and the few tiny faces).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from landcon.data import counties
from landcon.engine import codes
from landcon.engine.area import ellipsoid_area
from landcon.engine.crs import GK3_PLAIN, GK3_PREFIXED
from landcon.engine.layers import CJDCQ, CZKFBJ, DLTB, STBHHX, XZQ, YJJBNTBHTB
from landcon.engine.tiankan import DEFAULT_TABLE, TiankanTable

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
ObjArray = npt.NDArray[np.object_]

TIANKAN_COEFFICIENTS: TiankanTable = DEFAULT_TABLE
"""KCXS by GDLX (TT/PD) and GDPDJB: the rule pack's default 田坎系数 table (``engine.tiankan``), so the
synthetic county's 耕地 and a plan's new 耕地 use the same coefficients."""

SURVEY_YEAR = 2023
MEAN_PARCEL_M2 = 4_000.0
"""Planned mean 图斑 area; the county area is ``features × MEAN_PARCEL_M2``."""
MIN_FACE_M2 = 5.0
"""Faces cut off by linear features below this area are merged into a neighbour."""
GRID = 256
CROSSING_PIECES = 1.0
"""Extra 图斑 per parcel crossed by a linear feature (empirical)."""
QUANTUM = 1e-3  # vertices on the 1 mm grid

# Land-use classes (index into _CLASS_CODES).
_CLASS_CODES: tuple[str, ...] = (
    "0101",  # 0 水田
    "0102",  # 1 水浇地
    "0103",  # 2 旱地
    "0201",  # 3 果园
    "0202",  # 4 茶园
    "0301",  # 5 乔木林地
    "0305",  # 6 灌木林地
    "0307",  # 7 其他林地
    "0404",  # 8 其他草地
    "0701",  # 9 城镇住宅
    "0702",  # 10 农村宅基地
    "05H1",  # 11 商服
    "08H1",  # 12 机关团体
    "08H2",  # 13 科教文卫
    "0809",  # 14 公用设施
    "0810",  # 15 公园与绿地
    "0601",  # 16 工业
    "1004",  # 17 城镇村道路
    "1201",  # 18 空闲地
    "1202",  # 19 设施农用地
    "1104",  # 20 坑塘水面
    "1207",  # 21 裸岩石砾地
    "1101",  # 22 河流水面
    "1103",  # 23 水库水面
    "1003",  # 24 公路用地
    "1006",  # 25 农村道路
    "1107",  # 26 沟渠
    "0201K",  # 27 可调整果园
    "0301K",  # 28 可调整乔木林地
    "0307K",  # 29 可调整其他林地
)
_C = {code: i for i, code in enumerate(_CLASS_CODES)}
_CULTIVATED = np.array([c in codes.CULTIVATED_CODES for c in _CLASS_CODES])

# Linear / areal water and transport features, in priority order (earlier ones win overlaps).
_THIN_CLASSES: tuple[str, ...] = ("1101", "1103", "1003", "1004", "1006", "1107")

_TOWN_CHARS_1 = "大小上下东西南北新老高石龙马白黑黄青红长平安永和富兴德清凤云金宝水松"
_TOWN_CHARS_2 = "营村庄街坝箐坡山河塘田寨哨沟冲甸屯湾铺凹川岭溪关林桥"


# ---------------------------------------------------------------------------------------------
# Public entry point
# ---------------------------------------------------------------------------------------------


def generate_county(
    county_code: str = "530124",
    features: int = 10_000,
    seed: int = 0,
    epsg: int = 4543,
    progress: Callable[[float], None] | None = None,
) -> dict[str, gpd.GeoDataFrame]:
    """A synthetic Yunnan mountain county: layers XZQ, CJDCQ, DLTB, YJJBNTBHTB, STBHHX, CZKFBJ.

    ``features`` is the target number of DLTB 图斑 (met within a few per cent); ``seed`` makes the
    output reproducible; ``epsg`` is a CGCS2000 3° Gauss–Krüger zone (4513–4554; with the zone
    prefix for 4513–4533). ``progress`` is called with fractions in [0, 1].
    """
    if county_code not in counties():
        raise ValueError(f"{county_code!r} is not a Yunnan county code (GB/T 2260, 53xxxx)")
    if epsg not in GK3_PLAIN and epsg not in GK3_PREFIXED:
        raise ValueError(f"EPSG:{epsg} is not a CGCS2000 3° Gauss–Krüger zone (4513–4554)")
    if features < 200:
        raise ValueError("features must be at least 200")
    report = progress or (lambda _f: None)
    builder = _CountyBuilder(county_code, int(features), seed, epsg, report)
    return builder.build()


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _noise(rng: np.random.Generator, ny: int, nx: int, beta: float) -> FloatArray:
    """Spectral (power-law) noise on a grid, zero mean, unit standard deviation."""
    white = rng.standard_normal((ny, nx))
    ky = np.fft.fftfreq(ny)[:, None]
    kx = np.fft.rfftfreq(nx)[None, :]
    k = np.hypot(kx, ky)
    k[0, 0] = 1.0
    spectrum = np.fft.rfft2(white) / k**beta
    spectrum[0, 0] = 0.0
    field = np.fft.irfft2(spectrum, s=(ny, nx))
    return np.asarray((field - field.mean()) / (field.std() + 1e-12), dtype=np.float64)


def _sigmoid(x: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)), dtype=np.float64)


def _smooth_line(
    rng: np.random.Generator, start: FloatArray, heading: float, length: float, steps: int, wiggle: float
) -> FloatArray:
    """A random-walk polyline with smoothly turning heading."""
    turns = np.cumsum(rng.normal(0.0, wiggle, steps))
    turns = np.convolve(turns, np.ones(3) / 3.0, mode="same")
    angles = heading + turns
    step = length / steps
    xy = np.cumsum(np.stack([np.cos(angles), np.sin(angles)], axis=1) * step, axis=0)
    return np.vstack([start, start + xy])


def _farthest_points(xy: FloatArray, k: int, first: int) -> IntArray:
    """Indices of ``k`` points spread out by farthest-point sampling, starting at ``first``."""
    k = min(k, len(xy))
    chosen = [first]
    dist = np.hypot(*(xy - xy[first]).T)
    for _ in range(k - 1):
        nxt = int(np.argmax(dist))
        chosen.append(nxt)
        dist = np.minimum(dist, np.hypot(*(xy - xy[nxt]).T))
    return np.asarray(chosen, dtype=np.int64)


def _rank_within(groups: IntArray) -> IntArray:
    """0-based rank of each element within its group, in input order."""
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    start = np.r_[0, np.flatnonzero(np.diff(sorted_groups)) + 1]
    counts = np.diff(np.r_[start, len(groups)])
    ranks_sorted = np.arange(len(groups)) - np.repeat(start, counts)
    ranks = np.empty(len(groups), dtype=np.int64)
    ranks[order] = ranks_sorted
    return ranks


def _bsm(county: str, layer_digit: int, n: int) -> ObjArray:
    """18-character 标识码: county code, layer digit, 11-digit sequence."""
    seq = pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(11)
    return np.asarray((f"{county}{layer_digit}" + seq).to_numpy(dtype=object), dtype=object)


def _round_mm(geoms: ObjArray) -> ObjArray:
    return np.asarray(shapely.transform(geoms, lambda c: np.round(c, 3)), dtype=object)


def _unique_names(rng: np.random.Generator, n: int, taken: set[str]) -> list[str]:
    names: list[str] = []
    while len(names) < n:
        a = _TOWN_CHARS_1[int(rng.integers(len(_TOWN_CHARS_1)))]
        b = _TOWN_CHARS_2[int(rng.integers(len(_TOWN_CHARS_2)))]
        name = a + b
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


def _polygons_only(geoms: ObjArray, label: IntArray) -> tuple[ObjArray, IntArray]:
    """Make invalid faces valid and split multi-part ones into polygons carrying the same label."""
    invalid = np.flatnonzero(~shapely.is_valid(geoms) | (shapely.get_type_id(geoms) != 3))
    if len(invalid):
        fixed = shapely.make_valid(geoms[invalid])
        pieces, of = shapely.get_parts(fixed, return_index=True)
        poly = shapely.get_type_id(pieces) == 3
        keep = np.ones(len(geoms), dtype=bool)
        keep[invalid] = False
        geoms = np.concatenate([geoms[keep], pieces[poly]])
        label = np.concatenate([label[keep], label[invalid][of[poly]]])
    return np.asarray(geoms, dtype=object), label


def _text(values: ObjArray | list[str | None]) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=object), dtype=object)


def _none(n: int) -> pd.Series:
    return pd.Series([None] * n, dtype=object)


# ---------------------------------------------------------------------------------------------
# The builder
# ---------------------------------------------------------------------------------------------


class _CountyBuilder:
    def __init__(self, county: str, features: int, seed: int, epsg: int, report: Callable[[float], None]) -> None:
        self.county = county
        self.county_name = counties()[county].name
        self.features = features
        self.epsg = epsg
        self.report = report
        self.rng = np.random.default_rng([seed, int(county), features])
        self.area = features * MEAN_PARCEL_M2
        self.size = math.sqrt(self.area)  # side of the equivalent square
        self.n_villages = int(np.clip(round(features / 1200), 6, 2000))
        self.n_towns = int(np.clip(round(math.sqrt(self.n_villages) * 1.3), 2, 25))

    # -- orchestration ---------------------------------------------------------------------------

    def build(self) -> dict[str, gpd.GeoDataFrame]:
        self._outline()
        self._terrain()
        self.report(0.05)
        self._zones()
        self._settlements()
        self._names()
        self._linear_features()
        self._seeds()
        self.report(0.15)
        self._voronoi()
        self.report(0.35)
        self._classify_seeds()
        self.report(0.45)
        self._repartition()
        self.report(0.7)
        dltb = self._dltb()
        self.report(0.85)
        villages, towns = self._admin(dltb)
        yjjbnt = self._yjjbnt(dltb)
        stbhhx = self._stbhhx(dltb)
        czkfbj = self._czkfbj(towns)
        self.report(1.0)
        return {
            XZQ: towns,
            CJDCQ: villages,
            DLTB: dltb,
            YJJBNTBHTB: yjjbnt,
            STBHHX: stbhhx,
            CZKFBJ: czkfbj,
        }

    # -- 1. outline ------------------------------------------------------------------------------

    def _outline(self) -> None:
        rng = self.rng
        theta = np.linspace(0.0, 2.0 * np.pi, 360, endpoint=False)
        radius = np.ones_like(theta)
        for k in range(2, 7):
            radius += rng.uniform(0.0, 0.14 / math.sqrt(k)) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
        ring = np.stack([radius * np.cos(theta), radius * np.sin(theta)], axis=1)
        unit = shapely.Polygon(ring)
        ring *= math.sqrt(self.area / unit.area)
        r_max = float(np.hypot(*ring.T).max())
        room = max(48_000.0 - r_max, 0.0)
        x0 = 500_000.0 + rng.uniform(-room, room)
        y0 = 2_800_000.0 + rng.uniform(-room, room) * 0.5
        if self.epsg in GK3_PREFIXED:
            x0 += (self.epsg - GK3_PREFIXED.start + 25) * 1_000_000.0
        self.center = np.array([round(x0), round(y0)], dtype=np.float64)
        self.blob = shapely.Polygon(ring + self.center)
        self.r_max = r_max

    # -- 2. terrain ------------------------------------------------------------------------------

    def _terrain(self) -> None:
        rng = self.rng
        minx, miny, maxx, maxy = self.blob.bounds
        margin = 0.04 * self.size + 200.0
        minx, miny, maxx, maxy = minx - margin, miny - margin, maxx + margin, maxy + margin
        cell = max(maxx - minx, maxy - miny) / GRID
        nx = math.ceil((maxx - minx) / cell)
        ny = math.ceil((maxy - miny) / cell)
        self.grid_origin = np.array([minx, miny])
        self.cell = cell
        self.nx, self.ny = nx, ny
        gx = minx + (np.arange(nx) + 0.5) * cell
        gy = miny + (np.arange(ny) + 0.5) * cell
        xx, yy = np.meshgrid(gx, gy)
        pts = shapely.points(xx.ravel(), yy.ravel())

        # Valleys: a main river across the county, tributaries branching off it.
        r = self.r_max
        alpha = rng.uniform(0.0, np.pi)
        u = np.array([math.cos(alpha), math.sin(alpha)])
        v = np.array([-u[1], u[0]])
        t = np.linspace(-1.3 * r, 1.3 * r, 500)
        lateral = np.zeros_like(t)
        for wavelength, amp in ((1.3, 0.12), (0.7, 0.05), (0.4, 0.025)):
            lateral += amp * r * rng.uniform(0.5, 1.0) * np.sin(2 * np.pi * t / (wavelength * r) + rng.uniform(0, 6.3))
        main_xy = self.center + t[:, None] * u + lateral[:, None] * v
        self.main_river = shapely.LineString(main_xy)
        n_trib = int(np.clip(round(self.area / 12e6), 3, 16))
        tribs = []
        for i in range(n_trib):
            k = int(rng.integers(60, 440))
            side = 1.0 if i % 2 == 0 else -1.0
            d = main_xy[min(k + 1, 499)] - main_xy[k]
            d /= np.hypot(*d)
            normal = np.array([-d[1], d[0]]) * side
            heading = math.atan2(normal[1], normal[0]) + rng.uniform(-0.7, 0.7)
            length = rng.uniform(0.45, 0.95) * r
            tribs.append(_smooth_line(rng, main_xy[k], heading, length, 40, 0.12))
        self.tributaries = shapely.MultiLineString(tribs)

        d_main = shapely.distance(pts, self.main_river).reshape(ny, nx)
        d_trib = shapely.distance(pts, self.tributaries).reshape(ny, nx)
        n_coarse = _noise(rng, ny, nx, 1.8)
        n_width = _noise(rng, ny, nx, 2.2)
        self.fw_main = float(np.clip(0.016 * self.size, 45.0, 800.0))
        self.fw_trib = 0.18 * self.fw_main
        width_factor = np.clip(1.0 + 0.35 * n_width, 0.5, 1.6)
        e_main = np.maximum(d_main - self.fw_main * width_factor, 0.0)
        e_trib = np.maximum(d_trib - self.fw_trib * width_factor, 0.0)
        excess = np.minimum(e_main, e_trib)
        ramp_len = float(np.clip(0.025 * self.size, 40.0, 800.0))
        ramp = 1.0 - np.exp(-excess / ramp_len)
        hill = 6.0 + 32.0 * _sigmoid(1.3 * n_coarse)
        self.g_slope = 0.8 + 1.6 * _sigmoid(2.0 * n_width) + hill * ramp**0.5
        self.g_floor = (excess <= 0.0).astype(np.float64)
        self.g_floor_main = ((d_main <= self.fw_main * width_factor) & (e_main <= 0)).astype(np.float64)
        self.g_dist = np.minimum(d_main, d_trib)
        self.g_height = excess / (0.3 * r) + 0.35 * n_coarse
        self.g_mask = shapely.contains_xy(self.blob, xx, yy)

    def _sample(self, grid: FloatArray, xy: FloatArray) -> FloatArray:
        """Bilinear interpolation of a grid field at points."""
        fx = (xy[:, 0] - self.grid_origin[0]) / self.cell - 0.5
        fy = (xy[:, 1] - self.grid_origin[1]) / self.cell - 0.5
        fx = np.clip(fx, 0.0, self.nx - 1.000001)
        fy = np.clip(fy, 0.0, self.ny - 1.000001)
        ix, iy = fx.astype(np.int64), fy.astype(np.int64)
        ax, ay = fx - ix, fy - iy
        ix1, iy1 = np.minimum(ix + 1, self.nx - 1), np.minimum(iy + 1, self.ny - 1)
        return np.asarray(
            grid[iy, ix] * (1 - ax) * (1 - ay)
            + grid[iy, ix1] * ax * (1 - ay)
            + grid[iy1, ix] * (1 - ax) * ay
            + grid[iy1, ix1] * ax * ay,
            dtype=np.float64,
        )

    # -- 3. zones --------------------------------------------------------------------------------

    def _zones(self) -> None:
        rng = self.rng
        ny, nx = self.ny, self.nx
        r = self.r_max
        mask = self.g_mask
        n_mask = int(mask.sum())
        self.g_noise_a = _noise(rng, ny, nx, 1.6)
        self.g_noise_b = _noise(rng, ny, nx, 1.6)
        self.g_noise_c = _noise(rng, ny, nx, 1.4)
        self.g_noise_d = _noise(rng, ny, nx, 1.5)
        slope, dist, height = self.g_slope, self.g_dist, self.g_height
        self.s_farm = 1.2 * self.g_floor - slope / 30.0 - dist / (0.3 * r) + 0.8 * self.g_noise_a
        self.s_garden = -np.abs(slope - 15.0) / 10.0 - dist / (0.3 * r) + 0.9 * self.g_noise_b
        self.s_rock = height + slope / 30.0 + 0.3 * self.g_noise_c
        self.s_grass = self.g_noise_d + 0.3 * height

        def top(score: FloatArray, remaining: BoolArray, share: float) -> float:
            pool = score[remaining]
            want = min(share * n_mask / max(len(pool), 1), 1.0)
            return float(np.quantile(pool, 1.0 - want)) if len(pool) else np.inf

        self.t_farm = top(self.s_farm, mask, 0.23)
        zone = np.full((ny, nx), 5, dtype=np.int64)  # 5 forest
        farm = self.s_farm > self.t_farm
        zone[farm] = np.where(self.g_floor[farm] > 0, 0, 1)  # 0 floor farmland, 1 hill farmland
        rem = mask & ~farm
        self.t_garden = top(self.s_garden, rem, 0.07)
        garden = rem & (self.s_garden > self.t_garden)
        zone[garden] = 2
        rem &= ~garden
        self.t_rock = top(self.s_rock, rem, 0.012)
        rock = rem & (self.s_rock > self.t_rock)
        zone[rock] = 3
        rem &= ~rock
        self.t_grass = top(self.s_grass, rem, 0.09)
        grass = rem & (self.s_grass > self.t_grass)
        zone[grass] = 4
        self.g_zone = zone

    # -- settlements, villages, townships ---------------------------------------------------------

    def _settlements(self) -> None:
        rng = self.rng
        weight = (
            self.g_mask
            * np.exp(-self.g_dist / (0.08 * self.r_max + 1.0))
            * (self.g_slope < 22.0)
            * (0.3 + (self.g_zone <= 1))
        ).ravel()
        n_cl = max(3 * self.n_villages, 8)
        cand = np.flatnonzero(weight > 0)
        pick = rng.choice(cand, size=min(n_cl, len(cand)), replace=False, p=weight[cand] / weight[cand].sum())
        iy, ix = np.divmod(pick, self.nx)
        xy = self.grid_origin + (np.stack([ix, iy], axis=1) + rng.uniform(0.2, 0.8, (len(pick), 2))) * self.cell
        scale = float(np.clip(self.size / 40_000.0, 0.45, 1.0))
        radius = rng.uniform(55.0, 140.0, len(pick)) * scale
        # The county seat: the settlement closest to the middle of the main river.
        mid = np.asarray(shapely.line_interpolate_point(self.main_river, 0.5, normalized=True).coords[0])
        first = int(np.argmin(np.hypot(*(xy - mid).T)))
        vil = _farthest_points(xy, self.n_villages, first)
        self.n_villages = len(vil)
        self.village_xy = xy[vil]
        towns = _farthest_points(self.village_xy, self.n_towns, 0)
        self.n_towns = len(towns)
        self.town_xy = self.village_xy[towns]
        d = np.hypot(
            self.village_xy[:, None, 0] - self.town_xy[None, :, 0],
            self.village_xy[:, None, 1] - self.town_xy[None, :, 1],
        )
        self.village_town = np.argmin(d, axis=1)
        self.village_town[towns] = np.arange(self.n_towns)
        self.seat_village = towns
        seat_r = float(np.clip(0.02 * self.size, 80.0, 700.0))
        self.seat_radius = np.where(np.arange(self.n_towns) == 0, seat_r, 0.45 * seat_r)
        # Settlement discs that fall in a seat disc are absorbed by the seat.
        ds = np.hypot(xy[:, None, 0] - self.town_xy[None, :, 0], xy[:, None, 1] - self.town_xy[None, :, 1])
        keep = (ds > self.seat_radius[None, :] + radius[:, None]).all(axis=1)
        self.cluster_xy = xy[keep]
        self.cluster_r = radius[keep]
        self.seat_disc = shapely.union_all(shapely.buffer(shapely.points(self.town_xy), self.seat_radius, quad_segs=16))
        self.cluster_disc = shapely.union_all(
            shapely.buffer(shapely.points(self.cluster_xy), self.cluster_r, quad_segs=12)
        )

    # -- 4. seeds --------------------------------------------------------------------------------

    def _seeds(self) -> None:
        rng = self.rng
        slope = self.g_slope
        area = np.select(
            [self.g_zone == 0, self.g_zone == 1, self.g_zone == 2, self.g_zone == 3, self.g_zone == 4],
            [2_300.0, np.maximum(1_650.0 - 28.0 * slope, 700.0), 3_500.0, 12_000.0, 10_000.0],
            default=16_000.0,
        )
        density = np.where(self.g_mask, 1.0 / area, 0.5 / 16_000.0)
        cell_area = self.cell**2
        # Calibrate to the target count. Parcels: ``factor × n0``. Linear features cut the parcels
        # they cross in two: about 1.27·√ρ crossings per metre of line at seed density ρ, so
        # ``√factor × e0`` extra pieces.
        settle_area = float(self.seat_disc.area + self.cluster_disc.area)
        n0 = float((density * cell_area)[self.g_mask].sum()) + settle_area / 2_500.0
        step = max(self.cell / 2.0, 5.0)
        e0 = 0.0
        for line in self.thin_lines:
            at = np.arange(step / 2, line.length, step)
            if not len(at):
                continue
            p = shapely.get_coordinates(shapely.line_interpolate_point(line, at))
            e0 += float(np.sqrt(self._sample(density, p)).sum()) * step * 1.27 * CROSSING_PIECES
        root = (-e0 + math.sqrt(e0 * e0 + 4.0 * n0 * self.features)) / (2.0 * n0)
        factor = root * root
        lam = (density * cell_area * factor).ravel()
        counts = np.floor(lam + rng.random(len(lam))).astype(np.int64)
        cells = np.flatnonzero(counts)
        counts = counts[cells]
        k = np.ceil(np.sqrt(counts)).astype(np.int64)
        slots = k * k
        cand_cell = np.repeat(np.arange(len(cells)), slots)
        local = np.arange(len(cand_cell)) - np.repeat(np.cumsum(slots) - slots, slots)
        key = rng.random(len(cand_cell))
        order = np.lexsort((key, cand_cell))
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order)) - np.repeat(np.cumsum(slots) - slots, slots)
        take = rank < counts[cand_cell]
        cc, loc = cand_cell[take], local[take]
        kk = k[cc]
        sub_x, sub_y = loc % kk, loc // kk
        iy, ix = np.divmod(cells[cc], self.nx)
        jitter = rng.uniform(-0.3, 0.3, (len(cc), 2))
        sub = self.cell / kk
        xy = self.grid_origin + np.stack(
            [ix * self.cell + (sub_x + 0.5 + jitter[:, 0]) * sub, iy * self.cell + (sub_y + 0.5 + jitter[:, 1]) * sub],
            axis=1,
        )
        settled = shapely.union(self.seat_disc, self.cluster_disc)
        xy = xy[~shapely.contains_xy(settled, xy[:, 0], xy[:, 1])]
        # Settlement and seat parcels on hexagonal lattices inside their discs.
        spacing_settle = math.sqrt(2_500.0 / factor)
        disc_xy = [
            self._disc_lattice(self.cluster_xy, self.cluster_r, spacing_settle),
            self._disc_lattice(self.town_xy, self.seat_radius, spacing_settle * 1.05),
        ]
        xy = np.vstack([xy, *disc_xy])
        xy = np.unique(np.round(xy, 2), axis=0)
        self.seeds = xy[rng.permutation(len(xy))]

    def _disc_lattice(self, centres: FloatArray, radii: FloatArray, spacing: float) -> FloatArray:
        """Jittered hexagonal lattice points inside discs, each point kept only in its nearest disc."""
        rng = self.rng
        if not len(centres):
            return np.zeros((0, 2))
        n = np.ceil(2 * radii / spacing).astype(np.int64) + 1
        per = n * n
        disc = np.repeat(np.arange(len(centres)), per)
        local = np.arange(per.sum()) - np.repeat(np.cumsum(per) - per, per)
        i, j = local % n[disc], local // n[disc]
        off_x = (i - (n[disc] - 1) / 2 + 0.5 * (j % 2)) * spacing
        off_y = (j - (n[disc] - 1) / 2) * spacing * 0.866
        off = np.stack([off_x, off_y], axis=1) + rng.uniform(-0.2, 0.2, (len(disc), 2)) * spacing
        inside = np.hypot(off[:, 0], off[:, 1]) < radii[disc]
        pts = centres[disc] + off
        pts, disc = pts[inside], disc[inside]
        tree = shapely.STRtree(shapely.points(centres))
        nearest = tree.query_nearest(shapely.points(pts), all_matches=False)[1]
        return np.asarray(pts[nearest == disc], dtype=np.float64)

    # -- Voronoi ---------------------------------------------------------------------------------

    def _voronoi(self) -> None:
        minx, miny = self.grid_origin
        extent = shapely.box(
            minx - 5_000, miny - 5_000, minx + self.nx * self.cell + 5_000, miny + self.ny * self.cell + 5_000
        )
        cells = shapely.get_parts(
            shapely.voronoi_polygons(shapely.multipoints(self.seeds), extend_to=extent, ordered=True)
        )
        if len(cells) != len(self.seeds):
            raise RuntimeError("Voronoi diagram lost seed points")
        self.cells = _round_mm(np.asarray(cells, dtype=object))
        self.in_county = shapely.contains_xy(self.blob, self.seeds[:, 0], self.seeds[:, 1])
        tree = shapely.STRtree(shapely.points(self.village_xy))
        self.seed_tree = shapely.STRtree(shapely.points(self.seeds))
        self.seed_village = tree.query_nearest(shapely.points(self.seeds), all_matches=False)[1].astype(np.int64)

    # -- land use per seed -----------------------------------------------------------------------

    def _classify_seeds(self) -> None:
        rng = self.rng
        xy = self.seeds
        n = len(xy)
        jit = 0.18
        s_farm = self._sample(self.s_farm, xy) + rng.normal(0, jit, n)
        s_garden = self._sample(self.s_garden, xy) + rng.normal(0, jit, n)
        s_rock = self._sample(self.s_rock, xy) + rng.normal(0, jit, n)
        s_grass = self._sample(self.s_grass, xy) + rng.normal(0, jit, n)
        floor = self._sample(self.g_floor, xy) > 0.5
        floor_main = self._sample(self.g_floor_main, xy) > 0.5
        slope = np.maximum(self._sample(self.g_slope, xy) + rng.normal(0, 2.0, n), 0.2)
        slope = np.where(floor, np.maximum(self._sample(self.g_slope, xy) + rng.normal(0, 0.6, n), 0.2), slope)
        height = self._sample(self.g_height, xy)
        dist = self._sample(self.g_dist, xy)
        u = rng.random(n)
        u2 = rng.random(n)

        cls = np.full(n, _C["0301"], dtype=np.int64)
        forest_kind = self._sample(self.g_noise_c, xy)
        cls = np.where(forest_kind > 0.7, _C["0305"], cls)
        cls = np.where((forest_kind < -0.9) | ((forest_kind < -0.3) & (dist < 0.15 * self.r_max)), _C["0307"], cls)
        grass = s_grass > self.t_grass
        cls = np.where(grass, _C["0404"], cls)
        rock = s_rock > self.t_rock
        cls = np.where(rock, _C["1207"], cls)
        garden = s_garden > self.t_garden
        tea = self._sample(self.g_noise_d, xy) + 0.5 * height > 0.2
        cls = np.where(garden, np.where(tea, _C["0202"], _C["0201"]), cls)
        farm = s_farm > self.t_farm
        hill_farm = np.select(
            [u < 0.06, u < 0.075, u < 0.09],
            [_C["0101"], _C["1202"], _C["1104"]],
            default=_C["0103"],
        )
        floor_farm = np.select(
            [u < 0.72, u < 0.80, u < 0.93, u < 0.955, u < 0.975],
            [_C["0101"], _C["0102"], _C["0103"], _C["1104"], _C["1202"]],
            default=_C["0201"],
        )
        cls = np.where(farm, np.where(floor, floor_farm, hill_farm), cls)
        # Former farmland now orchard or forest at the edge of the farming zone.
        former = ~farm & (s_farm > self.t_farm - 0.35) & np.isin(cls, [_C["0201"], _C["0202"], _C["0301"], _C["0307"]])
        former &= u2 < 0.35
        k_code = former & (u2 < 0.04)
        cls = np.where(k_code & (cls == _C["0201"]), _C["0201K"], cls)
        cls = np.where(k_code & (cls == _C["0301"]), _C["0301K"], cls)
        cls = np.where(k_code & (cls == _C["0307"]), _C["0307K"], cls)

        # Settlements and seats.
        cl_tree = shapely.STRtree(shapely.points(self.cluster_xy)) if len(self.cluster_xy) else None
        in_cluster = np.zeros(n, dtype=bool)
        if cl_tree is not None:
            idx, d = cl_tree.query_nearest(shapely.points(xy), all_matches=False, return_distance=True)
            in_cluster[idx[0]] = d < self.cluster_r[idx[1]]
        settle = np.select(
            [u < 0.80, u < 0.88, u < 0.92, u < 0.95, u < 0.97],
            [_C["0702"], _C["1201"], _C["08H2"], _C["0809"], _C["05H1"]],
            default=_C["1202"],
        )
        cls = np.where(in_cluster, settle, cls)
        in_seat = np.zeros(n, dtype=bool)
        for (cx, cy), rad in zip(self.town_xy, self.seat_radius, strict=True):
            in_seat |= np.hypot(xy[:, 0] - cx, xy[:, 1] - cy) < rad
        seat = np.select(
            [u < 0.45, u < 0.62, u < 0.68, u < 0.77, u < 0.80, u < 0.83, u < 0.88, u < 0.94],
            [_C["0701"], _C["05H1"], _C["08H1"], _C["08H2"], _C["0809"], _C["0810"], _C["0601"], _C["1004"]],
            default=_C["1201"],
        )
        cls = np.where(in_seat, seat, cls)
        self.seed_class = cls
        self.seed_slope = slope
        self.seed_height = height
        self.seed_floor = floor
        self.seed_floor_main = floor_main
        self.seed_dist = dist
        self.seed_former = former & ~in_cluster & ~in_seat
        self.seed_settle = np.where(in_seat, 2, np.where(in_cluster, 1, 0))
        self.seed_u = rng.random((n, 4))

    # -- 5. linear features ----------------------------------------------------------------------

    def _linear_features(self) -> None:
        rng = self.rng
        blob = self.blob
        size_w = float(np.clip(self.size / 60_000.0, 0.35, 1.0))
        lines: dict[str, list[shapely.Geometry]] = {c: [] for c in _THIN_CLASSES}
        widths: dict[str, list[float]] = {c: [] for c in _THIN_CLASSES}

        def add(code: str, geom: shapely.Geometry, width: float) -> None:
            geom = shapely.intersection(geom, blob)
            if not geom.is_empty:
                lines[code].append(geom)
                widths[code].append(width)

        add("1101", self.main_river, 14.0 + 26.0 * size_w)
        for trib in shapely.get_parts(self.tributaries):
            add("1101", trib, 5.0 + 4.0 * size_w)
        # Floor roads and ditches parallel to the main river, cross roads every few hundred metres.
        fw = self.fw_main
        for frac, code, width in ((0.55, "1003", 9.0), (-0.5, "1006", 4.5), (0.25, "1107", 3.0), (-0.8, "1107", 3.0)):
            off = shapely.offset_curve(self.main_river, frac * fw, quad_segs=4, join_style="round")
            if off is not None and not off.is_empty:
                add(code, off, width)
        length = self.main_river.length
        spacing = max(180.0, 0.3 * fw)
        dists = np.arange(spacing / 2, length, spacing)
        p0 = shapely.get_coordinates(shapely.line_interpolate_point(self.main_river, dists))
        p1 = shapely.get_coordinates(shapely.line_interpolate_point(self.main_river, dists + 1.0))
        tangent = (p1 - p0) / np.hypot(*(p1 - p0).T)[:, None]
        normal = np.stack([-tangent[:, 1], tangent[:, 0]], axis=1)
        cross = shapely.linestrings(np.stack([p0 - normal * fw * 1.1, p0 + normal * fw * 1.1], axis=1))
        for i, line in enumerate(cross):
            add("1006" if i % 2 == 0 else "1107", line, 4.0 if i % 2 == 0 else 3.0)
        for trib in shapely.get_parts(self.tributaries):
            for side in (-1.0, 1.0):
                off = shapely.offset_curve(trib, side * 0.6 * self.fw_trib, quad_segs=4)
                if off is not None and not off.is_empty:
                    add("1107" if side < 0 else "1006", off, 3.0 if side < 0 else 4.0)
        # Seat streets.
        for t, (cx, cy) in enumerate(self.town_xy):
            rad = float(self.seat_radius[t])
            step = max(70.0, rad / 3.0)
            ang = rng.uniform(0, np.pi)
            d = np.array([math.cos(ang), math.sin(ang)])
            nrm = np.array([-d[1], d[0]])
            disc = shapely.Point(cx, cy).buffer(rad * 1.1, quad_segs=16)
            for off in np.arange(-rad, rad + 1e-6, step):
                for a, b in ((d, nrm), (nrm, d)):
                    c = np.array([cx, cy]) + b * off
                    street = shapely.LineString([c - a * rad * 1.2, c + a * rad * 1.2])
                    add("1004", shapely.intersection(street, disc), 8.0 if t == 0 else 6.0)
        # Village links: every settlement to its nearest settlement closer to the main river, else
        # straight to the county road / river.
        pts = np.vstack([self.town_xy, self.cluster_xy])
        dmain = shapely.distance(shapely.points(pts), self.main_river)
        order = np.argsort(dmain)
        for rank, i in enumerate(order):
            p = pts[i]
            if rank == 0 or dmain[i] < fw:
                continue
            closer = pts[order[:rank]]
            dd = np.hypot(*(closer - p).T)
            j = int(np.argmin(dd))
            if dd[j] < max(2_500.0 * size_w, 0.6 * dmain[i]):
                q = closer[j]
            else:
                q = np.asarray(
                    shapely.line_interpolate_point(
                        self.main_river, shapely.line_locate_point(self.main_river, shapely.Point(p))
                    ).coords[0]
                )
            mid = (p + q) / 2 + rng.normal(0, 0.08, 2) * np.hypot(*(q - p))
            add("1006", shapely.LineString([p, mid, q]), 4.5)
            # Tracks into the hills.
            for _ in range(int(rng.integers(1, 3))):
                track = _smooth_line(rng, p, rng.uniform(0, 2 * np.pi), rng.uniform(300, 1_100) * size_w, 12, 0.3)
                add("1006", shapely.LineString(track), 3.5)
        # Reservoir on a tributary.
        tribs = shapely.get_parts(self.tributaries)
        trib = tribs[int(rng.integers(len(tribs)))]
        r_res = float(np.clip(0.012 * self.size, 40.0, 450.0))
        a, b = 0.5 * trib.length, 0.5 * trib.length + 2.5 * r_res
        seg = shapely.LineString(shapely.get_coordinates(shapely.line_interpolate_point(trib, np.linspace(a, b, 8))))
        reservoir = shapely.intersection(seg.buffer(r_res, quad_segs=12), blob)

        self.thin_lines = [g for code in _THIN_CLASSES for g in lines[code]]
        self.thin: list[tuple[str, shapely.Geometry]] = []
        taken = shapely.Polygon()
        for code in _THIN_CLASSES:
            polys = [
                shapely.buffer(g, w / 2, quad_segs=3, cap_style="flat", join_style="mitre", mitre_limit=2.0)
                for g, w in zip(lines[code], widths[code], strict=True)
            ]
            if code == "1103":
                polys.append(reservoir)
            if not polys:
                continue
            geom = shapely.union_all(polys)
            geom = shapely.difference(geom, taken)
            geom = shapely.make_valid(geom)
            geom = shapely.union_all([g for g in shapely.get_parts(geom) if shapely.get_type_id(g) in (3, 6)])
            if geom.is_empty:
                continue
            self.thin.append((code, geom))
            taken = shapely.union(taken, geom)
        for _, geom in self.thin:
            shapely.prepare(geom)

    # -- repartition the cells touched by linear features ------------------------------------------

    def _label_points(self, xy: FloatArray) -> IntArray:
        """Parcel label of points: seed index for cells, n_seeds + k·n_villages + village for
        linear feature class k, −1 outside the county."""
        n_seeds = len(self.seeds)
        nearest = self.seed_tree.query_nearest(shapely.points(xy), all_matches=False)[1].astype(np.int64)
        label = nearest.copy()
        assigned = np.zeros(len(xy), dtype=bool)
        for k, (_, geom) in enumerate(self.thin):
            inside = ~assigned & shapely.contains_xy(geom, xy[:, 0], xy[:, 1])
            label[inside] = n_seeds + k * self.n_villages + self.seed_village[nearest[inside]]
            assigned |= inside
        label[~self.in_county[nearest]] = -1
        return np.asarray(label, dtype=np.int64)

    def _repartition(self) -> None:
        cells = self.cells
        n_seeds = len(cells)
        parts = (
            np.concatenate([shapely.get_parts(g) for _, g in self.thin]) if self.thin else np.array([], dtype=object)
        )
        tree = shapely.STRtree(cells)
        hit = tree.query(parts, predicate="dwithin", distance=1.0)[1] if len(parts) else np.array([], dtype=np.int64)
        touched = np.zeros(n_seeds, dtype=bool)
        touched[hit] = True
        touched &= self.in_county
        t_idx = np.flatnonzero(touched)

        # Unique edges of the touched cells.
        xy, gi = shapely.get_coordinates(cells[t_idx], return_index=True)
        same = gi[:-1] == gi[1:]
        a, b = xy[:-1][same], xy[1:][same]
        owner = t_idx[gi[:-1][same]]
        q0 = np.round((a - self.grid_origin + 10_000.0) / QUANTUM).astype(np.int64)
        q1 = np.round((b - self.grid_origin + 10_000.0) / QUANTUM).astype(np.int64)
        k0 = q0[:, 0] * (1 << 31) + q0[:, 1]
        k1 = q1[:, 0] * (1 << 31) + q1[:, 1]
        nonzero = k0 != k1
        a, b, owner, k0, k1 = a[nonzero], b[nonzero], owner[nonzero], k0[nonzero], k1[nonzero]
        lo, hi = np.minimum(k0, k1), np.maximum(k0, k1)
        order = np.lexsort((hi, lo))
        lo_s, hi_s = lo[order], hi[order]
        first = np.r_[True, (lo_s[1:] != lo_s[:-1]) | (hi_s[1:] != hi_s[:-1])]
        grp = np.cumsum(first) - 1
        n_grp = int(grp[-1]) + 1
        rep = order[first]
        size = np.bincount(grp, minlength=n_grp)
        other = np.full(n_grp, -1, dtype=np.int64)
        second = order[~first]
        other[grp[~first]] = owner[second]
        own = owner[rep]
        seg_a, seg_b = a[rep], b[rep]
        segs = shapely.linestrings(np.stack([seg_a, seg_b], axis=1))
        # Edges that a linear feature crosses go to the noder; the others keep their labels.
        s_tree = shapely.STRtree(segs)
        crossing = np.zeros(n_grp, dtype=bool)
        if len(parts):
            crossing[s_tree.query(parts, predicate="intersects")[1]] = True
        pid = np.where(self.in_county, np.arange(n_seeds), -1)
        both_out = (size == 2) & (pid[own] == -1) & (pid[np.maximum(other, 0)] == -1)
        keep_plain = ~crossing & ~both_out
        outlines = [shapely.get_parts(shapely.boundary(p)) for p in parts] if len(parts) else []
        outline_lines = np.concatenate([shapely.get_parts(o) for o in outlines]) if outlines else np.array([])
        noded = shapely.union_all(np.concatenate([segs[crossing], outline_lines]), grid_size=QUANTUM)
        ncoords, nidx = shapely.get_coordinates(shapely.get_parts(noded), return_index=True)
        nsame = nidx[:-1] == nidx[1:]
        na, nb = ncoords[:-1][nsame], ncoords[1:][nsame]
        vec = nb - na
        length = np.hypot(vec[:, 0], vec[:, 1])
        ok = length > 0
        na, nb, vec, length = na[ok], nb[ok], vec[ok], length[ok]
        mid = (na + nb) / 2
        normal = np.stack([-vec[:, 1], vec[:, 0]], axis=1) / length[:, None]
        eps = np.minimum(0.01, 0.05 * length)[:, None]
        left = self._label_points(mid + normal * eps)
        right = self._label_points(mid - normal * eps)
        keep_noded = left != right
        lines = np.concatenate(
            [segs[keep_plain], shapely.linestrings(np.stack([na[keep_noded], nb[keep_noded]], axis=1))]
        )
        faces = shapely.get_parts(shapely.polygonize(lines))
        labels = self._label_points(shapely.get_coordinates(shapely.point_on_surface(faces)))
        is_cell = (labels >= 0) & (labels < n_seeds)
        drop = (labels < 0) | (is_cell & ~touched[np.where(is_cell, labels, 0)])
        faces, labels = faces[~drop], labels[~drop]
        untouched = np.flatnonzero(self.in_county & ~touched)
        geoms = np.concatenate([cells[untouched], faces])
        label = np.concatenate([untouched, labels])
        geoms, label = self._merge_tiny(np.asarray(geoms, dtype=object), label)
        self.parcel_geom = geoms
        self.parcel_label = label

    def _village_of(self, label: IntArray) -> IntArray:
        n_seeds = len(self.seeds)
        return np.where(
            label < n_seeds, self.seed_village[np.minimum(label, n_seeds - 1)], (label - n_seeds) % self.n_villages
        )

    def _merge_tiny(self, geoms: ObjArray, label: IntArray) -> tuple[ObjArray, IntArray]:
        """Merge faces below MIN_FACE_M2 into the neighbour sharing the longest edge (preferring one
        of the same village); make invalid faces valid and split multi-part faces."""
        geoms, label = _polygons_only(geoms, label)
        for _ in range(4):
            tiny = np.flatnonzero(shapely.area(geoms) < MIN_FACE_M2)
            if not len(tiny):
                break
            village = self._village_of(label)
            tree = shapely.STRtree(geoms)
            src, dst = tree.query(geoms[tiny], predicate="intersects")
            src = tiny[src]
            ok = src != dst
            src, dst = src[ok], dst[ok]
            shared = shapely.length(shapely.intersection(shapely.boundary(geoms[src]), shapely.boundary(geoms[dst])))
            score = shared + 1e6 * (village[src] == village[dst]) + 1e3 * (shapely.area(geoms[dst]) >= MIN_FACE_M2)
            pairs = pd.DataFrame({"src": src, "dst": dst, "score": score})[shared > 0]
            pairs = pairs.sort_values(["src", "score"], ascending=[True, False]).drop_duplicates("src")
            for s, d in zip(pairs["src"].tolist(), pairs["dst"].tolist(), strict=True):
                if geoms[s] is None or geoms[d] is None:
                    continue
                geoms[d] = shapely.coverage_union(geoms[d], geoms[s])
                geoms[s] = None
            keep = ~shapely.is_missing(geoms)
            geoms, label = geoms[keep], label[keep]
        return _polygons_only(geoms, label)

    # -- 6. DLTB ---------------------------------------------------------------------------------

    def _dltb(self) -> gpd.GeoDataFrame:
        rng = self.rng
        geoms, label = self.parcel_geom, self.parcel_label
        n_seeds = len(self.seeds)
        is_cell = label < n_seeds
        seed = np.where(is_cell, label, 0)
        village = self._village_of(label)
        # Sort by village then position so that TBBH runs through each village.
        cent = shapely.get_coordinates(shapely.centroid(geoms))
        order = np.lexsort((cent[:, 0], -cent[:, 1], village))
        geoms, label, is_cell, seed, village = geoms[order], label[order], is_cell[order], seed[order], village[order]
        n = len(geoms)
        thin_codes = np.array([_C[c] for c, _ in self.thin] or [0], dtype=np.int64)
        thin_k = np.where(is_cell, 0, (label - n_seeds) // self.n_villages)
        cls = np.where(is_cell, self.seed_class[seed], thin_codes[thin_k])
        dlbm = np.asarray(_CLASS_CODES, dtype=object)[cls]
        cultivated = _CULTIVATED[cls]
        slope = self.seed_slope[seed]
        u = self.seed_u[seed]
        settle = np.where(is_cell, self.seed_settle[seed], 0)

        # 耕地 attributes.
        grade_num = np.digitize(slope, [2.0, 6.0, 15.0, 25.0], right=True) + 1
        paddy_floor = cultivated & (cls == _C["0101"]) & self.seed_floor[seed]
        grade_num = np.where(paddy_floor, np.minimum(grade_num, 2), grade_num)
        grade = np.where(cultivated, grade_num.astype(str).astype(object), None)
        p_tt = np.array([0.0, 0.0, 0.3, 0.6, 0.7, 0.6])[grade_num]
        terraced = (u[:, 0] < p_tt) | ((cls == _C["0101"]) & (grade_num >= 2))
        gdlx = np.where(cultivated & (grade_num >= 2), np.where(terraced, codes.TERRACE, codes.SLOPE_FIELD), None)
        table = np.zeros((2, 6))
        for g in ("2", "3", "4", "5"):
            table[0, int(g)] = TIANKAN_COEFFICIENTS[codes.TERRACE][g]
            table[1, int(g)] = TIANKAN_COEFFICIENTS[codes.SLOPE_FIELD][g]
        kcxs_val = table[np.where(gdlx == codes.TERRACE, 0, 1), grade_num]
        kcxs = np.where(cultivated, kcxs_val, np.nan)
        kcdlbm = np.where(cultivated & (kcxs_val > 0), "1203", None)
        # Crop status: abandonment more likely on steep, remote plots.
        p_wg = 0.03 + 0.05 * (grade_num >= 4) + 0.04 * (grade_num == 5)
        r = u[:, 1]
        crop = np.select(
            [r < p_wg, r < p_wg + 0.02, r < p_wg + 0.04, r < 0.6, r < 0.82],
            ["WG", "XG", "LLJZ", "LS", "FLS"],
            default="LYFL",
        ).astype(object)
        remote = (
            self.seed_dist[seed] > np.quantile(self.seed_dist[seed][cultivated], 0.9) if cultivated.any() else False
        )
        lqgd = cultivated & remote & np.isin(crop, ["LS", "FLS", "LYFL"]) & (u[:, 2] < 0.5)
        tbxhdm = np.where(lqgd, "LQGD", None)
        former = is_cell & self.seed_former[seed] & ~cultivated
        recovery = np.where(u[:, 2] < 0.6, "JKHF", "GCHF").astype(object)
        zzsx = np.where(cultivated, crop, np.where(former, recovery, None))
        zzsxmc = pd.Series(zzsx, dtype=object).map(dict(codes.PLANTING_CODES)).to_numpy(dtype=object)
        zzsxmc = np.where(pd.isna(zzsxmc), None, zzsxmc)
        gddb_base = (
            np.select(
                [grade_num <= 1, grade_num == 2, grade_num == 3, grade_num == 4],
                [7.0, 9.0, 10.5, 12.0],
                default=13.5,
            )
            - 1.5 * paddy_floor
        )
        gddb_val = np.clip(np.rint(gddb_base + rng.normal(0, 1.0, n)), codes.GDDB_MIN, codes.GDDB_MAX)
        gddb = pd.array(np.where(cultivated, gddb_val, np.nan), dtype="Int64")
        # 城镇村属性码 and 权属性质.
        construction = np.isin(
            cls, [_C[c] for c in ("0701", "0702", "05H1", "08H1", "08H2", "0809", "0810", "0601", "1004", "1201")]
        )
        czcs = np.where(settle == 2, "202", np.where((settle == 1) & construction, "203", None))
        czcs = np.where(cls == _C["1004"], "202", czcs)
        state_forest = np.isin(cls, [_C["0301"], _C["0305"]]) & (self.seed_height[seed] > 0.9)
        state = state_forest | np.isin(cls, [_C[c] for c in ("1101", "1103", "1003", "1004")]) | (settle == 2)
        state |= (cls == _C["1006"]) & ~is_cell
        qsxz = np.where(state, "10", "30").astype(object)

        tbmj = np.round(ellipsoid_area(geoms, self.epsg), 2)
        kcmj = np.where(cultivated, np.round(tbmj * np.nan_to_num(kcxs), 2), 0.0)
        tbdlmj = np.round(tbmj - kcmj, 2)
        zldwdm = np.asarray([c + "0000000" for c in self.village_codes], dtype=object)[village]
        vname = np.asarray(self.village_names, dtype=object)[village]
        tbbh = (_rank_within(village) + 1).astype(str).astype(object)
        names = dict(codes.LAND_USE_NAMES)
        dlmc = np.asarray([names[c] for c in _CLASS_CODES], dtype=object)[cls]
        refinement = dict(codes.REFINEMENT_CODES)
        tbxhmc = np.where(lqgd, refinement["LQGD"], None)
        frame = gpd.GeoDataFrame(
            {
                "BSM": _text(_bsm(self.county, 3, n)),
                "YSDM": _text(["2001010100"] * n),
                "TBYBH": _text(tbbh),
                "TBBH": _text(tbbh),
                "DLBM": _text(dlbm),
                "DLMC": _text(dlmc),
                "QSXZ": _text(qsxz),
                "QSDWDM": _text(zldwdm),
                "QSDWMC": _text(vname),
                "ZLDWDM": _text(zldwdm),
                "ZLDWMC": _text(vname),
                "TBMJ": tbmj,
                "KCDLBM": _text(kcdlbm),
                "KCXS": kcxs,
                "KCMJ": kcmj,
                "TBDLMJ": tbdlmj,
                "GDLX": _text(gdlx),
                "GDPDJB": _text(grade),
                "XZDWKD": np.full(n, np.nan),
                "TBXHDM": _text(tbxhdm),
                "TBXHMC": _text(tbxhmc),
                "ZZSXDM": _text(zzsx),
                "ZZSXMC": _text(zzsxmc),
                "GDDB": gddb,
                "FRDBS": _none(n),
                "CZCSXM": _text(czcs),
                "SJNF": np.full(n, SURVEY_YEAR, dtype=np.int64),
                "MSSM": _text(["00"] * n),
                "HDMC": _none(n),
                "BZ": _none(n),
            },
            geometry=gpd.GeoSeries(geoms, crs=self.epsg).values,
            crs=self.epsg,
        )
        self.dltb_village = village
        self.dltb_height = np.where(is_cell, self.seed_height[seed], 0.0)
        return frame

    # -- 7. administrative layers ----------------------------------------------------------------

    def _names(self) -> None:
        rng = self.rng
        taken: set[str] = set()
        town_names = _unique_names(rng, self.n_towns, taken)
        town_code = []
        town_full = []
        n_zhen = 0
        n_xiang = 0
        for t, name in enumerate(town_names):
            if t == 0 or rng.random() < 0.6:
                town_code.append(f"{self.county}{100 + n_zhen:03d}")
                town_full.append(name + "镇")
                n_zhen += 1
            else:
                town_code.append(f"{self.county}{200 + n_xiang:03d}")
                town_full.append(name + "乡")
                n_xiang += 1
        village_names = _unique_names(rng, self.n_villages, taken)
        codes_v: list[str] = [""] * self.n_villages
        names_v: list[str] = [""] * self.n_villages
        for t in range(self.n_towns):
            members = np.flatnonzero(self.village_town == t)
            # The seat village first: a 社区 in the county seat, else a 村委会.
            members = np.r_[self.seat_village[t], members[members != self.seat_village[t]]]
            for i, v in enumerate(members.tolist()):
                if t == 0 and i == 0:
                    codes_v[v] = f"{town_code[t]}001"
                    names_v[v] = village_names[v] + "社区居民委员会"
                else:
                    codes_v[v] = f"{town_code[t]}{201 + i:03d}"
                    names_v[v] = village_names[v] + "村委会"
        self.town_codes = np.asarray(town_code, dtype=object)
        self.town_names = town_full
        self.village_codes = np.asarray(codes_v, dtype=object)
        self.village_names = names_v

    def _admin_frame(
        self,
        level: int,
        ysdm: str,
        code_field: str,
        unit_codes: ObjArray,
        name_field: str,
        names: ObjArray,
        area: npt.NDArray[np.float64],
        geoms: ObjArray,
    ) -> gpd.GeoDataFrame:
        """An XZQ or CJDCQ layer: DCMJ = JSMJ = the ellipsoid area of each unit."""
        n = len(geoms)
        return gpd.GeoDataFrame(
            {
                "BSM": _text(_bsm(self.county, level, n)),
                "YSDM": _text([ysdm] * n),
                code_field: _text(unit_codes),
                name_field: _text(names),
                "DCMJ": area,
                "JSMJ": area.copy(),
                "MSSM": _text(["00"] * n),
                "HDMC": _none(n),
                "BZ": _none(n),
            },
            geometry=gpd.GeoSeries(geoms, crs=self.epsg).values,
            crs=self.epsg,
        )

    def _admin(self, dltb: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
        geoms = np.asarray(dltb.geometry.array, dtype=object)
        village = self.dltb_village
        order = np.argsort(village, kind="stable")
        bounds = np.searchsorted(village[order], np.arange(self.n_villages + 1))
        v_geoms = np.empty(self.n_villages, dtype=object)
        for v in range(self.n_villages):
            members = geoms[order[bounds[v] : bounds[v + 1]]]
            v_geoms[v] = shapely.coverage_union_all(members) if len(members) else None
        present = ~shapely.is_missing(v_geoms)
        v_idx = np.flatnonzero(present)
        t_geoms = np.empty(self.n_towns, dtype=object)
        for t in range(self.n_towns):
            members = v_geoms[v_idx[self.village_town[v_idx] == t]]
            t_geoms[t] = shapely.coverage_union_all(members) if len(members) else None
        t_idx = np.flatnonzero(~shapely.is_missing(t_geoms))
        v_area = np.round(ellipsoid_area(v_geoms[v_idx], self.epsg), 2)
        t_area = np.round(ellipsoid_area(t_geoms[t_idx], self.epsg), 2)
        villages = self._admin_frame(
            2, "1000600200", "ZLDWDM", self.village_codes[v_idx], "ZLDWMC",
            np.asarray(self.village_names, dtype=object)[v_idx], v_area, v_geoms[v_idx],
        )  # fmt: skip
        towns = self._admin_frame(
            1, "1000600100", "XZQDM", self.town_codes[t_idx], "XZQMC",
            np.asarray(self.town_names, dtype=object)[t_idx], t_area, t_geoms[t_idx],
        )  # fmt: skip
        self.town_geoms = t_geoms
        return villages.sort_values("ZLDWDM", ignore_index=True), towns.sort_values("XZQDM", ignore_index=True)

    def _yjjbnt(self, dltb: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        rng = self.rng
        geoms = np.asarray(dltb.geometry.array, dtype=object)
        grade = dltb["GDPDJB"].to_numpy(dtype=object)
        cultivated = dltb["DLBM"].isin(codes.CULTIVATED_CODES).to_numpy()
        gentle = np.isin(grade, ["1", "2", "3"]) | ((grade == "4") & (rng.random(len(dltb)) < 0.5))
        eligible = np.flatnonzero(cultivated & gentle & (dltb["ZZSXDM"].to_numpy(dtype=object) != "WG"))
        village = self.dltb_village[eligible]
        order = np.argsort(village, kind="stable")
        bounds = np.searchsorted(village[order], np.arange(self.n_villages + 1))
        blocks, block_village = [], []
        for v in range(self.n_villages):
            members = geoms[eligible[order[bounds[v] : bounds[v + 1]]]]
            if not len(members):
                continue
            union = shapely.coverage_union_all(members)
            if not union.is_valid:
                union = shapely.make_valid(union)
            parts = [p for p in shapely.get_parts(union) if shapely.get_type_id(p) == 3]
            blocks.extend(parts)
            block_village.extend([v] * len(parts))
        block_geoms = np.asarray(blocks, dtype=object)
        nb = len(block_geoms)
        # Dominant DLBM / GDPDJB of each block by area.
        tree = shapely.STRtree(block_geoms)
        pts = shapely.point_on_surface(geoms[eligible])
        pi, bi = tree.query(pts, predicate="within")
        members = pd.DataFrame(
            {
                "block": bi,
                "DLBM": dltb["DLBM"].to_numpy(dtype=object)[eligible[pi]],
                "GDPDJB": grade[eligible[pi]],
                "area": dltb["TBMJ"].to_numpy()[eligible[pi]],
            }
        )
        dom = members.sort_values("area", ascending=False).drop_duplicates("block").set_index("block")
        dom = dom.reindex(np.arange(nb))
        dlbm = dom["DLBM"].fillna("0103").to_numpy(dtype=object)
        names = dict(codes.LAND_USE_NAMES)
        area = np.round(ellipsoid_area(block_geoms, self.epsg), 2)
        bv = np.asarray(block_village, dtype=np.int64)
        return gpd.GeoDataFrame(
            {
                "BSM": _text(_bsm(self.county, 4, nb)),
                "YSDM": _text(["2099010100"] * nb),
                "YJJBNTTBBH": _text((_rank_within(bv) + 1).astype(str).astype(object)),
                "DLBM": _text(dlbm),
                "DLMC": _text([names[c] for c in dlbm.tolist()]),
                "ZLDWDM": _text(np.asarray([c + "0000000" for c in self.village_codes], dtype=object)[bv]),
                "ZLDWMC": _text(np.asarray(self.village_names, dtype=object)[bv]),
                "GDPDJB": _text(dom["GDPDJB"].fillna("3").to_numpy(dtype=object)),
                "YJJBNTMJ": area,
                "SJNF": np.full(nb, SURVEY_YEAR, dtype=np.int64),
            },
            geometry=gpd.GeoSeries(block_geoms, crs=self.epsg).values,
            crs=self.epsg,
        )

    def _stbhhx(self, dltb: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        geoms = np.asarray(dltb.geometry.array, dtype=object)
        ridge = dltb["DLBM"].isin(["0301", "0305", "1207"]).to_numpy()
        height = self.dltb_height
        cut = np.quantile(height[ridge], 0.45) if ridge.any() else 0.0
        chosen = geoms[ridge & (height > cut)]
        union = shapely.coverage_union_all(chosen) if len(chosen) else shapely.Polygon()
        if not union.is_valid:
            union = shapely.make_valid(union)
        parts = np.asarray([p for p in shapely.get_parts(union) if shapely.get_type_id(p) == 3], dtype=object)
        if len(parts):
            area = shapely.area(parts)
            order = np.argsort(-area)
            big = order[area[order] >= 0.005 * self.area][:12]
            parts = parts[big if len(big) >= 3 else order[:3]]
        n = len(parts)
        area_e = np.round(ellipsoid_area(parts, self.epsg), 2)
        kinds = [("01", "水源涵养"), ("02", "生物多样性维护"), ("03", "水土保持")]
        return gpd.GeoDataFrame(
            {
                "BSM": _text(_bsm(self.county, 5, n)),
                "YSDM": _text(["2050010100"] * n),
                "XJXZQHDM": _text([self.county] * n),
                "LXDM": _text([kinds[i % 3][0] for i in range(n)]),
                "MC": _text([f"{self.county_name}{kinds[i % 3][1]}生态保护红线{i + 1}" for i in range(n)]),
                "QYMJ": area_e,
            },
            geometry=gpd.GeoSeries(parts, crs=self.epsg).values,
            crs=self.epsg,
        )

    def _czkfbj(self, towns: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        county = shapely.coverage_union_all(np.asarray(towns.geometry.array, dtype=object))
        rows: list[tuple[str, str, str, shapely.Geometry]] = []
        zone_names = {"01": "城镇集中建设区", "02": "城镇弹性发展区", "03": "特别用途区"}
        for t, (cx, cy) in enumerate(self.town_xy):
            rad = float(self.seat_radius[t])
            centre = shapely.Point(cx, cy)
            core = shapely.intersection(centre.buffer(rad * 1.1, quad_segs=16), county)
            zones = [("01", core)]
            if t == 0 or rad > 100:
                ring = shapely.difference(shapely.intersection(centre.buffer(rad * 1.5, quad_segs=16), county), core)
                zones.append(("02", ring))
            if t == 0:
                park = shapely.Point(cx + rad * 1.9, cy).buffer(rad * 0.35, quad_segs=16)
                zones.append(("03", shapely.intersection(park, county)))
            for code, geom in zones:
                geom = shapely.make_valid(geom)
                polys = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) == 3 and p.area > 1.0]
                if polys:
                    rows.append((code, self.town_codes[t], self.town_names[t], shapely.union_all(polys)))
        n = len(rows)
        geoms = np.asarray([r[3] for r in rows], dtype=object)
        area = np.round(ellipsoid_area(geoms, self.epsg), 2)
        return gpd.GeoDataFrame(
            {
                "BSM": _text(_bsm(self.county, 6, n)),
                "YSDM": _text(["2090020100"] * n),
                "XZQDM": _text([r[1] for r in rows]),
                "XZQMC": _text([r[2] for r in rows]),
                "GHFQDM": _text([r[0] for r in rows]),
                "GHFQMC": _text([zone_names[r[0]] for r in rows]),
                "MJ": area,
            },
            geometry=gpd.GeoSeries(geoms, crs=self.epsg).values,
            crs=self.epsg,
        )

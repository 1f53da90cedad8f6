"""摸底调查 (baseline survey): land-use structure, 耕地, 三区三线 overlay, patches, potential.

Pure computation on a DLTB frame and the zone layers' geometries. Reporting units are villages
(``ZLDWDM[:12]``), townships (``ZLDWDM[:9]``), the county (``ZLDWDM[:6]``) and any consolidation
area polygon (clipped; see ``engine.overlay`` for the apportionment convention). Every key of a
unit is documented in docs/survey.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from landcon.engine import codes
from landcon.engine.area import ellipsoid_area
from landcon.engine.fragmentation import (
    PATCH_KEYS,
    Patches,
    SharedBoundaries,
    area_mu,
    find_patches,
    linear_width,
    patch_summaries,
    patch_summary,
    shared_boundaries,
    size_class,
)
from landcon.engine.overlay import clip, zone_shares
from landcon.engine.progress import NO_PROGRESS, Progress
from landcon.engine.segments import IndexedPolygons, origin_of

PERMANENT_FARMLAND = "YJJBNTBHTB"
RED_LINE = "STBHHX"
URBAN_BOUNDARY = "CZKFBJ"
ZONE_LAYERS: tuple[str, ...] = (PERMANENT_FARMLAND, RED_LINE, URBAN_BOUNDARY)

LEVELS: tuple[str, ...] = ("county", "township", "village")
"""Attribute levels, coarse to fine, with the ZLDWDM prefix length of each."""
CODE_LENGTH: Mapping[str, int] = {"county": 6, "township": 9, "village": 12}

DEFAULT_MERGE_WIDTH_M = 8.0
"""Width (m) below which a road/ditch/田坎 polygon is crossed when looking for small patches
that could be merged with a neighbour [U: configurable, no published value]."""

SMALL_PATCH_MU = 5.0
"""Small isolated patches: ≤ 5 亩 net (the review table's smallest class)."""

HOMESTEAD = "0702"
IDLE_LAND = "1201"
SLOPE_OVER_25 = "5"

POTENTIAL_CATEGORIES: Mapping[str, str] = {
    "restorable_immediate": "即可恢复耕地",
    "restorable_engineering": "工程恢复耕地",
    "abandoned": "撂荒耕地",
    "over_25deg": "25度以上坡耕地",
    "small_mergeable": "可归并零星耕地",
    "idle_construction": "闲置建设用地",
}
"""Potential categories (layers of potential.gpkg) and their Chinese names."""


@dataclass(frozen=True)
class AreaUnit:
    """A consolidation area (整治区域) polygon to report on."""

    code: str
    name: str
    geometry: object


@dataclass(frozen=True)
class SurveyOptions:
    finest: str = "village"
    bridge_width_m: float | None = None
    merge_width_m: float = DEFAULT_MERGE_WIDTH_M


@dataclass
class SurveyResult:
    """Units (dicts with the keys of docs/survey.md) and the layers behind the maps."""

    units: list[dict[str, Any]]
    overlays: dict[str, bool]
    potential: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    patches: gpd.GeoDataFrame | None = None


@dataclass
class _Pieces:
    """DLTB pieces of one analysis: attributes already apportioned by ``share``."""

    geometry: npt.NDArray[np.object_]
    attrs: pd.DataFrame  # DLBM, GDPDJB, GDLX, ZZSXDM, GDDB, BSM, ZLDWDM (text) + TBMJ, KCMJ, TBDLMJ (apportioned)
    zone: dict[str, npt.NDArray[np.float64] | None]  # share inside each zone layer


def _text(frame: pd.DataFrame, column: str) -> npt.NDArray[np.object_]:
    """A code column as text ("" for missing); numeric codes (GDDB 7, 7.0, nullable Int64) as "7"."""
    if column not in frame:
        return np.full(len(frame), "", dtype=object)
    values = frame[column]
    if pd.api.types.is_numeric_dtype(values):
        number = pd.to_numeric(values, errors="coerce").astype("Float64")
        missing = number.isna().to_numpy()
        whole = number.fillna(0).round().astype("int64").astype(str).to_numpy()
        return np.asarray(np.where(missing, "", whole), dtype=object)
    return np.asarray(values.to_numpy(dtype=object, na_value=""), dtype=object)


def _number(frame: pd.DataFrame, column: str) -> npt.NDArray[np.float64]:
    if column not in frame:
        return np.zeros(len(frame), dtype=np.float64)
    return np.asarray(pd.to_numeric(frame[column], errors="coerce").fillna(0.0), dtype=np.float64)


def _attributes(dltb: pd.DataFrame) -> pd.DataFrame:
    # Object columns (not pandas' Arrow-backed str): every later .to_numpy() is then free.
    out = pd.DataFrame(
        {
            c: pd.Series(_text(dltb, c), dtype=object)
            for c in ("DLBM", "GDPDJB", "GDLX", "ZZSXDM", "GDDB", "BSM", "ZLDWDM")
        },
        index=pd.RangeIndex(len(dltb)),
    )
    for c in ("TBMJ", "KCMJ", "TBDLMJ"):
        out[c] = _number(dltb, c)
    return out


# ---------------------------------------------------------------------------------------------
# Tabulation
# ---------------------------------------------------------------------------------------------

_DICT_KEYS: Mapping[str, tuple[str, str, str | None]] = {
    # json key: (category column, measure column, only rows where this mask column is true)
    "landuse_tbdlmj_m2": ("DLBM", "net", None),
    "level1_tbdlmj_m2": ("level1", "net", None),
    "three_class_m2": ("three_class", "net", None),
    "cultivated_by_type_net_m2": ("DLBM", "net", "is_cult"),
    "cultivated_slope_grade_net_m2": ("GDPDJB", "net", "is_cult"),
    "cultivated_terrace_net_m2": ("GDLX", "net", "is_cult"),
    "cultivated_crop_status_net_m2": ("ZZSXDM", "net", "is_cult"),
    "cultivated_grade_net_m2": ("GDDB", "net", "is_cult"),
    "restorable_immediate_by_class_m2": ("DLBM", "net", "is_jkhf"),
    "restorable_engineering_by_class_m2": ("DLBM", "net", "is_gchf"),
}

_WITH_FIELD_RIDGE: Mapping[str, str] = {
    # KCMJ is land of class 1203 田坎 (codes.FIELD_RIDGE): the tables by class count it there, so the
    # 二级, 一级 and 三大类 areas of a unit each add up to its area Σ TBMJ.
    "landuse_tbdlmj_m2": codes.FIELD_RIDGE,
    "level1_tbdlmj_m2": codes.level1(codes.FIELD_RIDGE),
    "three_class_m2": codes.THREE_CLASS_OF[codes.FIELD_RIDGE],
}


@dataclass
class _Measures:
    """Per-piece additive measures, factorised category columns and the masks of the dict keys."""

    values: dict[str, npt.NDArray[np.float64]]
    categories: dict[str, tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]]]
    masks: dict[str, npt.NDArray[np.bool_]]


def _factorise(values: npt.NDArray[np.object_]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]]:
    index, uniques = pd.factorize(values, sort=True)
    return np.asarray(index, dtype=np.intp), np.asarray(uniques, dtype=object)


def _measures(pieces: _Pieces, idle_bsm: frozenset[str] | None) -> _Measures:
    a = pieces.attrs
    n = len(a)
    dlbm_idx, dlbm_codes = _factorise(a["DLBM"].to_numpy())

    def by_code(table: Callable[[str], object]) -> npt.NDArray[np.object_]:
        return np.asarray([table(str(c)) for c in dlbm_codes], dtype=object)[dlbm_idx] if n else np.zeros(0, object)

    net = a["TBDLMJ"].to_numpy(dtype=np.float64)
    is_cult = np.isin(dlbm_codes, list(codes.CULTIVATED_CODES))[dlbm_idx] if n else np.zeros(0, bool)
    three = by_code(lambda c: codes.THREE_CLASS_OF.get(c, ""))
    level1 = by_code(lambda c: codes.level1(c) if c in codes.LAND_USE_NAMES else "")
    is_constr = three == codes.CONSTRUCTION
    dlbm = a["DLBM"].to_numpy()
    zzsx = a["ZZSXDM"].to_numpy()
    grade = pd.to_numeric(a["GDDB"], errors="coerce").to_numpy(dtype=np.float64)
    has_grade = is_cult & ~np.isnan(grade)
    cult_net = np.where(is_cult, net, 0.0)
    constr = np.where(is_constr, net, 0.0)
    homestead = dlbm == HOMESTEAD
    idle_land = dlbm == IDLE_LAND
    idle_home = np.zeros(n, dtype=bool) if idle_bsm is None else np.isin(a["BSM"].to_numpy(), list(idle_bsm))
    jkhf, gchf = zzsx == "JKHF", zzsx == "GCHF"
    values: dict[str, npt.NDArray[np.float64]] = {
        "unit_area": a["TBMJ"].to_numpy(dtype=np.float64),
        "kcmj": a["KCMJ"].to_numpy(dtype=np.float64),
        "net": net,
        "cult_net": cult_net,
        "cult_gross": np.where(is_cult, a["TBMJ"].to_numpy(dtype=np.float64), 0.0),
        "constr": constr,
        "homestead": np.where(homestead, net, 0.0),
        "homestead_n": homestead.astype(np.float64),
        "idle_land": np.where(idle_land, net, 0.0),
        "restorable_immediate": np.where(jkhf, net, 0.0),
        "restorable_engineering": np.where(gchf, net, 0.0),
        "abandoned": np.where(zzsx == "WG", cult_net, 0.0),
        "over_25": np.where(a["GDPDJB"].to_numpy() == SLOPE_OVER_25, cult_net, 0.0),
        "grade_weighted": np.where(has_grade, np.nan_to_num(grade) * net, 0.0),
        "grade_net": np.where(has_grade, net, 0.0),
        "idle_homestead": np.where(idle_home, net, 0.0),
        "idle_homestead_n": idle_home.astype(np.float64),
        "idle_construction": np.where(idle_land | idle_home, net, 0.0),
    }
    for layer, share in pieces.zone.items():
        z = share if share is not None else np.zeros(n)
        values["cult_in_" + layer] = cult_net * z
        if layer == URBAN_BOUNDARY:
            values["constr_out_" + layer] = constr * (1.0 - z)
        if layer == RED_LINE:
            values["constr_in_" + layer] = constr * z
    categories = {
        "DLBM": (dlbm_idx, dlbm_codes),
        "level1": _factorise(level1),
        "three_class": _factorise(three),
        **{c: _factorise(a[c].to_numpy()) for c in ("GDPDJB", "GDLX", "ZZSXDM", "GDDB")},
    }
    masks = {"is_cult": is_cult, "is_jkhf": jkhf, "is_gchf": gchf}
    return _Measures(values, categories, masks)


def _r(value: float) -> float:
    """Areas are reported to 0.01 m² (the precision of TBMJ)."""
    return round(float(value), 2) + 0.0


def _tabulate(
    m: _Measures,
    unit: npt.NDArray[np.object_],
    overlays: Mapping[str, bool],
    idle_listed: bool,
    units: Sequence[Any] | None = None,
) -> dict[Any, dict[str, Any]]:
    """All additive keys per unit (sums over its pieces); ``units`` adds units without pieces."""
    u_idx, present = pd.factorize(unit, sort=True)
    all_units = sorted(set(present.tolist()) | set(units or ()))
    pos = {u: k for k, u in enumerate(all_units)}
    n = len(all_units)
    if len(all_units) != len(present):  # units without pieces: renumber
        u_idx = np.asarray([pos[u] for u in present], dtype=np.intp)[u_idx] if len(u_idx) else u_idx
    u_idx = np.asarray(u_idx, dtype=np.intp)

    def total(values: npt.NDArray[np.float64], sel: npt.NDArray[np.bool_] | None = None) -> npt.NDArray[np.float64]:
        idx, w = (u_idx, values) if sel is None else (u_idx[sel], values[sel])
        return np.asarray(np.bincount(idx, weights=w, minlength=n), dtype=np.float64)

    sums = {c: total(v) for c, v in m.values.items()}
    counts = np.bincount(u_idx, minlength=n)
    has_ridge = total((m.values["kcmj"] != 0).astype(np.float64)) > 0
    nested: dict[str, list[dict[str, float]]] = {}
    for key, (cat, measure, mask) in _DICT_KEYS.items():
        cat_idx, cat_names = m.categories[cat]
        sel = m.masks[mask] if mask is not None else np.ones(len(u_idx), dtype=bool)
        k = len(cat_names)
        combo = u_idx[sel] * k + cat_idx[sel]
        area = np.bincount(combo, weights=m.values[measure][sel], minlength=n * k).reshape(n, k).astype(np.float64)
        seen = np.bincount(combo, minlength=n * k).reshape(n, k)
        ridge = _WITH_FIELD_RIDGE.get(key)
        if ridge is not None:
            j = int(np.searchsorted(cat_names, ridge)) if k else 0
            if j == k or cat_names[j] != ridge:
                cat_names = np.insert(cat_names, j, ridge)
                area, seen = np.insert(area, j, 0.0, axis=1), np.insert(seen, j, 0, axis=1)
            area[:, j] += sums["kcmj"]
            seen[:, j] += has_ridge
        nested[key] = [{str(cat_names[j]): _r(area[i, j]) for j in np.flatnonzero(seen[i])} for i in range(n)]
    out: dict[Any, dict[str, Any]] = {}
    for u in all_units:
        i = pos[u]
        row = {c: float(v[i]) for c, v in sums.items()}
        grade_net = row["grade_net"]
        out[u] = {
            "dltb_count": int(counts[i]),
            "unit_area_m2": _r(row["unit_area"]),
            **{k: nested[k][i] for k in ("landuse_tbdlmj_m2", "level1_tbdlmj_m2", "three_class_m2")},
            "kcmj_m2": _r(row["kcmj"]),
            "cultivated_net_m2": _r(row["cult_net"]),
            "cultivated_gross_m2": _r(row["cult_gross"]),
            **{
                k: nested[k][i]
                for k in (
                    "cultivated_by_type_net_m2",
                    "cultivated_slope_grade_net_m2",
                    "cultivated_terrace_net_m2",
                    "cultivated_crop_status_net_m2",
                    "cultivated_grade_net_m2",
                )
            },
            "cultivated_mean_grade": round(row["grade_weighted"] / grade_net, 4) if grade_net > 0 else None,
            "cultivated_in_permanent_farmland_net_m2": _zone(row, "cult_in_", PERMANENT_FARMLAND, overlays),
            "cultivated_in_redline_net_m2": _zone(row, "cult_in_", RED_LINE, overlays),
            "cultivated_in_urban_boundary_net_m2": _zone(row, "cult_in_", URBAN_BOUNDARY, overlays),
            "construction_m2": _r(row["constr"]),
            "construction_in_redline_m2": _zone(row, "constr_in_", RED_LINE, overlays),
            "construction_outside_urban_boundary_m2": _zone(row, "constr_out_", URBAN_BOUNDARY, overlays),
            "homestead_m2": _r(row["homestead"]),
            "homestead_count": round(row["homestead_n"]),
            "idle_land_m2": _r(row["idle_land"]),
            "restorable_immediate_m2": _r(row["restorable_immediate"]),
            "restorable_engineering_m2": _r(row["restorable_engineering"]),
            "restorable_immediate_by_class_m2": nested["restorable_immediate_by_class_m2"][i],
            "restorable_engineering_by_class_m2": nested["restorable_engineering_by_class_m2"][i],
            "abandoned_cultivated_net_m2": _r(row["abandoned"]),
            "cultivated_over_25deg_net_m2": _r(row["over_25"]),
            "idle_homestead_m2": _r(row["idle_homestead"]) if idle_listed else None,
            "idle_homestead_count": round(row["idle_homestead_n"]) if idle_listed else None,
            "idle_construction_m2": _r(row["idle_construction"]),
        }
    return out


def _zone(row: Mapping[str, float], prefix: str, layer: str, overlays: Mapping[str, bool]) -> float | None:
    return _r(row[prefix + layer]) if overlays.get(layer) else None


# ---------------------------------------------------------------------------------------------
# Patches and potential
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Graph:
    """Single-part polygons of an analysis and their shared boundaries.

    Multi-part pieces are split into parts (each part gets its share of the piece by ellipsoid
    area, as in ``engine.overlay``): a patch must be connected on the ground.
    """

    geometry: npt.NDArray[np.object_]
    piece: npt.NDArray[np.intp]  # the piece each part comes from
    share: npt.NDArray[np.float64]  # the part's share of its piece's ellipsoid area
    edges: SharedBoundaries  # between cultivated and linear parts only
    perimeter: npt.NDArray[np.float64]  # planar (Gauss–Krüger) length of each part's boundary
    width: npt.NDArray[np.float64]  # mean width 2A/P of linear parts, 0 for the others


def _make_graph(
    pieces: _Pieces,
    parts: npt.NDArray[np.object_],
    piece: npt.NDArray[np.intp],
    share: npt.NDArray[np.float64],
    edges: SharedBoundaries,
) -> _Graph:
    dlbm = pieces.attrs["DLBM"].to_numpy()[piece]
    linear = np.isin(dlbm, list(codes.LINEAR_CODES))
    relevant = linear | np.isin(dlbm, list(codes.CULTIVATED_CODES))
    keep = relevant[edges.i] & relevant[edges.j]
    edges = SharedBoundaries(edges.i[keep], edges.j[keep], edges.length[keep])
    perimeter = np.zeros(len(parts))
    perimeter[relevant] = shapely.length(parts[relevant])
    width = np.zeros(len(parts))
    width[linear] = linear_width(shapely.area(parts[linear]), perimeter[linear])
    return _Graph(parts, piece, share, edges, perimeter, width)


def _graph(pieces: _Pieces, epsg: int, indexed: IndexedPolygons | None = None) -> _Graph:
    geoms = pieces.geometry
    multi = np.flatnonzero(shapely.get_type_id(geoms) == 6)
    if not len(multi):
        layer = indexed if indexed is not None else IndexedPolygons(geoms, origin_of(geoms))
        whole = np.arange(len(geoms), dtype=np.intp)
        return _make_graph(pieces, geoms, whole, np.ones(len(geoms)), shared_boundaries(layer))
    single = np.setdiff1d(np.arange(len(geoms)), multi)
    sub, sub_of = shapely.get_parts(geoms[multi], return_index=True)
    sub_area = ellipsoid_area(sub, epsg)
    whole = np.bincount(sub_of, weights=sub_area, minlength=len(multi))
    with np.errstate(divide="ignore", invalid="ignore"):
        sub_share = np.where(whole[sub_of] > 0, sub_area / whole[sub_of], 0.0)
    parts = np.concatenate([geoms[single], sub])
    piece = np.concatenate([single, multi[sub_of]]).astype(np.intp)
    share = np.concatenate([np.ones(len(single)), sub_share])
    parts = np.asarray(parts, dtype=object)
    return _make_graph(pieces, parts, piece, share, shared_boundaries(parts))


def _patch_facts(
    pieces: _Pieces,
    graph: _Graph,
    unit_of_piece: npt.NDArray[np.object_],
    unit_area: Mapping[Any, float],
    options: SurveyOptions,
) -> tuple[dict[Any, dict[str, Any]], Patches, npt.NDArray[np.bool_]]:
    """Patch metrics per unit (plain, and ``bridged`` when asked) and the small mergeable patches.

    Returns the per-unit dicts, the plain patches (over the graph's parts) and a mask of the
    parts in small mergeable patches.
    """
    dlbm = pieces.attrs["DLBM"].to_numpy()[graph.piece]
    node = np.isin(dlbm, list(codes.CULTIVATED_CODES))
    net = pieces.attrs["TBDLMJ"].to_numpy()[graph.piece] * graph.share
    # Gross area: TBMJ, the 图斑's ellipsoid area as surveyed (the import refuses a TBMJ that
    # differs from the geometry's, TBMJ_MISMATCH), shared among parts by ellipsoid area; so
    # patch gross areas add up to cultivated_gross_m2 exactly.
    gross = pieces.attrs["TBMJ"].to_numpy(dtype=np.float64)[graph.piece] * graph.share
    unit = unit_of_piece[graph.piece]
    edges = graph.edges
    perimeter = graph.perimeter
    linear = np.isin(dlbm, list(codes.LINEAR_CODES))
    width = graph.width

    plain = find_patches(node, unit, edges, net=net, gross=gross, perimeter=perimeter)
    result = patch_summaries(plain, unit_area)
    # Bridged across narrow linear land: reported when asked for, and always used to find the
    # small patches that could be merged with a neighbour.
    merge_width = options.bridge_width_m if options.bridge_width_m is not None else options.merge_width_m
    connector = linear & (width < merge_width)
    merged = find_patches(node, unit, edges, net=net, gross=gross, perimeter=perimeter, connector=connector)
    if options.bridge_width_m is not None:
        for u, summary in patch_summaries(merged, unit_area).items():
            result[u]["bridged"] = summary

    idx = np.flatnonzero(node)
    # How many plain patches each merged patch holds.
    pair_code = np.unique(merged.label[idx].astype(np.int64) * max(len(plain.net), 1) + plain.label[idx])
    plain_per_merged = np.bincount(pair_code // max(len(plain.net), 1), minlength=len(merged.net))
    merged_of_plain = np.zeros(len(plain.net), dtype=np.intp)
    merged_of_plain[plain.label[idx]] = merged.label[idx]
    small = area_mu(plain.net) <= SMALL_PATCH_MU
    mergeable = small & (plain_per_merged[merged_of_plain] > 1) if len(plain.net) else np.zeros(0, bool)
    for u in unit_area:
        result[u]["small_patches_mergeable_count"] = 0
        result[u]["small_patches_mergeable_net_m2"] = 0.0
    for p in np.flatnonzero(mergeable):
        rec = result[plain.unit[p]]
        rec["small_patches_mergeable_count"] += 1
        rec["small_patches_mergeable_net_m2"] += float(plain.net[p])
    for u in unit_area:
        result[u]["small_patches_mergeable_net_m2"] = _r(result[u]["small_patches_mergeable_net_m2"])
    part_mergeable = np.zeros(len(node), dtype=bool)
    part_mergeable[idx] = mergeable[plain.label[idx]] if len(plain.net) else False
    return result, plain, part_mergeable


# ---------------------------------------------------------------------------------------------
# The survey
# ---------------------------------------------------------------------------------------------


def _unit_keys(zldwdm: tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]], level: str) -> npt.NDArray[np.object_]:
    """The unit code of each piece — ``ZLDWDM[:12]`` (village), ``[:9]`` (township), ``[:6]``
    (county) — from ZLDWDM factorised once (index per piece, distinct codes)."""
    index, uniques = zldwdm
    n = CODE_LENGTH[level]
    prefixes = np.asarray([str(u)[:n] for u in uniques], dtype=object)
    return prefixes[index] if len(uniques) else np.zeros(0, dtype=object)


def _levels(finest: str) -> tuple[str, ...]:
    if finest not in LEVELS:
        raise ValueError(f"unknown unit level {finest!r}; expected one of {', '.join(LEVELS)}")
    return LEVELS[: LEVELS.index(finest) + 1]


def compute_survey(
    dltb: gpd.GeoDataFrame,
    zones: Mapping[str, Sequence[object] | npt.NDArray[np.object_] | None],
    epsg: int,
    *,
    names: Mapping[tuple[str, str], str] | None = None,
    areas: Sequence[AreaUnit] = (),
    idle_bsm: frozenset[str] | None = None,
    options: SurveyOptions | None = None,
    progress: Progress = NO_PROGRESS,
) -> SurveyResult:
    """The baseline survey of every unit (docs/survey.md lists the keys of each unit).

    ``zones`` maps YJJBNTBHTB / STBHHX / CZKFBJ to their polygons, or None when the dataset lacks
    the layer (its keys are then None: unavailable, not zero). ``names`` maps (level, code) to the
    unit's name. ``idle_bsm`` lists the BSM of idle homesteads supplied by the user.
    """
    options = options or SurveyOptions()
    names = names or {}
    levels = _levels(options.finest)
    overlays = {k: zones.get(k) is not None for k in ZONE_LAYERS}
    geoms = np.asarray(dltb.geometry.values, dtype=object)
    zone_geoms = {k: np.asarray(v, dtype=object) for k, v in zones.items() if v is not None}
    indexed = IndexedPolygons(geoms, origin_of(geoms, *zone_geoms.values()))

    # Two threads (shapely, numpy and pyproj release the GIL): the overlays on one side, the
    # attributes, ellipsoid areas and the adjacency graph on the other.
    # shapely, numpy and pyproj release the GIL: attributes and ellipsoid areas, the overlays and
    # the adjacency graph run side by side.
    with ThreadPoolExecutor(max_workers=2) as pool:
        attributes = pool.submit(_attributes, dltb)
        tree = pool.submit(lambda: indexed.tree)
        progress.report("三区三线叠加", 0.0)
        indexed.segment_index  # noqa: B018 - built once here, shared by the overlays and the graph
        tree.result()
        shares = {
            layer: pool.submit(zone_shares, indexed, zone_geoms[layer], epsg)
            for layer in ZONE_LAYERS
            if layer in zone_geoms
        }
        attrs = attributes.result()
        progress.report("耕地连片", 0.0)
        # The patches need the graph but not the overlays: computed while those finish.
        graph = _graph(_Pieces(geoms, attrs, {}), epsg, indexed)
        zl_index, zl_codes = pd.factorize(attrs["ZLDWDM"].to_numpy())
        keys = {level: _unit_keys((zl_index, np.asarray(zl_codes, dtype=object)), level) for level in levels}
        tbmj = attrs["TBMJ"].to_numpy(dtype=np.float64)
        patch_facts = {}
        for level in levels:
            unit_index, unit_codes = pd.factorize(keys[level])
            area_sum = np.bincount(unit_index, weights=tbmj, minlength=len(unit_codes))
            unit_area = {u: _r(a) for u, a in zip(unit_codes, area_sum, strict=True)}
            patch_facts[level] = _patch_facts(_Pieces(geoms, attrs, {}), graph, keys[level], unit_area, options)
        share: dict[str, npt.NDArray[np.float64] | None] = {
            layer: (shares[layer].result() if layer in shares else None) for layer in ZONE_LAYERS
        }
    pieces = _Pieces(geoms, attrs, share)
    measures = _measures(pieces, idle_bsm)

    units: list[dict[str, Any]] = []
    potential_mask = _potential_masks(attrs, idle_bsm)
    patch_layer: gpd.GeoDataFrame | None = None
    for k, level in enumerate(levels):
        progress.report("统计汇总", k / (len(levels) + len(areas)))
        tables = _tabulate(measures, keys[level], overlays, idle_bsm is not None)
        facts, plain, mergeable = patch_facts[level]
        if level == "county":
            small = np.zeros(len(geoms), dtype=bool)
            small[graph.piece[mergeable]] = True
            potential_mask["small_mergeable"] = small
            node = plain.label >= 0
            patch_layer = gpd.GeoDataFrame(
                {
                    "BSM": attrs["BSM"].to_numpy()[graph.piece[node]],
                    "patch": plain.label[node],
                    "size_class": size_class(plain.net)[plain.label[node]],
                    "patch_net_m2": plain.net[plain.label[node]],
                },
                geometry=graph.geometry[node],
                crs=dltb.crs,
            )
        for u in sorted(tables):
            parent = None if level == "county" else str(u)[: CODE_LENGTH[levels[levels.index(level) - 1]]]
            units.append(
                {
                    "level": level,
                    "code": str(u),
                    "name": names.get((level, str(u)), str(u)),
                    "parent": parent,
                    **tables[u],
                    **facts[u],
                }
            )
    for k, area in enumerate(areas):
        progress.report("整治区域", (len(levels) + k) / (len(levels) + len(areas)))
        units.append(_area_unit(area, pieces, idle_bsm, overlays, zones, epsg, options))
    progress.report("统计汇总", 1.0)
    units = [_ordered(u) for u in units]
    potential = {
        cat: gpd.GeoDataFrame(
            {
                "BSM": attrs["BSM"].to_numpy()[mask],
                "DLBM": attrs["DLBM"].to_numpy()[mask],
                "ZLDWDM": attrs["ZLDWDM"].to_numpy()[mask],
                "TBDLMJ": attrs["TBDLMJ"].to_numpy()[mask],
                "category": cat,
            },
            geometry=geoms[mask],
            crs=dltb.crs,
        )
        for cat, mask in potential_mask.items()
    }
    return SurveyResult(units, overlays, potential, patch_layer)


def _potential_masks(attrs: pd.DataFrame, idle_bsm: frozenset[str] | None) -> dict[str, npt.NDArray[np.bool_]]:
    dlbm = attrs["DLBM"].to_numpy()
    zzsx = attrs["ZZSXDM"].to_numpy()
    cult = np.isin(dlbm, list(codes.CULTIVATED_CODES))
    idle = dlbm == IDLE_LAND
    if idle_bsm:
        idle = idle | np.isin(attrs["BSM"].to_numpy(), list(idle_bsm))
    return {
        "restorable_immediate": zzsx == "JKHF",
        "restorable_engineering": zzsx == "GCHF",
        "abandoned": cult & (zzsx == "WG"),
        "over_25deg": cult & (attrs["GDPDJB"].to_numpy() == SLOPE_OVER_25),
        "small_mergeable": np.zeros(len(dlbm), dtype=bool),
        "idle_construction": idle,
    }


def _area_unit(
    area: AreaUnit,
    base: _Pieces,
    idle_bsm: frozenset[str] | None,
    overlays: Mapping[str, bool],
    zones: Mapping[str, Sequence[object] | npt.NDArray[np.object_] | None],
    epsg: int,
    options: SurveyOptions,
) -> dict[str, Any]:
    """One consolidation area: DLTB clipped to it, attribute areas apportioned by share."""
    head = {"level": "area", "code": area.code, "name": area.name, "parent": None}
    cut = clip(base.geometry, area.geometry, epsg)
    if not len(cut.index):
        empty = _Pieces(cut.geometry, base.attrs.iloc[:0], {k: None for k in ZONE_LAYERS})
        m = _measures(empty, idle_bsm)
        rec = _tabulate(m, np.array([], dtype=object), overlays, idle_bsm is not None, [area.code])[area.code]
        return {**head, **rec, **_no_patches(options)}
    attrs = base.attrs.iloc[cut.index].reset_index(drop=True)
    for c in ("TBMJ", "KCMJ", "TBDLMJ"):
        attrs[c] = attrs[c].to_numpy() * cut.share
    split = cut.share < 1.0
    zone: dict[str, npt.NDArray[np.float64] | None] = {}
    for layer in ZONE_LAYERS:
        full = base.zone.get(layer)
        if full is None:
            zone[layer] = None
            continue
        s = full[cut.index].copy()
        if split.any():
            zone_geoms = np.asarray(zones[layer], dtype=object)
            s[split] = zone_shares(cut.geometry[split], zone_geoms, epsg)
        zone[layer] = s
    pieces = _Pieces(cut.geometry, attrs, zone)
    key = np.full(len(attrs), area.code, dtype=object)
    rec = _tabulate(_measures(pieces, idle_bsm), key, overlays, idle_bsm is not None)[area.code]
    graph = _graph(pieces, epsg)
    facts, _, _ = _patch_facts(pieces, graph, key, {area.code: rec["unit_area_m2"]}, options)
    return {**head, **rec, **facts[area.code]}


def _no_patches(options: SurveyOptions) -> dict[str, Any]:
    """Patch keys of a unit without any DLTB piece."""
    z = np.zeros(0)
    rec = patch_summary(z, z, z, 0.0)
    if options.bridge_width_m is not None:
        rec["bridged"] = patch_summary(z, z, z, 0.0)
    rec["small_patches_mergeable_count"] = 0
    rec["small_patches_mergeable_net_m2"] = 0.0
    return rec


_KEY_ORDER: tuple[str, ...] = (
    "level",
    "code",
    "name",
    "parent",
    "dltb_count",
    "unit_area_m2",
    "landuse_tbdlmj_m2",
    "level1_tbdlmj_m2",
    "three_class_m2",
    "kcmj_m2",
    "cultivated_net_m2",
    "cultivated_gross_m2",
    "cultivated_by_type_net_m2",
    "cultivated_slope_grade_net_m2",
    "cultivated_terrace_net_m2",
    "cultivated_crop_status_net_m2",
    "cultivated_grade_net_m2",
    "cultivated_mean_grade",
    "cultivated_in_permanent_farmland_net_m2",
    "cultivated_in_redline_net_m2",
    "cultivated_in_urban_boundary_net_m2",
    "construction_m2",
    "construction_in_redline_m2",
    "construction_outside_urban_boundary_m2",
    "homestead_m2",
    "homestead_count",
    "idle_land_m2",
    *PATCH_KEYS,
    "bridged",
    "restorable_immediate_m2",
    "restorable_engineering_m2",
    "restorable_immediate_by_class_m2",
    "restorable_engineering_by_class_m2",
    "abandoned_cultivated_net_m2",
    "cultivated_over_25deg_net_m2",
    "small_patches_mergeable_count",
    "small_patches_mergeable_net_m2",
    "idle_homestead_m2",
    "idle_homestead_count",
    "idle_construction_m2",
)


def _ordered(unit: Mapping[str, Any]) -> dict[str, Any]:
    return {k: unit[k] for k in _KEY_ORDER if k in unit}

"""Farmland fragmentation: patches of connected 耕地 and FRAGSTATS-style landscape metrics.

A *patch* is a connected component of cultivated pieces inside one reporting unit; two pieces
are connected when they share a boundary of positive length (touching at a point does not
connect). Metrics follow FRAGSTATS (McGarigal & Marks 1995, *FRAGSTATS: spatial pattern analysis
program for quantifying landscape structure*, USDA GTR PNW-351; v4 documentation) in their vector
forms, and the patch-size classes of the 永农 layout review table (domain reference §1.11, §2.3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from landcon.engine.codes import SQM_PER_MU
from landcon.engine.segments import IndexedPolygons, origin_of

Ints = npt.NDArray[np.intp]
Floats = npt.NDArray[np.float64]

SIZE_CLASSES: tuple[str, ...] = ("le5", "5_10", "10_20", "gt20")
"""Patch-size classes of the review table on net area: ≤5亩, (5,10], (10,20], >20亩."""

SIZE_CLASS_NAMES = {"le5": "≤5亩", "5_10": "5–10亩", "10_20": "10–20亩", "gt20": ">20亩"}


@dataclass(frozen=True)
class SharedBoundaries:
    """Pairs ``(i, j)``, i < j, of polygons sharing a boundary of positive ``length`` (m, planar)."""

    i: Ints
    j: Ints
    length: Floats


def shared_boundaries(geoms: npt.NDArray[np.object_] | IndexedPolygons) -> SharedBoundaries:
    """Every pair of polygons that share a boundary of positive length, with that length.

    Fast path for clean coverages (三调 DLTB: neighbours share their vertices): each ring segment
    is keyed by its end points quantised to 1 mm; two segments of different polygons with the same
    key are a shared edge. Polygons with a segment matched by no other polygon (the layer's outer
    edge, a vertex present on one side only, a cut line) are checked again with exact geometry
    against every polygon whose boundary they meet: their pairs take the exact shared length
    ``length(boundary(a) ∩ boundary(b))``.
    """
    layer = geoms if isinstance(geoms, IndexedPolygons) else IndexedPolygons(geoms, origin_of(geoms))
    arr = layer.geoms
    n = len(arr)
    index = layer.segment_index
    segs = layer.segments
    if not len(segs.lo):
        return SharedBoundaries(np.array([], np.intp), np.array([], np.intp), np.array([], np.float64))
    order = index.order
    owner, seg_len = segs.owner[order], segs.length[order]
    starts = np.r_[0, np.flatnonzero(np.diff(index.hash)) + 1]
    sizes = np.diff(np.r_[starts, len(order)])
    # Shared edge: exactly two segments with this key (checked, hashes may collide), from two
    # different polygons.
    first = starts[sizes == 2]
    pair = (index.lo[first] == index.lo[first + 1]) & (index.hi[first] == index.hi[first + 1])
    first = first[pair]
    pi, pj = np.minimum(owner[first], owner[first + 1]), np.maximum(owner[first], owner[first + 1])
    distinct = pi != pj
    pi, pj, plen = pi[distinct], pj[distinct], seg_len[first[distinct]]
    # Polygons with an unmatched segment (or a colliding one) get the exact treatment.
    loose = np.zeros(n, dtype=bool)
    loose[owner[starts[sizes == 1]]] = True
    bad = np.concatenate([starts[sizes == 2][~pair], starts[sizes == 2][~pair] + 1])
    loose[owner[bad]] = True
    many = np.flatnonzero(np.repeat(sizes > 2, sizes))  # one edge in three polygons: not a coverage
    loose[owner[many]] = True
    # Sum the lengths per pair.
    code = pi.astype(np.int64) * n + pj
    ucode, inv = np.unique(code, return_inverse=True)
    length = _fsum(inv, plen, len(ucode))
    fi, fj = (ucode // n).astype(np.intp), (ucode % n).astype(np.intp)
    loose_idx = np.flatnonzero(loose)
    if len(loose_idx):
        src, dst = layer.tree.query(arr[loose_idx], predicate="intersects")
        si, sj = loose_idx[src], dst.astype(np.intp)
        ei, ej = np.minimum(si, sj), np.maximum(si, sj)
        m = ei != ej
        ecode = np.unique(ei[m].astype(np.int64) * n + ej[m])
        ei, ej = (ecode // n).astype(np.intp), (ecode % n).astype(np.intp)
        involved, where = np.unique(np.concatenate([ei, ej]), return_inverse=True)
        boundary = shapely.boundary(arr[involved])
        elen = shapely.length(shapely.intersection(boundary[where[: len(ei)]], boundary[where[len(ei) :]]))
        # Exact lengths replace the fast-path ones for these pairs.
        known = ~np.isin(ucode, ecode)
        fi, fj, length = fi[known], fj[known], length[known]
        pos = elen > 0
        fi = np.concatenate([fi, ei[pos]])
        fj = np.concatenate([fj, ej[pos]])
        length = np.concatenate([length, elen[pos]])
    return SharedBoundaries(fi, fj, length)


def _fsum(groups: Ints, weights: Floats, count: int) -> Floats:
    """Σ weights per group 0..count-1."""
    return np.asarray(np.bincount(groups, weights=weights, minlength=count), dtype=np.float64)


def components(n: int, i: Ints, j: Ints) -> tuple[int, Ints]:
    """Connected components of a graph on ``n`` nodes with edges ``(i, j)``: (count, label per node)."""
    graph = coo_matrix((np.ones(len(i), dtype=np.int8), (i, j)), shape=(n, n))
    count, labels = connected_components(graph, directed=False)
    return int(count), labels.astype(np.intp)


@dataclass(frozen=True)
class Patches:
    """Patches of one grouping: per node its patch (−1 if not a patch node), per patch its facts."""

    label: Ints
    unit: npt.NDArray[np.object_]
    net: Floats
    gross: Floats
    perimeter: Floats


def find_patches(
    node: npt.NDArray[np.bool_],
    unit: npt.NDArray[np.object_],
    edges: SharedBoundaries,
    *,
    net: Floats,
    gross: Floats,
    perimeter: Floats,
    connector: npt.NDArray[np.bool_] | None = None,
) -> Patches:
    """Patches of the ``node`` polygons, each within one ``unit``.

    ``connector`` polygons (narrow linear land when bridging) join the graph but belong to no
    patch and add nothing to its areas. A patch's perimeter is Σ perimeter of its pieces − 2 × the
    boundary its pieces share with each other.
    """
    n = len(node)
    member = node | (connector if connector is not None else False)
    unit_code, _ = pd.factorize(unit)
    use = member[edges.i] & member[edges.j] & (unit_code[edges.i] == unit_code[edges.j])
    _, comp = components(n, edges.i[use], edges.j[use])
    node_idx = np.flatnonzero(node)
    comp_of_node = comp[node_idx]
    # Renumber the components that hold a node 0..count-1 (in component order).
    has_node = np.zeros(int(comp.max()) + 1 if n else 0, dtype=bool)
    has_node[comp_of_node] = True
    renumber = np.cumsum(has_node) - 1
    patch_of_node = renumber[comp_of_node].astype(np.intp)
    count = int(has_node.sum())
    label = np.full(n, -1, dtype=np.intp)
    label[node_idx] = patch_of_node
    net_p = _fsum(patch_of_node, net[node_idx], count)
    gross_p = _fsum(patch_of_node, gross[node_idx], count)
    perim_p = _fsum(patch_of_node, perimeter[node_idx], count)
    internal = use & node[edges.i] & node[edges.j]
    li = label[edges.i[internal]]
    same_patch = li == label[edges.j[internal]]
    perim_p -= 2.0 * _fsum(li[same_patch], edges.length[internal][same_patch], count)
    unit_p = np.empty(count, dtype=object)
    unit_p[patch_of_node] = unit[node_idx]
    return Patches(label, unit_p, net_p, gross_p, np.maximum(perim_p, 0.0))


def area_mu(net_m2: Floats) -> Floats:
    """Net area in 亩 rounded to 0.01 亩, as the review table reports it; class limits apply to
    this value (so 3333.33 m² is 5.00 亩, in the ≤5亩 class)."""
    return np.round(np.asarray(net_m2, dtype=np.float64) / SQM_PER_MU, 2)


def size_class(net_m2: Floats) -> npt.NDArray[np.object_]:
    """Review-table class of each patch's net area: ``le5`` ≤ 5亩 < ``5_10`` ≤ 10亩 < ``10_20`` ≤ 20亩 < ``gt20``.

    Limits belong to the lower class ("5–10亩" excludes 5, includes 10; domain reference §2.3).
    """
    index = np.searchsorted(np.array([5.0, 10.0, 20.0]), area_mu(net_m2), side="left")
    return np.asarray(SIZE_CLASSES, dtype=object)[index]


def at_least_mu(net_m2: Floats, mu: float) -> npt.NDArray[np.bool_]:
    """Patches of at least ``mu`` 亩 net (百亩方: 100, 千亩方: 1000)."""
    return area_mu(net_m2) >= mu


def shape_index(perimeter: Floats, area: Floats) -> Floats:
    """SHAPE = P / (2·√(π·A)), the vector form of FRAGSTATS' shape index (1 for a circle, larger
    for more complex shapes; McGarigal & Marks 1995, with the circle standard used for vector
    patches). 0 where the area is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(area > 0, perimeter / (2.0 * np.sqrt(np.pi * area)), 0.0)


def patch_summaries(patches: Patches, unit_area_m2: Mapping[Any, float]) -> dict[Any, dict[str, Any]]:
    """Patch metrics of every unit in ``unit_area_m2`` (units without a patch get zero counts)."""
    unit_idx, _ = pd.factorize(patches.unit, sort=True)
    order = np.argsort(unit_idx, kind="stable")
    units = patches.unit[order]
    bounds: dict[Any, tuple[int, int]] = {}
    if len(units):
        starts = np.r_[0, np.flatnonzero(units[1:] != units[:-1]) + 1]
        ends = np.r_[starts[1:], len(units)]
        bounds = {units[s]: (int(s), int(e)) for s, e in zip(starts, ends, strict=True)}
    out = {}
    for unit, area in unit_area_m2.items():
        s, e = bounds.get(unit, (0, 0))
        sel = order[s:e]
        out[unit] = patch_summary(patches.net[sel], patches.gross[sel], patches.perimeter[sel], area)
    return out


def patch_summary(net: Floats, gross: Floats, perim: Floats, unit_area_m2: float) -> dict[str, Any]:
    """Patch metrics of one unit from its patches' net and gross areas and perimeters.

    - patch density PD = N / A × 10⁶ (patches per 100 ha; FRAGSTATS PD);
    - edge density ED = Σ P / A × 10⁴ (m per ha; FRAGSTATS ED, class level, patch perimeters);
    - MSI = mean SHAPE; AWMSI = Σ SHAPE·a / Σ a with a the gross area (FRAGSTATS SHAPE_MN, SHAPE_AM);
    - 百亩方 / 千亩方: patches of ≥ 100 / ≥ 1000 亩 net.
    """
    count = len(net)
    classes = size_class(net)
    by_class = {c: {"count": int((classes == c).sum()), "net_m2": _m2(net[classes == c].sum())} for c in SIZE_CLASSES}
    shape = shape_index(perim, gross)
    largest = int(np.argmax(net)) if count else -1
    return {
        "cultivated_patches": count,
        "largest_patch_gross_m2": _m2(gross[largest]) if count else 0.0,
        "largest_patch_net_m2": _m2(net[largest]) if count else 0.0,
        "mean_patch_gross_m2": _m2(gross.sum() / count) if count else None,
        "mean_patch_net_m2": _m2(net.sum() / count) if count else None,
        "patch_density_per_100ha": count / unit_area_m2 * 1e6 if unit_area_m2 > 0 else None,
        "patch_size_classes_net": by_class,
        "patches_ge_100mu_net": int(at_least_mu(net, 100).sum()),
        "patches_ge_1000mu_net": int(at_least_mu(net, 1000).sum()),
        "edge_density_m_per_ha": float(perim.sum() / unit_area_m2 * 1e4) if unit_area_m2 > 0 else None,
        "mean_shape_index": float(shape.mean()) if count else None,
        "area_weighted_mean_shape_index": float((shape * gross).sum() / gross.sum()) if gross.sum() > 0 else None,
    }


def _m2(value: float) -> float:
    """Areas are reported to 0.01 m² (the precision of TBMJ)."""
    return round(float(value), 2) + 0.0


PATCH_KEYS: tuple[str, ...] = tuple(patch_summary(np.zeros(0), np.zeros(0), np.zeros(0), 1.0))
"""The keys ``patch_summary`` gives (recomputed under ``bridged`` when bridging)."""


def linear_width(area: Floats, perimeter: Floats) -> Floats:
    """Mean width of a long thin polygon: w ≈ 2·A / P (for a W × L strip, 2WL / 2(W+L) → W)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(perimeter > 0, 2.0 * area / perimeter, 0.0)

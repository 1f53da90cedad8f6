"""Check of a tenure reallocation from its geometry alone — what a reviewer runs on a submitted plan, whether
produced by the solver and ``layout`` or drawn by hand.

Inputs: the contract parcels before (``DKBM, CBFBM, DLDJ``), the new field blocks (``TKBM, DLDJ``), the
allocation after (``CBFBM`` and optionally ``DKBM`` naming a piece), and the locked parcels (``DKBM → CBFBM``).

* *Pooled* parcels are those not locked. A locked parcel stays with its household unchanged and lies in no
  block; it appears in the allocation as a row of its own (matched by DKBM when the allocation names pieces,
  otherwise by largest overlap).
* Values are ``area × coef(DLDJ)``, areas always from the polygons (planar, metres), never from area columns.
  A parcel is valued with its own grade; allocation area is valued with the grade of the block it lies in
  (block by block through the intersections) or, on a locked parcel, with that parcel's grade; area elsewhere
  is worth nothing.
* Deduction ``d = params.deduction``, or when None ``d = 1 − Σ V(blocks) / Σ V(pooled parcels)``.
* Entitled ``T_h = V(locked parcels of h) + (1 − d)·V(pooled parcels of h)``; received ``R_h`` = value of h's
  allocation rows. Violation ``tolerance`` when ``|R_h − T_h| / T_h > params.tolerance + 1e-6``, including a
  household that receives nothing (deviation −100 %).
* ``uncovered``: per block, area not covered by the union of the allocation > ``area_tol``;
  ``overlap``: two allocation rows sharing > ``area_tol``; ``outside``: area of a row neither in a block nor
  on a locked parcel > ``area_tol``.
* ``locked``: a locked parcel missing from the allocation, given to another household, or changed in shape
  (symmetric difference > ``area_tol``); also a locked DKBM absent from the parcels, or registered there to
  another household.
* Pieces inside the blocks (more than ``area_tol`` or at least half of their area in blocks):
  ``width`` when ``parcel_width`` (2 × radius of the maximum inscribed circle) of one of its parts is below
  ``params.min_width − 0.01``; ``multipart`` when it has several parts larger than ``area_tol``.
* ``invalid``: a missing, empty or invalid geometry in any layer (the geometry is then made valid and
  checked further); ``unknown_household``: an allocation CBFBM not among the parcels' households.

Pairs come from STRtree queries and are evaluated with vectorised shapely, so a village (hundreds of
households, thousands of parcels) checks in well under a second or two. An unknown DLDJ grade raises KeyError.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from landcon.engine.realloc.assign import FEASIBILITY_TOLERANCE
from landcon.engine.realloc.layout import polygonal
from landcon.engine.realloc.params import Params
from landcon.engine.realloc.values import deduction, entitlements

KINDS = (
    "invalid",
    "locked",
    "unknown_household",
    "uncovered",
    "overlap",
    "outside",
    "width",
    "multipart",
    "tolerance",
)
"""Violation kinds, in the order they are reported."""

WIDTH_SLACK = 0.01
"""m: the width check allows the maximum inscribed circle's tolerance."""

Floats = npt.NDArray[np.float64]
Geoms = npt.NDArray[np.object_]


@dataclass(frozen=True)
class Violation:
    kind: str  # one of KINDS
    message: str  # Chinese, naming the feature(s)
    features: tuple[str, ...]  # TKBM, CBFBM, DKBM or allocation row ids
    amount: float | None = None  # m², fraction or metres, whichever the kind measures


@dataclass
class GeoCheck:
    violations: list[Violation]
    received: dict[str, float]  # household → value received (new pieces + kept locked parcels)
    entitled: dict[str, float]  # household → value entitled
    deduction: float  # the deduction used
    deviation: dict[str, float] = field(default_factory=dict)  # household → (R − T) / T

    @property
    def ok(self) -> bool:
        return not self.violations

    def of_kind(self, kind: str) -> list[Violation]:
        return [v for v in self.violations if v.kind == kind]


def _text(value: Any) -> str:
    """A code as text ("" for a missing value)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return str(value)


def _column(frame: pd.DataFrame, name: str) -> list[str]:
    return [_text(v) for v in frame[name]] if name in frame.columns else [""] * len(frame)


def _coefs(grades: Iterable[Any], params: Params) -> Floats:
    cache: dict[str, float] = {}
    out = []
    for g in grades:
        key = _text(g)
        if key not in cache:
            cache[key] = params.coef(key)
        out.append(cache[key])
    return np.asarray(out, dtype=float)


def _geometries(
    frame: gpd.GeoDataFrame, ids: list[str], layer: str, violations: list[Violation]
) -> tuple[Geoms, npt.NDArray[np.bool_]]:
    """The frame's geometries made valid and polygonal; an ``invalid`` violation for each bad one."""
    raw = np.asarray(frame.geometry.values, dtype=object)
    missing = shapely.is_missing(raw) | shapely.is_empty(raw)
    valid = shapely.is_valid(raw)
    bad = missing | ~valid
    for i in np.flatnonzero(bad):
        reason = "空几何" if missing[i] else shapely.is_valid_reason(raw[i])
        violations.append(Violation("invalid", f"{layer} {ids[i]} 几何无效：{reason}", (ids[i],)))
    geoms = np.array([polygonal(g) for g in raw], dtype=object)
    return geoms, bad


def _pairs(left: Geoms, right: Geoms) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], Geoms, Floats]:
    """Intersecting (left, right) index pairs, their intersections and intersection areas."""
    if not len(left) or not len(right):
        e = np.zeros(0, dtype=np.intp)
        return e, e, np.zeros(0, dtype=object), np.zeros(0)
    li, ri = shapely.STRtree(right).query(left, predicate="intersects")
    inter = shapely.intersection(left[li], right[ri])
    return li, ri, inter, shapely.area(inter)


@dataclass(frozen=True)
class LockedInBlock:
    """A locked parcel that a new block covers (more than ``area_tol``): it cannot stay in place."""

    parcel: str  # DKBM
    household: str  # CBFBM of the household that locked it
    block: str  # TKBM
    area: float  # m² of the parcel inside the block


def locked_in_blocks(
    parcels: gpd.GeoDataFrame, blocks: gpd.GeoDataFrame, locked: Mapping[str, str], *, area_tol: float = 1.0
) -> list[LockedInBlock]:
    """Locked parcels overlapping a new block by more than ``area_tol`` m², largest overlap first per parcel
    (``parcels``: DKBM, geometry; ``blocks``: TKBM, geometry)."""
    keys = _column(parcels, "DKBM")
    rows = np.flatnonzero(np.isin(keys, list(locked)))
    if not len(rows) or not len(blocks):
        return []
    geoms = np.asarray(parcels.geometry.array, dtype=object)[rows]
    block_geoms = np.asarray(blocks.geometry.array, dtype=object)
    pi, bi = shapely.STRtree(block_geoms).query(geoms, predicate="intersects")
    area = shapely.area(shapely.intersection(geoms[pi], block_geoms[bi])) if len(pi) else np.zeros(0)
    block_ids = _column(blocks, "TKBM")
    found: list[LockedInBlock] = []
    for k in np.lexsort((-area, pi)):
        if area[k] > area_tol and (not found or found[-1].parcel != keys[rows[pi[k]]]):
            dk = str(keys[rows[pi[k]]])
            found.append(LockedInBlock(dk, str(locked[dk]), str(block_ids[bi[k]]), float(area[k])))
    return found


def check_allocation(
    parcels: gpd.GeoDataFrame,
    blocks: gpd.GeoDataFrame,
    allocation: gpd.GeoDataFrame,
    locked: Mapping[str, str],
    params: Params,
    *,
    area_tol: float = 1.0,
) -> GeoCheck:
    """Every violation of the allocation against the parcels, blocks and locked parcels (module docstring),
    with the entitled and received values per household."""
    found: dict[str, list[Violation]] = {k: [] for k in KINDS}

    # Parcels before: value, household, locked or pooled.
    p_id = _column(parcels, "DKBM")
    p_hh = _column(parcels, "CBFBM")
    p_geom, _ = _geometries(parcels, p_id, "承包地块", found["invalid"])
    p_coef = _coefs(parcels["DLDJ"], params)
    p_value = shapely.area(p_geom) * p_coef
    locked = {str(k): str(v) for k, v in locked.items()}
    p_locked = np.array([k in locked for k in p_id], dtype=bool)

    # New blocks.
    b_id = _column(blocks, "TKBM")
    b_geom, _ = _geometries(blocks, b_id, "新田块", found["invalid"])
    b_coef = _coefs(blocks["DLDJ"], params)
    b_area = shapely.area(b_geom)

    # Allocation after.
    a_hh = _column(allocation, "CBFBM")
    a_name = _column(allocation, "DKBM")
    a_id = [name or f"#{label}" for name, label in zip(a_name, allocation.index, strict=True)]
    a_geom, _ = _geometries(allocation, a_id, "分配图斑", found["invalid"])
    a_area = shapely.area(a_geom)
    n = len(a_geom)

    def label(i: int) -> str:
        return f"分配图斑 {a_id[i]}（承包方 {a_hh[i] or '空'}）"

    # Deduction and entitlements.
    d = deduction(float(p_value[~p_locked].sum()), float((b_area * b_coef).sum()), params)
    owners = [locked[k] if is_locked else h for k, h, is_locked in zip(p_id, p_hh, p_locked, strict=True)]
    pooled_part, kept_part = entitlements(owners, p_value, ~p_locked, d)
    entitled: dict[str, float] = {h: pooled_part[h] + kept_part[h] for h in pooled_part}

    # Allocation values: block by block, and on locked parcels with the parcel's grade.
    gi, bi, inter_b, area_b = _pairs(a_geom, b_geom)
    in_block = np.bincount(gi, area_b, minlength=n)
    value = np.bincount(gi, area_b * b_coef[bi], minlength=n)
    lk = np.flatnonzero(p_locked)
    gl, li, _, area_l = _pairs(a_geom, p_geom[lk])
    on_locked = np.bincount(gl, area_l, minlength=n)
    value = value + np.bincount(gl, area_l * p_coef[lk][li], minlength=n)
    received: dict[str, float] = {h: 0.0 for h in entitled}
    for i in range(n):
        received[a_hh[i]] = received.get(a_hh[i], 0.0) + float(value[i])

    # Locked parcels: present, same household, same shape.
    by_name: dict[str, list[int]] = {}
    for i, name in enumerate(a_name):
        if name:
            by_name.setdefault(name, []).append(i)
    parcel_row: dict[str, int] = {}
    for j, k in enumerate(p_id):
        parcel_row.setdefault(k, j)
    overlaps: dict[int, dict[int, float]] = {}
    for g, pos, a in zip(gl.tolist(), li.tolist(), area_l.tolist(), strict=True):
        overlaps.setdefault(int(lk[pos]), {})[g] = a
    for k in sorted(locked):
        owner = locked[k]
        if k not in parcel_row:
            found["locked"].append(Violation("locked", f"锁定地块 {k} 不在承包地块图层中", (k,)))
            continue
        j = parcel_row[k]
        if p_hh[j] and p_hh[j] != owner:
            msg = f"锁定地块 {k} 在承包地块图层中属承包方 {p_hh[j]}，锁定表为 {owner}"
            found["locked"].append(Violation("locked", msg, (k, p_hh[j], owner)))
        overlap = overlaps.get(j, {})
        pool = by_name.get(k) or [g for g, a in overlap.items() if a > area_tol]
        if not pool:
            msg = f"锁定地块 {k}（承包方 {owner}）未保留在分配结果中"
            found["locked"].append(Violation("locked", msg, (k, owner), float(shapely.area(p_geom[j]))))
            continue
        row = max(pool, key=lambda g: overlap.get(g, 0.0))
        if a_hh[row] != owner:
            msg = f"锁定地块 {k} 应保留给承包方 {owner}，分配结果为 {a_hh[row] or '空'}"
            found["locked"].append(Violation("locked", msg, (k, owner, a_hh[row])))
        changed = float(shapely.area(shapely.symmetric_difference(a_geom[row], p_geom[j])))
        if changed > area_tol:
            msg = f"锁定地块 {k} 的范围被改动 {changed:.2f} m²（{label(row)}）"
            found["locked"].append(Violation("locked", msg, (k, a_id[row]), changed))

    # Households unknown to the parcels.
    unknown: dict[str, list[int]] = {}
    for i, h in enumerate(a_hh):
        if h not in entitled:
            unknown.setdefault(h, []).append(i)
    for h, rows in sorted(unknown.items()):
        area = float(a_area[rows].sum())
        msg = f"承包方 {h or '空'} 不在原承包方中，分得 {len(rows)} 块共 {area:.2f} m²"
        found["unknown_household"].append(Violation("unknown_household", msg, (h, *(a_id[i] for i in rows)), area))

    # Blocks fully covered.
    order = np.argsort(bi, kind="stable")
    starts = np.searchsorted(bi[order], np.arange(len(b_geom) + 1))
    for b in range(len(b_geom)):
        sel = order[starts[b] : starts[b + 1]]
        covered = float(shapely.area(shapely.union_all(inter_b[sel]))) if len(sel) else 0.0
        gap = float(b_area[b]) - covered
        if gap > area_tol:
            found["uncovered"].append(Violation("uncovered", f"田块 {b_id[b]} 有 {gap:.2f} m² 未分配", (b_id[b],), gap))

    # Overlaps between allocation rows.
    if n:
        i1, i2 = shapely.STRtree(a_geom).query(a_geom, predicate="intersects")
        keep = i1 < i2
        i1, i2 = i1[keep], i2[keep]
        shared = shapely.area(shapely.intersection(a_geom[i1], a_geom[i2]))
        for x, y, s in zip(i1.tolist(), i2.tolist(), shared.tolist(), strict=True):
            if s > area_tol:
                msg = f"{label(x)} 与 {label(y)} 重叠 {s:.2f} m²"
                found["overlap"].append(Violation("overlap", msg, (a_id[x], a_id[y]), s))

    # Area outside the blocks and the locked parcels.
    outside = np.maximum(a_area - in_block - on_locked, 0.0)
    for r in np.flatnonzero(outside > area_tol).tolist():
        msg = f"{label(r)} 有 {outside[r]:.2f} m² 不在新田块内，也不是保留的锁定地块"
        found["outside"].append(Violation("outside", msg, (a_id[r],), float(outside[r])))

    # Width and connectedness of the pieces inside the blocks.
    piece = np.flatnonzero((in_block > area_tol) | ((in_block > 0) & (in_block >= a_area / 2)))
    if len(piece):
        parts, owner_idx = shapely.get_parts(a_geom[piece], return_index=True)
        part_area = shapely.area(parts)
        big = part_area > area_tol
        counts = np.bincount(owner_idx[big], minlength=len(piece))
        # A piece made only of slivers is measured on all its parts.
        use = big | (counts[owner_idx] == 0)
        widths = 2.0 * shapely.length(shapely.maximum_inscribed_circle(parts[use], tolerance=0.01))
        narrowest = np.full(len(piece), np.inf)
        np.minimum.at(narrowest, owner_idx[use], widths)
        limit = params.min_width - WIDTH_SLACK
        for q, r in enumerate(piece.tolist()):
            if narrowest[q] < limit:
                msg = f"{label(r)} 宽 {narrowest[q]:.2f} m，小于最小宽度 {params.min_width:.2f} m"
                found["width"].append(Violation("width", msg, (a_id[r],), float(narrowest[q])))
            if counts[q] > 1:
                msg = f"{label(r)} 由 {counts[q]} 块不相连的部分组成"
                found["multipart"].append(Violation("multipart", msg, (a_id[r],), float(counts[q])))

    # Value within tolerance of the entitlement.
    deviation: dict[str, float] = {}
    for h in sorted(entitled):
        due, got = entitled[h], received.get(h, 0.0)
        if due > 0:
            deviation[h] = dev = (got - due) / due
            if abs(dev) > params.tolerance + FEASIBILITY_TOLERANCE:
                msg = (
                    f"承包方 {h} 分得 {got:.2f}，应得 {due:.2f}，"
                    f"偏差 {dev * 100:+.2f}% 超出 ±{params.tolerance * 100:g}%"
                )
                found["tolerance"].append(Violation("tolerance", msg, (h,), dev))
        elif got > 0:
            msg = f"承包方 {h} 无应得价值，却分得 {got:.2f}"
            found["tolerance"].append(Violation("tolerance", msg, (h,), None))

    return GeoCheck(
        violations=[v for k in KINDS for v in found[k]],
        received={h: float(v) for h, v in received.items()},
        entitled={h: float(v) for h, v in entitled.items()},
        deduction=d,
        deviation=deviation,
    )

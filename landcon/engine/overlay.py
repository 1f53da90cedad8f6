"""Overlay of 图斑 with zone layers (三区三线) and consolidation areas, by one convention.

**Apportionment convention.** When the boundary of another layer splits a DLTB polygon, its
attribute areas (TBMJ, KCMJ, TBDLMJ) are given to the pieces in proportion to each piece's share
of the polygon's ellipsoid area::

    TBDLMJ_piece = TBDLMJ × S(piece) / S(polygon)

with S the CGCS2000 ellipsoid area (``engine.area.ellipsoid_area``). A polygon wholly inside gets
its full attribute areas and no geometry is computed for it. Zone polygons are dissolved where
they overlap each other, so no piece is counted twice, and very large zone polygons are cut into
pieces of at most ``MAX_PIECE_VERTICES`` vertices so that each intersection stays cheap (the cut
lines have no area, so the shares still add up).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from landcon.engine.area import DEFAULT_DENSIFY_M, ellipsoid_area
from landcon.engine.coverage import overlapping_pairs
from landcon.engine.segments import SegmentIndex, origin_of, segments

MAX_PIECE_VERTICES = 256
"""Zone polygons with more vertices are split (recursively, in halves) before the overlay."""

SHARE_SNAP = 1e-9
"""Shares within this of 0 or 1 are snapped to 0 or 1 (coincident boundaries, rounding)."""

Geoms = npt.NDArray[np.object_]
Floats = npt.NDArray[np.float64]


def dissolve(zone: Geoms) -> Geoms:
    """Zone polygons as parts whose interiors are disjoint.

    Polygons that overlap another one are unioned together (only those: a clean layer is left as
    it is); multi-polygons are split into their parts; empty and missing geometries are dropped.
    """
    arr = np.asarray(zone, dtype=object)
    keep = np.array([g is not None for g in arr], dtype=bool)
    arr = arr[keep]
    arr = arr[~shapely.is_empty(arr) & np.isin(shapely.get_type_id(arr), (3, 6))]
    if not len(arr):
        return np.array([], dtype=object)
    arr = shapely.make_valid(arr)
    i, j, _ = overlapping_pairs(arr)
    involved = np.zeros(len(arr), dtype=bool)
    involved[i] = True
    involved[j] = True
    parts = [shapely.get_parts(arr[~involved])]
    if involved.any():
        parts.append(shapely.get_parts(shapely.union_all(arr[involved])))
    out = np.concatenate(parts)
    return np.asarray(out[np.isin(shapely.get_type_id(out), (3,)) & ~shapely.is_empty(out)], dtype=object)


def subdivide(polygons: Geoms, max_vertices: int = MAX_PIECE_VERTICES) -> Geoms:
    """Cut polygons with more than ``max_vertices`` vertices into halves, recursively.

    Like PostGIS ``ST_Subdivide``: the pieces cover the polygon exactly and meet along the cut
    lines only.
    """
    out: list[object] = []
    todo = list(np.asarray(polygons, dtype=object))
    while todo:
        geom = todo.pop()
        if shapely.get_num_coordinates(geom) <= max_vertices:
            out.append(geom)
            continue
        x0, y0, x1, y1 = shapely.bounds(geom)
        if x1 - x0 >= y1 - y0:
            xm = 0.5 * (x0 + x1)
            halves = (shapely.box(x0, y0, xm, y1), shapely.box(xm, y0, x1, y1))
        else:
            ym = 0.5 * (y0 + y1)
            halves = (shapely.box(x0, y0, x1, ym), shapely.box(x0, ym, x1, y1))
        for half in halves:
            piece = shapely.intersection(geom, half)
            for part in shapely.get_parts(piece):
                if shapely.get_type_id(part) == 3 and not shapely.is_empty(part):
                    out.append(part)
    return np.asarray(out, dtype=object)


def known_areas(
    geoms: Geoms, idx: npt.NDArray[np.intp], full_area: Floats | None, epsg: int, densify_m: float
) -> Floats:
    """Ellipsoid areas of ``geoms[idx]``: from ``full_area`` where given (not NaN), else computed."""
    if full_area is None:
        return ellipsoid_area(geoms[idx], epsg, densify_m)
    out = np.array(full_area[idx], dtype=np.float64)
    missing = np.isnan(out)
    if missing.any():
        out[missing] = ellipsoid_area(geoms[idx[missing]], epsg, densify_m)
    return out


def _snap(share: Floats) -> Floats:
    share = np.clip(share, 0.0, 1.0)
    share[share > 1.0 - SHARE_SNAP] = 1.0
    share[share < SHARE_SNAP] = 0.0
    return share


def zone_shares(
    geoms: Geoms,
    zone: Geoms,
    epsg: int,
    *,
    full_area: Floats | None = None,
    index: SegmentIndex | None = None,
    origin: tuple[float, float] | None = None,
    densify_m: float = DEFAULT_DENSIFY_M,
) -> Floats:
    """Share (0–1) of each polygon's ellipsoid area lying inside the union of ``zone``.

    Only polygons whose interior the zone boundary may cross are intersected exactly. The zone
    boundary is cut into segments; a segment that is also an edge of one of ``geoms`` (same end
    points to the millimetre — zone layers are usually drawn on 图斑 edges) crosses no interior;
    the polygons met by the other segments are intersected with the zone and their shares
    computed from ellipsoid areas. Every other polygon is wholly inside or wholly outside, which
    one point inside it decides.

    ``full_area`` may give the polygons' ellipsoid areas where they are known already (NaN where
    not). ``index``/``origin`` (from ``engine.segments``) let several zone layers share the
    segment index of ``geoms``.
    """
    arr = np.asarray(geoms, dtype=object)
    share = np.zeros(len(arr), dtype=np.float64)
    parts = dissolve(zone)
    if not len(arr) or not len(parts):
        return share
    if origin is None or index is None:
        origin = origin_of(arr, parts)
        index = SegmentIndex(segments(arr, origin))
    tree = shapely.STRtree(arr)
    # Polygons the zone boundary may cross.
    boundary = segments(parts, origin)
    loose = ~index.contains(boundary.lo, boundary.hi)
    crossed = np.zeros(len(arr), dtype=bool)
    if loose.any():
        lines = shapely.linestrings(np.stack([boundary.xy0[loose], boundary.xy1[loose]], axis=1))
        _, hit = tree.query(lines, predicate="intersects")
        crossed[hit] = True
    # The others: inside or outside, decided by one interior point.
    pieces = subdivide(parts)
    near = np.zeros(len(arr), dtype=bool)
    near[tree.query(pieces)[1]] = True
    probe = np.flatnonzero(near & ~crossed)
    if len(probe):
        shapely.prepare(pieces)
        points = shapely.point_on_surface(arr[probe])
        inside = np.zeros(len(probe), dtype=bool)
        inside[shapely.STRtree(pieces).query(points, predicate="within")[0]] = True
        share[probe[inside]] = 1.0
    cross_idx = np.flatnonzero(crossed)
    if len(cross_idx):
        g_local, p_idx = shapely.STRtree(pieces).query(arr[cross_idx], predicate="intersects")
        g_idx = cross_idx[g_local]
        inside_area = ellipsoid_area(shapely.intersection(arr[g_idx], pieces[p_idx]), epsg, densify_m)
        total = np.bincount(np.searchsorted(cross_idx, g_idx), weights=inside_area, minlength=len(cross_idx))
        whole = known_areas(arr, cross_idx, full_area, epsg, densify_m)
        with np.errstate(divide="ignore", invalid="ignore"):
            share[cross_idx] = np.where(whole > 0, total / whole, 0.0)
    return _snap(share)


@dataclass(frozen=True)
class Clip:
    """Pieces of polygons inside one area: ``index`` into the clipped layer, the piece geometry
    and its ``share`` of the polygon's ellipsoid area (1 for polygons wholly inside)."""

    index: npt.NDArray[np.intp]
    geometry: Geoms
    share: Floats


def clip(
    geoms: Geoms,
    area: object,
    epsg: int,
    *,
    full_area: Floats | None = None,
    densify_m: float = DEFAULT_DENSIFY_M,
) -> Clip:
    """The pieces of ``geoms`` inside the polygon ``area`` (e.g. a 整治区域), with their shares."""
    arr = np.asarray(geoms, dtype=object)
    empty = Clip(np.array([], dtype=np.intp), np.array([], dtype=object), np.array([], dtype=np.float64))
    if area is None or shapely.is_empty(area) or not len(arr):
        return empty
    area = shapely.make_valid(area)
    shapely.prepare(area)
    tree = shapely.STRtree(arr)
    idx = np.sort(tree.query(area, predicate="intersects"))
    if not len(idx):
        return empty
    covered = shapely.covers(area, arr[idx])
    pieces = arr[idx].copy()
    share = np.ones(len(idx), dtype=np.float64)
    cut = np.flatnonzero(~covered)
    if len(cut):
        cut_pieces = shapely.intersection(arr[idx[cut]], area)
        # Keep the areal part only (a shared edge or corner gives lines and points).
        cut_pieces = _polygonal(cut_pieces)
        inside = ellipsoid_area(cut_pieces, epsg, densify_m)
        whole = known_areas(arr, idx[cut], full_area, epsg, densify_m)
        with np.errstate(divide="ignore", invalid="ignore"):
            share[cut] = np.where(whole > 0, inside / whole, 0.0)
        pieces[cut] = cut_pieces
    share = _snap(share)
    keep = share > 0.0
    whole_again = (share >= 1.0) & ~covered
    pieces[whole_again] = arr[idx[whole_again]]
    return Clip(idx[keep].astype(np.intp), pieces[keep], share[keep])


def _polygonal(geoms: Geoms) -> Geoms:
    """The polygonal part of each geometry (collections from an intersection lose their lines)."""
    out = np.asarray(geoms, dtype=object).copy()
    mixed = np.flatnonzero(shapely.get_type_id(out) == 7)
    for k in mixed:
        parts = shapely.get_parts(out[k])
        polys = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
        out[k] = shapely.multipolygons(shapely.get_parts(polys)) if len(polys) else shapely.Polygon()
    return out

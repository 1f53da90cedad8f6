"""Overlay of 图斑 with zone layers (三区三线) and consolidation areas, by one convention.

**Apportionment convention.** When the boundary of another layer splits a DLTB polygon, its
attribute areas (TBMJ, KCMJ, TBDLMJ) are given to the pieces in proportion to each piece's share
of the polygon's ellipsoid area::

    TBDLMJ_piece = TBDLMJ × S(piece) / S(polygon)

with S the CGCS2000 ellipsoid area (``engine.area.ellipsoid_area``). A polygon wholly inside gets
its full attribute areas and no geometry is computed for it. Where zone polygons overlap each
other the union is taken, so no piece is counted twice, and very large zone polygons are cut into
pieces of at most ``MAX_PIECE_VERTICES`` vertices so that each intersection stays cheap (the cut
lines have no area, so the shares still add up).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from landcon.engine.area import ellipsoid_area
from landcon.engine.segments import IndexedPolygons, origin_of, segments

MAX_PIECE_VERTICES = 256
"""Zone polygons with more vertices are split (recursively, in halves) before the overlay."""

SHARE_SNAP = 1e-9
"""Shares within this of 0 or 1 are snapped to 0 or 1 (coincident boundaries, rounding)."""

Geoms = npt.NDArray[np.object_]
Floats = npt.NDArray[np.float64]


def zone_parts(zone: Geoms) -> Geoms:
    """The polygons of a zone layer as single parts (made valid; empty and non-areal dropped).

    Parts may overlap each other: ``zone_shares`` takes the union where it intersects.
    """
    arr = np.asarray([g for g in np.asarray(zone, dtype=object) if g is not None], dtype=object)
    if not len(arr):
        return arr
    arr = arr[~shapely.is_empty(arr) & np.isin(shapely.get_type_id(arr), (3, 6))]
    arr = np.where(shapely.is_valid(arr), arr, shapely.make_valid(arr))
    out = shapely.get_parts(arr)
    return np.asarray(out[(shapely.get_type_id(out) == 3) & ~shapely.is_empty(out)], dtype=object)


def subdivide(polygons: Geoms, max_vertices: int = MAX_PIECE_VERTICES) -> Geoms:
    """Cut polygons with more than ``max_vertices`` vertices into halves, recursively.

    Like PostGIS ``ST_Subdivide``: the pieces cover the polygon exactly and meet along the cut
    lines only.
    """
    out: list[object] = []
    todo = list(np.asarray(polygons, dtype=object))
    while todo:
        geom = todo.pop()
        x0, y0, x1, y1 = shapely.bounds(geom)
        if shapely.get_num_coordinates(geom) <= max_vertices or max(x1 - x0, y1 - y0) < 1.0:
            out.append(geom)
            continue
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


def known_areas(geoms: Geoms, idx: npt.NDArray[np.intp], full_area: Floats | None, epsg: int) -> Floats:
    """Ellipsoid areas of ``geoms[idx]``: from ``full_area`` where given (not NaN), else computed."""
    if full_area is None:
        return ellipsoid_area(geoms[idx], epsg)
    out = np.array(full_area[idx], dtype=np.float64)
    missing = np.isnan(out)
    if missing.any():
        out[missing] = ellipsoid_area(geoms[idx[missing]], epsg)
    return out


def _snap(share: Floats) -> Floats:
    share = np.clip(share, 0.0, 1.0)
    share[share > 1.0 - SHARE_SNAP] = 1.0
    share[share < SHARE_SNAP] = 0.0
    return share


def zone_shares(
    geoms: Geoms | IndexedPolygons,
    zone: Geoms,
    epsg: int,
    *,
    full_area: Floats | None = None,
) -> Floats:
    """Share (0–1) of each polygon's ellipsoid area lying inside the union of ``zone``
    (zone polygons may overlap: nothing is counted twice).

    Only polygons whose interior the zone boundary may cross are intersected exactly. The zone
    boundary is cut into segments; a segment that is also an edge of one of ``geoms`` (same end
    points to the millimetre — zone layers are usually drawn on 图斑 edges) crosses no interior;
    the polygons met by the other segments are intersected with the zone and their shares
    computed from ellipsoid areas. Every other polygon is wholly inside or wholly outside, which
    one point inside it decides.

    ``geoms`` may come indexed (``engine.segments.IndexedPolygons``) so that several zone layers
    share its STRtree and segment keys; the zone's coordinates must then lie within about
    2 000 km of its origin. ``full_area`` may give the polygons' ellipsoid areas where they are
    known already (NaN where not).
    """
    parts = zone_parts(zone)
    if isinstance(geoms, IndexedPolygons):
        layer = geoms
    else:
        arr0 = np.asarray(geoms, dtype=object)
        layer = IndexedPolygons(arr0, origin_of(arr0, parts))
    arr = layer.geoms
    share = np.zeros(len(arr), dtype=np.float64)
    if not len(arr) or not len(parts):
        return share
    tree = layer.tree
    # Polygons the zone boundary may cross.
    boundary = segments(parts, layer.origin, with_xy=True)
    loose = ~layer.segment_index.contains(boundary.lo, boundary.hi)
    crossed = np.zeros(len(arr), dtype=bool)
    if loose.any() and boundary.xy0 is not None and boundary.xy1 is not None:
        lines = shapely.linestrings(np.stack([boundary.xy0[loose], boundary.xy1[loose]], axis=1))
        crossed[tree.query(lines, predicate="intersects")[1]] = True
    # The others: inside or outside, decided by one interior point.
    pieces = subdivide(parts)
    shapely.prepare(pieces)
    near = np.zeros(len(arr), dtype=bool)
    near[tree.query(pieces)[1]] = True
    probe = np.flatnonzero(near & ~crossed)
    if len(probe):
        points = shapely.point_on_surface(arr[probe])
        inside = np.zeros(len(probe), dtype=bool)
        inside[shapely.STRtree(points).query(pieces, predicate="contains")[1]] = True
        share[probe[inside]] = 1.0
    cross_idx = np.flatnonzero(crossed)
    if len(cross_idx):
        p_idx, g_local = shapely.STRtree(arr[cross_idx]).query(pieces, predicate="intersects")
        order = np.argsort(g_local, kind="stable")
        p_idx, g_local = p_idx[order], g_local[order]
        cut = shapely.intersection(arr[cross_idx[g_local]], pieces[p_idx])
        # Several pieces over one polygon: their union (zone polygons may overlap each other).
        first = np.r_[0, np.flatnonzero(np.diff(g_local)) + 1]
        size = np.diff(np.r_[first, len(g_local)])
        inside = cut[first]
        for k in np.flatnonzero(size > 1):
            inside[k] = shapely.union_all(cut[first[k] : first[k] + size[k]])
        total = np.zeros(len(cross_idx), dtype=np.float64)
        total[g_local[first]] = ellipsoid_area(_polygonal(inside), epsg)
        whole = known_areas(arr, cross_idx, full_area, epsg)
        with np.errstate(divide="ignore", invalid="ignore"):
            share[cross_idx] = np.where(whole > 0, total / whole, 0.0)
    return _snap(share)


@dataclass(frozen=True)
class Pairs:
    """Pieces of ``geoms`` inside each of several ``areas``: for each piece the area's index, the
    polygon's index, the piece geometry and its share of the polygon's ellipsoid area."""

    area: npt.NDArray[np.intp]
    index: npt.NDArray[np.intp]
    geometry: Geoms
    share: Floats


def overlay_pairs(geoms: Geoms, areas: Geoms, epsg: int, *, tree: shapely.STRtree | None = None) -> Pairs:
    """Intersect polygons with several area polygons (change parcels, adjustment parcels …).

    ``areas`` must not overlap each other for the shares of one polygon to add up to at most 1.
    Pieces wholly inside an area keep their geometry and share 1 (no intersection computed).
    """
    arr = np.asarray(geoms, dtype=object)
    zones = np.asarray(areas, dtype=object)
    empty = Pairs(np.array([], np.intp), np.array([], np.intp), np.array([], dtype=object), np.array([], np.float64))
    if not len(arr) or not len(zones):
        return empty
    shapely.prepare(zones)
    tree = tree if tree is not None else shapely.STRtree(arr)
    a_idx, g_idx = tree.query(zones, predicate="intersects")
    if not len(a_idx):
        return empty
    covered = shapely.covers(zones[a_idx], arr[g_idx])
    pieces = arr[g_idx].copy()
    share = np.ones(len(g_idx), dtype=np.float64)
    cut = np.flatnonzero(~covered)
    if len(cut):
        cut_pieces = _polygonal(shapely.intersection(arr[g_idx[cut]], zones[a_idx[cut]]))
        inside = ellipsoid_area(cut_pieces, epsg)
        whole = ellipsoid_area(arr[g_idx[cut]], epsg)
        with np.errstate(divide="ignore", invalid="ignore"):
            share[cut] = np.where(whole > 0, inside / whole, 0.0)
        pieces[cut] = cut_pieces
    share = _snap(share)
    back = (share >= 1.0) & ~covered
    pieces[back] = arr[g_idx[back]]
    keep = share > 0.0
    order = np.lexsort((g_idx[keep], a_idx[keep]))
    return Pairs(
        a_idx[keep][order].astype(np.intp), g_idx[keep][order].astype(np.intp), pieces[keep][order], share[keep][order]
    )


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
        inside = ellipsoid_area(cut_pieces, epsg)
        whole = known_areas(arr, idx[cut], full_area, epsg)
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

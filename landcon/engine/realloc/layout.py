"""Layout of household parcels inside a consolidated field block: strips cut perpendicular to the road.

Every parcel must open onto the road (田间道/农村道路, 三调 1006), so a block is cut by lines perpendicular to
its *frontage*, the stretch of its boundary along a road:

* the frontage axis is ``(o, u)``: ``o`` the first point of the road side, ``u`` the unit vector of its chord;
  a point ``p`` lies at position ``t(p) = (p − o)·u`` along the frontage;
* the part of the block with ``t ≤ c`` has area ``A(c)``, continuous and increasing on the block's extent
  ``[t_min, t_max]``; strip ``i`` is the slab ``c_{i−1} ≤ t ≤ c_i`` with ``A(c_i) = a_1 + … + a_i``,
  each ``c_i`` found by bisection;
* a strip of width ``w`` starting at ``s`` has area ``S(s) = ∫_s^{s+w} L(t) dt`` (``L`` the cross-section
  length, linear between vertex positions), so ``S`` is quadratic between the breakpoints
  ``{t_k, t_k − w}``: the narrowest strip's area is the minimum over the breakpoints and the vertices of the
  convex pieces.

Road sides follow the block's counter-clockwise exterior, so the block lies to the left of ``u``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.polygon import orient

Vec = npt.NDArray[np.float64]

AREA_TOLERANCE = 1e-7
"""m²: the bisection stops when every cut's cumulative area is this close to its target."""

RESCALE_TOLERANCE = 1e-6
"""Relative difference between Σ areas and the block area that is rescaled away; more raises."""

_TURN_COS = float(np.cos(np.radians(10.0)))


def polygonal(geom: shapely.Geometry | None) -> shapely.Polygon | shapely.MultiPolygon:
    """The polygonal part of a geometry, made valid (an empty Polygon when there is none)."""
    if geom is None or geom.is_empty:
        return shapely.Polygon()
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    if isinstance(geom, shapely.Polygon | shapely.MultiPolygon):
        return geom
    parts: list[shapely.Polygon] = []
    stack = [geom]
    while stack:
        g = stack.pop()
        if isinstance(g, shapely.Polygon):
            if not g.is_empty:
                parts.append(g)
        elif isinstance(g, shapely.MultiPolygon | shapely.GeometryCollection):
            stack.extend(shapely.get_parts(g).tolist())
    if not parts:
        return shapely.Polygon()
    merged = shapely.union_all(parts)
    if isinstance(merged, shapely.Polygon | shapely.MultiPolygon):
        return merged
    return polygonal(merged)


def _trim_stubs(xy: Vec, snap: float) -> Vec:
    """Drop end segments that only lie within ``snap`` because they leave the road at a corner: the end
    segment turns by ≥ 10° into the next one and its free end is within ``snap`` of that next segment's line."""
    limit = snap * (1 + 1e-6) + 1e-9

    def stub(a: Vec, b: Vec, c: Vec) -> bool:
        d0, d1 = b - a, c - b
        n0, n1 = float(np.hypot(*d0)), float(np.hypot(*d1))
        if n0 == 0.0 or n1 == 0.0:
            return n0 == 0.0
        if float(d0 @ d1) / (n0 * n1) > _TURN_COS:
            return False
        return abs(float(d1[0] * (a[1] - b[1]) - d1[1] * (a[0] - b[0]))) / n1 <= limit

    while len(xy) >= 3 and stub(xy[0], xy[1], xy[2]):
        xy = xy[1:]
    while len(xy) >= 3 and stub(xy[-1], xy[-2], xy[-3]):
        xy = xy[:-1]
    return xy


def _line_parts(geom: shapely.Geometry) -> list[shapely.LineString]:
    """The non-empty LineStrings of a geometry, collections flattened."""
    out: list[shapely.LineString] = []
    stack = [geom]
    while stack:
        g = stack.pop()
        if isinstance(g, shapely.LineString):
            if g.length > 0:
                out.append(g)
        elif isinstance(g, shapely.MultiLineString | shapely.GeometryCollection):
            stack.extend(shapely.get_parts(g).tolist())
    return out


def _along(ring: shapely.LinearRing, line: shapely.LineString) -> shapely.LineString:
    """The line run in the ring's direction (reversed when its first step goes backwards along the ring)."""
    xy = shapely.get_coordinates(line)
    pos = shapely.line_locate_point(ring, shapely.points(xy[:2]))
    step = (float(pos[1]) - float(pos[0])) % ring.length
    return shapely.reverse(line) if step > ring.length / 2 else line


def road_side(
    block: shapely.Polygon, roads: Sequence[shapely.Geometry], *, snap: float = 1.0
) -> shapely.LineString | None:
    """The stretch of the block's exterior within ``snap`` metres of the road polygons (1006 田间道/农村道路),
    following the counter-clockwise exterior (block on the left); the longest connected stretch when several;
    None when the block touches no road. Corner stubs (the first ≤ ``snap`` of a side leaving the road) are
    trimmed."""
    geoms = [g for g in roads if g is not None and not g.is_empty]
    if not geoms or block.is_empty:
        return None
    zone = shapely.buffer(shapely.union_all(geoms), snap)
    ring = orient(block, 1.0).exterior
    pieces = [_along(ring, g) for g in _line_parts(shapely.intersection(ring, zone))]
    if not pieces:
        return None
    merged = shapely.line_merge(shapely.MultiLineString(pieces), directed=True)
    best: shapely.LineString | None = None
    for part in shapely.get_parts(merged):
        xy = shapely.get_coordinates(part)
        if not (xy[0] == xy[-1]).all():  # a closed stretch (roads all round) has no ends to trim
            xy = _trim_stubs(xy, snap)
        line = shapely.LineString(xy)
        if line.length > 0 and (best is None or line.length > best.length):
            best = line
    return best


def _rectangle_axis(block: shapely.Geometry) -> tuple[Vec, Vec]:
    """Axis along the longer side of the minimum rotated rectangle: of the two long sides the lower one
    (then the left one), run counter-clockwise."""
    rect = shapely.oriented_envelope(block)
    if not isinstance(rect, shapely.Polygon):
        xy = shapely.get_coordinates(rect)
        d = xy[-1] - xy[0]
        n = float(np.hypot(*d))
        return xy[0], (d / n if n > 0 else np.array([1.0, 0.0]))
    xy = shapely.get_coordinates(orient(rect, 1.0).exterior)[:4]
    edges = [(xy[i], xy[(i + 1) % 4]) for i in range(4)]
    lengths = [float(np.hypot(*(b - a))) for a, b in edges]
    first = 0 if lengths[0] >= lengths[1] else 1
    candidates = [edges[first], edges[first + 2]]
    a, b = min(candidates, key=lambda e: (round(float(e[0][1] + e[1][1]), 9), round(float(e[0][0] + e[1][0]), 9)))
    return a, (b - a) / float(np.hypot(*(b - a)))


def frontage_axis(block: shapely.Polygon, road: shapely.LineString | None) -> tuple[Vec, Vec]:
    """(origin, u): u the unit vector of the road line's chord (last point − first point), origin its first
    point. Strips are cut by lines perpendicular to u, so every parcel opens onto the road. Without a road,
    or when the road side closes on itself (zero chord), the longer side of the block's minimum rotated
    rectangle is the frontage."""
    if road is None or road.is_empty:
        return _rectangle_axis(block)
    xy = shapely.get_coordinates(road)
    chord = xy[-1] - xy[0]
    n = float(np.hypot(*chord))
    if n <= 1e-9 * max(1.0, road.length):
        return _rectangle_axis(block)
    return xy[0].astype(np.float64), chord / n


def order_along(
    road: shapely.LineString | None, block: shapely.Polygon, homes: Sequence[tuple[float, float] | None]
) -> list[int]:
    """Indices sorted by the homestead's position ``(home − o)·u`` along the frontage; households without a
    home go last; ties keep their order (stable)."""
    origin, u = frontage_axis(block, road)
    keys = [(1, 0.0) if h is None else (0, float((np.asarray(h, dtype=float) - origin) @ u)) for h in homes]
    return sorted(range(len(homes)), key=lambda i: keys[i])


def _extent(block: shapely.Geometry, origin: Vec, u: Vec) -> tuple[Vec, Vec]:
    """Positions of the block's vertices along u and along v = u rotated +90°."""
    xy = shapely.get_coordinates(block) - origin
    v = np.array([-u[1], u[0]])
    return xy @ u, xy @ v


def _slabs(origin: Vec, u: Vec, lo: Vec, hi: Vec, w0: float, w1: float) -> npt.NDArray[np.object_]:
    """Rectangles ``lo ≤ t ≤ hi`` × ``w0 ≤ (p − o)·v ≤ w1`` (one per entry of lo/hi)."""
    v = np.array([-u[1], u[0]])
    lo, hi = np.broadcast_arrays(np.asarray(lo, dtype=float), np.asarray(hi, dtype=float))
    corners = [(lo, w0), (hi, w0), (hi, w1), (lo, w1)]
    ring = np.stack([origin + t[:, None] * u + w * v for t, w in corners], axis=1)
    return np.asarray(shapely.polygons(ring), dtype=object)


def layout_block(
    block: shapely.Polygon, road: shapely.LineString | None, areas: Sequence[float]
) -> list[shapely.Polygon | shapely.MultiPolygon]:
    """Cut ``block`` into ``len(areas)`` strips perpendicular to the road, in the given order along u, strip i
    of area ``areas[i]``: cut i at the position c with ``A(c) = a_1 + … + a_i``, found by bisection to
    ``AREA_TOLERANCE`` (or float resolution); the last strip is the exact remainder, so the strips cover the
    block without gap or overlap. Without a road the frontage is the minimum rotated rectangle's longer side.
    Areas whose sum differs from the block area by at most ``RESCALE_TOLERANCE`` (relative) are rescaled;
    a larger difference raises ValueError. A strip of a concave block may be a MultiPolygon."""
    a = np.asarray(areas, dtype=float)
    if a.ndim != 1 or len(a) == 0:
        raise ValueError("至少需要一份面积")
    if not np.isfinite(a).all() or (a <= 0).any():
        raise ValueError(f"各份面积必须为正数，得到 {a.tolist()}")
    total = float(block.area)
    s = float(a.sum())
    if abs(s - total) > RESCALE_TOLERANCE * total:
        raise ValueError(f"各份面积之和 {s:.6f} m² 与田块面积 {total:.6f} m² 不符")
    a = a * (total / s)
    origin, u = frontage_axis(block, road)
    t, w = _extent(block, origin, u)
    t_min, t_max = float(t.min()), float(t.max())
    pad = 1.0 + 0.01 * max(t_max - t_min, float(w.max() - w.min()))
    w0, w1 = float(w.min()) - pad, float(w.max()) + pad
    targets = np.cumsum(a)[:-1]
    cuts = _bisect_cuts(block, origin, u, targets, t_min, t_max, w0, w1)
    cuts = _snap_to_vertices(block, origin, u, cuts, targets, t, w0, w1)
    bounds = np.concatenate([[t_min - pad], cuts, [t_max + pad]])
    strips = shapely.intersection(block, _slabs(origin, u, bounds[:-1], bounds[1:], w0, w1))
    return [polygonal(g) for g in strips]


def _bisect_cuts(
    block: shapely.Geometry, origin: Vec, u: Vec, targets: Vec, t_min: float, t_max: float, w0: float, w1: float
) -> Vec:
    """Positions c with A(c) = target, all cuts bisected together (one vectorised intersection per step)."""
    if not len(targets):
        return np.zeros(0)
    lo = np.full(len(targets), t_min)
    hi = np.full(len(targets), t_max)
    best = (lo + hi) / 2
    err = np.full(len(targets), np.inf)
    for _ in range(200):
        mid = (lo + hi) / 2
        got = shapely.area(shapely.intersection(block, _slabs(origin, u, np.full_like(mid, t_min - 1.0), mid, w0, w1)))
        e = np.abs(got - targets)
        better = e < err
        best = np.where(better, mid, best)
        err = np.where(better, e, err)
        if (err <= AREA_TOLERANCE).all():
            break
        below = got < targets
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
        nxt = (lo + hi) / 2
        if ((nxt == lo) | (nxt == hi) | (err <= AREA_TOLERANCE)).all():
            break
    return np.asarray(best, dtype=float)


def _snap_to_vertices(
    block: shapely.Geometry, origin: Vec, u: Vec, cuts: Vec, targets: Vec, t: Vec, w0: float, w1: float
) -> Vec:
    """Move a cut onto a vertex position less than 1 µm away when that meets its target as well (no slivers
    of float width next to block edges perpendicular to the road)."""
    if not len(cuts):
        return cuts
    ts = np.unique(t)
    k = np.clip(np.searchsorted(ts, cuts), 1, len(ts) - 1)
    near = np.where(np.abs(ts[k - 1] - cuts) <= np.abs(ts[k] - cuts), ts[k - 1], ts[k])
    close = (np.abs(near - cuts) < 1e-6) & (near != cuts)
    if not close.any():
        return cuts
    start = np.full(len(cuts), float(t.min()) - 1.0)
    before = np.abs(shapely.area(shapely.intersection(block, _slabs(origin, u, start, cuts, w0, w1))) - targets)
    after = np.abs(shapely.area(shapely.intersection(block, _slabs(origin, u, start, near, w0, w1))) - targets)
    return np.where(close & ((after <= AREA_TOLERANCE) | (after <= before)), near, cuts)


def strip_width(parcel: shapely.Geometry, u: Vec) -> float:
    """Extent of the parcel along u (its frontage width): max − min of ``p·u`` over its vertices."""
    xy = shapely.get_coordinates(parcel)
    if not len(xy):
        return 0.0
    t = xy @ np.asarray(u, dtype=float)
    return float(t.max() - t.min())


def min_piece_area(block: shapely.Polygon, road: shapely.LineString | None, min_width: float) -> float:
    """Area of the narrowest allowed strip: ``min_s S(s)``, S(s) the area of the block between positions s and
    s + min_width along u. S is quadratic between the breakpoints {t_k, t_k − min_width} (t_k the vertex
    positions), so it is evaluated at the breakpoints, the interval midpoints and, where a piece is convex,
    at its vertex. The whole block when min_width reaches its extent; 0 when min_width ≤ 0."""
    if min_width <= 0 or block.is_empty:
        return 0.0
    origin, u = frontage_axis(block, road)
    t, w = _extent(block, origin, u)
    t_min, t_max = float(t.min()), float(t.max())
    if min_width >= t_max - t_min:
        return float(block.area)
    pad = 1.0 + 0.01 * max(t_max - t_min, float(w.max() - w.min()))
    w0, w1 = float(w.min()) - pad, float(w.max()) + pad
    last = t_max - min_width
    b = np.unique(np.clip(np.concatenate([t, t - min_width, [t_min, last]]), t_min, last))

    def strip(s: Vec) -> Vec:
        return np.asarray(shapely.area(shapely.intersection(block, _slabs(origin, u, s, s + min_width, w0, w1))))

    s_b = strip(b)
    if len(b) < 2:
        return float(s_b.min())
    h = np.diff(b)
    s_m = strip(b[:-1] + h / 2)
    s0, s1 = s_b[:-1], s_b[1:]
    curv = 2.0 * (s0 - 2.0 * s_m + s1) / h**2
    slope = (4.0 * s_m - 3.0 * s0 - s1) / h
    convex = curv > 0
    x = np.where(convex, -slope / np.where(convex, 2.0 * curv, 1.0), -1.0)
    inside = convex & (x > 0) & (x < h)
    candidates = [float(s_b.min()), float(s_m.min())]
    if inside.any():
        candidates.append(float(strip(b[:-1][inside] + x[inside]).min()))
    return max(0.0, min(candidates))


def parcel_width(parcel: shapely.Geometry | None) -> float:
    """Orientation-free width: 2 × radius of the maximum inscribed circle (tolerance 0.01 m). For a w × L
    rectangle (w ≤ L) it is w; 0 for an empty or non-polygonal geometry."""
    poly = polygonal(parcel)
    if poly.is_empty:
        return 0.0
    return 2.0 * float(shapely.length(shapely.maximum_inscribed_circle(poly, tolerance=0.01)))

"""Polygon boundary segments keyed by their end points, for exact-vertex matching between layers.

Clean 三调 layers share their boundary vertex for vertex, so "these two polygons share this edge"
and "this zone boundary runs along 图斑 edges" become equality of integer keys: each segment is
keyed by its two end points quantised to 1 mm (undirected: the smaller point key first).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
import shapely

from landcon.engine.rings import ring_coordinates

QUANTUM_M = 1e-3
"""Vertices equal to the millimetre are the same vertex."""

_Y_BITS = 31
_MIX = np.int64(-7046029254386353131)  # 0x9E3779B97F4A7C15 as a signed 64-bit integer

Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Segments:
    """Undirected segment keys ``(lo, hi)``, the index of the owning geometry, the length (m) and,
    when asked for, the end points."""

    lo: Ints
    hi: Ints
    owner: npt.NDArray[np.intp]
    length: npt.NDArray[np.float64]
    xy0: npt.NDArray[np.float64] | None = None
    xy1: npt.NDArray[np.float64] | None = None


def origin_of(*layers: npt.NDArray[np.object_]) -> tuple[float, float]:
    """A common quantisation origin (the lower-left corner of all layers)."""
    bounds = [shapely.total_bounds(np.asarray(g, dtype=object)) for g in layers if len(g)]
    finite = [b for b in bounds if np.isfinite(b).all()]
    if not finite:
        return 0.0, 0.0
    return float(min(b[0] for b in finite)), float(min(b[1] for b in finite))


def segments(geoms: npt.NDArray[np.object_], origin: tuple[float, float], *, with_xy: bool = False) -> Segments:
    """Every ring segment of the polygons (zero-length segments dropped)."""
    xy, ring_id, ring_geom, _ = ring_coordinates(np.asarray(geoms, dtype=object))
    if not len(xy):
        e = np.array([], dtype=np.int64)
        z = np.zeros((0, 2))
        return Segments(e, e, np.array([], dtype=np.intp), np.array([], dtype=np.float64), z, z)
    q = np.round((xy - np.asarray(origin)) / QUANTUM_M).astype(np.int64)
    key = (q[:, 0] << _Y_BITS) | q[:, 1]
    del q
    same = (ring_id[:-1] == ring_id[1:]) & (key[:-1] != key[1:])
    a, b = key[:-1][same], key[1:][same]
    d = xy[1:][same] - xy[:-1][same]
    owner = ring_geom[ring_id[:-1][same]].astype(np.intp)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    length = np.hypot(d[:, 0], d[:, 1])
    if not with_xy:
        return Segments(lo, hi, owner, length)
    return Segments(lo, hi, owner, length, xy[:-1][same], xy[1:][same])


def segment_hash(lo: Ints, hi: Ints) -> Ints:
    """A 64-bit hash of the segment key (equal keys → equal hashes; collisions are checked)."""
    with np.errstate(over="ignore"):
        return (lo * _MIX) ^ hi


class SegmentIndex:
    """Segment keys sorted by hash: membership tests and groups of equal keys."""

    def __init__(self, segs: Segments) -> None:
        h = segment_hash(segs.lo, segs.hi)
        self.order = np.argsort(h, kind="stable")
        self.hash = h[self.order]
        self.lo = segs.lo[self.order]
        self.hi = segs.hi[self.order]

    def contains(self, lo: Ints, hi: Ints) -> npt.NDArray[np.bool_]:
        """True where ``(lo, hi)`` is one of the indexed segments.

        A hash collision can only make a present segment look absent (never the reverse), which
        sends it to the exact geometric path: never a wrong answer.
        """
        if not len(self.hash) or not len(lo):
            return np.zeros(len(lo), dtype=bool)
        h = segment_hash(lo, hi)
        pos = np.minimum(np.searchsorted(self.hash, h), len(self.hash) - 1)
        return (self.hash[pos] == h) & (self.lo[pos] == lo) & (self.hi[pos] == hi)


class IndexedPolygons:
    """A polygon layer with the indexes the overlays share: an STRtree and the segment keys
    (quantised from ``origin``, which every layer matched against it must use too)."""

    def __init__(self, geoms: npt.NDArray[np.object_], origin: tuple[float, float]) -> None:
        self.geoms = np.asarray(geoms, dtype=object)
        self.origin = origin

    @cached_property
    def tree(self) -> shapely.STRtree:
        return shapely.STRtree(self.geoms)

    @cached_property
    def segments(self) -> Segments:
        return segments(self.geoms, self.origin)

    @cached_property
    def segment_index(self) -> SegmentIndex:
        return SegmentIndex(self.segments)

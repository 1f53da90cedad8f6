"""Flat, vectorised access to polygon rings (shared by the area and coverage computations)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely


def ring_coordinates(
    geoms: npt.NDArray[np.object_],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """Coordinates of every ring of polygons / multi-polygons.

    Returns ``(xy, ring_id, ring_geom, ring_is_exterior)``: vertex coordinates (each ring closed,
    first vertex repeated last), the ring id of each vertex, the index in ``geoms`` of each ring,
    and whether each ring is an exterior ring. Simple polygons (the vast majority of 图斑) take a
    fast path: their coordinate sequence is one ring. Non-areal and empty geometries have no rings.
    """
    type_id = shapely.get_type_id(geoms)
    simple = (type_id == 3) & (shapely.get_num_interior_rings(geoms) == 0) & ~shapely.is_empty(geoms)
    simple_idx = np.flatnonzero(simple)
    coords, ring_id = shapely.get_coordinates(geoms[simple_idx], return_index=True)
    ring_geom = simple_idx
    ring_ext = np.ones(len(simple_idx), dtype=bool)
    complex_idx = np.flatnonzero(~simple & np.isin(type_id, (3, 6)))
    if len(complex_idx):
        parts, part_of = shapely.get_parts(geoms[complex_idx], return_index=True)
        rings, ring_of_part = shapely.get_rings(parts, return_index=True)
        c2, r2 = shapely.get_coordinates(rings, return_index=True)
        coords = np.concatenate([coords, c2])
        ring_id = np.concatenate([ring_id, r2 + len(simple_idx)])
        ring_geom = np.concatenate([ring_geom, complex_idx[part_of[ring_of_part]]])
        ring_ext = np.concatenate([ring_ext, np.r_[True, ring_of_part[1:] != ring_of_part[:-1]]])
    return coords, ring_id.astype(np.intp), ring_geom.astype(np.intp), ring_ext


def signed_ring_areas(
    xy: npt.NDArray[np.float64], ring_id: npt.NDArray[np.intp], n_rings: int
) -> npt.NDArray[np.float64]:
    """Planar signed area of each ring (shoelace; positive = counter-clockwise)."""
    same = ring_id[:-1] == ring_id[1:]
    x0 = xy[:-1, 0] - xy[0, 0]
    y0 = xy[:-1, 1] - xy[0, 1]
    x1 = xy[1:, 0] - xy[0, 0]
    y1 = xy[1:, 1] - xy[0, 1]
    cross = np.where(same, x0 * y1 - x1 * y0, 0.0)
    return np.asarray(0.5 * np.bincount(ring_id[:-1], weights=cross, minlength=n_rings), dtype=np.float64)


def keep_only(geoms: npt.NDArray[np.object_], mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.object_]:
    """A copy of ``geoms`` with None where ``mask`` is False."""
    out = np.array(geoms, dtype=object, copy=True)
    out[~np.asarray(mask, dtype=bool)] = None
    return out

"""Which administrative units a 整治区域 covers: the townships (XZQ) and villages (CJDCQ) it touches."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely

INTERIORS_MEET = "T********"
"""DE-9IM pattern: the interiors of the two polygons share a point (a shared boundary alone does not)."""


def units_touched(
    zone_geoms: Sequence[shapely.Geometry | None],
    unit_geoms: Sequence[shapely.Geometry | None],
    codes: Sequence[object],
    length: int,
) -> list[str]:
    """Sorted codes (first ``length`` characters: 9 for XZQDM 乡镇, 12 for ZLDWDM 村, 统计用区划代码) of the
    unit polygons whose interior meets the interior of a zone polygon (DE-9IM ``T********``); units
    only touching the zone's boundary, empty geometries and codes shorter than ``length`` are left out."""
    zones = np.asarray([g for g in zone_geoms if g is not None and not g.is_empty], dtype=object)
    units = np.asarray(list(unit_geoms), dtype=object)
    if len(zones) == 0 or len(units) == 0:
        return []
    valid = np.asarray([g is not None and not g.is_empty for g in units], dtype=bool)
    index = np.flatnonzero(valid)
    if len(index) == 0:
        return []
    unit_idx, zone_idx = shapely.STRtree(zones).query(units[index], predicate="intersects")
    meet = shapely.relate_pattern(units[index][unit_idx], zones[zone_idx], INTERIORS_MEET)
    found = set()
    for i in index[unit_idx[meet]]:
        code = "" if codes[i] is None else str(codes[i]).strip()
        if len(code) >= length:
            found.add(code[:length])
    return sorted(found)

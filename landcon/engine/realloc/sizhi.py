"""四至 of the new contract parcels: what borders each parcel to the east, south, west and north, as a
contract register and a 公示表 state it (东至张三、南至道路 …).

Method: from the parcel's representative point a ray runs in each compass direction; where it leaves
the parcel for the last time, a probe point ``PROBE`` metres further out is looked up among the other
parcels (→ their holder), the roads (→ ``道路``) and else ``田块外`` (the block's edge: a ditch, a field
boundary or unconsolidated land). Strips are at least the minimum width (≥ 10 m) apart from each
other, so a probe a few metres past an edge lands in the neighbour that shares it.
"""

from __future__ import annotations

from collections.abc import Sequence

import shapely

PROBE = 3.0
"""Metres past the parcel's edge at which its neighbour is looked up."""
REACH = 100_000.0
DIRECTIONS = (("东", (1.0, 0.0)), ("南", (0.0, -1.0)), ("西", (-1.0, 0.0)), ("北", (0.0, 1.0)))
ROAD, OUTSIDE = "道路", "田块外"


def four_sides(
    geometries: Sequence[shapely.Geometry], holders: Sequence[str], roads: Sequence[shapely.Geometry] = ()
) -> list[dict[str, str]]:
    """For each parcel, ``{"东": …, "南": …, "西": …, "北": …}``: the holder (``holders[i]``, e.g. a
    masked name) of the neighbouring parcel in that direction, ``道路`` or ``田块外``."""
    tree = shapely.STRtree(list(geometries))
    road_tree = shapely.STRtree(list(roads)) if len(roads) else None
    out: list[dict[str, str]] = []
    for n, geom in enumerate(geometries):
        centre = geom.representative_point()
        sides: dict[str, str] = {}
        for name, (dx, dy) in DIRECTIONS:
            ray = shapely.LineString([(centre.x, centre.y), (centre.x + dx * REACH, centre.y + dy * REACH)])
            cut = ray.intersection(geom)
            far = max(
                (shapely.Point(c) for part in getattr(cut, "geoms", [cut]) for c in part.coords),
                key=lambda p: (p.x - centre.x) * dx + (p.y - centre.y) * dy,
                default=centre,
            )
            probe = shapely.Point(far.x + dx * PROBE, far.y + dy * PROBE)
            hits = [int(i) for i in tree.query(probe, predicate="intersects") if int(i) != n]
            if hits:
                sides[name] = holders[hits[0]]
            elif road_tree is not None and len(road_tree.query(probe, predicate="intersects")):
                sides[name] = ROAD
            else:
                sides[name] = OUTSIDE
        out.append(sides)
    return out


def text(sides: dict[str, str]) -> str:
    """``东至张*、南至道路、西至李*四、北至田块外``."""
    return "、".join(f"{name}至{sides[name]}" for name, _ in DIRECTIONS)

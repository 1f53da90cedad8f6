"""Small sketch (PNG) of one new contract parcel with its neighbours, for the 公示表: the parcel filled,
neighbouring parcels outlined with their (masked) holder, roads grey, a north arrow; no base map."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import shapely

SIZE_IN = (1.6, 1.2)
DPI = 150
MARGIN = 25.0
"""Metres of surroundings shown around the parcel."""


def _draw(ax: object, geom: shapely.Geometry, **style: object) -> None:
    polygons = getattr(geom, "geoms", [geom])
    for poly in polygons:
        if poly.geom_type != "Polygon":
            continue
        x, y = poly.exterior.xy
        ax.fill(x, y, **style)  # type: ignore[attr-defined]


def sketch_png(
    target: shapely.Geometry,
    neighbours: Sequence[tuple[shapely.Geometry, str]],
    roads: Sequence[shapely.Geometry],
    path: str | Path,
) -> Path:
    """Write the sketch of ``target`` to ``path``: ``neighbours`` are (geometry, label) drawn in outline,
    ``roads`` in grey, all clipped to the parcel's bounds plus ``MARGIN`` metres."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.font_manager import FontProperties

    from landcon.reports.survey_maps import cjk_font_path

    font = FontProperties(fname=cjk_font_path(), size=4)

    x0, y0, x1, y1 = target.bounds
    window = shapely.box(x0 - MARGIN, y0 - MARGIN, x1 + MARGIN, y1 + MARGIN)
    fig = plt.figure(figsize=SIZE_IN, dpi=DPI)
    ax = fig.add_axes((0, 0, 1, 1))
    for road in roads:
        part = road.intersection(window)
        if not part.is_empty:
            _draw(ax, part, facecolor="#cccccc", edgecolor="none")
    for geom, text in neighbours:
        part = geom.intersection(window)
        if part.is_empty:
            continue
        _draw(ax, part, facecolor="none", edgecolor="#555555", linewidth=0.6)
        where = part.representative_point()
        ax.text(where.x, where.y, text, fontproperties=font, ha="center", va="center", color="#333333")
    _draw(ax, target, facecolor="#f6ad55", edgecolor="#9c4221", linewidth=1.0)
    ax.annotate("N", xy=(0.92, 0.95), xytext=(0.92, 0.75), xycoords="figure fraction", fontsize=5, ha="center",
                arrowprops={"arrowstyle": "->", "linewidth": 0.6})  # fmt: skip
    ax.set_xlim(x0 - MARGIN, x1 + MARGIN)
    ax.set_ylim(y0 - MARGIN, y1 + MARGIN)
    ax.set_aspect("equal", adjustable="box")
    ax.axis("off")
    out = Path(path)
    fig.savefig(out, dpi=DPI)
    plt.close(fig)
    return out

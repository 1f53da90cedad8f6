"""Before/after maps of the 竣工验收报告: the 三调 land use inside the 整治区域 (before) and the as-built
parcels coloured by their verification result (after), over the before state in grey. Drawn by
``reports.survey_maps`` (A4 landscape PNG, CJK font, scale bar, north arrow); nothing is computed here.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from landcon.reports.survey_maps import MapClass, render_category_map, render_landuse_map

#: The results of the acceptance page's map (``services.acceptance_views``), in its colours.
RESULT_CLASSES: tuple[MapClass, ...] = (
    MapClass("核减", "核减", "#e31a1c"),
    MapClass("核实通过", "核实通过", "#1a9641"),
    MapClass("无新增耕地", "无新增耕地", "#9e9e9e"),
)


def render_before(landuse: gpd.GeoDataFrame, path: str | Path, *, name: str) -> Path:
    """``landuse``: DLTB pieces inside the 整治区域 with ``DLBM``."""
    return render_landuse_map(landuse, path, title=f"{name} 整治前土地利用现状（三调）")


def render_after(
    parcels: gpd.GeoDataFrame, path: str | Path, *, name: str, background: gpd.GeoDataFrame | None
) -> Path:
    """``parcels``: the as-built parcels with ``status`` (``RESULT_CLASSES`` keys)."""
    return render_category_map(
        parcels,
        path,
        title=f"{name} 竣工图斑核实结果",
        column="status",
        classes=RESULT_CLASSES,
        legend_title="核实结果",
        background=background,
    )

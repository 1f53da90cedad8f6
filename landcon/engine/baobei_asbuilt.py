"""The 验收 报备's new farmland from the as-built acceptance (docs/baobei.md, "验收 basis").

The rows are ``engine.acceptance.parcel_rows`` as stored with the passing whole-project acceptance
(acceptance.json ``asbuilt_parcels``): one per as-built parcel with its new 耕地 ``new_m2``, the part
failing verification ``not_verified_m2`` and the 核定 rest ``verified_m2`` = new − failing
(``engine.acceptance``). A parcel reports its 核定 new 耕地: the 补充耕地监测图斑 are the parcels with
``verified_m2`` > 0 that are not 增减挂钩 plots (their new 耕地 goes to the linkage ledger, not to
补充耕地), XZGDMJ = ``verified_m2``; the 新增耕地 坐标文件 lists every parcel with ``verified_m2`` > 0,
area its TBMJ (as the plan's 新增耕地 图斑).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import shapely.geometry

from landcon.engine import codes
from landcon.engine.area import ellipsoid_area
from landcon.engine.baobei import MONITORING_FIELDS


def new_farmland_rows(rows: Sequence[Mapping[str, Any]], *, supplementary: bool) -> list[Mapping[str, Any]]:
    """The as-built parcels with 核定 new 耕地 (``supplementary``: without the 增减挂钩 plots)."""
    return [
        r
        for r in rows
        if float(r.get("verified_m2") or 0.0) > 0 and r.get("geometry") and not (supplementary and r.get("linkage"))
    ]


def asbuilt_frame(rows: Sequence[Mapping[str, Any]], epsg: int) -> gpd.GeoDataFrame:
    """``rows`` as a layer with ``MONITORING_FIELDS``: BSM the parcel, DLBM/DLMC its as-built class,
    GDPDJB its slope grade, TBMJ its ellipsoidal area (``engine.area``, as the plan's pieces), XZGDMJ
    its 核定 new 耕地 (m²), XZGDDB its 等别, XZGDLYXM its 新增耕地来源 (整理/复垦/开发); 坐落 and the
    class before are not part of the as-built data."""
    geoms = np.asarray([shapely.geometry.shape(r["geometry"]) for r in rows], dtype=object)
    dlbm = [str(r.get("dlbm") or "") for r in rows]
    verified = [float(r["verified_m2"]) for r in rows]
    values: dict[str, list[Any]] = {
        "BSM": [str(r["parcel"]) for r in rows],
        "ZLDWDM": [""] * len(rows),
        "ZLDWMC": [""] * len(rows),
        "DLBM": dlbm,
        "DLMC": [codes.LAND_USE_NAMES.get(c, "") for c in dlbm],
        "GDPDJB": [str(r.get("slope") or "") for r in rows],
        "TBMJ": [round(float(a), 2) for a in ellipsoid_area(geoms, epsg)] if len(rows) else [],
        "XZGDMJ": verified,
        "XZGDDB": [str(r.get("grade") or "") for r in rows],
        "XZGDLYDLBM": [""] * len(rows),
        "XZGDLYDLMC": [""] * len(rows),
        "XZGDLYXM": [str(r.get("source") or "") for r in rows],
    }
    columns = {f: values[f] for f in MONITORING_FIELDS}
    crs = f"EPSG:{epsg}"
    return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries(list(geoms), crs=crs), crs=crs)

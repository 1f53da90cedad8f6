"""The national 入库 layers of a plan (domain reference §2.4): ZZQY, SDQYZZHDLTB, YJJBNTTZTB, CZGHTB.

SDQYZZHDLTB comes from ``engine.after_state``. The other layers are the plan's own polygons with
the standard's fields; each area field (ZZQYMJ, TZYNDKMJ, GHDLMJ) is the polygon's own 图斑椭球面积
(``engine.area.ellipsoid_area``), 0.01 m². Villages are named (ZLDWMC of the village's 图斑), not
coded; the land class of an adjustment parcel before/after is the class covering most of it in
the base DLTB / the after state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from landcon.engine import codes
from landcon.engine.after_state import next_ids, snap
from landcon.engine.area import ellipsoid_area
from landcon.engine.overlay import overlay_pairs
from landcon.engine.plan import CZGHTB, YJJBNTTZTB, ZZQY, Plan, texts

VILLAGE_CODE_LENGTH = 12
"""ZLDWDM[:12] is the village (统计用区划代码, domain reference §4.8)."""

ZZQY_FIELDS = ("BSM", "XZQDM", "XZQMC", "SDBH", "SDMC", "ZZQYBH", "ZZQYMJ", "SJCZMC", "SJDCZLX", "BZ")
ADJUSTMENT_FIELDS = (
    "BSM",
    "TZYNDKBH",
    "TZLX",
    "SJCZMC",
    "TZQDLBM",
    "TZQDLMC",
    "TZHDLBM",
    "TZHDLMC",
    "TZYNDKMJ",
    "BZ",
)
PLANNED_FIELDS = ("BSM", "XZQDM", "XZQMC", "ZLDWDM", "ZLDWMC", "GHDLBM", "GHDLMC", "GHDLMJ", "ZXMBH", "BZ")

Geoms = npt.NDArray[np.object_]


def village_names(dltb: pd.DataFrame) -> dict[str, str]:
    """Village code (ZLDWDM[:12]) → its name: the ZLDWMC most of its 图斑 carry."""
    code = pd.Series([z[:VILLAGE_CODE_LENGTH] for z in texts(dltb, "ZLDWDM")], dtype=object)
    name = pd.Series(list(texts(dltb, "ZLDWMC")), dtype=object)
    frame = pd.DataFrame({"code": code, "name": name})
    frame = frame[(frame["code"] != "") & (frame["name"] != "")]
    if not len(frame):
        return {}
    counts = frame.groupby(["code", "name"]).size().reset_index(name="n").sort_values(["code", "n"])
    return {str(k): str(v) for k, v in counts.groupby("code")["name"].last().items()}


def _cover(
    layer: gpd.GeoDataFrame, polygons: Geoms, epsg: int
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """For each piece of ``layer`` under a polygon: polygon index, layer row, ellipsoid area."""
    pairs = overlay_pairs(np.asarray(layer.geometry.array, dtype=object), polygons, epsg)
    return pairs.area, pairs.index, ellipsoid_area(pairs.geometry, epsg)


def _major(
    count: int, poly: npt.NDArray[np.intp], values: npt.NDArray[np.object_], area: npt.NDArray[np.float64]
) -> list[str]:
    """Per polygon, the value covering most of its area ("" where nothing covers it)."""
    out = [""] * count
    if len(poly):
        frame = pd.DataFrame({"p": poly, "v": values, "a": area}).groupby(["p", "v"])["a"].sum().reset_index()
        for p, v in frame.sort_values(["p", "a"]).groupby("p")["v"].last().items():
            out[int(str(p))] = str(v)
    return out


def _villages(
    count: int, poly: npt.NDArray[np.intp], zldwdm: npt.NDArray[np.object_], names: Mapping[str, str]
) -> list[list[str]]:
    """Per polygon, the names of the villages under it (by village code)."""
    out: list[set[str]] = [set() for _ in range(count)]
    for p, z in zip(poly, zldwdm, strict=True):
        if z:
            out[int(p)].add(str(z)[:VILLAGE_CODE_LENGTH])
    return [[names.get(c, c) for c in sorted(s)] for s in out]


def _types(by_polygon: list[list[str]], village_types: Mapping[str, Any]) -> list[str]:
    """Per polygon, the village types (plan.yaml ``village_types``) of its villages, once each."""
    return ["、".join(dict.fromkeys(str(village_types[c]) for c in cs if village_types.get(c))) for cs in by_polygon]


def delivery_layers(
    plan: Plan,
    after: gpd.GeoDataFrame,
    dltb: gpd.GeoDataFrame,
    epsg: int,
    *,
    township_name: str = "",
) -> dict[str, gpd.GeoDataFrame]:
    """The four 入库 layers; ``after`` is ``engine.after_state.after_state``'s result, ``dltb`` the
    base DLTB (for the classes before and the village names)."""
    meta: Mapping[str, Any] = plan.meta
    crs = after.crs
    county = str(meta.get("county") or "")
    township = str((meta.get("townships") or [""])[0])
    township_name = str(meta.get("township_name") or township_name)
    names = village_names(dltb)
    village_types: Mapping[str, Any] = meta.get("village_types") or {}
    after_zl = after["ZLDWDM"].to_numpy(dtype=object)
    after_dl = after["DLBM"].to_numpy(dtype=object)

    zz = plan.layers[ZZQY]
    zz_geoms = snap(np.asarray(zz.geometry.array, dtype=object), epsg)
    poly, row, _ = _cover(after, zz_geoms, epsg)
    zz_villages = _villages(len(zz), poly, after_zl[row], names)
    zz_codes = [sorted({str(z)[:VILLAGE_CODE_LENGTH] for z in after_zl[row[poly == k]] if z}) for k in range(len(zz))]
    layers: dict[str, gpd.GeoDataFrame] = {
        ZZQY: _frame(
            {
                "BSM": next_ids([], len(zz), prefix=f"{county}ZZQY"),
                "XZQDM": [township] * len(zz),
                "XZQMC": [township_name] * len(zz),
                "SDBH": [str(meta.get("pilot_code") or "")] * len(zz),
                "SDMC": [str(meta.get("name") or "")] * len(zz),
                "ZZQYBH": list(texts(zz, "ZZQYBH")),
                "ZZQYMJ": np.round(ellipsoid_area(zz_geoms, epsg), 2),
                "SJCZMC": ["、".join(v) for v in zz_villages],
                "SJDCZLX": _types(zz_codes, village_types),
                "BZ": [""] * len(zz),
            },
            zz_geoms,
            crs,
        ),
        "SDQYZZHDLTB": after,
    }

    adj = plan.layer(YJJBNTTZTB)
    if adj is not None:
        geoms = snap(np.asarray(adj.geometry.array, dtype=object), epsg)
        p_before, r_before, a_before = _cover(dltb, geoms, epsg)
        before = _major(len(adj), p_before, np.asarray(texts(dltb, "DLBM"), dtype=object)[r_before], a_before)
        p_after, r_after, a_after = _cover(after, geoms, epsg)
        after_major = _major(len(adj), p_after, after_dl[r_after], a_after)
        after_class = [a or b for a, b in zip(after_major, before, strict=True)]
        zl_before = np.asarray(texts(dltb, "ZLDWDM"), dtype=object)[r_before]
        layers[YJJBNTTZTB] = _frame(
            {
                "BSM": next_ids([], len(adj), prefix=f"{county}YNTZ"),
                "TZYNDKBH": list(texts(adj, "TZYNDKBH")),
                "TZLX": list(texts(adj, "TZLX")),
                "SJCZMC": ["、".join(v) for v in _villages(len(adj), p_before, zl_before, names)],
                "TZQDLBM": before,
                "TZQDLMC": [codes.LAND_USE_NAMES.get(c, "") for c in before],
                "TZHDLBM": after_class,
                "TZHDLMC": [codes.LAND_USE_NAMES.get(c, "") for c in after_class],
                "TZYNDKMJ": np.round(ellipsoid_area(geoms, epsg), 2),
                "BZ": [""] * len(adj),
            },
            geoms,
            crs,
        )

    cz = plan.layer(CZGHTB)
    if cz is not None:
        geoms = snap(np.asarray(cz.geometry.array, dtype=object), epsg)
        p, r, a = _cover(dltb, geoms, epsg)
        zl = _major(len(cz), p, np.asarray(texts(dltb, "ZLDWDM"), dtype=object)[r], a)
        zl_names = dict(zip(texts(dltb, "ZLDWDM"), texts(dltb, "ZLDWMC"), strict=True))
        ghdlbm = list(texts(cz, "GHDLBM"))
        layers[CZGHTB] = _frame(
            {
                "BSM": next_ids([], len(cz), prefix=f"{county}GHTB"),
                "XZQDM": [township] * len(cz),
                "XZQMC": [township_name] * len(cz),
                "ZLDWDM": zl,
                "ZLDWMC": [zl_names.get(z, "") for z in zl],
                "GHDLBM": ghdlbm,
                "GHDLMC": [codes.LAND_USE_NAMES.get(c, "") for c in ghdlbm],
                "GHDLMJ": np.round(ellipsoid_area(geoms, epsg), 2),
                "ZXMBH": list(texts(cz, "ZXMBH")),
                "BZ": [""] * len(cz),
            },
            geoms,
            crs,
        )
    return layers


def _frame(columns: Mapping[str, Sequence[Any] | npt.NDArray[Any]], geoms: Geoms, crs: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(dict(columns), geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)

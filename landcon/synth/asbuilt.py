"""Synthetic as-built (竣工) data of a plan, for demonstrating and testing acceptance
(``engine.acceptance``, docs/acceptance.md).

``generate_asbuilt`` turns the plan's change parcels (CZGHTB, ZJGGTB) into the JGTB layer of
``engine.asbuilt_schema``, each linked to its plan parcel (GHTC/GHTBBH) and taking its planned
class, sub-project, 等别 (ZHGDDB, else ``DEFAULT_GRADE``), slope grade (ZHPDJB, else
``DEFAULT_SLOPE``: the overlay takes the steeper of it and the survey's), 耕地类型 and ZHKCXS; and
asbuilt.yaml with 工程量 and 决算. With ``seed``:

* the parcels of sub-project ``short`` (default: of the sub-projects whose 耕地 parcels are built and
  not drawn to fail, the one with the largest 耕地 parcel area — counting first the parcels that
  carry the plan's slope grade ZHPDJB, i.e. new 耕地 on land without a survey grade, whose shortfall
  lowers 新增耕地; a levelled field keeps its survey grade and adds none) are built on their western
  ``SHORT_SHARE`` only, but for its 耕地 parcels graded better than the plan's mean (``_shortened``:
  building less must not lower the quality), and its 决算 is ``SHORT_SHARE`` of its investment;
  every other sub-project's 决算 is 95–100% of its investment, split over the plan's funding sources
  in the plan's proportions;
* ``fail`` parcels that turn other land into 耕地 are claimed as 耕地 although the survey will not
  show it: with ``vintage`` (the later DLTB, e.g. from ``synth.vintage``) they are drawn from the
  parcels the vintage does not show as mostly 耕地, and the other such parcels are left out (not
  built); without it they are drawn from all such parcels (they fail only against a vintage that
  does not show them as 耕地).

Pure: no file I/O, randomness only from ``seed``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landcon.engine import codes
from landcon.engine.asbuilt_schema import normalise
from landcon.engine.plan import CZGHTB, DEMOLISH, ZJGGTB, Plan, feature_id, funding_by_source, texts

SHORT_SHARE = 0.9
"""Share of its parcels' extent (and of its investment) the short sub-project builds."""
DEFAULT_GRADE = 10
DEFAULT_SLOPE = "2"
DEFAULT_BUILD = "0702"


def _west_part(geom: Any, share: float) -> Any:
    """The part of ``geom`` west of the line at ``share`` of its bounding box's width."""
    x0, y0, x1, y1 = shapely.bounds(geom)
    cut = shapely.box(x0 - 1.0, y0 - 1.0, x0 + (x1 - x0) * share, y1 + 1.0)
    part = shapely.intersection(geom, cut)
    return shapely.make_valid(part) if not shapely.is_valid(part) else part


def _rows(plan: Plan) -> list[dict[str, Any]]:
    """One as-built row per plan change parcel (JGTB fields + geometry)."""
    out: list[dict[str, Any]] = []
    for layer in (CZGHTB, ZJGGTB):
        frame = plan.layer(layer)
        if frame is None or not len(frame):
            continue
        kind = texts(frame, "GGLX") if layer == ZJGGTB else [""] * len(frame)
        after = (
            texts(frame, "GHDLBM")
            if layer == CZGHTB
            else [
                f if k == DEMOLISH else (b or DEFAULT_BUILD)
                for f, b, k in zip(texts(frame, "FKDLBM"), texts(frame, "JXDLBM"), kind, strict=True)
            ]
        )
        grade, slope, gdlx = texts(frame, "ZHGDDB"), texts(frame, "ZHPDJB"), texts(frame, "ZHGDLX")
        kcxs, zxm, eco, area = (
            texts(frame, "ZHKCXS"),
            texts(frame, "ZXMBH"),
            texts(frame, "STXFLX"),
            texts(frame, "XMQBH"),
        )
        for k, geom in enumerate(frame.geometry.array):
            cult = after[k] in codes.CULTIVATED_CODES
            out.append(
                {
                    "DLBM": after[k],
                    "ZXMBH": zxm[k],
                    "KCXS": float(kcxs[k]) if cult and kcxs[k] else None,
                    "GDLX": gdlx[k] if cult else "",
                    "GDPDJB": (slope[k] or DEFAULT_SLOPE) if cult else "",
                    "GDDB": int(float(grade[k])) if cult and grade[k] else (DEFAULT_GRADE if cult else None),
                    "XZGDLY": ("复垦" if kind[k] == DEMOLISH else "整理") if cult else "",
                    "GHTC": layer,
                    "GHTBBH": feature_id(frame, k),
                    "XMQBH": area[k] if layer == ZJGGTB else "",
                    "GGLX": kind[k],
                    "STXFLX": eco[k],
                    "_ZHPDJB": slope[k],
                    "geometry": geom,
                }
            )
    return out


def _mostly_cultivated(geom: Any, vintage: gpd.GeoDataFrame, tree: shapely.STRtree, cult: np.ndarray) -> bool:
    idx = tree.query(geom, predicate="intersects")
    idx = idx[cult[idx]]
    inside = (
        shapely.area(shapely.intersection(np.asarray(vintage.geometry.array)[idx], geom)).sum() if len(idx) else 0.0
    )
    return bool(inside >= 0.5 * shapely.area(geom))


def _cultivated_rows(rows: list[dict[str, Any]]) -> list[int]:
    """Rows making 耕地. Without the survey a plan folder cannot tell a conversion from a levelled
    field; with a vintage, a levelled field (耕地 there) is never a failure candidate."""
    return [k for k, r in enumerate(rows) if r["DLBM"] in codes.CULTIVATED_CODES]


def _shortened(rows: list[dict[str, Any]], kept: list[int], short: str, failing: list[int]) -> list[int]:
    """Rows of sub-project ``short`` built on part of their extent: its rows not drawn to fail, less its
    耕地 rows whose 等别 is better (a smaller number) than the plan's area-weighted mean 等别 of new 耕地
    rounded up to a whole grade, so that building less does not make the as-built mean grade worse than
    the plan's (the acceptance's QUALITY_NOT_LOWER); all of them when none is that poor."""
    graded = [r for r in rows if r["DLBM"] in codes.CULTIVATED_CODES and r["GDDB"] is not None]
    areas = np.asarray([shapely.area(r["geometry"]) for r in graded], dtype=np.float64)
    mean = (
        float((np.asarray([r["GDDB"] for r in graded], dtype=np.float64) * areas).sum() / areas.sum())
        if (len(graded) and areas.sum() > 0)
        else 0.0
    )
    mine = [k for k in kept if rows[k]["ZXMBH"] == short and k not in failing]
    poor = [
        k
        for k in mine
        if rows[k]["DLBM"] not in codes.CULTIVATED_CODES or rows[k]["GDDB"] is None or rows[k]["GDDB"] >= np.ceil(mean)
    ]
    return poor if any(rows[k]["DLBM"] in codes.CULTIVATED_CODES for k in poor) else mine


def generate_asbuilt(
    plan: Plan,
    *,
    seed: int = 0,
    short: str | None = None,
    fail: int = 1,
    vintage: gpd.GeoDataFrame | None = None,
    project: str = "",
) -> tuple[gpd.GeoDataFrame, dict[str, Any], dict[str, Any]]:
    """The JGTB layer, asbuilt.yaml and what was drawn (``short``, ``fail``: GHTC/GHTBBH of the parcels
    claimed but failing, ``left_out``: parcels not built)."""
    rng = np.random.default_rng(seed)
    rows = _rows(plan)
    if not rows:
        raise ValueError("方案没有变化图斑 / the plan has no change parcels")
    slopes = [bool(r.pop("_ZHPDJB")) for r in rows]
    cult_rows = _cultivated_rows(rows)
    left_out: list[int] = []
    if vintage is not None:
        tree = shapely.STRtree(np.asarray(vintage.geometry.array, dtype=object))
        cult = np.isin(np.asarray(texts(vintage, "DLBM"), dtype=object), list(codes.CULTIVATED_CODES))
        candidates = [k for k in cult_rows if not _mostly_cultivated(rows[k]["geometry"], vintage, tree, cult)]
    else:
        candidates = list(cult_rows)
    order = [candidates[i] for i in rng.permutation(len(candidates))]
    failing = sorted(order[:fail])
    if vintage is not None:
        left_out = sorted(order[fail:])
    if short is None:
        built = sorted(set(cult_rows) - set(failing) - set(left_out))
        graded = [k for k in built if slopes[k]]
        by_sub: dict[str, float] = {}
        for k in graded or built:
            by_sub[rows[k]["ZXMBH"]] = by_sub.get(rows[k]["ZXMBH"], 0.0) + shapely.area(rows[k]["geometry"])
        named = sorted(s for s in by_sub if s)
        short = max(named, key=lambda s: by_sub[s]) if named else ""
    kept = [k for k in range(len(rows)) if k not in set(left_out)]
    for k in _shortened(rows, kept, short, failing):
        rows[k]["geometry"] = _west_part(rows[k]["geometry"], SHORT_SHARE)
    frame = gpd.GeoDataFrame([rows[k] for k in kept], geometry="geometry", crs=plan.layers[next(iter(plan.layers))].crs)
    frame.insert(0, "BSM", [f"JG{n + 1:04d}" for n in range(len(frame))])
    meta = _meta(plan, rng, short, project, frame)
    drawn = {
        "short": short,
        "fail": [f"{rows[k]['GHTC']} {rows[k]['GHTBBH']}" for k in failing],
        "left_out": [f"{rows[k]['GHTC']} {rows[k]['GHTBBH']}" for k in left_out],
    }
    return normalise(frame), meta, drawn


def _meta(plan: Plan, rng: np.random.Generator, short: str, project: str, frame: gpd.GeoDataFrame) -> dict[str, Any]:
    sources = funding_by_source(plan.meta) or {"县级财政": 1.0}
    total_funding = sum(sources.values()) or 1.0
    accounts: list[dict[str, Any]] = []
    for sub in plan.meta.get("sub_projects") or []:
        invest = float(sub.get("investment") or 0.0)
        share = SHORT_SHARE if str(sub.get("code")) == short else float(rng.uniform(0.95, 1.0))
        for source, amount in sources.items():
            value = round(invest * share * amount / total_funding, 2)
            if value > 0:
                accounts.append({"source": source, "sub_project": str(sub["code"]), "amount": value})
    cult = frame[frame["DLBM"].isin(list(codes.CULTIVATED_CODES))]
    levelled_ha = round(float(shapely.area(np.asarray(cult.geometry.array)).sum()) / 10_000, 2)
    end = int(plan.meta.get("end_year") or dt.date.today().year)
    return {
        "project": project,
        "completion_date": dt.date(end, 10, 31).isoformat(),
        "quantities": {
            "land_levelling": levelled_ha,
            "field_roads": round(levelled_ha * 0.02, 2),
            "channels": round(levelled_ha * 0.015, 2),
            "wells": int(rng.integers(1, 6)),
        },
        "final_accounts": accounts,
    }


def frame_for_output(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """JGTB with typed columns for writing (empty text as null, GDDB integer)."""
    out = frame.copy()
    out["GDDB"] = pd.array([None if v is None or v != v else int(v) for v in out["GDDB"]], dtype="Int64")
    out["KCXS"] = pd.to_numeric(out["KCXS"], errors="coerce")
    return out

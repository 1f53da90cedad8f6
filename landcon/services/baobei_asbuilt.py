"""The 验收 报备 package's as-built parts (``services.baobei``, basis 竣工; docs/baobei.md): the 新增耕地
坐标文件 of the as-built parcels, the attributes of what was accepted, the manifest's ``acceptance``
(record, totals, 核减 list) and its lines in 清单.txt."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from landcon.engine.baobei_asbuilt import asbuilt_frame
from landcon.engine.coordinate_file import in_gauss_kruger, parcels_from_layer
from landcon.engine.plan import texts
from landcon.reports.coordinate_file import write_coordinate_file


def write_new_farmland_coordinates(
    meta: Mapping[str, Any], epsg: int, rows: list[Mapping[str, Any]], path: Path
) -> None:
    """坐标文件_新增耕地 (``path``) of the as-built parcels with 核定 new 耕地 (``engine.baobei_asbuilt``), areas
    their TBMJ; written like the plan's (``services.plan.write_coordinate_files``)."""
    producer = str(meta.get("producer") or (meta.get("responsible_units") or [""])[0])
    frame = asbuilt_frame(rows, epsg)
    geoms, file_epsg = in_gauss_kruger(frame.geometry.to_numpy(), epsg)
    coordinate = parcels_from_layer(
        geoms,
        texts(frame, "BSM"),
        texts(frame, "XZGDLYXM"),
        frame["TBMJ"].to_numpy(),
        uses=texts(frame, "DLMC"),
        dlbm=texts(frame, "DLBM"),
    )
    date = dt.date.today().isoformat()
    write_coordinate_file(coordinate, file_epsg, path, producer=producer, date=date)


def accepted_indicators(computation: Mapping[str, Any]) -> dict[str, Any]:
    """The indicators the 验收 package states: the 核定 ones of ``accept check`` (``verified_indicators``:
    the as-built parcels less what the 变更调查 does not show as 耕地, the figures of ZZ_YS), the
    as-built ones when a computation predates them; investment is the 决算 (``investment.final_wan``
    and its sources), which the as-built indicators do not carry."""
    found = computation.get("verified_indicators") or computation["asbuilt_indicators"]
    indicators = copy.deepcopy(dict(found))
    spent = computation.get("investment") or {}
    if spent.get("final_wan") is not None:
        investment = dict(indicators.get("investment") or {})
        investment["total_wan"] = spent["final_wan"]
        investment["by_source_wan"] = dict(spent.get("final_by_source_wan") or {})
        indicators["investment"] = investment
    return indicators


def acceptance_summary(record: Mapping[str, Any], computation: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest's ``acceptance``: the record the 验收 basis comes from, its totals and 核减 list."""
    return {
        "record": record["id"],
        "opinion": record["opinion"],
        "accepted_on": record["accepted_on"],
        "completion_date": computation.get("completion_date"),
        "totals": computation["totals"],
        "cuts": [
            {k: c[k] for k in ("layer", "parcel", "plan_parcel", "subproject", "reason", "cut_m2")}
            for c in computation.get("cuts") or []
        ],
    }


def cut_lines(acceptance: Mapping[str, Any] | None) -> list[str]:
    if acceptance is None:
        return []
    totals = acceptance["totals"]
    return [
        f"竣工新增耕地 {totals['built_new_m2']} 平方米，核定 {totals['verified_new_m2']} 平方米；核减：",
        *(f"  {c['parcel']}（{c['reason']}）{c['cut_m2']} 平方米" for c in acceptance["cuts"]),
        "",
    ]

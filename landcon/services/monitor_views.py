"""What the monitor results page shows: a project's latest change-detection result (the folder
``services.monitor`` writes to DATA_DIR/results/monitor/PROJECT), its findings as a list and as a
map layer, its downloads, and the background job that runs a new comparison.

Every function checks ``project.read`` over the project first (``project_access.get_project``: a
project of another county is 不存在); running a comparison also needs ``supervision.manage`` at the
project's county, and the project must have reached its chain's ``approved`` milestone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from landcon.engine import codes
from landcon.engine import workflow as wf
from landcon.engine.change_detection import CLASS_LABELS, PERMANENT_FARMLAND_LOST, RED_LINE
from landcon.errors import LandconError, NotFound
from landcon.services import jobs, records
from landcon.services.monitor import MAP_LAYER, resolve, result_dir
from landcon.services.project_access import get_project
from landcon.services.records import Actor
from landcon.store.layers import read_vector_layer

JOB_KIND = "monitor"
RUN_ACTION = "supervision.manage"
DOWNLOADS = {"monitor.xlsx": "变化监测结果（xlsx）", "monitor.json": "变化监测结果（JSON）"}
MAX_FINDINGS = 500
"""Rows of the finding list on the page (the xlsx and changes.gpkg have them all)."""
_ZONE_CHECKED = {RED_LINE: "red_line_checked", PERMANENT_FARMLAND_LOST: "permanent_farmland_checked"}


def _project(who: Actor, code: str) -> dict[str, Any]:
    """The project's name, stage and whether it may be monitored and run by ``who`` (read-checked)."""
    with records.read() as session:
        project = get_project(session, who, code)
        chain = wf.Chain.from_dict(project.chain)
        try:
            records.require(who, RUN_ACTION, project.county)
            may_manage = True
        except LandconError:
            may_manage = False
        return {
            "code": project.code,
            "name": project.name,
            "stage_name": project.stage_name,
            "dataset": project.dataset,
            "approved": chain.reached(project.stage, wf.APPROVED),
            "may_run": may_manage,
        }


def _result(code: str) -> dict[str, Any] | None:
    path = result_dir(code) / "monitor.json"
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


def class_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per class in report order: area in m² and 亩 (area ÷ 10000/15, 2 dp), net m², piece
    count; ``checked`` is False for a zone class whose layer the dataset lacks (shown as “—”)."""
    rows = []
    for code, label in CLASS_LABELS.items():
        item = data["classes"].get(code)
        if item is None:
            continue
        checked = bool(data.get(_ZONE_CHECKED[code], True)) if code in _ZONE_CHECKED else True
        rows.append(
            {
                "code": code,
                "label": label,
                "area_m2": item["area_m2"],
                "area_mu": round(item["area_m2"] / codes.SQM_PER_MU, 2),
                "net_m2": item["net_m2"],
                "count": item["count"],
                "checked": checked,
            }
        )
    return rows


def _text(value: object) -> str | None:
    """A text cell of changes.gpkg; missing values (None, NaN) as None."""
    return None if value is None or value != value else str(value)


def _findings(code: str) -> tuple[list[dict[str, Any]], int]:
    """The cells of changes.gpkg (class order, then largest first), at most ``MAX_FINDINGS``; and their number."""
    path = result_dir(code) / "changes.gpkg"
    if not path.is_file():
        return [], 0
    frame = read_vector_layer(path, MAP_LAYER)
    order = {c: n for n, c in enumerate(CLASS_LABELS)}
    frame = frame.assign(_order=frame["CLASS"].map(order)).sort_values(["_order", "AREA_M2"], ascending=[True, False])
    columns = ["CLASS", "BSM", "BEFORE_DLBM", "AFTER_DLBM", "PLANNED_DLBM", "PARCEL", "AREA_M2"]
    rows = []
    for values in frame[columns].head(MAX_FINDINGS).itertuples(index=False):
        row: dict[str, Any] = {k.lower(): _text(v) for k, v in zip(columns[:-1], values[:-1], strict=True)}
        row["label"] = CLASS_LABELS.get(str(row["class"]), str(row["class"]))
        row["area_m2"] = round(float(values[-1]), 2)
        rows.append(row)
    return rows, len(frame)


def project_monitor(who: Actor, code: str) -> dict[str, Any]:
    """The page: the project, its latest result (``None`` before the first run), class rows, the
    finding list, the downloads present, and the latest comparison job."""
    project = _project(who, code)
    data = _result(code)
    findings, total = _findings(code) if data is not None else ([], 0)
    folder = result_dir(code)
    job = jobs.latest(who, JOB_KIND, "project", code)
    return {
        **project,
        "may_run": project["may_run"] and project["approved"],
        "result": data,
        "classes": class_rows(data) if data is not None else [],
        "findings": findings,
        "findings_total": total,
        "downloads": [{"name": n, "label": label} for n, label in DOWNLOADS.items() if (folder / n).is_file()],
        "job": job,
    }


def changes_geojson(who: Actor, code: str) -> dict[str, Any]:
    """The latest result's cells in WGS84 for the map: ``class``, ``label``, ``BSM``, ``area_m2``."""
    _project(who, code)
    path = result_dir(code) / "changes.gpkg"
    if not path.is_file():
        return {"type": "FeatureCollection", "features": []}
    frame = read_vector_layer(path, MAP_LAYER)
    wgs = frame.to_crs(4326) if frame.crs is not None and len(frame) else frame
    features = []
    for cls, bsm, area, geom in zip(wgs["CLASS"], wgs["BSM"], wgs["AREA_M2"], wgs.geometry, strict=True):
        if geom is None or geom.is_empty:
            continue
        props: dict[str, Any] = {"class": str(cls), "label": CLASS_LABELS.get(str(cls), str(cls)), "BSM": str(bsm)}
        props["area_m2"] = round(float(area), 2)
        features.append({"type": "Feature", "properties": props, "geometry": geom.__geo_interface__})
    return {"type": "FeatureCollection", "features": features}


def result_file(who: Actor, code: str, name: str) -> Path:
    """A download of the latest result (monitor.xlsx or monitor.json)."""
    _project(who, code)
    path = result_dir(code) / name
    if name not in DOWNLOADS or not path.is_file():
        raise NotFound(f"项目 {code} 没有变化监测结果文件 {name}", feature=name)
    return path


def submit_run(who: Actor, code: str) -> dict[str, Any]:
    """Queue a comparison of the project with the dataset's current version (a background job writing
    to the project's standard folder); refused before approval, without a dataset, or without
    ``supervision.manage`` at the project's county."""
    with records.read() as session:
        records.require(who, RUN_ACTION, get_project(session, who, code).county)
    resolve(who, code)
    return jobs.submit(who, JOB_KIND, {"project": code})

"""Acceptance outputs (docs/acceptance.md, "Outputs"): the ZZ_YS data set (zzys.json, zzys.xlsx) and the
竣工验收报告 (竣工验收报告.docx with its before/after maps).

``export_zzys`` takes the computation of the project's newest passing whole-project acceptance record
(``acceptance_records.latest_passing_computation``); with ``unaccepted`` and no such record, the latest
``accept check`` of the project's acceptance folder, marked 未通过验收. The user needs ``project.read``
over the project (as ``accept list``). The sub-project types come from the approved plan version the
computation names, the planned 工程量 from the sub-project records (``services.supervision``). Results
are written through a staged folder. The report gathers, through the services a reader calls, the
project, sub-projects, progress reports, site photos, alerts, funds, the latest 权属调整 version, 管护
agreements and inspections and the acceptance records; its maps are the before DLTB clipped to the
整治区域 and the computation's as-built parcels coloured as on the acceptance page.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from sqlalchemy import select

from landcon import config
from landcon.engine.plan import Plan
from landcon.engine.zzys import build_zzys
from landcon.errors import NotFound
from landcon.reports.acceptance_docx import write_acceptance_docx
from landcon.reports.acceptance_maps import render_after, render_before
from landcon.reports.zzys_xlsx import write_zzys_xlsx
from landcon.services import (
    acceptance,
    acceptance_records,
    acceptance_views,
    aftercare,
    aftercare_inspections,
    alerts,
    projects,
    realloc,
    records,
    supervision,
    supervision_photos,
)
from landcon.services.jobs import results_dir
from landcon.services.plan import read_plan
from landcon.services.profile import get_profile
from landcon.services.records import Actor
from landcon.store.datasets import DatasetStore
from landcon.store.models import Unit
from landcon.store.staging import staged_folder

ACCEPTED, UNACCEPTED = "已通过验收", "未通过验收"
ZZYS_FILES = ("zzys.json", "zzys.xlsx")
REPORT = "竣工验收报告.docx"
MAPS = {"before": "map_before.png", "after": "map_after.png"}


@dataclass(frozen=True)
class Source:
    """The computation exported and what it is: ``status`` 已通过验收 / 未通过验收, ``origin`` in words."""

    data: dict[str, Any]
    status: str
    origin: str
    record: dict[str, Any] | None


def computation(who: Actor, code: str, *, unaccepted: bool = False) -> Source:
    """The computation to export (module docstring); ``NotFound`` without one."""
    found = acceptance_records.latest_passing_computation(who, code)
    if found is not None:
        rec = found["record"]
        return Source(found["computation"], ACCEPTED, f"整体验收记录 {rec['id']}（{rec['opinion']}）所附核算结果", rec)
    if not unaccepted:
        raise NotFound(
            f"项目 {code} 没有通过的整体验收记录（accept record）；导出最近一次验收核算请加 --unaccepted", feature=code
        )
    file = acceptance.result_dir(code) / "acceptance.json"
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NotFound(f"项目 {code} 没有验收核算结果（accept check）", path=str(file), feature=code) from exc
    if not isinstance(data, dict) or data.get("project") != code:
        raise NotFound(f"项目 {code} 没有验收核算结果（accept check）", path=str(file), feature=code)
    return Source(data, UNACCEPTED, "最近一次验收核算（accept check）", None)


def _epsg(data: dict[str, Any]) -> int:
    """The dataset's CRS (the as-built parcels' coordinates), as the computation's before version stores it."""
    manifest = DatasetStore(config.data_dir()).manifest(str(data["dataset"]), data.get("before_version"))
    return int(str(manifest["crs"]["DLTB"]).split(":")[-1])


def approved_plan(who: Actor, code: str, plan_version: int) -> Plan:
    """The plan version the computation was made on (``project.read``)."""
    with tempfile.TemporaryDirectory(prefix="landcon-zzys-") as tmp:
        return read_plan(projects.export_plan(who, code, plan_version, Path(tmp) / "plan"))


def subprojects(who: Actor, code: str, plan: Plan) -> list[dict[str, Any]]:
    """The plan's sub-projects (code, name, type, investment) with the planned 工程量 of their records
    (empty where a sub-project is not registered)."""
    registered = {s["code"]: s for s in supervision.list_subprojects(who, code)}
    out = []
    for item in plan.meta.get("sub_projects") or []:
        sub = str(item.get("code"))
        record = registered.get(sub) or {}
        out.append(
            {
                "code": sub,
                "name": str(item.get("name") or sub),
                "type": str(item.get("type") or "其他"),
                "investment": item.get("investment"),
                "quantities": dict(record.get("quantities") or {}),
            }
        )
    return out


def zzys_record(who: Actor, source: Source, subs: list[dict[str, Any]]) -> dict[str, Any]:
    """zzys.json of ``source`` built with the sub-projects ``subs``."""
    data = source.data
    record = build_zzys(data, subs, _epsg(data), get_profile().ledger_rules).to_dict()
    head = {
        "status": source.status,
        "computation": source.origin,
        "dataset": data.get("dataset"),
        "plan_version": data.get("plan_version"),
        "vintage_version": data.get("vintage_version"),
        "completion_date": data.get("completion_date"),
    }
    return {**record, **head}


def _maps(data: dict[str, Any], plan: Plan, name: str, folder: Path) -> dict[str, Path]:
    """map_before.png (DLTB of the before version inside the 整治区域) and map_after.png (the as-built
    parcels by verification result over it)."""
    epsg = _epsg(data)
    crs = f"EPSG:{epsg}"
    store = DatasetStore(config.data_dir())
    dltb = store.read_layer(str(data["dataset"]), "DLTB", columns=["DLBM"], version=data.get("before_version"))
    zzqy = plan.layers.get("ZZQY")
    area = shapely.union_all(list(zzqy.geometry)) if zzqy is not None and len(zzqy) else None
    before = gpd.clip(dltb[["DLBM", "geometry"]], area) if area is not None else dltb[["DLBM", "geometry"]]
    before = before[~before.geometry.is_empty]
    rows = [r for r in data.get("asbuilt_parcels") or [] if r.get("geometry")]
    cut = acceptance_views.cut_parcels(data)
    parcels = gpd.GeoDataFrame(
        {"status": [acceptance_views.parcel_status(r, cut) for r in rows]},
        geometry=[shapely.geometry.shape(r["geometry"]) for r in rows],
        crs=crs,
    )
    return {
        "before": render_before(before, folder / MAPS["before"], name=name),
        "after": render_after(parcels, folder / MAPS["after"], name=name, background=before),
    }


def place_names(data: dict[str, Any]) -> dict[str, str]:
    """Names of the townships and villages the computation's plan indicators list by code
    (``area.townships``, ``area.villages``), for the report to print names, not codes."""
    area = (data.get("plan_indicators") or {}).get("area") or {}
    codes = {str(c) for key in ("townships", "villages") for c in area.get(key) or []}
    if not codes:
        return {}
    with records.read() as session:
        return {u.code: u.name for u in session.scalars(select(Unit).where(Unit.code.in_(sorted(codes))))}


def report_context(
    who: Actor, code: str, source: Source, record: dict[str, Any], subs: list[dict[str, Any]]
) -> dict[str, Any]:
    """What the 竣工验收报告 writes, read through the services a reader of the project calls."""
    versions = realloc.versions(who, code)
    return {
        "data": source.data,
        "zzys": record,
        "origin": source.origin,
        "project": projects.show_project(who, code),
        "subprojects": subs,
        "reports": len(supervision.list_reports(who, code)),
        "photos": len(supervision_photos.list_photos(who, code)),
        "alerts": alerts.list_alerts(who, project_code=code),
        "funds": supervision.funds(who, code),
        "realloc": versions[-1] if versions else None,
        "agreements": aftercare.list_agreements(who, code),
        "inspections": aftercare_inspections.list_inspections(who, code),
        "records": acceptance_records.list_records(who, code),
        "places": place_names(source.data),
    }


def _meta(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "项目": record["project"],
        "验收状态": record["status"],
        "核算来源": record["computation"],
        "数据集": record["dataset"],
        "方案版本": record["plan_version"],
        "核实所用变更调查版本": record["vintage_version"],
        "竣工日期": record["completion_date"],
    }


def export_zzys(who: Actor, code: str, out_dir: str | Path, *, unaccepted: bool = False) -> dict[str, Any]:
    """Write zzys.json, zzys.xlsx, 竣工验收报告.docx and its maps for project ``code`` to ``out_dir``
    (staged); returns the folder, files and the ZZ_YS record."""
    source = computation(who, code, unaccepted=unaccepted)
    plan = approved_plan(who, code, int(source.data["plan_version"]))
    subs = subprojects(who, code, plan)
    record = zzys_record(who, source, subs)
    context = report_context(who, code, source, record, subs)
    target = Path(out_dir)
    with staged_folder(target) as tmp:
        (tmp / "zzys.json").write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
        write_zzys_xlsx(record, tmp / "zzys.xlsx", _meta(record))
        maps = _maps(source.data, plan, str(context["project"]["name"]), tmp)
        write_acceptance_docx({**context, "maps": maps}, tmp / REPORT)
    files = [*ZZYS_FILES, REPORT, *MAPS.values()]
    return {"out_dir": str(target.resolve()), "files": files, "zzys": record}


#: Files the acceptance page offers for download, by the name in its URL.
WEB_FILES = {"zzys.xlsx": "zzys.xlsx", "zzys.json": "zzys.json", "report.docx": REPORT}


def outputs_dir(code: str) -> Path:
    """A project's standard outputs folder, DATA_DIR/results/acceptance-outputs/PROJECT."""
    return results_dir("acceptance-outputs", acceptance.result_dir(code).name).resolve()


def output_file(who: Actor, code: str, name: str) -> tuple[Path, str]:
    """One output (``WEB_FILES``) of the project, generated now into ``outputs_dir`` from the newest
    passing computation, else the latest one marked 未通过验收 (``project.read``; none: ``NotFound``)."""
    if name not in WEB_FILES:
        raise NotFound(f"没有验收成果文件 {name}", feature=name)
    folder = outputs_dir(code)
    export_zzys(who, code, folder, unaccepted=True)
    return folder / WEB_FILES[name], WEB_FILES[name]

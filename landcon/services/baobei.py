"""报备 package: one stage (立项、实施、验收) of a project in the shape the supervision system takes.

``export_baobei`` writes, through one staged folder (nothing is left on an error):

- ``坐标文件_整治区域.txt``, ``坐标文件_新增耕地.txt``: 部标 坐标文件 of the approved plan's 整治区域 and
  新增耕地 图斑 (the plan report's writer, ``services.plan.write_coordinate_files``);
- ``补充耕地监测图斑.gpkg``: layer ``BCGDJCTB`` (``engine.baobei.monitoring_parcels``), refused when a
  parcel is invalid or overlaps another (``engine.baobei.topology_problems``, naming both);
- 实施: ``子项目.gpkg`` (layer ``ZXM``): the sub-projects' outlines with their latest progress and funds;
- ``manifest.json`` (project attributes, indicator rows read by key, stage dates, attachments present
  and missing (``baobei_attachments``: files attached to review opinions and acceptance records, and
  records such as 管护 agreements), every file with its SHA-256, size and count) and ``清单.txt``, its
  short index.

The acting user needs ``project.baobei`` over the project's county (reading it is not enough: the
报备 is the county's act); the project must have reached its chain's ``approved`` milestone, and for
验收 the ``accepted`` one (``acceptance_parcels``). The 验收 stage's 新增耕地 is the as-built one of the
passing whole-project acceptance (basis 竣工, ``engine.baobei_asbuilt``; the manifest lists its 核减), and
its attributes the 核定 indicators with the 决算 investment (``baobei_asbuilt.accepted_indicators``).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import uuid
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely.geometry
from sqlalchemy import select

from landcon import config
from landcon.engine import baobei as B
from landcon.engine import workflow as wf
from landcon.engine.after_state import after_state
from landcon.engine.baobei_asbuilt import asbuilt_frame, new_farmland_rows
from landcon.engine.delivery import delivery_layers
from landcon.engine.layers import DLTB
from landcon.engine.plan import DEMOLISH, ZJGGTB, ZZQY, texts
from landcon.engine.progress import Progress, ProgressCallback, as_progress
from landcon.errors import InvalidRecord, LandconError, NotFound, TransitionRefused, ValidationFailed
from landcon.services import acceptance_records, projects, records
from landcon.services import baobei_asbuilt as BA
from landcon.services import baobei_attachments as BX
from landcon.services.jobs import results_dir
from landcon.services.plan import CheckResult, check_plan_against, pinned_dataset_version, write_coordinate_files
from landcon.services.project_access import get_project
from landcon.services.records import Actor
from landcon.store.datasets import DatasetStore
from landcon.store.layers import write_layers
from landcon.store.models import (
    PlanVersion,
    ProgressReport,
    Project,
    ProjectUnit,
    StageEvent,
    SubProject,
    Unit,
)
from landcon.store.staging import staged_folder

ACTION = "project.baobei"
COORDINATE_FILES = ("坐标文件_整治区域.txt", "坐标文件_新增耕地.txt")
MONITORING_FILE = "补充耕地监测图斑.gpkg"
SUBPROJECT_FILE = "子项目.gpkg"
MANIFEST, INDEX = "manifest.json", "清单.txt"
BASIS_PLAN = "方案"
BASIS_AS_PLANNED = "按方案"
"""验收 parcels taken from the approved plan: the passing acceptance stores no as-built parcels."""
BASIS_ASBUILT = "竣工"
"""验收 parcels taken from the as-built data of the passing whole-project acceptance."""


class TopologyRefused(ValidationFailed):
    """A 补充耕地监测图斑 or 整治区域 polygon that is invalid or overlaps another."""


@dataclass
class Facts:
    """What the records say about the project, read once for the acting user."""

    code: str
    name: str
    county: str
    county_name: str
    stage: str
    stage_name: str
    accepted: bool
    dataset: str
    plan_version: int
    pack: str
    dataset_version: int | None
    units: list[dict[str, str]]
    stage_dates: list[dict[str, str]]
    attachment_names: list[str]
    record_counts: dict[str, int]
    subprojects: list[dict[str, Any]]


@dataclass
class Parcels:
    """The plan's products the package is cut from, and where its new farmland comes from."""

    basis: str
    result: CheckResult
    delivered: dict[str, gpd.GeoDataFrame]
    epsg: int
    acceptance: dict[str, Any] | None = None  # basis 竣工: {"record": …, "computation": acceptance.json}


def _folder_name(code: str, stage: str) -> str:
    if not code or code.startswith(".") or any(c in code for c in "/\\\0:"):
        raise InvalidRecord(f"项目编号 {code!r} 不能用作文件夹名", field="project", feature=code)
    return f"{code}-{stage}"


def result_dir(code: str, stage: str) -> Path:
    """The standard folder of a project's 报备 package: DATA_DIR/results/baobei/CODE-STAGE."""
    return results_dir("baobei", _folder_name(code, stage)).resolve()


def _subprojects(session: Any, project_id: int) -> list[dict[str, Any]]:
    out = []
    subs = session.scalars(select(SubProject).where(SubProject.project_id == project_id).order_by(SubProject.code))
    for s in subs:
        reports = list(session.scalars(select(ProgressReport).where(ProgressReport.sub_project_id == s.id)))
        last = max(reports, key=lambda r: (r.reported_on, r.id)) if reports else None
        paid = sum(float(v or 0.0) for r in reports for v in dict(r.disbursed).values())
        out.append(
            {
                "code": s.code,
                "name": s.name,
                "type": s.kind,
                "department": s.department,
                "start": s.start_date.isoformat() if s.start_date else "",
                "end": s.end_date.isoformat() if s.end_date else "",
                "investment": s.investment,
                "percent": last.percent if last else 0.0,
                "last_report": last.reported_on.isoformat() if last else "",
                "disbursed": round(paid, 4),
                "geometry": s.geometry,
                "epsg": s.epsg,
            }
        )
    return out


def _require_export(who: Actor, project: Project) -> wf.Chain:
    """Refuse unless the actor may export the project's 报备 (``project.baobei`` over its county) and
    the plan is approved; returns the project's chain."""
    records.require(who, ACTION, project.county)
    chain = wf.Chain.from_dict(project.chain)
    if not chain.reached(project.stage, wf.APPROVED):
        raise TransitionRefused(f"项目 {project.code} 当前处于“{project.stage_name}”阶段：方案获批后才能导出报备包")
    return chain


def may_export(who: Actor, code: str) -> bool:
    """Whether the project page may offer the export (the export's own checks, without acting)."""
    try:
        with records.read() as session:
            _require_export(who, get_project(session, who, code))
    except LandconError:
        return False
    return True


def _facts(who: Actor, code: str, stage: str) -> Facts:
    if stage not in B.STAGES:
        raise InvalidRecord(f"报备阶段应为 {'、'.join(B.STAGES)} 之一：{stage}", field="stage", feature=stage)
    with records.read() as session:
        project = get_project(session, who, code)
        chain = _require_export(who, project)
        version = session.scalars(
            select(PlanVersion)
            .where(PlanVersion.project_id == project.id, PlanVersion.status == projects.SUBMITTED)
            .order_by(PlanVersion.number.desc())
            .limit(1)
        ).first()
        if version is None:
            raise NotFound(f"项目 {code} 没有已提交的实施方案版本", feature=code)
        if not project.dataset:
            raise InvalidRecord(f"项目 {code} 未关联数据集", feature=code)
        units = session.scalars(
            select(Unit).join(ProjectUnit, ProjectUnit.unit_id == Unit.id).where(ProjectUnit.project_id == project.id)
        ).all()
        events = session.scalars(
            select(StageEvent).where(StageEvent.project_id == project.id).order_by(StageEvent.at, StageEvent.id)
        ).all()
        entered: dict[str, str] = {}
        for e in events:
            entered.setdefault(e.to_stage, e.at.date().isoformat())
        names = {s.code: s.name for s in chain.stages}
        return Facts(
            code=project.code,
            name=project.name,
            county=project.county.code,
            county_name=project.county.name,
            stage=project.stage,
            stage_name=project.stage_name,
            accepted=chain.reached(project.stage, wf.ACCEPTED),
            dataset=project.dataset,
            plan_version=version.number,
            pack=version.pack,
            dataset_version=version.dataset_version,
            units=[{"code": u.code, "name": u.name, "level": u.level} for u in sorted(units, key=lambda u: u.code)],
            stage_dates=[{"stage": s, "name": names.get(s, s), "entered": d} for s, d in entered.items()],
            attachment_names=BX.attachment_names(session, project.id),
            record_counts=BX.record_counts(session, project.id),
            subprojects=_subprojects(session, project.id),
        )


def _plan_parcels(who: Actor, facts: Facts, basis: str) -> Parcels:
    """The approved plan version checked again on the dataset version it was checked against, its
    after state and 入库 layers (``engine.after_state``, ``engine.delivery``)."""
    pinned = pinned_dataset_version(facts.dataset, facts.dataset_version)
    with tempfile.TemporaryDirectory(prefix="landcon-baobei-") as tmp:
        folder = projects.export_plan(who, facts.code, facts.plan_version, Path(tmp) / "plan")
        result = check_plan_against(folder, facts.dataset, pack=facts.pack or None, dataset_version=pinned)
    store = DatasetStore(config.data_dir())
    version = int(result.data["dataset_version"])
    epsg = int(str(store.manifest(facts.dataset, version)["crs"][DLTB]).split(":")[-1])
    dltb = store.read_layer(facts.dataset, DLTB, version=version)
    after = after_state(dltb, result.analysis, epsg, meta=result.plan.meta)
    return Parcels(basis, result, delivery_layers(result.plan, after, dltb, epsg), epsg)


def acceptance_parcels(who: Actor, facts: Facts) -> Parcels:
    """The 验收 stage's new farmland: before the chain's ``accepted`` milestone there is nothing to
    report (尚无验收结果); after it, the as-built parcels stored with the newest passing whole-project
    acceptance (basis 竣工), or the approved plan's parcels marked 按方案 when that record stores none.
    The 整治区域 stays the approved plan's."""
    if not facts.accepted:
        raise TransitionRefused(
            f"尚无验收结果：项目 {facts.code} 当前处于“{facts.stage_name}”阶段，通过验收后才能导出验收阶段报备包"
        )
    stored = acceptance_records.latest_passing_computation(who, facts.code)
    if stored is None:
        return _plan_parcels(who, facts, BASIS_AS_PLANNED)
    parcels = _plan_parcels(who, facts, BASIS_ASBUILT)
    parcels.acceptance = stored
    return parcels


def refuse_topology(frame: gpd.GeoDataFrame, names: list[str], layer: str, what: str) -> None:
    """Refuse (``TopologyRefused``, naming the parcel and the one it overlaps) when a polygon of
    ``frame`` is invalid or overlaps another (``engine.baobei.topology_problems``)."""
    problems = B.topology_problems(np.asarray(frame.geometry.array, dtype=object), names)
    if problems:
        p = problems[0]
        more = f"（另有 {len(problems) - 1} 处问题）" if len(problems) > 1 else ""
        feature = f"{p.parcel}、{p.other}" if p.other else p.parcel
        raise TopologyRefused(
            f"{what} {p.parcel} {p.message}{more}：报备图斑不得重叠或有拓扑错误", layer=layer, feature=feature
        )


def _subproject_layer(subs: list[dict[str, Any]], epsg: int) -> gpd.GeoDataFrame:
    geoms = [shapely.geometry.shape(s["geometry"]) if s["geometry"] else None for s in subs]
    crs = f"EPSG:{next((s['epsg'] for s in subs if s['epsg']), epsg)}"
    return B.subproject_frame(subs, geoms, crs)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _index_text(manifest: Mapping[str, Any]) -> str:
    lines = [
        f"报备包 {manifest['project']['code']} {manifest['project']['name']} —— {manifest['stage']}阶段",
        f"新增耕地依据：{manifest['basis']}；方案版本 {manifest['plan_version']}；"
        f"数据集版本 {manifest['dataset_version']}",
        "",
        "项目属性：",
        *(f"  {r['label']}：{r['value']}（{r['unit_name']}）" for r in manifest["attributes"]),
        "",
        "附件：",
        *(
            f"  {a['name']}：{'缺少' if a['missing'] else '、'.join(a['present'])}（依据：{a['source']}）"
            for a in manifest["attachments"]
        ),
        "",
        *BA.cut_lines(manifest.get("acceptance")),
        "文件（要素数；SHA-256 校验值见 manifest.json）：",
    ]
    return "\r\n".join(lines) + "\r\n"


def export_baobei(
    who: Actor,
    code: str,
    stage: str,
    *,
    out: str | Path | None = None,
    progress: Progress | ProgressCallback | None = None,
) -> dict[str, Any]:
    """Write the 报备 package of ``stage`` of project ``code`` to ``out`` (default ``result_dir``)
    and return its manifest with ``out_dir``."""
    p = as_progress(progress)
    facts = _facts(who, code, stage)
    target = Path(out) if out is not None else result_dir(code, stage)
    p.report("读取方案", 0.0)
    parcels = acceptance_parcels(who, facts) if stage == B.YANSHOU else _plan_parcels(who, facts, BASIS_PLAN)
    p.report("检查图斑", 0.6)
    zz = parcels.delivered[ZZQY]
    refuse_topology(zz, [b or a for a, b in zip(texts(zz, "BSM"), texts(zz, "ZZQYBH"), strict=True)], ZZQY, "整治区域")
    demolished = parcels.result.plan.layer(ZJGGTB)
    linkage = (
        np.asarray(demolished[np.asarray(texts(demolished, "GGLX")) == DEMOLISH].geometry.array, dtype=object)
        if demolished is not None
        else np.zeros(0, dtype=object)
    )
    computation = parcels.acceptance["computation"] if parcels.acceptance is not None else None
    if computation is not None:
        rows = computation["asbuilt_parcels"]
        monitoring = asbuilt_frame(new_farmland_rows(rows, supplementary=True), parcels.epsg)
        indicators = BA.accepted_indicators(computation)
    else:
        monitoring = B.monitoring_parcels(parcels.delivered["SDQYZZHDLTB"], linkage)
        indicators = parcels.result.data["indicators"]
    refuse_topology(monitoring, list(texts(monitoring, "BSM")), B.MONITORING_LAYER, "补充耕地监测图斑")
    counts: dict[str, int] = {MONITORING_FILE: len(monitoring)}
    with staged_folder(target) as tmp:
        write_coordinate_files(parcels.result, parcels.delivered, parcels.epsg, tmp)
        if computation is not None:
            rows = new_farmland_rows(computation["asbuilt_parcels"], supplementary=False)
            BA.write_new_farmland_coordinates(parcels.result.plan.meta, parcels.epsg, rows, tmp / COORDINATE_FILES[1])
        for name in COORDINATE_FILES:
            counts[name] = B.coordinate_parcel_count((tmp / name).read_bytes().decode("gbk"))
        write_layers({B.MONITORING_LAYER: monitoring}, tmp / MONITORING_FILE, "gpkg")
        if stage != B.LIXIANG and facts.subprojects:
            write_layers(
                {B.SUBPROJECT_LAYER: _subproject_layer(facts.subprojects, parcels.epsg)}, tmp / SUBPROJECT_FILE, "gpkg"
            )
            counts[SUBPROJECT_FILE] = len(facts.subprojects)
        manifest: dict[str, Any] = {
            "stage": stage,
            "basis": parcels.basis,
            "project": {
                "code": facts.code,
                "name": facts.name,
                "county": facts.county,
                "county_name": facts.county_name,
                "stage": facts.stage,
                "stage_name": facts.stage_name,
                "units": facts.units,
            },
            "plan_version": facts.plan_version,
            "dataset": facts.dataset,
            "dataset_version": int(parcels.result.data["dataset_version"]),
            "stage_dates": facts.stage_dates,
            "attributes": B.attribute_rows(indicators),
            "monitoring_m2": round(float(monitoring["XZGDMJ"].sum()), 2),
            "subprojects": [{k: v for k, v in s.items() if k not in ("geometry", "epsg")} for s in facts.subprojects]
            if stage != B.LIXIANG
            else [],
            "attachments": B.attachment_status(stage, facts.attachment_names, facts.record_counts),
        }
        if computation is not None and parcels.acceptance is not None:
            manifest["acceptance"] = BA.acceptance_summary(parcels.acceptance["record"], computation)
        manifest["missing_attachments"] = [a["name"] for a in manifest["attachments"] if a["missing"]]
        index = _index_text(manifest)
        files = sorted(counts)
        (tmp / INDEX).write_bytes((index + "".join(f"  {f}  {counts[f]} 个要素\r\n" for f in files)).encode("utf-8"))
        manifest["files"] = [
            {"path": f, "sha256": _sha256(tmp / f), "size": (tmp / f).stat().st_size, "count": counts.get(f)}
            for f in [*files, INDEX]
        ]
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        p.check()
    return {"out_dir": str(target.resolve()), **manifest}


def package_zip(who: Actor, code: str, stage: str) -> Path:
    """The 报备 package of ``stage`` as one zip for download, DATA_DIR/results/baobei/CODE-STAGE.zip:
    written in a private folder, zipped and renamed into place, so a concurrent export never mixes."""
    target = result_dir(code, stage).with_suffix(".zip")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.tmp-{uuid.uuid4().hex[:8]}")
    with tempfile.TemporaryDirectory(prefix="landcon-baobei-") as tmp:
        folder = Path(tmp) / _folder_name(code, stage)
        export_baobei(who, code, stage, out=folder)
        try:
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in sorted(folder.iterdir()):
                    archive.write(path, f"{folder.name}/{path.name}")
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    return target

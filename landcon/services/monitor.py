"""Implementation supervision: what a later survey vintage shows in an approved project.

``detect`` compares, inside the project's 整治区域, the dataset version its approved plan was checked
against (before; ``plan.pinned_dataset_version``) with the dataset's current version or a given one
(the vintage, imported with ``landcon data import --replace``) and with the plan's change parcels
(``engine.change_detection``). The user needs ``project.read`` over the project; the project must
have reached its chain's ``approved`` milestone. The results go through a staged folder to
DATA_DIR/results/monitor/PROJECT (or ``out``): monitor.json, monitor.xlsx and changes.gpkg (one
layer, ``CHANGES``: every class's cells).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select

from landcon import config
from landcon.engine import workflow as wf
from landcon.engine.change_detection import ChangeDetection, detect_changes
from landcon.engine.indicators.states import plan_parcels
from landcon.engine.plan import ZZQY
from landcon.engine.progress import Progress, ProgressCallback, as_progress
from landcon.engine.schema import DLTB_COLUMNS
from landcon.errors import CRSError, DatasetNotFound, InvalidRecord, TransitionRefused
from landcon.reports.monitor_xlsx import write_monitor_xlsx
from landcon.services import projects, records
from landcon.services.jobs import results_dir
from landcon.services.plan import pinned_dataset_version, read_plan
from landcon.services.project_access import get_project
from landcon.services.records import Actor
from landcon.store.datasets import DatasetStore
from landcon.store.layers import stored_columns, write_layers
from landcon.store.models import PlanVersion
from landcon.store.staging import staged_folder

DLTB = "DLTB"
RED_LINE = "STBHHX"
PERMANENT_FARMLAND = "YJJBNTBHTB"
MAP_LAYER = "CHANGES"
FILES = ("monitor.json", "monitor.xlsx", "changes.gpkg")


@dataclass
class MonitorRun:
    """Where the results went and what they say (``data`` is monitor.json)."""

    out_dir: Path
    data: dict[str, Any]
    files: list[str] = field(default_factory=lambda: list(FILES))

    def as_dict(self) -> dict[str, Any]:
        return {"out_dir": str(self.out_dir), "files": self.files, **self.data}


def result_dir(project: str) -> Path:
    """A project's standard monitoring folder, DATA_DIR/results/monitor/PROJECT."""
    return results_dir("monitor", project).resolve()


def _approved(who: Actor, code: str) -> tuple[str, int, int | None]:
    """The project's dataset, its approved (latest submitted) plan version and that version's
    recorded dataset version; refused before the chain's ``approved`` milestone."""
    with records.read() as session:
        project = get_project(session, who, code)
        chain = wf.Chain.from_dict(project.chain)
        if not chain.reached(project.stage, wf.APPROVED):
            raise TransitionRefused(f"项目 {code} 当前处于“{project.stage_name}”阶段：方案获批后才能进行变化监测")
        version = session.scalars(
            select(PlanVersion)
            .where(PlanVersion.project_id == project.id, PlanVersion.status == "submitted")
            .order_by(PlanVersion.number.desc())
            .limit(1)
        ).first()
        if version is None:
            raise TransitionRefused(f"项目 {code} 没有已提交的实施方案版本")
        if not project.dataset:
            raise InvalidRecord(f"项目 {code} 未关联数据集", feature=code)
        return project.dataset, version.number, version.dataset_version


def _epsg(store: DatasetStore, dataset: str, version: int | None) -> int:
    return int(str(store.manifest(dataset, version)["crs"][DLTB]).split(":")[-1])


def _dltb(store: DatasetStore, dataset: str, version: int) -> Any:
    available = set(stored_columns(store.layer_path(dataset, DLTB, version)))
    return store.read_layer(dataset, DLTB, columns=[c for c in DLTB_COLUMNS if c in available], version=version)


def _zone(store: DatasetStore, dataset: str, version: int, layer: str) -> list[object] | None:
    if layer not in store.manifest(dataset, version).get("layers", {}):
        return None
    return list(np.asarray(store.read_layer(dataset, layer, columns=[], version=version).geometry.array))


def detect(
    who: Actor,
    project_code: str,
    *,
    vintage: int | None = None,
    out: str | Path | None = None,
    progress: Progress | ProgressCallback | None = None,
) -> MonitorRun:
    """Detect the changes of project ``project_code`` between its approved plan's dataset version
    and ``vintage`` (a dataset version; ``None``: the current one) and write the results."""
    p = as_progress(progress)
    dataset, number, recorded = _approved(who, project_code)
    store = DatasetStore(config.data_dir())
    if not store.exists(dataset):
        raise DatasetNotFound(f"数据集不存在 / no such dataset: {dataset}")
    before_version = pinned_dataset_version(dataset, recorded) or store.version(dataset)
    after_version = vintage if vintage is not None else store.version(dataset)
    known = [int(v["version"]) for v in store.versions(dataset)]
    if after_version not in known:
        raise DatasetNotFound(
            f"数据集 {dataset} 没有版本 {after_version}（现有版本 {known}）", feature=str(after_version)
        )
    epsg = _epsg(store, dataset, before_version)
    if _epsg(store, dataset, after_version) != epsg:
        raise CRSError(
            f"变更调查版本 {after_version} 的坐标系与基期版本 {before_version} 不一致", layer=DLTB, feature=dataset
        )
    with tempfile.TemporaryDirectory() as tmp:
        plan = read_plan(projects.export_plan(who, project_code, number, Path(tmp) / "plan"), epsg)
    p.report("读取数据", 0.0)
    zzqy = plan.layer(ZZQY)
    result = detect_changes(
        _dltb(store, dataset, before_version),
        _dltb(store, dataset, after_version),
        list(zzqy.geometry.array) if zzqy is not None else [],
        plan_parcels(plan),
        epsg,
        red_line=_zone(store, dataset, before_version, RED_LINE),
        permanent_farmland=_zone(store, dataset, before_version, PERMANENT_FARMLAND),
        progress=p,
    )
    data = {
        "project": project_code,
        "dataset": dataset,
        "plan_version": number,
        "before_version": before_version,
        "after_version": after_version,
        **result.to_dict(),
    }
    target = Path(out) if out is not None else result_dir(project_code)
    _write(result, data, target)
    return MonitorRun(target.resolve(), data)


def _write(result: ChangeDetection, data: dict[str, Any], target: Path) -> None:
    meta = {
        "项目": data["project"],
        "数据集": data["dataset"],
        "方案版本": data["plan_version"],
        "基期数据版本": data["before_version"],
        "变更调查数据版本": data["after_version"],
    }
    with staged_folder(target) as tmp:
        (tmp / "monitor.json").write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        write_monitor_xlsx(result, tmp / "monitor.xlsx", meta)
        write_layers({MAP_LAYER: result.parcels()}, tmp / "changes.gpkg", "gpkg")

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
import shutil
import tempfile
from collections.abc import Sequence
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
from landcon.reports.monitor_xlsx import write_batch_xlsx, write_monitor_xlsx
from landcon.services import projects, records
from landcon.services.cluster import run_tasks
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


def _folder_name(project: str) -> str:
    """The project code as one folder name (a code that is not one is refused, never followed)."""
    if not project or project.startswith(".") or any(c in project for c in "/\\\0:"):
        raise InvalidRecord(f"项目编号 {project!r} 不能用作文件夹名", field="project", feature=project)
    return project


def result_dir(project: str) -> Path:
    """A project's standard monitoring folder, DATA_DIR/results/monitor/PROJECT."""
    return results_dir("monitor", _folder_name(project)).resolve()


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
            .where(PlanVersion.project_id == project.id, PlanVersion.status == projects.SUBMITTED)
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


@dataclass(frozen=True)
class Inputs:
    """What one detection reads, resolved (and permitted) for the acting user."""

    project: str
    dataset: str
    plan_version: int
    before_version: int
    after_version: int
    epsg: int


def resolve(who: Actor, project_code: str, vintage: int | None = None) -> Inputs:
    """The project's dataset and versions to compare; refusals as ``detect``'s."""
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
    return Inputs(_folder_name(project_code), dataset, number, before_version, after_version, epsg)


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
    inputs = resolve(who, project_code, vintage)
    target = Path(out) if out is not None else result_dir(project_code)
    with tempfile.TemporaryDirectory() as tmp:
        folder = projects.export_plan(who, project_code, inputs.plan_version, Path(tmp) / "plan")
        data = run_resolved(inputs, str(folder), str(config.data_dir()), str(target), progress=progress)
    _refresh_alerts(who, project_code)
    return MonitorRun(target.resolve(), data)


def _refresh_alerts(who: Actor, project_code: str) -> None:
    """Rescan the project's alerts: its ``intrusion`` alerts read the standard folder's monitor.json."""
    from landcon.services import alerts

    alerts.refresh(who, project_code)


def run_resolved(
    inputs: Inputs,
    plan_folder: str,
    data_dir: str,
    out: str,
    *,
    progress: Progress | ProgressCallback | None = None,
) -> dict[str, Any]:
    """Compute and write one detection from resolved inputs and an exported plan folder (no records
    database: what a batch worker runs); returns monitor.json."""
    p = as_progress(progress)
    store = DatasetStore(Path(data_dir))
    plan = read_plan(plan_folder, inputs.epsg)
    p.report("读取数据", 0.0)
    zzqy = plan.layer(ZZQY)
    dataset, before_version = inputs.dataset, inputs.before_version
    result = detect_changes(
        _dltb(store, dataset, before_version),
        _dltb(store, dataset, inputs.after_version),
        list(zzqy.geometry.array) if zzqy is not None else [],
        plan_parcels(plan),
        inputs.epsg,
        red_line=_zone(store, dataset, before_version, RED_LINE),
        permanent_farmland=_zone(store, dataset, before_version, PERMANENT_FARMLAND),
        progress=p,
    )
    data = {
        "project": inputs.project,
        "dataset": dataset,
        "plan_version": inputs.plan_version,
        "before_version": before_version,
        "after_version": inputs.after_version,
        **result.to_dict(),
    }
    _write(result, data, Path(out))
    return data


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


# ---------------------------------------------------------------------------------------------
# Many projects on Dask distributed
# ---------------------------------------------------------------------------------------------


def _project_task(inputs: Inputs, plan_folder: str, data_dir: str, out: str) -> dict[str, Any]:
    """One project on a Dask worker: the detection written to ``out``; returns its summary row."""
    data = run_resolved(inputs, plan_folder, data_dir, out)
    areas = {code: c["area_m2"] for code, c in data["classes"].items()}
    keys = ("project", "dataset", "plan_version", "before_version", "after_version", "planned_new_farmland_m2")
    flags = ("red_line_checked", "permanent_farmland_checked")
    counts = {code: c["count"] for code, c in data["classes"].items()}
    return {**{k: data[k] for k in (*keys, *flags)}, **areas, "counts": counts}


def detect_batch(
    who: Actor,
    project_codes: Sequence[str],
    *,
    vintage: int | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    out: str | Path | None = None,
    progress: Progress | ProgressCallback | None = None,
) -> MonitorRun:
    """Detect the changes of many projects (typically one per county) in parallel on Dask distributed.

    Permissions and versions are resolved here for ``who`` before any work starts; the workers read
    only the data directory and the exported plans (a ``LocalCluster`` of processes by default;
    ``scheduler`` "tcp://host:8786" uses a cluster whose workers see the same files). Each project's
    results go to ``out/PROJECT/``; ``monitor-batch.json`` has one row per project (county, versions,
    class areas and piece counts) and ``monitor-batch.xlsx`` the same as one summary sheet with totals."""
    p = as_progress(progress)
    if not project_codes:
        raise InvalidRecord("未指定项目 / no project given")
    resolved = [resolve(who, code, vintage) for code in dict.fromkeys(project_codes)]
    counties = {}
    for i in resolved:
        shown = projects.show_project(who, i.project)
        counties[i.project] = {"county": shown["county"], "county_name": shown["county_name"]}
    target = (Path(out) if out is not None else Path.cwd() / "monitor-batch").resolve()
    data_dir = str(config.data_dir().resolve())
    with staged_folder(target) as tmp:
        plans = tmp / ".plans"
        for i in resolved:
            projects.export_plan(who, i.project, i.plan_version, plans / i.project)
        tasks = [
            (f"monitor-{i.project}", _project_task, (i, str(plans / i.project), data_dir, str(tmp / i.project)))
            for i in resolved
        ]
        results = run_tasks(
            tasks, scheduler=scheduler, workers=workers, progress=p, stage="批量变化监测 / monitor batch"
        )
        shutil.rmtree(plans)
        for row in results:
            row.update(counties[row["project"]])
        batch = {"projects": results}
        (tmp / "monitor-batch.json").write_text(json.dumps(batch, ensure_ascii=False, indent=1), encoding="utf-8")
        write_batch_xlsx(results, tmp / "monitor-batch.xlsx")
    return MonitorRun(target, batch, ["monitor-batch.json", "monitor-batch.xlsx", *(i.project for i in resolved)])

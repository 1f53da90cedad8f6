"""Acceptance (验收) of a project on its as-built (竣工) data (docs/acceptance.md).

``read_asbuilt`` reads and checks an as-built folder (asbuilt.gpkg / asbuilt.gdb / JGTB.shp and
asbuilt.yaml; problems raise ``AsBuiltInvalid`` naming file, layer, field and feature).
``compute`` resolves the project like ``services.monitor`` (the user needs ``project.read`` over it;
the project must have reached its chain's ``approved`` milestone): the approved plan version and
the dataset version it was checked against are the before state, the dataset's current version
(or ``vintage``) the survey the new 耕地 is verified against. It computes plan vs as-built
(``engine.acceptance``) with the profile's ``acceptance`` rules and writes, through a staged
folder, DATA_DIR/results/acceptance/PROJECT (or ``out``): acceptance.json and acceptance.xlsx.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import yaml
from sqlalchemy import select

from landcon import config
from landcon.engine import workflow as wf
from landcon.engine.acceptance import compute_acceptance
from landcon.engine.acceptance_rules import PlanApproval
from landcon.engine.asbuilt_schema import JGTB, AsBuilt, check_asbuilt, completion_date, normalise
from landcon.engine.crs import check_crs
from landcon.engine.rules.packs import KCXS_TABLE_RULE
from landcon.errors import CRSError, InputReadError
from landcon.reports.acceptance_xlsx import write_acceptance_xlsx
from landcon.services import monitor, projects, records
from landcon.services.jobs import results_dir
from landcon.services.plan import ZONES, load_pack, read_plan
from landcon.services.profile import get_profile
from landcon.services.project_access import get_project
from landcon.services.records import Actor
from landcon.store.datasets import DatasetStore
from landcon.store.layers import read_vector_layer, vector_layer_names, write_layers
from landcon.store.models import StageEvent
from landcon.store.staging import staged_folder

FILES = ("acceptance.json", "acceptance.xlsx")
LAYER_FILES = ("asbuilt.gpkg", "asbuilt.gdb", f"{JGTB}.shp")


class AsBuiltInvalid(InputReadError):
    """The as-built data cannot be used: a missing file or layer, a bad field value, an overlap …"""


@dataclass
class AcceptanceRun:
    """Where the results went and what they say (``data`` is acceptance.json)."""

    out_dir: Path
    data: dict[str, Any]
    files: list[str] = field(default_factory=lambda: list(FILES))

    def as_dict(self) -> dict[str, Any]:
        return {"out_dir": str(self.out_dir), "files": self.files, **self.data}


def result_dir(project: str) -> Path:
    """A project's standard acceptance folder, DATA_DIR/results/acceptance/PROJECT."""
    return results_dir("acceptance", monitor.result_dir(project).name).resolve()


def _files(folder: Path) -> tuple[Path, Path]:
    if not folder.is_dir():
        raise AsBuiltInvalid(
            "竣工数据应为包含 asbuilt.gpkg（或 asbuilt.gdb、JGTB.shp）和 asbuilt.yaml 的文件夹", path=str(folder)
        )
    layers = next((folder / n for n in LAYER_FILES if (folder / n).exists()), None)
    if layers is None:
        raise AsBuiltInvalid("缺少 asbuilt.gpkg、asbuilt.gdb 或 JGTB.shp", path=str(folder))
    meta = folder / "asbuilt.yaml"
    if not meta.exists():
        raise AsBuiltInvalid("缺少 asbuilt.yaml", path=str(folder))
    return layers, meta


def read_asbuilt(path: str | Path, epsg: int | None = None, subprojects: list[str] | None = None) -> AsBuilt:
    """Read and check an as-built folder; ``epsg`` is the dataset's CRS (a different one is refused,
    data is never reprojected), ``subprojects`` the approved plan's sub-project codes."""
    layers_path, meta_path = _files(Path(path))
    try:
        meta = yaml.safe_load(meta_path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise AsBuiltInvalid(f"asbuilt.yaml 无法解析：{exc}", path=str(meta_path)) from exc
    if not isinstance(meta, dict):
        raise AsBuiltInvalid("asbuilt.yaml 应为键值映射", path=str(meta_path))
    try:
        names = {n.upper(): n for n in vector_layer_names(layers_path)}
    except Exception as exc:
        raise AsBuiltInvalid(f"无法打开 / cannot open: {exc}", path=str(layers_path)) from exc
    if JGTB not in names:
        raise AsBuiltInvalid(f"缺少竣工地类图斑图层 {JGTB}", path=str(layers_path), layer=JGTB)
    frame = read_vector_layer(layers_path, names[JGTB])
    if len(frame):
        crs = check_crs(frame.crs)
        if crs.epsg is None:
            raise CRSError(crs.message or "坐标系无法识别", path=str(layers_path), layer=JGTB)
        if epsg is not None and crs.epsg != epsg:
            raise CRSError(
                f"竣工图层坐标系 EPSG:{crs.epsg} 与数据集 EPSG:{epsg} 不一致", path=str(layers_path), layer=JGTB
            )
    asbuilt = AsBuilt(normalise(frame), meta)
    problems = check_asbuilt(asbuilt, subprojects)
    if problems:
        first = problems[0]
        more = f"（另有 {len(problems) - 1} 处问题）" if len(problems) > 1 else ""
        raise AsBuiltInvalid(
            f"{first.message}{more}",
            path=str(layers_path if first.layer else meta_path),
            layer=first.layer,
            field=first.field,
            feature=first.feature,
        )
    return asbuilt


def synthesise_asbuilt(
    plan_dir: str | Path,
    out: str | Path,
    *,
    seed: int = 0,
    short: str | None = None,
    fail: int = 1,
    vintage_file: str | Path | None = None,
    project: str | None = None,
) -> dict[str, Any]:
    """Write synthetic as-built data of the plan folder ``plan_dir`` to ``out`` (``synth.asbuilt``):
    asbuilt.gpkg (JGTB) and asbuilt.yaml; ``vintage_file`` a GIS file whose DLTB layer is the later
    survey the failing parcels are drawn against; ``project`` the project code (default: the plan
    folder's name)."""
    from landcon.synth.asbuilt import frame_for_output, generate_asbuilt

    plan = read_plan(plan_dir)
    vintage = None
    if vintage_file is not None:
        try:
            names = {n.upper(): n for n in vector_layer_names(vintage_file)}
        except Exception as exc:
            raise InputReadError(f"无法打开 / cannot open: {exc}", path=str(vintage_file)) from exc
        if "DLTB" not in names:
            raise InputReadError("变更调查文件缺少 DLTB 图层", path=str(vintage_file), layer="DLTB")
        vintage = read_vector_layer(vintage_file, names["DLTB"])
    code = project or Path(plan_dir).resolve().name
    subs = {str(p.get("code")) for p in plan.meta.get("sub_projects") or []}
    if short is not None and short not in subs:
        raise AsBuiltInvalid(f"子项目 {short} 不在方案中", path=str(plan_dir), field="short")
    if fail < 0:
        raise AsBuiltInvalid("--fail 应为不小于 0 的整数", field="fail")
    try:
        frame, meta, drawn = generate_asbuilt(plan, seed=seed, short=short, fail=fail, vintage=vintage, project=code)
    except ValueError as exc:
        raise AsBuiltInvalid(f"无法生成竣工数据：{exc}", path=str(plan_dir)) from exc
    target = Path(out)
    with staged_folder(target) as tmp:
        write_layers({JGTB: frame_for_output(frame)}, tmp / "asbuilt.gpkg", "gpkg")
        (tmp / "asbuilt.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return {"path": str(target.resolve()), "project": code, "parcels": len(frame), "seed": seed, **drawn}


def plan_approval(who: Actor, project_code: str) -> PlanApproval | None:
    """The latest advance of the project into its chain's ``approved`` milestone stage: the stage it
    left (the approving stage), that stage's level, date and actor; None without one."""
    with records.read() as session:
        project = get_project(session, who, project_code)
        chain = wf.Chain.from_dict(project.chain)
        target = chain.milestones.approved
        event = session.scalars(
            select(StageEvent)
            .where(
                StageEvent.project_id == project.id,
                StageEvent.to_stage == target,
                StageEvent.action == "advance",
                StageEvent.from_stage.is_not(None),
            )
            .order_by(StageEvent.id.desc())
        ).first()
        if target is None or event is None or event.from_stage is None:
            return None
        try:
            stage = chain.stage(event.from_stage)
        except KeyError:  # a stage the stored chain no longer has
            return None
        return PlanApproval(stage.name, stage.level, event.at.date().isoformat(), event.actor)


def _read(store: DatasetStore, dataset: str, layer: str, version: int) -> gpd.GeoDataFrame:
    return store.read_layer(dataset, layer, version=version)


def compute(
    who: Actor,
    project_code: str,
    asbuilt_dir: str | Path,
    *,
    vintage: int | None = None,
    out: str | Path | None = None,
) -> AcceptanceRun:
    """Plan vs as-built of project ``project_code`` on the as-built folder ``asbuilt_dir`` (module
    docstring); refusals as ``services.monitor.detect``'s, plus ``AsBuiltInvalid``."""
    inputs = monitor.resolve(who, project_code, vintage)
    target = Path(out) if out is not None else result_dir(project_code)
    store = DatasetStore(config.data_dir())
    with tempfile.TemporaryDirectory() as tmp:
        folder = projects.export_plan(who, project_code, inputs.plan_version, Path(tmp) / "plan")
        plan = read_plan(folder, inputs.epsg)
    subprojects = [str(p.get("code")) for p in plan.meta.get("sub_projects") or []]
    asbuilt = read_asbuilt(asbuilt_dir, inputs.epsg, subprojects)
    if asbuilt.project != project_code:
        raise AsBuiltInvalid(
            f"竣工数据的项目编号 {asbuilt.project} 与项目 {project_code} 不符",
            path=str(Path(asbuilt_dir) / "asbuilt.yaml"),
            field="project",
        )
    dataset, before = inputs.dataset, inputs.before_version
    available = store.manifest(dataset, before).get("layers", {})
    zones = {
        z: (np.asarray(_read(store, dataset, z, before).geometry.array) if z in available else None) for z in ZONES
    }
    dltb = _read(store, dataset, "DLTB", before)
    later = inputs.after_version != before
    note = (
        f"变更调查数据（数据集 {dataset} 版本 {inputs.after_version}）"
        if later
        else f"数据集 {dataset} 没有晚于基期（版本 {before}）的变更调查版本"
    )
    _, pack = load_pack(str(plan.meta.get("rule_pack") or "") or None)
    profile = get_profile()
    result = compute_acceptance(
        dltb,
        zones,
        plan,
        asbuilt,
        inputs.epsg,
        vintage=_read(store, dataset, "DLTB", inputs.after_version) if later else None,
        vintage_note=note,
        rules=profile.acceptance,
        ledger_rules=profile.ledger_rules,
        kcxs_table=pack[KCXS_TABLE_RULE]["threshold"],
        pack=pack,
        approval=plan_approval(who, project_code),
    )
    date = completion_date(asbuilt.meta)
    data = {
        "project": inputs.project,
        "dataset": dataset,
        "plan_version": inputs.plan_version,
        "before_version": before,
        "vintage_version": inputs.after_version if later else None,
        "completion_date": date.isoformat() if date else None,
        "quantities": dict(asbuilt.meta.get("quantities") or {}),
        **result.to_dict(),
    }
    meta = {
        "项目": inputs.project,
        "数据集": dataset,
        "方案版本": inputs.plan_version,
        "基期数据版本": before,
        "核实所用变更调查版本": data["vintage_version"] if later else "—",
        "竣工日期": data["completion_date"],
    }
    with staged_folder(target) as folder_out:
        (folder_out / "acceptance.json").write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        write_acceptance_xlsx(data, folder_out / "acceptance.xlsx", meta)
    return AcceptanceRun(target.resolve(), data)

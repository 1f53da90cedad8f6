"""实施方案 use cases: template, example plan, check against the rules, reports, version diff.

A plan folder holds ``plan.gpkg`` (or ``plan.gdb``) and ``plan.yaml`` (docs/plan.md). The plan is
drawn on an imported dataset; ``check`` overlays it on the dataset (``engine.indicators``) and runs
the rule pack (``engine.rules``); ``report`` renders the 附表, a draft document, maps and the
national 入库 layers from the same numbers.
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import yaml

from landcon import config
from landcon.engine.after_state import after_state
from landcon.engine.consent import ConsentSet
from landcon.engine.coordinate_file import in_gauss_kruger, parcels_from_layer
from landcon.engine.crs import ACCEPTED_EPSG, check_crs
from landcon.engine.delivery import delivery_layers
from landcon.engine.indicators import PlanAnalysis, analyse_plan
from landcon.engine.layers import DLTB, XZQ
from landcon.engine.plan import (
    CZGHTB,
    LAYER_NAMES,
    PLAN_FIELDS,
    PLAN_LAYERS,
    SUBPROJECT_TYPES,
    YJJBNTTZTB,
    ZZQY,
    Plan,
    check_plan,
    empty_layers,
    normalise,
    template_meta,
    texts,
)
from landcon.engine.progress import Progress, ProgressCallback, as_progress
from landcon.engine.rules import ERROR, KCXS_TABLE_RULE, UNKNOWN, check, status_counts
from landcon.engine.rules import STATUS_NAMES as STATUS_NAMES  # for the CLI and web: 通过 / 不通过 / 无法检查
from landcon.engine.schema import DLTB_COLUMNS
from landcon.errors import CRSError, DatasetNotFound, InputReadError, LandconError
from landcon.reports.coordinate_file import write_coordinate_file
from landcon.reports.plan_docx import write_plan_docx
from landcon.reports.plan_xlsx import write_plan_xlsx
from landcon.reports.survey_maps import MapClass, render_category_map, render_landuse_map
from landcon.services.profile import get_profile
from landcon.store.datasets import DatasetStore
from landcon.store.layers import read_vector_layer, stored_columns, vector_layer_names, write_layers
from landcon.store.profile import read_rule_pack
from landcon.store.staging import staged_folder
from landcon.synth.plan import generate_plan

ZONES = ("YJJBNTBHTB", "STBHHX", "CZKFBJ")
DELIVERY_FILES = (
    "入库成果.gpkg",
    "入库成果.gdb",
    "入库成果.gdb.zip",
    "入库成果_shp",
    "入库成果_shp.zip",
    "坐标文件_整治区域.txt",
    "坐标文件_新增耕地.txt",
)
"""The 入库 layers in three formats (the folder ones also zipped, for download) and the 报备
coordinate files (docs/plan.md)."""


class PlanInvalid(InputReadError):
    """The plan cannot be read: a missing layer, a bad field value, an unknown sub-project …"""


def _store() -> DatasetStore:
    return DatasetStore(config.data_dir())


# ---------------------------------------------------------------------------------------------
# Reading and writing plan folders
# ---------------------------------------------------------------------------------------------


def _plan_files(path: Path) -> tuple[Path, Path]:
    if not path.is_dir():
        raise PlanInvalid(
            "方案应为包含 plan.gpkg（或 plan.gdb）和 plan.yaml 的文件夹 / a plan is a folder", path=str(path)
        )
    layers = next((p for p in (path / "plan.gpkg", path / "plan.gdb") if p.exists()), None)
    if layers is None:
        raise PlanInvalid("缺少 plan.gpkg 或 plan.gdb / no plan.gpkg", path=str(path))
    meta = path / "plan.yaml"
    if not meta.exists():
        raise PlanInvalid("缺少 plan.yaml / no plan.yaml", path=str(path))
    return layers, meta


def read_plan(path: str | Path, epsg: int | None = None) -> Plan:
    """Read and check a plan folder; problems raise ``PlanInvalid`` naming layer, feature and field."""
    folder = Path(path)
    layers_path, meta_path = _plan_files(folder)
    try:
        meta = yaml.safe_load(meta_path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise PlanInvalid(f"plan.yaml 无法解析：{exc}", path=str(meta_path)) from exc
    if not isinstance(meta, dict):
        raise PlanInvalid("plan.yaml 应为键值映射 / plan.yaml must be a mapping", path=str(meta_path))
    try:
        found = {name.upper(): name for name in vector_layer_names(layers_path)}
    except Exception as exc:
        raise PlanInvalid(f"无法打开 / cannot open: {exc}", path=str(layers_path)) from exc
    frames: dict[str, gpd.GeoDataFrame] = {}
    for name in PLAN_LAYERS:
        if name not in found:
            continue
        frame = read_vector_layer(layers_path, found[name])
        if len(frame):
            crs = check_crs(frame.crs)
            if crs.epsg is None:
                raise CRSError(crs.message or "坐标系无法识别", path=str(layers_path), layer=name)
            if epsg is not None and crs.epsg != epsg:
                raise CRSError(
                    f"方案图层坐标系 EPSG:{crs.epsg} 与数据集 EPSG:{epsg} 不一致 / CRS differs from the dataset's",
                    path=str(layers_path),
                    layer=name,
                )
        frames[name] = normalise(name, frame)
    plan = Plan(frames, meta)
    problems = check_plan(plan)
    if problems:
        first = problems[0]
        more = f"（另有 {len(problems) - 1} 处问题）" if len(problems) > 1 else ""
        raise PlanInvalid(
            f"{first.message}{more}",
            path=str(layers_path if first.layer else meta_path),
            layer=first.layer,
            field=first.field,
            feature=first.feature,
        )
    return plan


def _write_plan(folder: Path, layers: Mapping[str, gpd.GeoDataFrame], meta: Mapping[str, Any], notes: str) -> None:
    """Write a plan folder atomically (plan.gpkg + plan.yaml)."""
    with staged_folder(folder) as tmp:
        write_layers(dict(layers), tmp / "plan.gpkg", "gpkg")
        text = yaml.safe_dump(dict(meta), allow_unicode=True, sort_keys=False)
        (tmp / "plan.yaml").write_text(notes + text, encoding="utf-8")


def _field_notes() -> str:
    lines = ["# landcon 实施方案 plan.yaml — 格式说明见 docs/plan.md", "# plan.gpkg 图层与字段："]
    for name in PLAN_LAYERS:
        fields = "，".join(f"{f.name} {f.title}{'（必填）' if f.required else ''}" for f in PLAN_FIELDS[name])
        lines.append(f"#   {name} {LAYER_NAMES[name]}：{fields}")
    return "\n".join(lines) + "\n"


def write_template(out: str | Path, *, epsg: int = 4543) -> Path:
    """An empty, documented plan folder."""
    if epsg not in ACCEPTED_EPSG:
        raise CRSError(f"--epsg {epsg} 不是 CGCS2000（4490）或其 3° 带（4513–4554） / not a CGCS2000 CRS")
    folder = Path(out)
    _write_plan(folder, empty_layers(f"EPSG:{epsg}"), template_meta(), _field_notes())
    return folder.resolve()


def _read_dltb(store: DatasetStore, dataset: str, version: int | None = None) -> gpd.GeoDataFrame:
    """DLTB with the fields the plan needs (those the dataset has)."""
    available = set(stored_columns(store.layer_path(dataset, DLTB, version)))
    return store.read_layer(dataset, DLTB, columns=[c for c in DLTB_COLUMNS if c in available], version=version)


def _dataset_layers(dataset: str, version: int | None = None) -> tuple[DatasetStore, dict[str, Any], int]:
    """The store, the manifest of ``version`` of ``dataset`` (``None``: the current one) and its EPSG;
    the manifest's ``version`` pins every later read to the same data."""
    store = _store()
    if not store.exists(dataset):
        raise DatasetNotFound(f"数据集不存在 / no such dataset: {dataset}")
    manifest = store.manifest(dataset, version)
    epsg = int(str(manifest["crs"][DLTB]).split(":")[-1])
    return store, manifest, epsg


def pinned_dataset_version(dataset: str, recorded: int | None) -> int | None:
    """The dataset version a stored plan version reads: the one it recorded; none recorded (saved
    before dataset versions existed, when every dataset counted as version 1) → version 1 while
    it is stored, else the current version (``None``)."""
    if recorded is not None:
        return recorded
    store = _store()
    try:
        store.manifest(dataset, 1)
    except DatasetNotFound:
        return None
    return 1


def synthesise_plan(dataset: str, out: str | Path, *, variant: str = "compliant", seed: int = 0) -> dict[str, Any]:
    """A realistic example plan on an imported (synthetic) dataset."""
    if variant not in ("compliant", "violating"):
        raise LandconError(f"--variant 应为 compliant 或 violating / unknown variant: {variant}")
    store, manifest, _ = _dataset_layers(dataset)
    layers = {name: store.read_layer(dataset, name) for name in manifest.get("layers", {})}
    plan_layers, meta = generate_plan(layers, dataset=dataset, variant=variant, seed=seed)  # type: ignore[arg-type]
    folder = Path(out)
    _write_plan(folder, plan_layers, meta, _field_notes())
    return {"path": str(folder.resolve()), "variant": variant, "counts": {k: len(v) for k, v in plan_layers.items()}}


# ---------------------------------------------------------------------------------------------
# Check, report, diff
# ---------------------------------------------------------------------------------------------


def load_pack(name_or_path: str | None = None) -> tuple[str, dict[str, dict[str, Any]]]:
    """A rule pack by name (national, yunnan) or from a YAML file (``extends`` + ``rules``); ``None``:
    the profile's pack (docs/profile.md)."""
    if name_or_path is None:
        profile = get_profile()
        return profile.rule_pack, {rule: dict(values) for rule, values in profile.rules.items()}
    return read_rule_pack(name_or_path)


@dataclass
class CheckResult:
    plan: Plan
    analysis: PlanAnalysis
    data: dict[str, Any]

    @property
    def passed(self) -> bool:
        return bool(self.data["passed"])


def check_plan_against(
    plan_path: str | Path,
    dataset: str,
    *,
    pack: str | None = None,
    progress: Progress | ProgressCallback | None = None,
    dataset_version: int | None = None,
    consent: ConsentSet | None = None,
) -> CheckResult:
    """Overlay the plan on the dataset (``dataset_version``: a kept version, ``None`` the current
    one; the result names the version read), compute the indicators and run the rule pack;
    ``consent``: a project's consent records (``services.consent``), else the rules read CMTY."""
    progress = as_progress(progress)
    store, manifest, epsg = _dataset_layers(dataset, dataset_version)
    return _check(plan_path, dataset, store, manifest, epsg, None, pack=pack, progress=progress, consent=consent)


def _check(
    plan_path: str | Path,
    dataset: str,
    store: DatasetStore,
    manifest: Mapping[str, Any],
    epsg: int,
    dltb: gpd.GeoDataFrame | None,
    *,
    pack: str | None,
    progress: Progress,
    consent: ConsentSet | None = None,
) -> CheckResult:
    """``check_plan_against`` on the dataset version of ``manifest``, with DLTB already read (``None``:
    read the fields the plan needs)."""
    version = int(manifest["version"])
    progress.report("读取方案 / reading", 0.0)
    plan = read_plan(plan_path, epsg)
    pack_name, rules = load_pack(pack or str(plan.meta.get("rule_pack") or "") or None)
    available = manifest.get("layers", {})
    if dltb is None:
        dltb = _read_dltb(store, dataset, version)
    zones = {
        z: (
            np.asarray(store.read_layer(dataset, z, columns=[], version=version).geometry.array)
            if z in available
            else None
        )
        for z in ZONES
    }
    progress.report("叠加计算 / overlay", 0.3)
    table = rules[KCXS_TABLE_RULE]["threshold"]
    analysis = analyse_plan(dltb, zones, plan, epsg, kcxs_table=table, consent=consent)
    progress.report("规则检查 / rules", 0.8)
    findings = check(analysis, rules)
    counts = status_counts(findings)
    data = {
        "plan": str(Path(plan_path).resolve()),
        "name": plan.meta.get("name"),
        "dataset": dataset,
        "dataset_version": version,
        "pack": pack_name,
        # passed: no finding of severity error (a required input that is unknown is one);
        # complete: every rule could be checked (none 无法检查).
        "passed": not any(f["severity"] == ERROR for f in findings),
        "complete": counts[UNKNOWN] == 0,
        "status_counts": counts,
        "indicators": analysis.indicators,
        "findings": findings,
    }
    progress.report("规则检查 / rules", 1.0)
    return CheckResult(plan, analysis, data)


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, Mapping):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
    elif isinstance(value, list) and value and isinstance(value[0], Mapping):
        for item in value:
            _flatten(f"{prefix}[{item.get('code', '?')}]", {k: v for k, v in item.items() if k != "code"}, out)
    else:
        out[prefix] = value


def diff_plans(
    plan_a: str | Path,
    plan_b: str | Path,
    dataset: str,
    *,
    pack: str | None = None,
    dataset_versions: tuple[int | None, int | None] = (None, None),
) -> dict[str, Any]:
    """Indicator and finding differences between two versions of a plan, each checked against its
    dataset version (``None``: the current one)."""
    a = check_plan_against(plan_a, dataset, pack=pack, dataset_version=dataset_versions[0]).data
    b = check_plan_against(plan_b, dataset, pack=pack, dataset_version=dataset_versions[1]).data
    fa: dict[str, Any] = {}
    fb: dict[str, Any] = {}
    _flatten("", a["indicators"], fa)
    _flatten("", b["indicators"], fb)
    changes = []
    for key in sorted(set(fa) | set(fb)):
        va, vb = fa.get(key), fb.get(key)
        if va == vb:
            continue
        entry: dict[str, Any] = {"indicator": key, "a": va, "b": vb}
        if isinstance(va, int | float) and isinstance(vb, int | float) and not isinstance(va, bool):
            entry["change"] = round(vb - va, 6)
        changes.append(entry)
    sa = {f["rule"]: f for f in a["findings"]}
    sb = {f["rule"]: f for f in b["findings"]}
    findings = [
        {
            "rule": r,
            "title": (sb.get(r) or sa[r])["title"],
            "a": sa.get(r, {}).get("severity"),
            "b": sb.get(r, {}).get("severity"),
            "message_b": sb.get(r, {}).get("message"),
        }
        for r in dict.fromkeys([*sa, *sb])
        if sa.get(r, {}).get("severity") != sb.get(r, {}).get("severity")
        or sa.get(r, {}).get("value") != sb.get(r, {}).get("value")
    ]
    return {
        "a": {"plan": a["plan"], "name": a["name"], "passed": a["passed"]},
        "b": {"plan": b["plan"], "name": b["name"], "passed": b["passed"]},
        "indicators": changes,
        "findings": findings,
    }


def _landuse_frame(geoms: np.ndarray, dlbm: np.ndarray, crs: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"DLBM": pd.Series(dlbm, dtype=object)}, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)


def _township_name(store: DatasetStore, dataset: str, manifest: Mapping[str, Any], township: str) -> str:
    if XZQ not in manifest.get("layers", {}):
        return ""
    xzq = store.read_layer(dataset, XZQ, version=int(manifest["version"]))
    names = dict(zip(texts(xzq, "XZQDM"), texts(xzq, "XZQMC"), strict=True))
    return names.get(township, "")


def _zip_folder(folder: Path, target: Path) -> None:
    """``folder`` as a zip holding the folder itself (a FileGDB or a set of Shapefiles to download)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            archive.write(path, path.relative_to(folder.parent).as_posix())


def write_coordinate_files(
    result: CheckResult, delivered: Mapping[str, gpd.GeoDataFrame], epsg: int, folder: Path
) -> None:
    """部标 坐标文件 of the 整治区域 and of the 新增耕地 图斑 (engine.coordinate_file)."""
    meta = result.plan.meta
    producer = str(meta.get("producer") or (meta.get("responsible_units") or [""])[0])
    date = dt.date.today().isoformat()
    zz = delivered[ZZQY]
    numbers = [b or a for a, b in zip(texts(zz, "BSM"), texts(zz, "ZZQYBH"), strict=True)]
    geoms, file_epsg = in_gauss_kruger(zz.geometry.to_numpy(), epsg)
    zz_parcels = parcels_from_layer(
        geoms, numbers, texts(zz, "SDMC"), zz["ZZQYMJ"].to_numpy(), uses=["整治区域"] * len(zz)
    )
    write_coordinate_file(zz_parcels, file_epsg, folder / "坐标文件_整治区域.txt", producer=producer, date=date)
    after = delivered["SDQYZZHDLTB"]
    new = after[after["XZGDMJ"].to_numpy() > 0]
    geoms, file_epsg = in_gauss_kruger(new.geometry.to_numpy(), epsg)
    new_parcels = parcels_from_layer(
        geoms,
        texts(new, "BSM"),
        texts(new, "XZGDLYXM"),
        new["TBMJ"].to_numpy(),
        uses=texts(new, "DLMC"),
        dlbm=texts(new, "DLBM"),
    )
    write_coordinate_file(new_parcels, file_epsg, folder / "坐标文件_新增耕地.txt", producer=producer, date=date)


def write_report(
    plan_path: str | Path,
    dataset: str,
    out: str | Path,
    *,
    pack: str | None = None,
    maps: bool = True,
    progress: Progress | ProgressCallback | None = None,
    dataset_version: int | None = None,
) -> dict[str, Any]:
    """附表 xlsx, draft 实施方案 docx, maps, the 入库 layers (GeoPackage, FileGDB, GBK Shapefile) and
    the 部标 coordinate files, written atomically into ``out``, all from one dataset version
    (``dataset_version``; ``None``: the current one)."""
    progress = as_progress(progress)
    store, manifest, epsg = _dataset_layers(dataset, dataset_version)
    # DLTB is read once (every field: the 入库 layers keep them) and clipped once, by the analysis.
    dltb = store.read_layer(dataset, DLTB, version=int(manifest["version"]))
    result = _check(plan_path, dataset, store, manifest, epsg, dltb, pack=pack, progress=progress)
    crs = f"EPSG:{epsg}"
    progress.report("入库成果 / delivery layers", 0.0)
    after = after_state(dltb, result.analysis, epsg, meta=result.plan.meta)
    township = str((result.plan.meta.get("townships") or [""])[0])
    township_name = _township_name(store, dataset, manifest, township)
    delivered = delivery_layers(result.plan, after, dltb, epsg, township_name=township_name)
    target = Path(out)
    files = ["plan_check.json", "附表.xlsx", "实施方案.docx", *DELIVERY_FILES]
    with staged_folder(target) as tmp:
        (tmp / "plan_check.json").write_text(json.dumps(result.data, ensure_ascii=False, indent=1), encoding="utf-8")
        write_plan_xlsx(result.plan.meta, result.data["indicators"], result.data["findings"], tmp / "附表.xlsx")
        write_layers(delivered, tmp / "入库成果.gpkg", "gpkg")
        write_layers(delivered, tmp / "入库成果.gdb", "gdb")
        write_layers(delivered, tmp / "入库成果_shp", "shp", encoding="GBK")
        for folder in ("入库成果.gdb", "入库成果_shp"):
            _zip_folder(tmp / folder, tmp / f"{folder}.zip")
        write_coordinate_files(result, delivered, epsg, tmp)
        figures: dict[str, Path] = {}
        if maps:
            progress.report("专题图 / maps", 0.0)
            cut = result.analysis.clip_of(dltb)
            before = _landuse_frame(cut.geometry, np.asarray(texts(dltb.iloc[cut.index], "DLBM"), dtype=object), crs)
            name = str(result.plan.meta.get("name") or "整治区域")
            figures["before"] = render_landuse_map(before, tmp / "map_before.png", title=f"{name} 整治前土地利用")
            figures["after"] = render_landuse_map(
                _landuse_frame(after.geometry.to_numpy(), after["DLBM"].to_numpy(dtype=object), crs),
                tmp / "map_after.png",
                title=f"{name} 整治后土地利用",
            )
            adj = result.plan.layers.get(YJJBNTTZTB)
            if adj is not None and len(adj):
                frame = gpd.GeoDataFrame({"TZLX": texts(adj, "TZLX")}, geometry=adj.geometry.to_numpy(), crs=crs)
                figures["farmland_adjustment"] = render_category_map(
                    frame,
                    tmp / "map_farmland_adjustment.png",
                    title=f"{name} 永久基本农田布局调整",
                    column="TZLX",
                    classes=(MapClass("调出", "调出", "#e31a1c"), MapClass("调入", "调入", "#1a9641")),
                    legend_title="调整类型",
                    background=before,
                )
            cz = result.plan.layers.get(CZGHTB)
            if cz is not None and len(cz):
                kinds = {
                    str(p.get("code")): str(p.get("type", "其他")) for p in result.plan.meta.get("sub_projects") or []
                }
                frame = gpd.GeoDataFrame(
                    {"type": [kinds.get(z, "其他") for z in texts(cz, "ZXMBH")]},
                    geometry=cz.geometry.to_numpy(),
                    crs=crs,
                )
                palette = ("#33a02c", "#e31a1c", "#1f78b4", "#ff7f00", "#6a3d9a", "#b15928", "#999999", "#b2df8a")
                classes = tuple(MapClass(t, t, c) for t, c in zip(SUBPROJECT_TYPES, palette, strict=True))
                figures["subprojects"] = render_category_map(
                    frame,
                    tmp / "map_subprojects.png",
                    title=f"{name} 子项目布局",
                    column="type",
                    classes=classes,
                    legend_title="子项目类型",
                    background=before,
                )
            files += [p.name for p in figures.values()]
        write_plan_docx(
            result.plan.meta, result.data["indicators"], result.data["findings"], tmp / "实施方案.docx", maps=figures
        )
        progress.check()  # the last check: a cancelled run publishes nothing
    return {"out_dir": str(target.resolve()), "files": files, "passed": result.passed}

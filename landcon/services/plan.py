"""实施方案 use cases: template, example plan, check against the rules, reports, version diff.

A plan folder holds ``plan.gpkg`` (or ``plan.gdb``) and ``plan.yaml`` (docs/plan.md). The plan is
drawn on an imported dataset; ``check`` overlays it on the dataset (``engine.indicators``) and runs
the rule pack (``engine.rules``); ``report`` renders the 附表, a draft document, maps and the
national 入库 layers from the same numbers.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pyogrio
import shapely
import yaml

from landcon import config
from landcon.engine import codes
from landcon.engine.crs import check_crs
from landcon.engine.indicators import PlanAnalysis, analyse_plan
from landcon.engine.layers import DLTB
from landcon.engine.overlay import clip
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
    feature_id,
    normalise,
    template_meta,
    texts,
)
from landcon.engine.rules import ERROR, check
from landcon.engine.rules.packs import PACKS, resolve
from landcon.errors import CRSError, DatasetNotFound, InputReadError, LandconError
from landcon.reports.plan_docx import write_plan_docx
from landcon.reports.plan_xlsx import write_plan_xlsx
from landcon.reports.survey_maps import MapClass, render_category_map, render_landuse_map
from landcon.store._atomic import publish, remove
from landcon.store.datasets import DatasetStore
from landcon.store.layers import write_layers
from landcon.synth.plan import generate_plan

Progress = Callable[[str, float], None]

DLTB_COLUMNS = ["BSM", "DLBM", "ZLDWDM", "ZLDWMC", "TBMJ", "KCXS", "KCMJ", "TBDLMJ", "GDPDJB", "GDDB"]
ZONES = ("YJJBNTBHTB", "STBHHX", "CZKFBJ")


class PlanInvalid(InputReadError):
    """The plan cannot be read: a missing layer, a bad field value, an unknown sub-project …"""


def _noop(stage: str, fraction: float) -> None:
    return None


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
        found = {str(name).upper(): str(name) for name, _ in pyogrio.list_layers(str(layers_path))}
    except Exception as exc:
        raise PlanInvalid(f"无法打开 / cannot open: {exc}", path=str(layers_path)) from exc
    frames: dict[str, gpd.GeoDataFrame] = {}
    for name in PLAN_LAYERS:
        if name not in found:
            continue
        frame = pyogrio.read_dataframe(str(layers_path), layer=found[name])
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
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(f".{folder.name}.tmp-{uuid.uuid4().hex[:8]}")
    tmp.mkdir()
    try:
        write_layers(dict(layers), tmp / "plan.gpkg", "gpkg")
        text = yaml.safe_dump(dict(meta), allow_unicode=True, sort_keys=False)
        (tmp / "plan.yaml").write_text(notes + text, encoding="utf-8")
        publish(tmp, folder)
    finally:
        remove(tmp)


def _field_notes() -> str:
    lines = ["# landcon 实施方案 plan.yaml — 格式说明见 docs/plan.md", "# plan.gpkg 图层与字段："]
    for name in PLAN_LAYERS:
        fields = "，".join(f"{f.name} {f.title}{'（必填）' if f.required else ''}" for f in PLAN_FIELDS[name])
        lines.append(f"#   {name} {LAYER_NAMES[name]}：{fields}")
    return "\n".join(lines) + "\n"


def write_template(out: str | Path, *, epsg: int = 4543) -> Path:
    """An empty, documented plan folder."""
    folder = Path(out)
    _write_plan(folder, empty_layers(f"EPSG:{epsg}"), template_meta(), _field_notes())
    return folder.resolve()


def _read_dltb(store: DatasetStore, dataset: str) -> gpd.GeoDataFrame:
    """DLTB with the fields the plan needs (those the dataset has)."""
    available = set(pq.read_schema(store.layer_path(dataset, DLTB)).names)
    return store.read_layer(dataset, DLTB, columns=[c for c in DLTB_COLUMNS if c in available])


def _dataset_layers(dataset: str) -> tuple[DatasetStore, dict[str, Any], int]:
    store = _store()
    if not store.exists(dataset):
        raise DatasetNotFound(f"数据集不存在 / no such dataset: {dataset}")
    manifest = store.manifest(dataset)
    epsg = int(str(manifest["crs"][DLTB]).split(":")[-1])
    return store, manifest, epsg


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


def load_pack(name_or_path: str) -> tuple[str, dict[str, dict[str, Any]]]:
    """A rule pack by name (national, yunnan) or from a YAML file (``extends`` + ``rules``)."""
    if name_or_path in PACKS:
        return name_or_path, resolve(name_or_path)
    path = Path(name_or_path)
    if not path.is_file():
        raise InputReadError(
            f"规则包不存在：应为 {'、'.join(PACKS)} 或 YAML 文件 / unknown rule pack", path=name_or_path
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return str(path), resolve(str(data.get("extends", "national")), data.get("rules") or {})
    except (yaml.YAMLError, KeyError, AttributeError) as exc:
        raise InputReadError(f"规则包无法读取：{exc}", path=str(path)) from exc


@dataclass
class CheckResult:
    plan: Plan
    analysis: PlanAnalysis
    data: dict[str, Any]

    @property
    def passed(self) -> bool:
        return bool(self.data["passed"])


def check_plan_against(
    plan_path: str | Path, dataset: str, *, pack: str | None = None, progress: Progress = _noop
) -> CheckResult:
    """Overlay the plan on the dataset, compute the indicators and run the rule pack."""
    store, manifest, epsg = _dataset_layers(dataset)
    progress("读取方案 / reading", 0.0)
    plan = read_plan(plan_path, epsg)
    pack_name, rules = load_pack(pack or str(plan.meta.get("rule_pack") or "yunnan"))
    available = manifest.get("layers", {})
    dltb = _read_dltb(store, dataset)
    zones = {
        z: (np.asarray(store.read_layer(dataset, z, columns=[]).geometry.array) if z in available else None)
        for z in ZONES
    }
    progress("叠加计算 / overlay", 0.3)
    analysis = analyse_plan(dltb, zones, plan, epsg)
    progress("规则检查 / rules", 0.8)
    findings = check(analysis, rules)
    data = {
        "plan": str(Path(plan_path).resolve()),
        "name": plan.meta.get("name"),
        "dataset": dataset,
        "pack": pack_name,
        "passed": not any(f["severity"] == ERROR for f in findings),
        "indicators": analysis.indicators,
        "findings": findings,
    }
    progress("规则检查 / rules", 1.0)
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


def diff_plans(plan_a: str | Path, plan_b: str | Path, dataset: str, *, pack: str | None = None) -> dict[str, Any]:
    """Indicator and finding differences between two versions of a plan."""
    a = check_plan_against(plan_a, dataset, pack=pack).data
    b = check_plan_against(plan_b, dataset, pack=pack).data
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


def _after_state(result: CheckResult, dltb: gpd.GeoDataFrame, crs: object, epsg: int) -> gpd.GeoDataFrame:
    """The 整治后地类图斑 (SDQYZZHDLTB): unchanged pieces, their remainders and the changed pieces."""
    a = result.analysis
    geoms = np.asarray(dltb.geometry.array, dtype=object)
    cut = clip(geoms, a.zzqy, epsg)
    base = dltb.iloc[cut.index].reset_index(drop=True)
    changed = a.after
    parcel_union = shapely.union_all(np.asarray([p.geometry for p in a.parcels], dtype=object)) if a.parcels else None
    rest_geoms = cut.geometry.copy()
    if parcel_union is not None and not shapely.is_empty(parcel_union):
        touched = np.unique(changed["piece"].to_numpy()) if len(changed) else np.array([], dtype=int)
        rest_geoms[touched] = shapely.difference(cut.geometry[touched], parcel_union)
    keep = ~shapely.is_empty(rest_geoms) & (shapely.area(rest_geoms) > 0.01)
    share_left = np.ones(len(base))
    if len(changed):
        share_left -= np.bincount(
            changed["piece"].to_numpy(), weights=changed["tbmj"].to_numpy(), minlength=len(base)
        ) / np.maximum(base["TBMJ"].to_numpy() * cut.share, 1e-9)
    share = cut.share * np.clip(share_left, 0.0, 1.0)
    unchanged = pd.DataFrame(
        {
            "BSM": texts(base, "BSM"),
            "DLBM": texts(base, "DLBM"),
            "ZLDWDM": texts(base, "ZLDWDM"),
            "TBMJ": base["TBMJ"].to_numpy() * share,
            "KCMJ": base["KCMJ"].to_numpy() * share,
            "TBDLMJ": base["TBDLMJ"].to_numpy() * share,
            "GDPDJB": texts(base, "GDPDJB"),
            "XZGDLYDLBM": "",
            "XZGDMJ": 0.0,
            "XZGDDB": np.nan,
            "XZGDLYXM": "",
        }
    )
    unchanged = gpd.GeoDataFrame(unchanged[keep], geometry=gpd.GeoSeries(rest_geoms[keep], crs=crs), crs=crs)
    under = base.iloc[changed["piece"].to_numpy()].reset_index(drop=True) if len(changed) else base.iloc[:0]
    new = changed["new_cultivated"].to_numpy() if len(changed) else np.zeros(0)
    after = pd.DataFrame(
        {
            "BSM": texts(under, "BSM"),
            "DLBM": changed["after"].to_numpy(dtype=object),
            "ZLDWDM": texts(under, "ZLDWDM"),
            "TBMJ": changed["tbmj"].to_numpy(),
            "KCMJ": changed["kcmj_after"].to_numpy(),
            "TBDLMJ": changed["net_after"].to_numpy(),
            "GDPDJB": texts(under, "GDPDJB"),
            "XZGDLYDLBM": np.where(new > 0, changed["before"].to_numpy(dtype=object), ""),
            "XZGDMJ": new,
            "XZGDDB": np.where(new > 0, changed["grade_after"].to_numpy(), np.nan),
            "XZGDLYXM": np.where(new > 0, changed["subproject"].to_numpy(dtype=object), ""),
        }
    )
    after = gpd.GeoDataFrame(
        after, geometry=gpd.GeoSeries(changed["geometry"].to_numpy(dtype=object), crs=crs), crs=crs
    )
    out = pd.concat([unchanged, after], ignore_index=True)
    out["DLMC"] = [codes.LAND_USE_NAMES.get(c, "") for c in out["DLBM"]]
    out["XZGDLYDLMC"] = [codes.LAND_USE_NAMES.get(c, "") for c in out["XZGDLYDLBM"]]
    for c in ("TBMJ", "KCMJ", "TBDLMJ", "XZGDMJ"):
        out[c] = out[c].astype(float).round(2)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=crs)


def _delivery_layers(result: CheckResult, after_state: gpd.GeoDataFrame, crs: object) -> dict[str, gpd.GeoDataFrame]:
    """The national 入库 layers (domain reference §2.4): ZZQY, SDQYZZHDLTB, YJJBNTTZTB, CZGHTB."""
    plan = result.plan
    ind = result.data["indicators"]
    meta = plan.meta
    zz = plan.layers[ZZQY]
    county = str(meta.get("county", ""))
    township = (meta.get("townships") or [""])[0]
    zzqy = gpd.GeoDataFrame(
        {
            "BSM": [f"{county}ZZQY{k + 1:04d}" for k in range(len(zz))],
            "XZQDM": [str(township)] * len(zz),
            "XZQMC": [str(meta.get("township_name", ""))] * len(zz),
            "SDMC": [str(meta.get("name", ""))] * len(zz),
            "ZZQYBH": texts(zz, "ZZQYBH"),
            "ZZQYMJ": [ind["area"]["zzqy_m2"] / max(len(zz), 1)] * len(zz),
            "SJCZMC": ["、".join(ind["area"]["villages"])] * len(zz),
        },
        geometry=zz.geometry.to_numpy(),
        crs=crs,
    )
    out: dict[str, gpd.GeoDataFrame] = {"ZZQY": zzqy, "SDQYZZHDLTB": after_state}
    adj = plan.layers.get(YJJBNTTZTB)
    if adj is not None:
        before_class = {}
        for key in ("out", "in"):
            pieces = result.analysis.adjustment.get(key)
            ids = [i for i, _ in result.analysis.adjustment_parcels.get(key, [])]
            if pieces is not None and len(pieces):
                major = (
                    pieces.groupby(["parcel", "DLBM"])["area"]
                    .sum()
                    .reset_index()
                    .sort_values("area")
                    .groupby("parcel")
                    .last()
                )
                for parcel, row in major.iterrows():
                    before_class[ids[int(str(parcel))]] = str(row["DLBM"])
        numbers = list(texts(adj, "TZYNDKBH"))
        out["YJJBNTTZTB"] = gpd.GeoDataFrame(
            {
                "BSM": [f"{county}YNTZ{k + 1:05d}" for k in range(len(adj))],
                "TZYNDKBH": numbers,
                "TZLX": texts(adj, "TZLX"),
                "TZQDLBM": [before_class.get(feature_id(adj, k), "") for k in range(len(adj))],
                "TZYNDKMJ": np.round(shapely.area(adj.geometry.to_numpy()), 2),
            },
            geometry=adj.geometry.to_numpy(),
            crs=crs,
        )
    cz = plan.layers.get(CZGHTB)
    if cz is not None:
        out["CZGHTB"] = gpd.GeoDataFrame(
            {
                "BSM": [f"{county}GHTB{k + 1:05d}" for k in range(len(cz))],
                "XZQDM": [str(township)] * len(cz),
                "GHDLBM": texts(cz, "GHDLBM"),
                "GHDLMC": [codes.LAND_USE_NAMES.get(c, "") for c in texts(cz, "GHDLBM")],
                "GHDLMJ": np.round(shapely.area(cz.geometry.to_numpy()), 2),
                "ZXMBH": texts(cz, "ZXMBH"),
            },
            geometry=cz.geometry.to_numpy(),
            crs=crs,
        )
    return out


def write_report(
    plan_path: str | Path,
    dataset: str,
    out: str | Path,
    *,
    pack: str | None = None,
    maps: bool = True,
    progress: Progress = _noop,
) -> dict[str, Any]:
    """附表 xlsx, draft 实施方案 docx, maps and the 入库 GeoPackage, written atomically into ``out``."""
    result = check_plan_against(plan_path, dataset, pack=pack, progress=progress)
    store, _, epsg = _dataset_layers(dataset)
    crs = f"EPSG:{epsg}"
    dltb = _read_dltb(store, dataset)
    after_state = _after_state(result, dltb, crs, epsg)
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{uuid.uuid4().hex[:8]}")
    tmp.mkdir()
    files = ["plan_check.json", "附表.xlsx", "实施方案.docx", "入库成果.gpkg"]
    try:
        (tmp / "plan_check.json").write_text(json.dumps(result.data, ensure_ascii=False, indent=1), encoding="utf-8")
        write_plan_xlsx(result.plan.meta, result.data["indicators"], result.data["findings"], tmp / "附表.xlsx")
        write_layers(_delivery_layers(result, after_state, crs), tmp / "入库成果.gpkg", "gpkg")
        figures: dict[str, Path] = {}
        if maps:
            progress("专题图 / maps", 0.0)
            cut = clip(np.asarray(dltb.geometry.array, dtype=object), result.analysis.zzqy, epsg)
            before = _landuse_frame(cut.geometry, np.asarray(texts(dltb.iloc[cut.index], "DLBM"), dtype=object), crs)
            name = str(result.plan.meta.get("name") or "整治区域")
            figures["before"] = render_landuse_map(before, tmp / "map_before.png", title=f"{name} 整治前土地利用")
            figures["after"] = render_landuse_map(
                _landuse_frame(after_state.geometry.to_numpy(), after_state["DLBM"].to_numpy(dtype=object), crs),
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
                palette = ("#33a02c", "#e31a1c", "#1f78b4", "#ff7f00", "#6a3d9a", "#b15928", "#999999")
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
        publish(tmp, target)
    finally:
        remove(tmp)
    return {"out_dir": str(target.resolve()), "files": files, "passed": result.passed}

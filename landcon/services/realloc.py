"""权属调整 use cases: a synthetic instance, the reallocation run, the check of any allocation, and
results stored with a project (docs/realloc.md).

Input files (any format ``store.layers`` reads — GeoPackage, FileGDB, Shapefile in GBK, GeoParquet):

* parcels: contract parcels (农经权 DK layer, layer ``CBDK`` or the only layer): DKBM, CBFBM, DLDJ;
* households: CSV (UTF-8 or GBK) with CBFBM and optional CBFMC, X, Y (homestead, same CRS),
  PREFS and LOCKED (``;``-separated TKBM / DKBM);
* blocks: new field blocks (layer ``TK`` or the only polygon layer with TKBM): TKBM, DLDJ; roads in
  a layer ``DL`` of the same file (polygons, 1006) give each block its road side;
* allocation (check only): polygons with CBFBM (the new 承包地块, kept parcels included).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
import yaml
from sqlalchemy import select

from landcon import config
from landcon.engine.crs import GEOGRAPHIC_EPSG, check_crs
from landcon.engine.layers import CJDCQ, DLTB
from landcon.engine.progress import Progress, ProgressCallback, as_progress
from landcon.engine.realloc.geocheck import GeoCheck, check_allocation, locked_in_blocks
from landcon.engine.realloc.indices import INDICATOR_LABELS
from landcon.engine.realloc.params import Params, params_from_dict
from landcon.engine.realloc.pipeline import ReallocInput, ReallocResult, reallocate
from landcon.engine.realloc.values import valuate
from landcon.errors import DatasetNotFound, InputReadError, LandconError, ValidationFailed
from landcon.reports.realloc_xlsx import write_household_xlsx, write_publicity_xlsx
from landcon.services import attachments, records
from landcon.services.clock import today
from landcon.services.profile import get_profile
from landcon.services.project_access import get_project
from landcon.services.records import Actor
from landcon.store.datasets import DatasetStore
from landcon.store.layers import SourceLayer, read_all_layers, read_csv_table, write_layers
from landcon.store.models import ReallocFile, ReallocVersion
from landcon.store.staging import staged_folder
from landcon.synth.realloc import generate_realloc, pick_village

PARCELS_LAYER, BLOCKS_LAYER, ROADS_LAYER, ALLOCATION_LAYER = "CBDK", "TK", "DL", "CBDK"
SYNTH_BLOCK_SIZE = (1000.0, 200.0)
"""New fields of the example instances: 1,000 m along the road, 200 m deep (strips of 20 m ≈ 0.4 ha)."""
RESULT_FILES = ("allocation.gpkg", "households.xlsx", "publicity.xlsx", "result.json")
OPTIONAL_FILES = ("before.gpkg", "households.json")
"""Written by ``run`` for the village pages and the 公示表 (services/realloc_views.py): the contract
parcels before (layer CBDK), the blocks (TK) and roads (DL); the household table with homesteads.
Stored with a version when present (results written before they existed still save)."""


class ReallocInfeasible(LandconError):
    """No allocation exists within the tolerance: the message says by how much."""

    exit_code = 1


# ---------------------------------------------------------------------------------------------
# Reading and validating the inputs
# ---------------------------------------------------------------------------------------------


def _pick(layers: dict[str, SourceLayer], name: str, field: str, path: Path) -> SourceLayer:
    if name in layers:
        return layers[name]
    having = [layer for layer in layers.values() if field in layer.frame.columns]
    if len(having) == 1:
        return having[0]
    found = "、".join(layers) or "无"
    raise InputReadError(f"应有图层 {name}（或唯一一个含 {field} 字段的图层），找到: {found}", path=str(path))


def _require_fields(layer: SourceLayer, fields: tuple[str, ...]) -> None:
    for name in fields:
        if name not in layer.frame.columns:
            raise ValidationFailed(f"缺少字段 {name}", path=layer.path, layer=layer.source_name, field=name)


def _check_geometry(layer: SourceLayer, key: str) -> None:
    frame = layer.frame
    crs = check_crs(frame.crs)
    if not crs.ok:
        raise ValidationFailed(str(crs.message), path=layer.path, layer=layer.source_name)
    if crs.epsg == GEOGRAPHIC_EPSG:
        raise ValidationFailed(
            "坐标为经纬度，面积须在投影坐标系（CGCS2000 3° 带）中计算，请先投影",
            path=layer.path,
            layer=layer.source_name,
        )
    geoms = np.asarray(frame.geometry.array)
    bad = shapely.is_missing(geoms) | ~np.isin(shapely.get_type_id(geoms), (3, 6)) | ~shapely.is_valid(geoms)
    if bad.any():
        n = int(np.flatnonzero(bad)[0])
        raise ValidationFailed(
            "几何为空、不是面或无效", path=layer.path, layer=layer.source_name, feature=frame[key].iloc[n]
        )
    codes = frame[key].astype(str)
    duplicated = codes[codes.duplicated()]
    if len(duplicated):
        raise ValidationFailed(
            f"{key} 重复", path=layer.path, layer=layer.source_name, field=key, feature=duplicated.iloc[0]
        )


def _check_grades(layer: SourceLayer, key: str, params: Params) -> None:
    for code, grade in zip(layer.frame[key], layer.frame["DLDJ"], strict=True):
        try:
            params.coef(grade)
        except KeyError:
            allowed = "、".join(sorted(params.quality_coef))
            raise ValidationFailed(
                f"DLDJ 值 {grade!r} 没有价值系数（可用: {allowed}）", path=layer.path, layer=layer.source_name,
                field="DLDJ", feature=code,
            ) from None  # fmt: skip


def _ids(text: object) -> tuple[str, ...]:
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ()
    return tuple(part.strip() for part in str(text).replace("；", ";").replace(",", ";").split(";") if part.strip())


def read_households(path: str | Path) -> pd.DataFrame:
    """The households CSV (UTF-8, UTF-8 with BOM, or GBK/GB18030) with PREFS/LOCKED as tuples."""
    source = Path(path)
    frame = read_csv_table(source)
    frame.columns = [str(c).strip().upper() for c in frame.columns]
    if "CBFBM" not in frame.columns:
        raise ValidationFailed("缺少字段 CBFBM", path=str(source), field="CBFBM")
    frame["CBFBM"] = frame["CBFBM"].str.strip()
    duplicated = frame["CBFBM"][frame["CBFBM"].duplicated()]
    if len(duplicated):
        raise ValidationFailed("CBFBM 重复", path=str(source), field="CBFBM", feature=duplicated.iloc[0])
    out = pd.DataFrame({"CBFBM": frame["CBFBM"]})
    out["CBFMC"] = frame["CBFMC"].str.strip() if "CBFMC" in frame.columns else ""
    for axis in ("X", "Y"):
        raw = frame[axis] if axis in frame.columns else pd.Series([""] * len(frame))
        numbers = pd.to_numeric(raw.replace("", np.nan), errors="coerce")
        bad = numbers.isna() & raw.astype(str).str.strip().ne("")
        if bad.any():
            n = int(np.flatnonzero(bad.to_numpy())[0])
            raise ValidationFailed(
                f"坐标不是数值: {raw.iloc[n]!r}", path=str(source), field=axis, feature=out["CBFBM"].iloc[n]
            )
        out[axis] = numbers.to_numpy(dtype=float)
    out["PREFS"] = [_ids(v) for v in (frame["PREFS"] if "PREFS" in frame.columns else [""] * len(frame))]
    out["LOCKED"] = [_ids(v) for v in (frame["LOCKED"] if "LOCKED" in frame.columns else [""] * len(frame))]
    return out


def read_input(
    parcels: str | Path, households: str | Path, blocks: str | Path, params: Params
) -> tuple[ReallocInput, dict[str, str]]:
    """Read and validate the three inputs; every problem names file, layer, field and feature."""
    parcels_path, blocks_path = Path(parcels), Path(blocks)
    parcel_layer = _pick(read_all_layers(parcels_path), PARCELS_LAYER, "DKBM", parcels_path)
    _require_fields(parcel_layer, ("DKBM", "CBFBM", "DLDJ"))
    _check_geometry(parcel_layer, "DKBM")
    _check_grades(parcel_layer, "DKBM", params)
    block_layers = read_all_layers(blocks_path)
    block_layer = _pick(block_layers, BLOCKS_LAYER, "TKBM", blocks_path)
    _require_fields(block_layer, ("TKBM", "DLDJ"))
    _check_geometry(block_layer, "TKBM")
    _check_grades(block_layer, "TKBM", params)
    roads = block_layers.get(ROADS_LAYER)
    people = read_households(households)
    pframe = parcel_layer.frame.copy()
    pframe["DKBM"] = pframe["DKBM"].astype(str)
    pframe["CBFBM"] = pframe["CBFBM"].astype(str)
    bframe = block_layer.frame.copy()
    bframe["TKBM"] = bframe["TKBM"].astype(str)
    if str(bframe.crs) != str(pframe.crs):
        raise ValidationFailed(
            f"坐标系与承包地块不同（{bframe.crs} ≠ {pframe.crs}）", path=block_layer.path, layer=block_layer.source_name
        )
    missing = sorted(set(pframe["CBFBM"]) - set(people["CBFBM"]))
    if missing:
        raise ValidationFailed(
            f"承包地块的承包方不在户表中（共 {len(missing)} 户）: {'、'.join(missing[:10])}",
            path=str(households), field="CBFBM", feature=missing[0],
        )  # fmt: skip
    owner = dict(zip(pframe["DKBM"], pframe["CBFBM"], strict=True))
    known_blocks = set(bframe["TKBM"])
    for code, prefs, locked in zip(people["CBFBM"], people["PREFS"], people["LOCKED"], strict=True):
        for dk in locked:
            if owner.get(dk) != code:
                why = "不存在" if dk not in owner else f"属于 {owner[dk]}"
                raise ValidationFailed(f"固定地块 {dk} {why}", path=str(households), field="LOCKED", feature=code)
        for tk in prefs:
            if tk not in known_blocks:
                raise ValidationFailed(f"意愿田块 {tk} 不存在", path=str(households), field="PREFS", feature=code)
    people = people[people["CBFBM"].isin(set(pframe["CBFBM"]))].reset_index(drop=True)
    road_frame = None if roads is None else roads.frame
    sources = {"parcels": parcel_layer.path, "households": str(households), "blocks": block_layer.path}
    inp = ReallocInput(pframe, people, bframe, road_frame)
    for hit in locked_in_blocks(pframe, bframe, inp.locked())[:1]:
        raise ValidationFailed(
            f"固定地块 {hit.parcel} 有 {hit.area:,.2f} 平方米位于新田块 {hit.block} 内：固定地块保持原位，"
            "不能与新田块重叠；请从 LOCKED 中去掉该地块，或调整新田块范围",
            path=str(households), field="LOCKED", feature=hit.household,
        )  # fmt: skip
    try:
        valuate(pframe, bframe, inp.locked(), params)
    except ValueError as exc:  # a computed deduction below 0
        raise ValidationFailed(str(exc), path=block_layer.path, layer=block_layer.source_name) from exc
    return inp, sources


def load_params(path: str | Path | None, overrides: Mapping[str, Any] | None = None) -> Params:
    """The profile's defaults (engine/realloc/params.py, then the profile's ``realloc``), then a YAML
    file's keys, then command-line overrides."""
    data: dict[str, Any] = {}
    if path is not None:
        source = Path(path)
        if not source.is_file():
            raise InputReadError("参数文件不存在", path=str(source))
        try:
            loaded = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise InputReadError(f"参数文件不是有效的 YAML: {exc}", path=str(source)) from exc
        if not isinstance(loaded, dict):
            raise InputReadError("参数文件应为键值表", path=str(source))
        data.update(loaded)
    data.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        return params_from_dict(data, base=get_profile().realloc)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(str(exc), path=None if path is None else str(path)) from exc


# ---------------------------------------------------------------------------------------------
# Synthetic instance
# ---------------------------------------------------------------------------------------------


def synthesise(
    dataset: str,
    out: str | Path,
    *,
    village: str | None = None,
    township: str | None = None,
    households: int | None = None,
    seed: int = 0,
    block_size: tuple[float, float] = SYNTH_BLOCK_SIZE,
) -> dict[str, Any]:
    """A realistic instance on an imported (synthetic) dataset: parcels.gpkg, households.csv, blocks.gpkg,
    params.yaml in ``out`` (written atomically)."""
    store = DatasetStore(config.data_dir())
    if not store.exists(dataset):
        raise DatasetNotFound(f"数据集不存在 / no such dataset: {dataset}")
    dltb = store.read_layer(dataset, DLTB)
    cjdcq = store.read_layer(dataset, CJDCQ)
    if village is None and township is None:
        village = pick_village(dltb, cjdcq)
    inst = generate_realloc(
        dltb, cjdcq, village=village, township=township, seed=seed, households=households, block_size=block_size
    )
    folder = Path(out)
    with staged_folder(folder) as tmp:
        write_layers({PARCELS_LAYER: inst.parcels}, tmp / "parcels.gpkg", "gpkg")
        write_layers({BLOCKS_LAYER: inst.blocks, ROADS_LAYER: inst.roads}, tmp / "blocks.gpkg", "gpkg")
        inst.households.to_csv(tmp / "households.csv", index=False, encoding="utf-8-sig")
        (tmp / "params.yaml").write_text(_params_text(get_profile().realloc), encoding="utf-8")
    return {
        "path": str(folder.resolve()),
        "scope": inst.village,
        "name": inst.name,
        "households": len(inst.households),
        "parcels": len(inst.parcels),
        "blocks": len(inst.blocks),
        "roads": len(inst.roads),
    }


def _params_text(params: Params) -> str:
    head = "# landcon 权属调整参数（各值含义见 docs/realloc.md；均为可配置的默认值）\n"
    return head + yaml.safe_dump(params.to_dict(), allow_unicode=True, sort_keys=False)


# ---------------------------------------------------------------------------------------------
# Run
# ---------------------------------------------------------------------------------------------


def _solver_dict(result: ReallocResult) -> dict[str, Any]:
    a = result.assignment
    return {
        "status": a.status,
        "pieces": a.piece_count,
        "piece_bound": a.piece_bound,
        "piece_gap": a.piece_gap,
        "objective": a.objective,
        "bound": a.bound,
        "gap": a.gap,
        "lp_bound": a.lp_bound,
        "candidates": a.candidates,
        "seconds": round(a.seconds, 3),
        "method": a.method,
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _check_dict(check: GeoCheck) -> dict[str, Any]:
    return {
        "ok": check.ok,
        "violations": [
            {"kind": v.kind, "message": v.message, "features": list(v.features), "amount": v.amount}
            for v in check.violations
        ],
        "deduction": check.deduction,
    }


def run(
    parcels: str | Path,
    households: str | Path,
    blocks: str | Path,
    out: str | Path,
    *,
    params_file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    method: str = "optimise",
    name: str = "",
    progress: Progress | ProgressCallback | None = None,
) -> dict[str, Any]:
    """Reallocate and write ``out``: allocation.gpkg (layer CBDK, CBFBM on every polygon), households.xlsx
    (internal table), publicity.xlsx (公示表, masked names), result.json (parameters, solver figures,
    indicators, the independent check). Raises ReallocInfeasible (exit 1) with the amounts; a cancelled
    ``progress`` stops the solver between its phases (``engine.progress.Cancelled``), writing nothing."""
    params = load_params(params_file, overrides)
    inp, sources = read_input(parcels, households, blocks, params)
    result = reallocate(inp, params, method=method, progress=as_progress(progress))
    if result.assignment.status in ("infeasible", "no_solution"):
        raise ReallocInfeasible(result.assignment.message)
    payload = {
        "name": name or Path(out).name,
        "sources": sources,
        "params": params.to_dict(),
        "solver": _solver_dict(result),
        "indicators": result.indicators,
        "check": _check_dict(result.check),
        "labels": {k: v.name for k, v in INDICATOR_LABELS.items()},
    }
    payload = _jsonable(payload)
    folder = Path(out)
    with staged_folder(folder) as tmp:
        write_layers({ALLOCATION_LAYER: result.allocation}, tmp / "allocation.gpkg", "gpkg")
        write_household_xlsx(result.table, result.indicators, tmp / "households.xlsx", params=params.to_dict())
        write_publicity_xlsx(
            result.table, result.indicators, tmp / "publicity.xlsx", village_name=str(payload["name"]),
            title_date=today().isoformat(), unit_price=params.unit_price,
        )  # fmt: skip
        (tmp / "result.json").write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
        _write_context(inp, result, tmp)
    payload["path"] = str(folder.resolve())
    return payload


def _write_context(inp: ReallocInput, result: ReallocResult, folder: Path) -> None:
    """before.gpkg (CBDK: DKBM, CBFBM, DLDJ, SCMJ = the drawn area, HTMJ when given; TK; DL) and
    households.json (the household table's rows with the homestead X, Y)."""
    keep = [c for c in ("DKBM", "CBFBM", "DLDJ", "HTMJ") if c in inp.parcels.columns]
    before = inp.parcels[[*keep, "geometry"]].copy()
    before["SCMJ"] = np.round(shapely.area(np.asarray(before.geometry.array)), 2)
    layers = {PARCELS_LAYER: before, BLOCKS_LAYER: inp.blocks[["TKBM", "DLDJ", "geometry"]]}
    if inp.roads is not None and len(inp.roads):
        layers[ROADS_LAYER] = inp.roads[["geometry"]]
    write_layers(layers, folder / "before.gpkg", "gpkg")
    homes = inp.households.set_index("CBFBM")
    rows = []
    for row in result.table.to_dict(orient="records"):
        code = str(row["CBFBM"])
        x, y = (homes.at[code, "X"], homes.at[code, "Y"]) if code in homes.index else (np.nan, np.nan)
        rows.append({**row, "X": x, "Y": y})
    text = json.dumps(_jsonable(rows), ensure_ascii=False, indent=0)
    (folder / "households.json").write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Check
# ---------------------------------------------------------------------------------------------


def check(
    parcels: str | Path,
    households: str | Path,
    blocks: str | Path,
    allocation: str | Path,
    *,
    params_file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Verify any allocation from its geometry (engine/realloc/geocheck.py); ``ok`` False lists each violation."""
    params = load_params(params_file, overrides)
    inp, _ = read_input(parcels, households, blocks, params)
    alloc_path = Path(allocation)
    layer = _pick(read_all_layers(alloc_path), ALLOCATION_LAYER, "CBFBM", alloc_path)
    _require_fields(layer, ("CBFBM",))
    frame = layer.frame.copy()
    frame["CBFBM"] = frame["CBFBM"].astype(str)
    if str(frame.crs) != str(inp.parcels.crs):
        raise ValidationFailed(
            f"坐标系与承包地块不同（{frame.crs} ≠ {inp.parcels.crs}）", path=layer.path, layer=layer.source_name
        )
    result = check_allocation(inp.parcels, inp.blocks, frame, inp.locked(), params)
    out = _check_dict(result)
    out["households"] = len(result.entitled)
    out["pieces"] = len(frame)
    return dict(_jsonable(out))


# ---------------------------------------------------------------------------------------------
# Stored with a project
# ---------------------------------------------------------------------------------------------


def _version_dict(version: ReallocVersion, project_code: str) -> dict[str, Any]:
    return {
        "project": project_code,
        "number": version.number,
        "name": version.name,
        "created_by": version.created_by,
        "created_at": version.created_at.isoformat(timespec="seconds"),
        "violations": version.violations,
        "params": version.params,
        "solver": version.solver,
        "indicators": version.indicators,
        "files": {f.path: f.blob_sha for f in version.files},
    }


def save(who: Actor, code: str, folder: str | Path) -> dict[str, Any]:
    """Store a result folder of ``run`` with the project as its next 权属调整 version (files as blobs)."""
    source = Path(folder)
    missing = [name for name in RESULT_FILES if not (source / name).is_file()]
    if missing:
        raise InputReadError(f"不是权属调整结果文件夹，缺少: {'、'.join(missing)}", path=str(source))
    try:
        payload = json.loads((source / "result.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputReadError(f"result.json 无法读取: {exc}", path=str(source / "result.json")) from exc
    with records.write(who, "realloc.save") as session:
        project = get_project(session, who, code)
        records.require(who, "realloc.save", project.county)
        last = session.scalars(
            select(ReallocVersion.number)
            .where(ReallocVersion.project_id == project.id)
            .order_by(ReallocVersion.number.desc())
        ).first()
        version = ReallocVersion(
            project_id=project.id,
            number=(last or 0) + 1,
            name=str(payload.get("name") or ""),
            params=payload.get("params") or {},
            solver=payload.get("solver") or {},
            indicators=payload.get("indicators") or {},
            violations=len((payload.get("check") or {}).get("violations") or []),
            created_by=who.username,
        )
        session.add(version)
        session.flush()
        for rel in RESULT_FILES + tuple(f for f in OPTIONAL_FILES if (source / f).is_file()):
            blob = attachments.store_file(session, source / rel, typed=False)
            version.files.append(ReallocFile(version_id=version.id, path=rel, blob_sha=blob.sha256))
        session.flush()
        return _version_dict(version, code)


def versions(who: Actor, code: str) -> list[dict[str, Any]]:
    with records.read() as session:
        project = get_project(session, who, code)
        rows = session.scalars(
            select(ReallocVersion).where(ReallocVersion.project_id == project.id).order_by(ReallocVersion.number)
        ).all()
        return [_version_dict(v, code) for v in rows]

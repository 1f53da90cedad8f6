"""摸底调查 use cases: run the baseline survey of an imported dataset, and a province batch.

``run_survey`` reads the layers it needs from the dataset store, computes every unit with
``engine.survey`` and writes ``survey.json``, ``survey.xlsx``, ``potential.gpkg`` and the maps
into one output folder, atomically (a half-finished run leaves the previous results in place).

Every run also lands in the dataset's standard result folder (``result_dir``:
DATA_DIR/results/survey/DATASET), the one the web reads: without ``out`` the results are written
there; with ``out`` they are written to ``out`` and the same files are published there too. So the
CLI and the web always show the same, latest survey of a dataset.
``survey_province.survey_batch`` runs many counties in parallel on Dask distributed.

Every run that writes results needs ``dataset.survey`` over the dataset's owner and is audited
(``survey.run`` on the dataset, with its version and checksum) as the acting user: the command
line's system administrator or ``--as`` user, or the user who submitted the web job. The row is
written before the results are published, so no published result lacks its audit row.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landcon import config
from landcon.engine.crs import check_crs
from landcon.engine.layers import DLTB
from landcon.engine.progress import Progress, ProgressCallback, as_progress
from landcon.engine.schema import DLTB_COLUMNS
from landcon.engine.survey import LEVELS, ZONE_LAYERS, AreaUnit, SurveyOptions, SurveyResult, compute_survey
from landcon.errors import CRSError, DatasetNotFound, InputReadError, LandconError, NotFound
from landcon.reports.survey_maps import render_landuse_map, render_patch_map, render_potential_map
from landcon.reports.survey_xlsx import write_survey_xlsx
from landcon.services import dataset_access, datasets, records
from landcon.services.jobs import results_dir
from landcon.services.profile import get_profile
from landcon.services.records import Actor
from landcon.store import audit as store_audit
from landcon.store.datasets import DatasetStore
from landcon.store.layers import read_any_layer, read_stored_columns, stored_columns, write_layers
from landcon.store.staging import staged_folder

"""The DLTB fields the survey reads."""

AREA_CODE_FIELDS = ("ZZQYBH", "BSM", "CODE", "BH")
AREA_NAME_FIELDS = ("ZZQYMC", "MC", "NAME", "SDMC")


@dataclass
class SurveyRun:
    """Where a survey's results are and what they say: ``out_dir`` as asked, ``result_dir`` the
    dataset's standard folder (the same folder when no ``out`` was given)."""

    out_dir: Path
    data: dict[str, Any]
    files: list[str] = field(default_factory=list)
    result_dir: Path | None = None

    def as_dict(self) -> dict[str, Any]:
        where = {"out_dir": str(self.out_dir), "result_dir": str(self.result_dir or self.out_dir)}
        return {**where, "files": self.files, **self.data}


def _store(data_dir: str | Path | None) -> DatasetStore:
    return DatasetStore(Path(data_dir) if data_dir is not None else config.data_dir())


def result_dir(dataset: str, data_dir: str | Path | None = None) -> Path:
    """The dataset's standard survey folder, DATA_DIR/results/survey/DATASET: where every run's
    results are published and where the web reads them."""
    return results_dir("survey", dataset, data_dir).resolve()


def latest_result(who: Actor, dataset: str) -> dict[str, Any] | None:
    """The dataset's latest ``survey.json`` (from the CLI or a web job), or None when never surveyed.
    The results carry the dataset's owner: ``DatasetNotFound`` unless ``who`` may read the dataset."""
    datasets.manifest(dataset, who)
    path = result_dir(dataset) / "survey.json"
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def result_file(who: Actor, dataset: str, filename: str) -> Path:
    """One file of the dataset's latest survey (a bare file name), for a user who may read the dataset."""
    datasets.manifest(dataset, who)
    path = result_dir(dataset) / Path(filename).name
    if not path.is_file():
        raise NotFound(f"文件 {Path(filename).name} 不存在", feature=dataset)
    return path


def _names(store: DatasetStore, dataset: str, layers: Sequence[str], dltb: pd.DataFrame) -> dict[tuple[str, str], str]:
    """Unit names: villages from CJDCQ (else DLTB ZLDWMC), townships from XZQ, the county from
    the list of Yunnan counties."""
    names: dict[tuple[str, str], str] = {}
    codes, first = np.unique(dltb["ZLDWDM"].to_numpy(dtype=object, na_value=""), return_index=True)
    if "ZLDWMC" in dltb:
        village_names = dltb["ZLDWMC"].to_numpy(dtype=object, na_value="")[first]
        names.update({("village", str(c)[:12]): str(n) for c, n in zip(codes, village_names, strict=True)})
    if "CJDCQ" in layers:
        cj = read_stored_columns(store.layer_path(dataset, "CJDCQ"), ["ZLDWDM", "ZLDWMC"])
        names.update({("village", str(c)[:12]): str(n) for c, n in zip(cj["ZLDWDM"], cj["ZLDWMC"], strict=True)})
    if "XZQ" in layers:
        xzq = read_stored_columns(store.layer_path(dataset, "XZQ"), ["XZQDM", "XZQMC"])
        names.update({("township", str(c)[:9]): str(n) for c, n in zip(xzq["XZQDM"], xzq["XZQMC"], strict=True)})
    counties = get_profile().counties
    for code in {str(c)[:6] for c in codes}:
        if code in counties:
            names[("county", code)] = counties[code].name
    return names


def read_areas(path: str | Path, epsg: int) -> list[AreaUnit]:
    """Consolidation-area polygons from a user file: one unit per feature."""
    layer = read_any_layer(path)
    frame = layer.frame
    crs = check_crs(frame.crs)
    if crs.epsg != epsg:
        raise CRSError(
            f"整治区域坐标系 EPSG:{crs.epsg} 与数据集 EPSG:{epsg} 不一致 / the area's CRS differs from the dataset's",
            path=layer.path,
            layer=layer.source_name,
        )
    geoms = np.asarray(frame.geometry.array, dtype=object)
    for k, geom in enumerate(geoms):
        if geom is None or shapely.is_empty(geom) or shapely.get_type_id(geom) not in (3, 6):
            raise InputReadError(
                "整治区域须为面要素 / the consolidation area must be polygons",
                path=layer.path,
                layer=layer.source_name,
                feature=str(k + 1),
            )
        if not shapely.is_valid(geom):
            raise InputReadError(
                f"整治区域几何无效：{shapely.is_valid_reason(geom)} / invalid geometry",
                path=layer.path,
                layer=layer.source_name,
                feature=str(k + 1),
            )
    code_field = next((f for f in AREA_CODE_FIELDS if f in frame), None)
    name_field = next((f for f in AREA_NAME_FIELDS if f in frame), None)
    units = []
    for k, geom in enumerate(geoms):
        code = str(frame[code_field].iloc[k]) if code_field else str(k + 1)
        name = str(frame[name_field].iloc[k]) if name_field else f"整治区域 {k + 1}"
        units.append(AreaUnit(code, name, geom))
    if len({u.code for u in units}) != len(units):
        raise InputReadError("整治区域编号重复 / duplicate area codes", path=layer.path, field=code_field)
    return units


def read_idle_homesteads(path: str | Path) -> frozenset[str]:
    """BSM of idle homesteads from a table (.csv, .xlsx, or .txt with one BSM per line)."""
    file = Path(path)
    if not file.is_file():
        raise InputReadError("文件不存在 / file not found", path=str(path))
    try:
        if file.suffix.lower() in (".xlsx", ".xls"):
            table = pd.read_excel(file, dtype=str)
        elif file.suffix.lower() == ".txt":
            lines = [x.strip() for x in file.read_text(encoding="utf-8-sig").splitlines() if x.strip()]
            table = pd.DataFrame({"BSM": lines})
        else:
            table = pd.read_csv(file, dtype=str, encoding="utf-8-sig")
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise InputReadError(f"无法读取闲置宅基地清单 / cannot read the table: {exc}", path=str(path)) from exc
    columns = {str(c).strip().upper(): c for c in table.columns}
    if "BSM" not in columns:
        raise InputReadError("闲置宅基地清单缺少 BSM 列 / the table has no BSM column", path=str(path), field="BSM")
    values = table[columns["BSM"]].dropna().astype(str).str.strip()
    return frozenset(v for v in values if v)


def _write_outputs(
    tmp: Path, survey: dict[str, Any], result: SurveyResult, frames: dict[str, Any], maps: bool
) -> list[str]:
    files = ["survey.json", "survey.xlsx", "potential.gpkg"]
    with ThreadPoolExecutor(max_workers=1) as pool:
        # GDAL writes the GeoPackage without the GIL while the workbook is built here.
        layers = pool.submit(write_layers, result.potential, tmp / "potential.gpkg", "gpkg")
        (tmp / "survey.json").write_text(json.dumps(survey, ensure_ascii=False), encoding="utf-8")
        write_survey_xlsx(survey, tmp / "survey.xlsx")
        layers.result()
    if maps:
        county = next((u["name"] for u in survey["units"] if u["level"] == "county"), survey["dataset"])
        boundaries = frames.get("boundaries")
        render_landuse_map(
            frames["landuse"], tmp / "map_landuse.png", title=f"{county} 土地利用现状图", boundaries=boundaries
        )
        if result.patches is not None:
            render_patch_map(
                result.patches, tmp / "map_patches.png", title=f"{county} 耕地连片分布图", boundaries=boundaries
            )
        potential = pd.concat([f[["category", "geometry"]] for f in result.potential.values()], ignore_index=True)
        render_potential_map(
            gpd.GeoDataFrame(potential, geometry="geometry", crs=frames["landuse"].crs),
            tmp / "map_potential.png",
            title=f"{county} 整治潜力分布图",
            boundaries=boundaries,
            background=frames.get("background"),
        )
        files += ["map_landuse.png", "map_patches.png", "map_potential.png"]
    return files


def _link_or_copy(source: str, target: str) -> None:
    """A hard link where both folders share a file system (results are replaced, never edited in place)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def run_survey(
    dataset: str,
    *,
    unit: str = "village",
    area: str | Path | None = None,
    bridge_width_m: float | None = None,
    idle_homesteads: str | Path | None = None,
    out: str | Path | None = None,
    maps: bool = True,
    write: bool = True,
    data_dir: str | Path | None = None,
    progress: Progress | ProgressCallback | None = None,
    who: Actor | None = None,
) -> SurveyRun:
    """Survey ``dataset`` (an imported dataset's name) as ``who`` (``None``: the command line's system
    administrator) and write the results to ``out`` and to the dataset's standard folder
    ``result_dir(dataset)`` (only there when ``out`` is None); the run is audited (``audit_run``).

    ``unit`` is the finest attribute level reported (village, township or county); ``area`` a
    polygon file of consolidation areas; ``bridge_width_m`` turns on bridging of narrow linear
    land for the patch metrics; ``idle_homesteads`` a table of BSM. ``write=False`` only computes.
    """
    return run_as(
        who or records.system_actor(),
        dataset,
        unit=unit,
        out=out,
        maps=maps,
        write=write,
        data_dir=data_dir,
        area=area,
        bridge_width_m=bridge_width_m,
        idle_homesteads=idle_homesteads,
        progress=progress,
    )


def run_as(
    who: Actor | None,
    dataset: str,
    *,
    unit: str,
    out: str | Path | None,
    maps: bool,
    data_dir: str | Path | None,
    write: bool = True,
    area: str | Path | None = None,
    bridge_width_m: float | None = None,
    idle_homesteads: str | Path | None = None,
    progress: Progress | ProgressCallback | None = None,
) -> SurveyRun:
    """``run_survey`` as ``who``; ``who=None`` (a batch's county on a worker, ``survey_province``)
    neither checks nor audits: the batch does both in the process that started it."""
    progress = as_progress(progress)
    if unit not in LEVELS:
        raise LandconError(f"--unit 应为 village、township 或 county / unknown unit level: {unit}")
    if bridge_width_m is not None and not bridge_width_m > 0:
        raise LandconError(f"--bridge-width 须为正数（米） / the bridging width must be positive: {bridge_width_m}")
    store = _store(data_dir)
    if not store.exists(dataset):
        raise DatasetNotFound(f"数据集不存在 / no such dataset: {dataset}")
    manifest = store.manifest(dataset)
    if who is not None:
        dataset_access.require_write(who, "dataset.survey", dataset, manifest)
    layers = list(manifest.get("layers", {}))
    epsg = int(str(manifest["crs"][DLTB]).split(":")[-1])
    for layer in ZONE_LAYERS:
        if layer in layers and manifest["crs"].get(layer) != manifest["crs"][DLTB]:
            raise CRSError(
                f"图层 {layer} 的坐标系 {manifest['crs'].get(layer)} 与 DLTB 的 {manifest['crs'][DLTB]} 不一致，"
                "无法叠加 / the layer's CRS differs from DLTB's",
                path=str(store.layer_path(dataset, layer)),
                layer=layer,
            )
    progress.report("读取 / reading", 0.0)
    available = set(stored_columns(store.layer_path(dataset, DLTB)))
    columns = [c for c in DLTB_COLUMNS if c in available]
    dltb = store.read_layer(dataset, DLTB, columns=columns)
    zones = {
        layer: (np.asarray(store.read_layer(dataset, layer, columns=[]).geometry.array) if layer in layers else None)
        for layer in ZONE_LAYERS
    }
    areas = read_areas(area, epsg) if area is not None else []
    idle = read_idle_homesteads(idle_homesteads) if idle_homesteads is not None else None
    progress.report("读取 / reading", 1.0)
    options = SurveyOptions(finest=unit, bridge_width_m=bridge_width_m)
    result = compute_survey(
        dltb,
        zones,
        epsg,
        names=_names(store, dataset, layers, dltb),
        areas=areas,
        idle_bsm=idle,
        options=options,
        progress=progress,
    )
    listed = None
    if idle is not None:
        matched = int(np.isin(dltb["BSM"].astype(str).to_numpy(), list(idle)).sum())
        listed = {"file": str(idle_homesteads), "listed": len(idle), "matched": matched}
    survey: dict[str, Any] = {
        "dataset": dataset,
        "crs": f"EPSG:{epsg}",
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "options": {
            "unit": unit,
            "bridge_width_m": bridge_width_m,
            "merge_width_m": bridge_width_m if bridge_width_m is not None else options.merge_width_m,
            "area": str(area) if area is not None else None,
            "idle_homesteads": listed,
        },
        "overlays": {k: bool(v) for k, v in result.overlays.items()},
        "units": result.units,
    }
    standard = result_dir(dataset, data_dir)
    target = Path(out).resolve() if out is not None else standard
    run = SurveyRun(target, survey, result_dir=standard)
    if not write:
        return run
    frames: dict[str, Any] = {}
    if maps:
        frames["landuse"] = dltb[["DLBM", "geometry"]]
        if "CJDCQ" in layers and unit == "village":
            cj = store.read_layer(dataset, "CJDCQ", columns=["ZLDWMC"])
            frames["boundaries"] = cj.rename(columns={"ZLDWMC": "name"})
        elif "XZQ" in layers:
            frames["boundaries"] = store.read_layer(dataset, "XZQ", columns=["XZQMC"]).rename(columns={"XZQMC": "name"})
        if "XZQ" in layers:
            frames["background"] = store.read_layer(dataset, "XZQ", columns=[])
    folders = [target] if target == standard else [target, standard]
    with contextlib.ExitStack() as stack:
        # entered last, published first: ``target`` appears before the dataset's standard copy
        staged = [stack.enter_context(staged_folder(folder)) for folder in reversed(folders)][::-1]
        progress.report("写出结果 / writing", 0.0)
        run.files = _write_outputs(staged[0], survey, result, frames, maps)
        for copy in staged[1:]:
            shutil.copytree(staged[0], copy, copy_function=_link_or_copy, dirs_exist_ok=True)
        progress.report("写出结果 / writing", 1.0)  # the last check: a cancelled run publishes nothing
        if who is not None:
            audit_run(who, [(dataset, manifest)], unit=unit, out=target)
    return run


def audit_run(who: Actor, surveyed: Sequence[tuple[str, dict[str, Any]]], *, unit: str, out: Path) -> None:
    """One ``survey.run`` audit row per dataset surveyed (its version and checksum, the unit level and
    the output folder), in one transaction as ``who``."""
    rows = [
        {
            "actor": who.username,
            "action": "survey.run",
            "object_type": "datasets",
            "object_id": name,
            "changes": {
                "version": manifest.get("version"),
                "sha256": (manifest.get("source") or {}).get("sha256"),
                "unit": unit,
                "out": str(out),
            },
        }
        for name, manifest in surveyed
    ]
    with records.write(who, "survey.run") as session:
        store_audit.append(session, rows)


# The latest result for an entry point that answers "not found" when there is none ----------------


def require_result(who: Actor, dataset: str) -> dict[str, Any]:
    """The dataset's latest ``survey.json`` (``latest_result``), or ``NotFound`` when never surveyed."""
    result = latest_result(who, dataset)
    if result is None:
        raise NotFound(f"数据集 {dataset} 还没有摸底调查结果", feature=dataset)
    return result

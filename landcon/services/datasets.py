"""Dataset use cases: generate the demo county, validate, import and describe 三调 datasets.

``validate`` and ``import_dataset`` read any supported source (FileGDB, Shapefile, GeoPackage,
GeoParquet, or a zip of these) through ``store.layers``, check it with ``engine.schema`` and, for
an import, store it atomically through ``store.datasets``: data with errors is refused and
nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from landcon import __version__, config
from landcon.engine import codes
from landcon.engine.progress import Progress, ProgressCallback, as_progress
from landcon.errors import DatasetExists, DatasetNotFound, LandconError, ValidationFailed
from landcon.services import dataset_access, records
from landcon.services.records import Actor, require, system_actor
from landcon.store.datasets import DatasetStore, file_checksum

# Listing datasets (``landcon data list``) reads manifests only: the geospatial stack is imported by
# the functions that read, check or describe layers.
if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np

    from landcon.engine.schema import Problem
    from landcon.store.layers import SourceLayer

SourceFormat = Literal["gpkg", "gdb", "shp", "parquet"]


def to_mu(m2: float) -> float:
    """m² → 亩 (1 亩 = 10000/15 m²)."""
    return m2 / codes.SQM_PER_MU


def to_hectare(m2: float) -> float:
    """m² → 公顷."""
    return m2 / codes.SQM_PER_HECTARE


@dataclass
class ValidationReport:
    """What ``validate`` found: the layers read and every problem."""

    path: str
    layers: dict[str, dict[str, Any]]
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        from landcon.engine.schema import ERROR

        return [p for p in self.problems if p.severity == ERROR]

    @property
    def valid(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        from landcon.engine.schema import summarise

        return {
            "valid": self.valid,
            "path": self.path,
            "layers": self.layers,
            "summary": summarise(self.problems),
            "problems": [p.as_dict() for p in self.problems],
        }


@dataclass
class ImportResult:
    """A stored dataset and the warnings it was imported with."""

    name: str
    path: Path
    manifest: dict[str, Any]
    warnings: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": str(self.path),
            "manifest": self.manifest,
            "warnings": [p.as_dict() for p in self.warnings],
        }


class ImportRefused(ValidationFailed):
    """Import refused because the data has validation errors; carries the report."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        first = report.errors[0]
        where = " ".join(str(part) for part in (first.layer, first.feature, first.field) if part is not None)
        super().__init__(
            f"数据有 {len(report.errors)} 个错误，未导入（运行 landcon data validate 查看详情）；"
            f"第一个：{where} {first.code}：{first.message} / "
            f"{len(report.errors)} validation errors; nothing was imported",
            path=report.path,
        )


def store() -> DatasetStore:
    """The dataset store in the configured data directory."""
    return DatasetStore(config.data_dir())


def _layer_facts(layers: Mapping[str, SourceLayer]) -> dict[str, dict[str, Any]]:
    from landcon.engine.crs import check_crs

    facts: dict[str, dict[str, Any]] = {}
    for name, layer in layers.items():
        crs = check_crs(layer.frame.crs)
        facts[name] = {
            "source_layer": layer.source_name,
            "file": layer.path,
            "features": len(layer.frame),
            "epsg": crs.epsg,
            "encoding": layer.encoding,
        }
    return facts


def _read(path: str | Path, encoding: str | None, progress: Progress) -> dict[str, SourceLayer]:
    from landcon.store.layers import read_layers

    progress.report("读取 / reading", 0.0)
    layers = read_layers(path, encoding=encoding)
    progress.report("读取 / reading", 1.0)
    return layers


def _validate_read(path: str | Path, layers: Mapping[str, SourceLayer], progress: Progress) -> ValidationReport:
    from landcon.engine.schema import validate_layers

    progress.report("校验 / validating", 0.0)
    frames = {name: layer.frame for name, layer in layers.items()}
    problems = [_name_the_source(p, path, layers) for p in validate_layers(frames)]
    progress.report("校验 / validating", 1.0)
    return ValidationReport(str(path), _layer_facts(layers), problems)


def _name_the_source(problem: Problem, path: str | Path, layers: Mapping[str, SourceLayer]) -> Problem:
    """A missing or empty layer's problem, told with the file and the layers found there."""
    from landcon.store.layers import NAMING_HINT, list_source_layers

    if problem.code == "LAYER_MISSING":
        found = "、".join(list_source_layers(path)[:20]) or "无"
        taken = "；".join(f"{n} ← {layer.source_name}" for n, layer in layers.items())
        return replace(
            problem,
            message=f"{problem.message}；{path} 中找到的图层或文件：{found}"
            + (f"（已识别：{taken}）" if taken else "")
            + f"。{NAMING_HINT}",
        )
    if problem.code == "LAYER_EMPTY" and problem.layer in layers:
        layer = layers[problem.layer]
        return replace(problem, message=f"{problem.message}：{layer.path}（{layer.source_name}）")
    return problem


def validate(
    path: str | Path, *, encoding: str | None = None, progress: Progress | ProgressCallback | None = None
) -> ValidationReport:
    """Read every standard layer at ``path`` and validate it. Raises ``LandconError`` when the
    input cannot be read at all; data problems are in the report."""
    progress = as_progress(progress)
    layers = _read(path, encoding, progress)
    return _validate_read(path, layers, progress)


def import_dataset(
    path: str | Path,
    name: str,
    *,
    encoding: str | None = None,
    replace: bool = False,
    progress: Progress | ProgressCallback | None = None,
    who: Actor | None = None,
) -> ImportResult:
    """Validate and store ``path`` as dataset ``name`` for ``who`` (``None``: the command line's
    system administrator). Data with errors is refused (``ImportRefused``, nothing written);
    warnings are kept in the manifest. The owner unit comes from the data's codes and must be in
    ``who``'s subtree; replacing needs ``dataset.replace`` over the stored dataset's owner
    (``services.dataset_access``)."""
    progress = as_progress(progress)
    from landcon.engine.schema import ERROR, summarise
    from landcon.store import audit as store_audit

    who = who or system_actor()
    require(who, "dataset.import")
    target = store()
    previous: dict[str, Any] | None = None
    if target.exists(name):
        if not replace:
            # Fail before the expensive read; the store re-checks atomically.
            raise DatasetExists(f"数据集 {name} 已存在（用 --replace 替换） / dataset {name} exists", path=str(path))
        previous = target.manifest(name)
        dataset_access.require_write(who, "dataset.replace", name, previous)
    with ThreadPoolExecutor(max_workers=1) as pool:
        checksum = pool.submit(file_checksum, Path(path))
        layers = _read(path, encoding, progress)
        frames = {n: layer.frame for n, layer in layers.items()}
        owner = dataset_access.owner_of(frames, who, str(path))
        # The GeoParquet files are written into a hidden folder while validation runs; a refused
        # import discards them, so nothing ever becomes visible.
        with target.stage(name, frames, replace=replace) as staged:
            report = _validate_read(path, layers, progress)
            if not report.valid:
                raise ImportRefused(report)
            progress.report("写入 / storing", 0.0)
            warnings = [p for p in report.problems if p.severity != ERROR]
            sha256 = checksum.result()
            manifest: dict[str, Any] = {
                "name": name,
                "owner": owner,
                "imported_by": who.username,
                "source": {
                    "path": str(Path(path).resolve()),
                    "sha256": sha256,
                    "layers": {
                        n: {"source_layer": f["source_layer"], "file": f["file"], "encoding": f["encoding"]}
                        for n, f in report.layers.items()
                    },
                },
                "crs": {n: f"EPSG:{f['epsg']}" for n, f in report.layers.items()},
                "counts": {n: f["features"] for n, f in report.layers.items()},
                "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "landcon_version": __version__,
                "validation": summarise(report.problems) | {"warnings_list": [p.as_dict() for p in warnings[:1000]]},
            }
            # One audit row per import or replacement, in the transaction around the swap: a swap
            # that fails rolls the row back.
            action = "dataset.replace" if previous is not None else "dataset.import"
            with records.write(who, action) as session:
                store_audit.append(
                    session,
                    [
                        {
                            "actor": who.username,
                            "action": action,
                            "object_type": "datasets",
                            "object_id": name,
                            "changes": {
                                "owner": owner["code"],
                                "sha256": sha256,
                                "counts": {n: f["features"] for n, f in report.layers.items()},
                                "previous_sha256": (previous or {}).get("source", {}).get("sha256"),
                                # the replaced data stays readable as this version (DatasetStore.versions)
                                "previous_version": (previous or {}).get("version"),
                            },
                        }
                    ],
                )
                stored = staged.commit(manifest)
    progress.report("写入 / storing", 1.0)
    return ImportResult(name, stored, target.manifest(name), warnings)


@dataclass
class AreaMethodDifference:
    """How far the legal 图斑椭球面积 (``engine.area.ellipsoid_area``, on the vertices) departs from
    the refined area of the same polygons (``refined_ellipsoid_area``, ≈ the geodesic area) over a
    layer: the largest absolute and the largest relative difference, and the features they occur on."""

    max_abs_m2: float
    max_abs_feature: str | None
    max_rel: float
    max_rel_feature: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "max_abs_m2": self.max_abs_m2,
            "max_abs_feature": self.max_abs_feature,
            "max_rel": self.max_rel,
            "max_rel_feature": self.max_rel_feature,
        }


@dataclass
class LayerInfo:
    features: int
    epsg: int | None
    ellipsoid_area_m2: float | None
    tbdlmj_by_dlbm_m2: dict[str, float] | None = None
    area_method_difference: AreaMethodDifference | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "features": self.features,
            "epsg": self.epsg,
            "ellipsoid_area_m2": self.ellipsoid_area_m2,
        }
        if self.tbdlmj_by_dlbm_m2 is not None:
            out["tbdlmj_by_dlbm_m2"] = self.tbdlmj_by_dlbm_m2
        if self.area_method_difference is not None:
            out["area_method_difference"] = self.area_method_difference.as_dict()
        return out


@dataclass
class DatasetInfo:
    source: str
    kind: Literal["dataset", "path"]
    layers: dict[str, LayerInfo]
    source_layers: dict[str, dict[str, Any]] | None = None
    """Standard name → which file / layer of the source was taken as it (for a path)."""
    version: int | None = None
    """The version described (a stored dataset)."""
    versions: list[dict[str, Any]] | None = None
    """Every version of a stored dataset (``DatasetStore.versions``)."""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": self.source,
            "kind": self.kind,
            "layers": {n: i.as_dict() for n, i in self.layers.items()},
        }
        if self.source_layers is not None:
            out["source_layers"] = self.source_layers
        if self.versions is not None:
            out["version"] = self.version
            out["versions"] = self.versions
        return out


def _feature_label(frame: gpd.GeoDataFrame, row: int) -> str:
    """BSM of a feature where the layer has one, else its 1-based row number."""
    import pandas as pd

    if "BSM" in frame.columns and pd.notna(frame["BSM"].iat[row]):
        return str(frame["BSM"].iat[row])
    return str(row + 1)


def _area_method_difference(
    frame: gpd.GeoDataFrame, geoms: np.ndarray, epsg: int, official: np.ndarray
) -> AreaMethodDifference | None:
    import numpy as np

    from landcon.engine.area import refined_ellipsoid_area

    refined = refined_ellipsoid_area(geoms, epsg, config.area_densify_m())
    usable = refined > 0
    if not usable.any():
        return None
    diff = np.where(usable, official - refined, 0.0)
    rel = np.where(usable, np.abs(diff) / np.where(usable, refined, 1.0), 0.0)
    i, j = int(np.argmax(np.abs(diff))), int(np.argmax(rel))
    return AreaMethodDifference(
        round(float(diff[i]), 4), _feature_label(frame, i), float(f"{rel[j]:.3e}"), _feature_label(frame, j)
    )


def _describe(frame: gpd.GeoDataFrame, is_dltb: bool) -> LayerInfo:
    import numpy as np
    import pandas as pd

    from landcon.engine.area import ellipsoid_area
    from landcon.engine.crs import check_crs

    crs = check_crs(frame.crs)
    total: float | None = None
    methods: AreaMethodDifference | None = None
    if crs.epsg is not None:
        geoms = np.asarray(frame.geometry.array)
        areas = ellipsoid_area(geoms, crs.epsg)
        total = round(float(areas.sum()), 2)
        if is_dltb:
            methods = _area_method_difference(frame, geoms, crs.epsg, areas)
    by_class: dict[str, float] | None = None
    if is_dltb and "DLBM" in frame.columns and "TBDLMJ" in frame.columns:
        sums = pd.to_numeric(frame["TBDLMJ"], errors="coerce").groupby(frame["DLBM"].astype(str)).sum()
        by_class = {str(k): round(float(v), 2) for k, v in sums.sort_index().items()}
    return LayerInfo(len(frame), crs.epsg, total, by_class, methods)


def info(
    name_or_path: str, *, encoding: str | None = None, who: Actor | None = None, version: int | None = None
) -> DatasetInfo:
    """Per layer: feature count, EPSG, total 图斑椭球面积 and which source file / layer it was read
    from; for DLTB also ΣTBDLMJ by DLBM and the largest difference between the legal area and the
    refined area of its polygons (``AreaMethodDifference``).

    ``name_or_path`` is a stored dataset's name (readable by ``who``; ``version``: a kept version,
    ``None`` the current one; the result then lists every version), else a path readable by ``validate``.
    """
    from landcon.engine.layers import DLTB, STANDARD_LAYERS
    from landcon.store.layers import read_layers

    target = store()
    versions: list[dict[str, Any]] | None = None
    if target.exists(name_or_path):
        manifest = target.manifest(name_or_path)
        dataset_access.require_read(who or system_actor(), name_or_path, manifest)
        if version is not None:
            manifest = target.manifest(name_or_path, version)
            dataset_access.require_read(who or system_actor(), name_or_path, manifest)
        names = [n for n in STANDARD_LAYERS if n in manifest.get("layers", {})]
        frames = {n: target.read_layer(name_or_path, n, version=version) for n in names}
        kind: Literal["dataset", "path"] = "dataset"
        sources = {
            n: {"source_layer": f.get("source_layer"), "file": f.get("file")}
            for n, f in manifest.get("source", {}).get("layers", {}).items()
        }
        versions = target.versions(name_or_path)
    elif Path(name_or_path).exists():
        read = read_layers(name_or_path, encoding=encoding)
        frames = {n: layer.frame for n, layer in read.items()}
        kind = "path"
        sources = {n: {"source_layer": layer.source_name, "file": layer.path} for n, layer in read.items()}
    else:
        raise DatasetNotFound(
            f"既不是已导入的数据集，也不是存在的路径 / neither a stored dataset nor an existing path: {name_or_path}"
        )
    layers = {n: _describe(f, n == DLTB) for n, f in frames.items()}
    return DatasetInfo(name_or_path, kind, layers, sources, manifest.get("version") if versions else None, versions)


def manifest(name: str, who: Actor | None = None, version: int | None = None) -> dict[str, Any]:
    """A stored dataset's manifest (``version``: a kept version, ``None`` the current one) with
    ``versions``, the list of its versions (``store.datasets.DatasetStore.versions``).
    ``DatasetNotFound`` when there is no such dataset or version, or ``who`` (default the system
    administrator) may not read the dataset or that version."""
    target = store()
    if not target.exists(name):
        raise DatasetNotFound(f"数据集 {name} 不存在 / no such dataset")
    actor = who or system_actor()
    dataset_access.require_read(actor, name, target.manifest(name))
    found = target.manifest(name, version)
    dataset_access.require_read(actor, name, found)
    return found | {"versions": target.versions(name)}


def readable(who: Actor, name: str) -> bool:
    """Whether dataset ``name`` exists and ``who`` may read it (``services.dataset_access``)."""
    target = store()
    return target.exists(name) and dataset_access.may_read(who, target.manifest(name))


def require_survey(who: Actor, name: str) -> dict[str, Any]:
    """The manifest of dataset ``name`` when ``who`` may run its survey (``dataset.survey`` over its owner)."""
    found = manifest(name, who)
    dataset_access.require_write(who, "dataset.survey", name, found)
    return found


def list_datasets(who: Actor | None = None) -> list[dict[str, Any]]:
    """Stored datasets ``who`` (default the system administrator) may read, with owner, counts and import time."""
    who = who or system_actor()
    target = store()
    out = []
    for name in target.names():
        m = target.manifest(name)
        if dataset_access.may_read(who, m):
            owner = (m.get("owner") or {}).get("code")
            out.append(
                {
                    "name": name,
                    "owner": owner,
                    "version": m.get("version"),
                    "imported_at": m.get("imported_at"),
                    "counts": m.get("counts", {}),
                }
            )
    return out


def synthesise(
    out: str | Path,
    *,
    county: str = "530124",
    features: int = 10_000,
    seed: int = 0,
    fmt: SourceFormat = "gpkg",
    epsg: int = 4543,
    overwrite: bool = False,
    progress: Progress | ProgressCallback | None = None,
) -> dict[str, Any]:
    """Generate the synthetic county and write it to ``out`` in format ``fmt``."""
    progress = as_progress(progress)
    from landcon.store.layers import write_layers
    from landcon.synth.county import generate_county

    if features < 100:
        raise LandconError("--features 至少 100 / --features must be at least 100")
    progress.report("生成 / generating", 0.0)
    try:
        layers = generate_county(
            county, features, seed, epsg, progress=lambda f: progress.report("生成 / generating", f)
        )
    except ValueError as exc:  # an unknown county code or zone, named by the generator
        raise LandconError(f"无法生成示例县 / cannot generate the county: {exc}") from exc
    progress.report("写出 / writing", 0.0)
    path = write_layers(layers, out, fmt, overwrite=overwrite)
    progress.report("写出 / writing", 1.0)
    return {
        "path": str(path),
        "format": fmt,
        "county": county,
        "seed": seed,
        "epsg": epsg,
        "counts": {n: len(f) for n, f in layers.items()},
    }


def synthesise_vintage(
    dataset: str,
    plan: str | Path,
    out: str | Path,
    *,
    seed: int = 0,
    achieved_share: float = 0.6,
    fmt: SourceFormat = "gpkg",
    overwrite: bool = False,
    progress: Progress | ProgressCallback | None = None,
    built: str | Path | None = None,
) -> dict[str, Any]:
    """Write a later survey vintage of ``dataset`` (its current version) on which the plan folder
    ``plan`` is partly carried out, with one unplanned intrusion (``synth.vintage``), to ``out``;
    ``built`` a second plan folder carried out in full but for one parcel."""
    progress = as_progress(progress)
    from landcon.services.plan import read_plan
    from landcon.store.layers import write_layers
    from landcon.synth.vintage import generate_vintage

    if not 0.0 < achieved_share < 1.0:
        raise LandconError("--achieved 应在 0 与 1 之间 / --achieved must be between 0 and 1")
    target = store()
    if not target.exists(dataset):
        raise DatasetNotFound(f"数据集不存在 / no such dataset: {dataset}")
    m = target.manifest(dataset)
    epsg = int(str(m["crs"]["DLTB"]).split(":")[-1])
    progress.report("读取 / reading", 0.0)
    layers = {name: target.read_layer(dataset, name) for name in m.get("layers", {})}
    the_plan = read_plan(plan, epsg)
    other = read_plan(built, epsg) if built is not None else None
    progress.report("生成 / generating", 0.3)
    try:
        vintage, drawn = generate_vintage(layers, the_plan, epsg, seed=seed, achieved_share=achieved_share, built=other)
    except ValueError as exc:  # the plan or the zone leaves nothing to draw, named by the generator
        raise LandconError(f"无法生成变更调查数据 / cannot generate the vintage: {exc}", path=str(plan)) from exc
    progress.report("写出 / writing", 0.8)
    path = write_layers(vintage, out, fmt, overwrite=overwrite)
    progress.report("写出 / writing", 1.0)
    return {
        "path": str(path),
        "format": fmt,
        "dataset": dataset,
        "dataset_version": int(m.get("version", 1)),
        "seed": seed,
        **drawn,
        "counts": {n: len(f) for n, f in vintage.items()},
    }

"""What the village pages of a project's 权属调整 versions show (``/projects/{code}/realloc`` and
``/projects/{code}/realloc/{n}``, docs/realloc_village.md): the versions with their indicators and
status, one version's allocation as GeoJSON (old parcels and new strips, WGS84), and the household
lookup (old parcels → new strip with 四至, area, value, deviation, distance, money settled).

Everything is read from the files stored with the version (``services.realloc.RESULT_FILES`` and
``OPTIONAL_FILES``); a version saved before ``before.gpkg`` and ``households.json`` were written has
no old parcels to show, and says so. Scope: ``get_project`` (another county: not found; township and
village users of covered units read).
"""

from __future__ import annotations

import functools
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from landcon.engine.publicity import REALLOC
from landcon.engine.realloc import sizhi
from landcon.engine.realloc.indices import INDICATOR_LABELS, mask_name
from landcon.errors import NotFound
from landcon.services import attachments, publicity, records
from landcon.services.project_access import get_project
from landcon.services.records import Actor
from landcon.store.layers import read_all_layers
from landcon.store.models import Project, Publicity, ReallocVersion

DRAFT, PUBLICISED, ADOPTED = "草稿", "公示中", "已采用"
SUMMARY_KEYS = (
    "households",
    "parcels_before",
    "parcels_after",
    "merge_degree",
    "max_abs_deviation",
    "settlement_paid",
    "settlement_received",
)


@dataclass(frozen=True)
class VersionData:
    """The stored files of one version, read: ``allocation`` (new strips and kept parcels), ``before``
    (contract parcels before; None for old versions), ``blocks``/``roads`` (may be None), ``table``
    (household rows; None for old versions) and the 四至 of every allocation row."""

    allocation: gpd.GeoDataFrame
    before: gpd.GeoDataFrame | None
    blocks: gpd.GeoDataFrame | None
    roads: gpd.GeoDataFrame | None
    table: pd.DataFrame | None
    sides: list[dict[str, str]]


def find_version(session: Session, who: Actor, code: str, number: int) -> tuple[Project, ReallocVersion]:
    project = get_project(session, who, code)
    version = session.scalars(
        select(ReallocVersion).where(ReallocVersion.project_id == project.id, ReallocVersion.number == number)
    ).first()
    if version is None:
        raise NotFound(f"项目 {code} 没有权属调整版本 {number}", feature=str(number))
    return project, version


def status(version: ReallocVersion, publicised: bool = False) -> str:
    """已采用 once adopted; 公示中 once published (``publicised``: a 公示 of the version exists); else 草稿."""
    if version.adopted_at is not None:
        return ADOPTED
    return PUBLICISED if publicised else DRAFT


def _layers(sha: str, name: str) -> dict[str, gpd.GeoDataFrame]:
    with tempfile.TemporaryDirectory(prefix="landcon-realloc-") as tmp:
        target = Path(tmp) / name
        shutil.copyfile(attachments.blob_store().path(sha), target)
        return {k: v.frame for k, v in read_all_layers(target).items()}


@functools.lru_cache(maxsize=8)
def _load(files: tuple[tuple[str, str], ...]) -> VersionData:
    """The version's files by content hash (immutable, so cached)."""
    shas = dict(files)
    allocation = _layers(shas["allocation.gpkg"], "allocation.gpkg")["CBDK"]
    allocation = allocation.sort_values("DKBM", kind="stable").reset_index(drop=True)
    before = blocks = roads = None
    if "before.gpkg" in shas:
        context = _layers(shas["before.gpkg"], "before.gpkg")
        before = context["CBDK"].sort_values("DKBM", kind="stable").reset_index(drop=True)
        blocks, roads = context.get("TK"), context.get("DL")
    table = None
    if "households.json" in shas:
        rows = json.loads(attachments.blob_store().path(shas["households.json"]).read_text(encoding="utf-8"))
        table = pd.DataFrame(rows)
        table["CBFBM"] = table["CBFBM"].astype(str)
    names = [mask_name(str(n or "")) or str(c) for n, c in zip(allocation["CBFMC"], allocation["CBFBM"], strict=True)]
    road_geoms = [] if roads is None else list(roads.geometry)
    sides = sizhi.four_sides(list(allocation.geometry), names, road_geoms)
    return VersionData(allocation, before, blocks, roads, table, sides)


def version_data(version: ReallocVersion) -> VersionData:
    return _load(tuple(sorted((f.path, f.blob_sha) for f in version.files)))


def household_codes(data: VersionData) -> list[str]:
    """Every household of the version (after, and in the household table), sorted."""
    codes = set(data.allocation["CBFBM"].astype(str))
    if data.table is not None:
        codes |= set(data.table["CBFBM"].astype(str))
    return sorted(codes)


def _published(session: Session, project: Project) -> set[str]:
    """Version numbers (as text) that have a 公示 of subject ``realloc``."""
    q = select(Publicity.subject_ref).where(Publicity.project_id == project.id, Publicity.subject_kind == REALLOC)
    return {str(r) for r in session.scalars(q)}


def _summary(version: ReallocVersion, published: set[str] | None = None) -> dict[str, Any]:
    ind = version.indicators or {}
    return {
        "number": version.number,
        "name": version.name,
        "created_by": version.created_by,
        "created_at": version.created_at.isoformat(timespec="minutes").replace("T", " "),
        "violations": version.violations,
        "status": status(version, str(version.number) in (published or set())),
        "adopted_at": None if version.adopted_at is None else version.adopted_at.date().isoformat(),
        "indicators": {k: ind.get(k) for k in SUMMARY_KEYS},
    }


def versions_page(who: Actor, code: str) -> dict[str, Any]:
    with records.read() as session:
        project = get_project(session, who, code)
        rows = session.scalars(
            select(ReallocVersion).where(ReallocVersion.project_id == project.id).order_by(ReallocVersion.number)
        ).all()
        return {
            "project": {"code": project.code, "name": project.name, "stage_name": project.stage_name},
            "versions": [_summary(v, _published(session, project)) for v in rows],
            "labels": {k: INDICATOR_LABELS[k].name for k in SUMMARY_KEYS},
        }


def indicator_rows(indicators: dict[str, Any]) -> list[dict[str, Any]]:
    """The village indicators in ``INDICATOR_LABELS`` order with name, unit and the value as shown."""
    out = []
    for key, label in INDICATOR_LABELS.items():
        value = indicators.get(key)
        if value is None:
            shown = "—"
        elif label.unit == "%":
            shown = f"{float(value) * 100:.2f}%"
        elif isinstance(value, int) or label.unit in ("户", "块"):
            shown = f"{int(value):,}"
        else:
            shown = f"{float(value):,.2f}"
        unit = "" if label.unit == "%" else label.unit
        out.append({"key": key, "name": label.name, "unit": unit, "value": shown, "note": label.note})
    return out


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if np.isnan(number) else number


def household(data: VersionData, code: str) -> dict[str, Any]:
    """One household: old parcels (DKBM, 合同面积 HTMJ, 实测面积 SCMJ), new parcels (DKBM, TKBM, area, value,
    四至) and the table's figures (entitled, value after, deviation, distance, settlement)."""
    old: list[dict[str, Any]] = []
    if data.before is not None:
        mine = data.before[data.before["CBFBM"].astype(str) == code]
        for _, row in mine.iterrows():
            old.append(
                {
                    "dkbm": str(row["DKBM"]),
                    "htmj": _number(row.get("HTMJ")),
                    "scmj": round(float(row["SCMJ"]), 2),
                    "dldj": str(row["DLDJ"]),
                }
            )
    new = []
    hits = np.flatnonzero(data.allocation["CBFBM"].astype(str).to_numpy() == code)
    for n in hits:
        row = data.allocation.iloc[int(n)]
        new.append(
            {
                "dkbm": str(row["DKBM"]),
                "tkbm": str(row["TKBM"] or ""),
                "kept": not str(row["TKBM"] or ""),
                "scmj": round(float(row["SCMJ"]), 2),
                "value": round(float(row["JZ"]), 2),
                "dldj": str(row["DLDJ"]),
                "sides": data.sides[int(n)],
                "sides_text": sizhi.text(data.sides[int(n)]),
            }
        )
    figures: dict[str, Any] = {}
    name = ""
    if data.table is not None:
        rows = data.table[data.table["CBFBM"] == code]
        if len(rows):
            row = rows.iloc[0]
            name = str(row.get("CBFMC") or "")
            for key in (
                "area_before",
                "area_after",
                "entitled",
                "value_after",
                "deviation",
                "distance_before",
                "distance_after",
                "settlement",
            ):
                figures[key] = _number(row.get(key))
    if not name and len(hits):
        name = str(data.allocation.iloc[int(hits[0])]["CBFMC"] or "")
    return {"code": code, "name": name, "old": old, "new": new, **figures}


def lookup(data: VersionData, query: str) -> list[str]:
    """承包方编码 (exact) or name (contained) → the matching household codes, sorted."""
    text = query.strip()
    if not text:
        return []
    codes = data.allocation["CBFBM"].astype(str)
    names = data.allocation["CBFMC"].fillna("").astype(str)
    if data.table is not None:
        codes = pd.concat([codes, data.table["CBFBM"]])
        names = pd.concat([names, data.table["CBFMC"].fillna("").astype(str)])
    hit = (codes == text) | names.str.contains(text, regex=False)
    return sorted(set(codes[hit.to_numpy()]))


def version_page(who: Actor, code: str, number: int, query: str = "") -> dict[str, Any]:
    with records.read() as session:
        project, version = find_version(session, who, code, number)
        head = {"code": project.code, "name": project.name, "stage_name": project.stage_name}
        summary = _summary(version, _published(session, project))
        indicators = dict(version.indicators or {})
        data = version_data(version)
        objections = publicity.objections_for(session, project, REALLOC, str(number))
    found = [household(data, c) for c in lookup(data, query)[:20]]
    for h in found:
        h["objections"] = [o for o in objections if o["household"] == h["code"]]
    return {
        "project": head,
        "version": summary,
        "indicators": indicator_rows(indicators),
        "query": query,
        "found": found,
        "has_before": data.before is not None,
        "objections": objections,
        "households": int(indicators.get("households") or 0),
    }


def allocation_geojson(who: Actor, code: str, number: int) -> dict[str, Any]:
    """Old parcels (``kind`` "before") and new parcels (``kind`` "after") in WGS84, with DKBM, CBFBM,
    the masked name and ``colour`` — the household's index in CBFBM order, the same before and after."""
    with records.read() as session:
        _, version = find_version(session, who, code, number)
        data = version_data(version)
    frames = [("after", data.allocation)] + ([("before", data.before)] if data.before is not None else [])
    codes = sorted({str(c) for _, f in frames for c in f["CBFBM"]})
    colour = {c: n for n, c in enumerate(codes)}
    names = {str(c): str(n or "") for c, n in zip(data.allocation["CBFBM"], data.allocation["CBFMC"], strict=True)}
    features = []
    for kind, frame in frames:
        wgs = frame.to_crs(4326)
        for (_, row), geom in zip(frame.iterrows(), wgs.geometry, strict=True):
            cbfbm = str(row["CBFBM"])
            props = {
                "kind": kind,
                "dkbm": str(row["DKBM"]),
                "cbfbm": cbfbm,
                "name": mask_name(names.get(cbfbm, "")),
                "colour": colour[cbfbm],
                "area": round(float(shapely.area(row.geometry)), 2),
            }
            features.append({"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)})
    return {"type": "FeatureCollection", "features": features}

"""The townships and villages a project covers, computed when its plan is submitted.

A project covers the townships and villages its 整治区域 (plan layer ZZQY) touches:

- with the dataset's XZQ layer, the townships (XZQDM, 9 digits) whose polygon's interior meets a ZZQY
  polygon's interior (``engine.covered.units_touched``); with its CJDCQ layer, likewise the villages
  (ZLDWDM, 12 digits);
- a level whose layer the dataset lacks comes from the plan's indicators ``area.townships`` /
  ``area.villages`` (ZLDWDM of the DLTB pieces inside the 整治区域, computed by ``plan check``).

Units the reference data lacks are added under the project's county, named from XZQMC / ZLDWMC
(XZQ, CJDCQ, else DLTB); the project's ``ProjectUnit`` rows are replaced in the submitting
transaction, so the change is audited with it. Their users then take part in the project
(``records.covers``, docs/records.md).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import geopandas as gpd
from sqlalchemy import select
from sqlalchemy.orm import Session

from landcon.engine.covered import units_touched
from landcon.engine.indicators import registry as indicators_reg
from landcon.engine.layers import CJDCQ, DLTB, XZQ
from landcon.engine.plan import ZZQY
from landcon.services import attachments
from landcon.services.datasets import store as dataset_store
from landcon.services.org import _add_units
from landcon.services.plan import pinned_dataset_version, read_plan
from landcon.store.models import PlanVersion, Project, ProjectUnit, Unit

TOWNSHIP_DIGITS, VILLAGE_DIGITS = 9, 12


def _zone(version: PlanVersion) -> gpd.GeoDataFrame | None:
    """The version's ZZQY layer, read from its stored plan files."""
    store = attachments.blob_store()
    with tempfile.TemporaryDirectory(prefix="landcon-cover-") as tmp:
        for f in version.files:
            store.copy_to(f.blob_sha, Path(tmp) / f.path)
        return read_plan(tmp).layer(ZZQY)


def _zone_in(zone: gpd.GeoDataFrame | None, crs: object) -> list[object]:
    """The ZZQY polygons in the CRS of the layer they are compared with."""
    if zone is None or zone.empty:
        return []
    if crs is not None and zone.crs is not None and zone.crs != crs:
        zone = zone.to_crs(crs)
    return list(zone.geometry)


def _text(value: object) -> str:
    """A name field's value as text (a missing value, read as None or NaN, is empty)."""
    return value.strip() if isinstance(value, str) else ""


def _codes(indicators: object, key: str) -> list[str]:
    found = indicators_reg.value(indicators if isinstance(indicators, dict) else None, key) or []
    return sorted({str(c) for c in found if c})


def _dataset(project: Project, version: PlanVersion) -> tuple[str, int | None, dict[str, object]] | None:
    """The project's dataset, the version the plan was checked against and its layers (None: no dataset)."""
    dataset, store = project.dataset, dataset_store()
    if not dataset or not store.exists(dataset):
        return None
    pinned = pinned_dataset_version(dataset, version.dataset_version)
    return dataset, pinned, dict(store.manifest(dataset, pinned).get("layers", {}))


def compute(project: Project, version: PlanVersion) -> dict[str, str]:
    """Covered unit code → name (empty: the name is not in XZQ / CJDCQ) for the submitted ``version``."""
    townships = _codes(version.indicators, "area.townships")
    villages = _codes(version.indicators, "area.villages")
    names: dict[str, str] = {}
    found = _dataset(project, version)
    if found is not None:
        dataset, pinned, layers = found
        store = dataset_store()
        zone = _zone(version) if XZQ in layers or CJDCQ in layers else None
        if XZQ in layers:
            frame = store.read_layer(dataset, XZQ, columns=["XZQDM", "XZQMC"], version=pinned)
            codes = list(frame["XZQDM"])
            townships = units_touched(_zone_in(zone, frame.crs), list(frame.geometry), codes, TOWNSHIP_DIGITS)
            names |= {str(c)[:TOWNSHIP_DIGITS]: _text(n) for c, n in zip(codes, frame["XZQMC"], strict=True)}
        if CJDCQ in layers:
            frame = store.read_layer(dataset, CJDCQ, columns=["ZLDWDM", "ZLDWMC"], version=pinned)
            codes = list(frame["ZLDWDM"])
            villages = units_touched(_zone_in(zone, frame.crs), list(frame.geometry), codes, VILLAGE_DIGITS)
            names |= {str(c)[:VILLAGE_DIGITS]: _text(n) for c, n in zip(codes, frame["ZLDWMC"], strict=True)}
    county = project.county.code
    # A village's township is covered with it (its users lead the village's work).
    townships = sorted({*townships, *(v[:TOWNSHIP_DIGITS] for v in villages)})
    return {c: names.get(c, "") for c in [*townships, *villages] if c.startswith(county) and c.isdigit()}


def _dltb_names(project: Project, version: PlanVersion, codes: set[str]) -> dict[str, str]:
    """ZLDWMC of villages ``codes`` from the DLTB (a dataset without CJDCQ), read only when a village is new."""
    found = _dataset(project, version)
    if found is None or not codes:
        return {}
    dataset, pinned, _ = found
    frame = dataset_store().read_layer(dataset, DLTB, columns=["ZLDWDM", "ZLDWMC"], version=pinned)
    names: dict[str, str] = {}
    for c, n in zip(frame["ZLDWDM"], frame["ZLDWMC"], strict=True):
        code = str(c)[:VILLAGE_DIGITS]
        if code in codes and _text(n):
            names.setdefault(code, _text(n))
    return names


def replace(session: Session, project: Project, version: PlanVersion) -> list[Unit]:
    """Set the project's covered units to those of ``version`` (adding missing units under the county)."""
    covered = compute(project, version)
    existing = {u.code: u for u in session.scalars(select(Unit).where(Unit.code.in_(list(covered))))}
    unnamed = {c for c, n in covered.items() if c not in existing and not n and len(c) == VILLAGE_DIGITS}
    covered |= _dltb_names(project, version, unnamed)
    missing = [(c, n or _fallback_name(c)) for c, n in covered.items() if c not in existing]
    if missing:
        _add_units(session, missing)
        existing = {u.code: u for u in session.scalars(select(Unit).where(Unit.code.in_(list(covered))))}
    units = sorted(existing.values(), key=lambda u: u.code)
    wanted = {u.id for u in units}
    kept = [pu for pu in project.units if pu.unit_id in wanted]
    have = {pu.unit_id for pu in kept}
    project.units = kept + [ProjectUnit(unit_id=u.id) for u in units if u.id not in have]
    session.flush()
    return units


def _fallback_name(code: str) -> str:
    return f"乡镇 {code}" if len(code) == TOWNSHIP_DIGITS else f"村 {code}"

"""What the aftercare alerts read of one accepted project: its 管护协议 and their latest inspections,
and its accepted new farmland (the as-built parcels with verified new 耕地 of its latest passing
acceptance) in the dataset's latest vintage.

Reads only (no permission checks: ``services.alerts.scan`` checks them before it calls here). The
vintage check (``engine.aftercare.in_vintage``) runs once per new dataset version: its result is kept
in DATA_DIR/results/aftercare/PROJECT/vintage.json with the acceptance record and dataset version it
was computed from, and reused while both are the same. A vintage is a dataset version later than both
the one the approved plan was checked against and the one the acceptance verified the new farmland
against; before one is imported the farmland is not checked.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landcon import config
from landcon.engine import acceptance_records as AR
from landcon.engine import aftercare as C
from landcon.engine import alerts as A
from landcon.engine import care_alerts as CA
from landcon.errors import LandconError
from landcon.services import records
from landcon.services.aftercare import accepted, farmland
from landcon.services.jobs import results_dir
from landcon.services.plan import pinned_dataset_version
from landcon.services.profile import get_profile
from landcon.store.datasets import DatasetStore
from landcon.store.models import Acceptance, CareAgreement, CareInspection, PlanVersion, Project

DLTB = "DLTB"
log = logging.getLogger(__name__)
VINTAGE_COLUMNS = ("BSM", "DLBM", "ZZSXDM", "TBMJ")


def agreements(session: Session, project: Project) -> list[CA.CareAgreementState]:
    rows = list(session.scalars(select(CareAgreement).where(CareAgreement.project_id == project.id)))
    last = dict(
        session.execute(
            select(CareInspection.agreement_id, func.max(CareInspection.inspected_on))
            .where(CareInspection.agreement_id.in_([a.id for a in rows]))
            .group_by(CareInspection.agreement_id)
        ).all()
    )
    return [
        CA.CareAgreementState(
            a.code,
            (a.unit or project.county).code,
            a.start_date,
            a.end_date,
            tuple(a.parcels),
            last.get(a.id),
        )
        for a in sorted(rows, key=lambda r: r.code)
    ]


def _plan_version(session: Session, project: Project) -> PlanVersion | None:
    return session.scalars(
        select(PlanVersion)
        .where(PlanVersion.project_id == project.id, PlanVersion.status == "submitted")
        .order_by(PlanVersion.number.desc())
        .limit(1)
    ).first()


def _current(dataset: str, before: int | None) -> int | None:
    """The dataset's current version when it is a vintage (later than ``before``), else None."""
    store = DatasetStore(config.data_dir())
    if not dataset or not store.exists(dataset):
        return None
    current = store.version(dataset)
    return None if before is not None and current <= before else current


def _kept(project_code: str, record: int, current: int) -> dict[str, Any] | None:
    path = results_dir("aftercare", project_code) / "vintage.json"
    if not path.is_file():
        return None
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # a damaged file is computed again
        return None
    if not isinstance(kept, dict):
        return None
    if kept.get("dataset_version") == current and kept.get("acceptance_record") == record:
        return dict(kept)
    return None


def vintage_check(project_code: str, dataset: str, record: int, before: int | None) -> dict[str, Any] | None:
    """The accepted new farmland of the project (``services.aftercare.farmland``, of acceptance record
    ``record``) in its dataset's current version (``vintage.json``, computed when missing or older),
    or None while the current version is not later than ``before`` (``_baseline``). A parcel's areas
    are capped at its verified new-耕地 area. Opens its own sessions: call it outside any."""
    current = _current(dataset, before)
    if current is None:
        return None
    kept = _kept(project_code, record, current)
    if kept is not None:
        return kept
    parcels, epsg, _ = farmland(records.system_actor(), project_code)
    verified = {C.parcel_key(p): p.verified_m2 for p in parcels}
    frame = DatasetStore(config.data_dir()).read_layer(dataset, DLTB, version=current)
    frame = frame[[c for c in VINTAGE_COLUMNS if c in frame.columns] + [frame.geometry.name]]
    found = C.in_vintage(frame, [(C.parcel_key(p), p.geometry) for p in parcels], epsg)
    data = {
        "project": project_code,
        "dataset": dataset,
        "acceptance_record": record,
        "before_version": before,
        "dataset_version": current,
        "parcels": [
            f.to_dict()
            | {
                "not_cultivated_m2": min(f.not_cultivated_m2, verified[f.key]),
                "abandoned_m2": min(f.abandoned_m2, verified[f.key]),
            }
            for f in found
        ],
    }
    path = results_dir("aftercare", project_code) / "vintage.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(f"{path}.tmp{os.getpid()}")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)
    return data


def _baseline(session: Session, project: Project) -> tuple[int, int | None] | None:
    """(acceptance record id, the dataset version a new vintage must be later than) of an accepted
    project: the later of the version the approved plan was checked against and the vintage its latest
    passing acceptance verified the new farmland against (a vintage already used there is not new);
    None without an approved plan, a dataset or such an acceptance."""
    version = _plan_version(session, project)
    if version is None or not project.dataset:
        return None
    rows = session.scalars(
        select(Acceptance)
        .where(Acceptance.project_id == project.id, Acceptance.level == AR.PROJECT)
        .order_by(Acceptance.id.desc())
    )
    row = next(
        (r for r in rows if AR.is_passing(r.level, r.opinion) and "asbuilt_parcels" in (r.computation or {})), None
    )
    if row is None:
        return None
    before = pinned_dataset_version(str(project.dataset), version.dataset_version)
    verified_on = (row.computation or {}).get("vintage_version")
    if isinstance(verified_on, int) and (before is None or verified_on > before):
        before = verified_on
    return row.id, before


def prepare(project_ids: list[int]) -> None:
    """Run the vintage check of the accepted projects among ``project_ids`` whose dataset has a new
    vintage (before a scan opens its session; ``candidates`` then reads the kept result)."""
    with records.read() as session:
        todo = []
        for project in session.scalars(select(Project).where(Project.id.in_(project_ids))):
            base = _baseline(session, project) if accepted(project) else None
            if base is not None:
                todo.append((project.code, str(project.dataset), *base))
    for args in todo:
        try:
            vintage_check(*args)
        except LandconError as error:  # one project's data must not stop the scan of the others
            log.warning("项目 %s 的新增耕地变更调查核查未完成：%s", args[0], error)


def candidates(session: Session, project: Project, on: dt.date) -> list[A.Candidate]:
    """The aftercare alerts of ``project`` on ``on`` (none before its ``accepted`` milestone)."""
    if not accepted(project):
        return []
    states = agreements(session, project)
    out = CA.care_agreements(states, on, get_profile().supervision.aftercare_inspection_days)
    base = _baseline(session, project)
    if base is None:
        return out
    record, before = base
    current = _current(str(project.dataset), before)
    data = _kept(project.code, record, current) if current is not None else None
    if data is None:
        return out
    items = data["parcels"]
    # current agreements first; one no longer current still names who cared for a parcel
    groups = [(s.unit, s.parcels) for s in sorted(states, key=lambda s: not (s.start <= on <= s.end))]
    owner = C.responsible([i["key"] for i in items], groups, project.county.code)
    found = [
        CA.CareFinding(i["key"], owner[i["key"]], float(i["not_cultivated_m2"]), float(i["abandoned_m2"]))
        for i in items
    ]
    return [*CA.care_farmland(project.code, int(data["dataset_version"]), found), *out]


__all__ = ["agreements", "candidates", "prepare", "vintage_check"]

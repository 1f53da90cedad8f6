"""What the alert checks read of one project: its sub-projects with their reports added up, its
flagged site photos, its latest change detection and the 周转指标 issued for it.

Reads only (no permission checks: ``services.alerts`` checks them before it calls here). Each
function returns the plain inputs of ``engine.alerts``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landcon.engine import alerts as A
from landcon.engine import photos as P
from landcon.errors import InvalidRecord, LandconError
from landcon.services import records
from landcon.store.models import LedgerPosting, ProgressReport, Project, SitePhoto, SubProject


def sub_projects(session: Session, project: Project) -> tuple[list[A.SubProjectState], dict[str, int]]:
    """Every sub-project of ``project`` with its latest percent complete and Σ of its reports; and
    sub-project code → id."""
    subs = list(
        session.scalars(select(SubProject).where(SubProject.project_id == project.id).order_by(SubProject.code))
    )
    reports: dict[int, list[ProgressReport]] = defaultdict(list)
    if subs:
        q = (
            select(ProgressReport)
            .where(ProgressReport.sub_project_id.in_([s.id for s in subs]))
            .order_by(ProgressReport.reported_on, ProgressReport.id)
        )
        for r in session.scalars(q):
            reports[r.sub_project_id].append(r)
    out = []
    for s in subs:
        done: dict[str, float] = defaultdict(float)
        paid: dict[str, float] = defaultdict(float)
        for r in reports[s.id]:
            for k, v in (r.quantities or {}).items():
                done[k] += float(v)
            for k, v in (r.disbursed or {}).items():
                paid[k] += float(v)
        latest = reports[s.id][-1].percent if reports[s.id] else None
        out.append(
            A.SubProjectState(
                code=s.code,
                unit=(s.unit or project.county).code,
                start=s.start_date,
                end=s.end_date,
                budget={k: float(v) for k, v in (s.budget or {}).items()},
                planned={k: float(v) for k, v in (s.quantities or {}).items()},
                percent=latest,
                done=dict(done),
                disbursed=dict(paid),
            )
        )
    return out, {s.code: s.id for s in subs}


def photos(session: Session, project: Project) -> list[A.PhotoState]:
    """The project's photos taken outside their sub-project's outline or without a position."""
    q = (
        select(SitePhoto, SubProject)
        .join(SubProject, SitePhoto.sub_project_id == SubProject.id)
        .where(SubProject.project_id == project.id, SitePhoto.status.in_((P.OUTSIDE, P.NO_POSITION)))
        .order_by(SitePhoto.id)
    )
    return [
        A.PhotoState(
            p.id, s.code, (s.unit or project.county).code, p.filename, p.status, p.distance_m, float(p.buffer_m)
        )
        for p, s in session.execute(q)
    ]


def monitor_result(project_code: str) -> dict[str, Any] | None:
    """The project's latest change detection (DATA_DIR/results/monitor/PROJECT/monitor.json), if any."""
    from landcon.services.monitor import result_dir

    path = result_dir(project_code) / "monitor.json"
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InvalidRecord(f"变化监测结果无法读取：{error}", path=str(path)) from error
    if not isinstance(data, dict):
        raise InvalidRecord("变化监测结果应为 JSON 对象", path=str(path))
    return data


def revolving_items(counties: Iterable[str]) -> list[dict[str, Any]]:
    """The 周转指标 issues of the counties' ledgers (``services.ledger.revolving``; each opens its own
    session, so call this outside any)."""
    from landcon.services.ledger import revolving as ledger_revolving

    out: list[dict[str, Any]] = []
    for county in sorted(set(counties)):
        try:
            out += ledger_revolving(records.system_actor(), county)
        except LandconError:  # no ledger for the county yet
            continue
    return out


def revolving(session: Session, items: list[dict[str, Any]]) -> dict[int, list[A.RevolvingState]]:
    """project id → its 周转指标 issues among ``items`` (``revolving_items``), by the issuing posting."""
    if not items:
        return {}
    postings = [int(i["posting"]) for i in items]
    owner = {
        pid: project
        for pid, project in session.execute(
            select(LedgerPosting.id, LedgerPosting.project_id).where(LedgerPosting.id.in_(postings))
        )
    }
    out: dict[int, list[A.RevolvingState]] = defaultdict(list)
    for item in items:
        project = owner.get(int(item["posting"]))
        if project is None:
            continue
        due = dt.date.fromisoformat(item["due_date"]) if item["due_date"] else None
        out[project].append(
            A.RevolvingState(int(item["posting"]), item["unit"], item["area_code"], int(item["outstanding"]), due)
        )
    return out


__all__ = ["monitor_result", "photos", "revolving", "revolving_items", "sub_projects"]

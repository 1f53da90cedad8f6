"""Supervision alerts (预警): scan projects under implementation, list, acknowledge, resolve, escalate.

``scan`` recomputes the candidates of ``engine.alerts`` for every project in the actor's jurisdiction
that has reached its chain's ``approved`` milestone, and upserts them by key (docs/alerts.md):

- a new condition → a new alert, ``open``;
- a condition that still holds → message, figures and severity updated, ``last_seen`` once a day
  (so a scan that finds nothing new writes no audit row); an
  acknowledged alert stays acknowledged, one resolved by a user stays resolved while it holds;
- a condition that no longer holds → an open or acknowledged alert is resolved with the note
  “条件已消除”; the alert is marked as not holding (``active`` false);
- a condition that returns after it stopped holding (however the alert was resolved) → the same
  alert is opened again with the note “条件再次出现”.

Scans also run after a progress report, a photo, a progress import and a monitor run (``refresh``)
and daily by ``landcon alert scan``. Every change is an audited write (``records.write``).
Permissions (``engine.org.PERMISSIONS``): ``alert.scan``, ``alert.resolve`` and ``alert.escalate``
need the project's county in scope; ``alert.acknowledge`` the responsible unit in scope; listing
shows alerts of projects in the actor's jurisdiction and alerts whose responsible unit is in its
subtree.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from landcon.engine import alerts as A
from landcon.engine import workflow as wf
from landcon.engine.org import may
from landcon.errors import InvalidRecord, LandconError, NotFound
from landcon.services import aftercare_alerts, alert_inputs, clock, records
from landcon.services.profile import get_profile
from landcon.services.records import Actor
from landcon.services.tasks import new_task, parse_date
from landcon.store.models import Alert, Project, SubProject, Unit, utcnow

OPEN, ACKNOWLEDGED, RESOLVED = "open", "acknowledged", "resolved"
STATES: dict[str, str] = {OPEN: "待处理", ACKNOWLEDGED: "已确认", RESOLVED: "已解除"}
CLEARED = "条件已消除"
RETURNED = "条件再次出现"

log = logging.getLogger(__name__)


def _candidates(
    session: Session, project: Project, on: dt.date, revolving: list[A.RevolvingState]
) -> list[A.Candidate]:
    s = get_profile().supervision
    subs, _ = alert_inputs.sub_projects(session, project)
    # Progress is final once the project has passed acceptance: no schedule or milestone alerts then.
    building = not wf.Chain.from_dict(project.chain).reached(project.stage, wf.ACCEPTED)
    return [
        *(A.behind_schedule(subs, on, s.schedule_tolerance) if building else []),
        *(A.below_plan(subs, on, s.milestones, s.milestone_ratio) if building else []),
        *A.overspent(subs),
        *A.intrusion(project.code, project.county.code, alert_inputs.monitor_result(project.code)),
        *A.photo_off_site(alert_inputs.photos(session, project)),
        *A.revolving_due(revolving, on, s.revolving_due_days),
        *aftercare_alerts.candidates(session, project, on),
    ]


def _approved(project: Project) -> bool:
    return wf.Chain.from_dict(project.chain).reached(project.stage, wf.APPROVED)


def _append(note: str, label: str, who: str, text: str) -> str:
    line = f"{label}（{who}，{clock.today().isoformat()}）" + (f"：{text}" if text else "")
    return f"{note}\n{line}" if note else line


def _upsert(session: Session, who: Actor, project: Project, found: list[A.Candidate], counts: dict[str, int]) -> None:
    """Bring the project's alerts in line with the conditions ``found`` (see the module docstring)."""
    now = utcnow()
    rows = {a.key: a for a in session.scalars(select(Alert).where(Alert.project_id == project.id))}
    sub_ids = dict(
        session.execute(select(SubProject.code, SubProject.id).where(SubProject.project_id == project.id)).all()
    )
    codes = {c.unit for c in found}
    units = {u.code: u.id for u in session.scalars(select(Unit).where(Unit.code.in_(codes)))} if codes else {}
    for c in found:
        row = rows.get(c.key)
        values = {
            "kind": c.kind,
            "severity": c.severity,
            "message": c.message,
            "figures": dict(c.figures),
            "unit_id": units.get(c.unit, project.county_id),
            "sub_project_id": sub_ids.get(c.sub_project) if c.sub_project else None,
        }
        if row is None:
            session.add(
                Alert(
                    project_id=project.id,
                    key=c.key,
                    state=OPEN,
                    active=True,
                    note="",
                    first_seen=now,
                    last_seen=now,
                    **values,
                )
            )
            counts["opened"] += 1
            continue
        for k, v in values.items():
            if getattr(row, k) != v:
                setattr(row, k, v)
        if row.last_seen.date() != now.date():  # one audited touch a day for a condition that holds
            row.last_seen = now
        if not row.active:
            row.active = True
            if row.state == RESOLVED:
                row.state, row.resolved_at, row.resolved_by = OPEN, None, None
                row.note = _append(row.note, RETURNED, who.username, "")
                counts["reopened"] += 1
    holding = {c.key for c in found}
    for key, row in rows.items():
        if key in holding or not row.active:
            continue
        row.active = False
        if row.state != RESOLVED:
            row.state, row.resolved_at, row.resolved_by = RESOLVED, now, who.username
            row.note = _append(row.note, CLEARED, who.username, "")
            counts["resolved"] += 1


def _scan_projects(who: Actor, project_ids: list[int], on: dt.date) -> dict[str, int]:
    counts = {"projects": len(project_ids), "opened": 0, "reopened": 0, "resolved": 0, "open": 0}
    if not project_ids:
        return counts
    with records.read() as session:
        counties = [p.county.code for p in session.scalars(select(Project).where(Project.id.in_(project_ids)))]
    items = alert_inputs.revolving_items(counties)  # opens its own sessions
    aftercare_alerts.prepare(project_ids)  # opens its own sessions
    with records.read() as session:
        projects = list(session.scalars(select(Project).where(Project.id.in_(project_ids)).order_by(Project.code)))
        owed = alert_inputs.revolving(session, items)
        found = {p.id: _candidates(session, p, on, owed.get(p.id, [])) for p in projects}
    with records.write(who, "alert.scan") as session:
        for pid in project_ids:
            project = session.get(Project, pid)
            assert project is not None
            _upsert(session, who, project, found[pid], counts)
        session.flush()
        counts["open"] = len(
            list(session.scalars(select(Alert.id).where(Alert.project_id.in_(project_ids), Alert.state != RESOLVED)))
        )
    return counts


def scan(who: Actor, project_code: str | None = None, *, on: dt.date | None = None) -> dict[str, Any]:
    """Recompute the alerts of ``project_code`` (or of every approved project in the actor's
    jurisdiction); returns the number of projects scanned and of alerts opened, reopened, resolved
    and now open or acknowledged."""
    records.require(who, "alert.scan")
    with records.read() as session:
        q = select(Project).join(Unit, Project.county_id == Unit.id).where(Unit.path.startswith(who.unit_path))
        if project_code is not None:
            project = session.scalars(q.where(Project.code == project_code)).first()
            if project is None:
                raise NotFound(f"项目 {project_code} 不存在或不在 {who.unit_name} 的管辖范围内", feature=project_code)
            records.require(who, "alert.scan", project.county)
            if not _approved(project):
                raise InvalidRecord(
                    f"项目 {project_code} 当前处于“{project.stage_name}”阶段：方案获批后才有预警", feature=project_code
                )
            ids = [project.id]
        else:
            ids = [p.id for p in session.scalars(q.order_by(Project.code)) if _approved(p)]
    return _scan_projects(who, ids, on or clock.today())


def refresh(who: Actor, project_code: str) -> None:
    """Rescan one project after a change its alerts depend on (a progress report, a photo, a monitor
    run), as ``who``, whose change was already permitted. A scan that fails is logged: the change it
    follows has been saved."""
    try:
        with records.read() as session:
            project = session.scalars(select(Project).where(Project.code == project_code)).first()
            if project is None or not _approved(project):
                return
            pid = project.id
        _scan_projects(who, [pid], clock.today())
    except LandconError as error:
        log.warning("项目 %s 的预警未能更新：%s", project_code, error)


def _actions(who: Actor, alert: Alert, project: Project) -> dict[str, bool]:
    """What the actor may do with the alert now (the checks ``acknowledge``, ``resolve`` and
    ``escalate`` run, without acting): the web page shows its buttons by these."""
    county = records.in_scope(who, project.county.path)
    return {
        "acknowledge": alert.state == OPEN
        and may(who.roles, "alert.acknowledge")
        and records.in_scope(who, alert.unit.path),
        "resolve": alert.state != RESOLVED and may(who.roles, "alert.resolve") and county,
        "escalate": alert.state != RESOLVED
        and alert.task_id is None
        and may(who.roles, "alert.escalate")
        and may(who.roles, "task.add")
        and county,
    }


def _dict(alert: Alert, project: Project, sub_code: str | None, who: Actor) -> dict[str, Any]:
    return {
        "id": alert.id,
        "project": project.code,
        "project_name": project.name,
        "county": project.county.code,
        "county_name": project.county.name,
        "sub_project": sub_code,
        "unit": alert.unit.code,
        "unit_name": alert.unit.name,
        "kind": alert.kind,
        "kind_label": A.KIND_LABELS.get(alert.kind, alert.kind),
        "key": alert.key,
        "severity": alert.severity,
        "severity_label": A.SEVERITY_LABELS.get(alert.severity, alert.severity),
        "message": alert.message,
        "figures": alert.figures,
        "state": alert.state,
        "state_label": STATES[alert.state],
        "holds": alert.active,
        "note": alert.note,
        "first_seen": alert.first_seen.isoformat(timespec="seconds"),
        "last_seen": alert.last_seen.isoformat(timespec="seconds"),
        "resolved_at": alert.resolved_at.isoformat(timespec="seconds") if alert.resolved_at else None,
        "resolved_by": alert.resolved_by,
        "task_id": alert.task_id,
        "version": alert.version,
        "actions": _actions(who, alert, project),
    }


def _state(state: str | None) -> str | None:
    if state is not None and state not in STATES:
        raise InvalidRecord(f"预警状态 {state!r} 无效；可选：{'、'.join(STATES)}", field="state", feature=state)
    return state


def list_alerts(
    who: Actor, *, project_code: str | None = None, state: str | None = None, unit: str | None = None
) -> list[dict[str, Any]]:
    """Alerts the actor may see (projects in its jurisdiction, or its own unit's), open first, then
    serious first; filtered by project, state and responsible unit (that unit and those below it)."""
    records.require(who, "alert.read")
    state = _state(state)
    county, responsible = aliased(Unit), aliased(Unit)
    with records.read() as session:
        q = (
            select(Alert, Project, SubProject.code)
            .join(Project, Alert.project_id == Project.id)
            .join(county, Project.county_id == county.id)
            .join(responsible, Alert.unit_id == responsible.id)
            .outerjoin(SubProject, Alert.sub_project_id == SubProject.id)
            .where(or_(county.path.startswith(who.unit_path), responsible.path.startswith(who.unit_path)))
        )
        if project_code:
            q = q.where(Project.code == project_code)
        if state:
            q = q.where(Alert.state == state)
        if unit:
            target = session.scalars(select(Unit).where(Unit.code == unit)).first()
            if target is None:
                raise NotFound(f"行政单位 {unit} 不存在", field="unit", feature=unit)
            q = q.where(responsible.path.startswith(target.path))
        rows = list(session.execute(q).all())
        order = {OPEN: 0, ACKNOWLEDGED: 1, RESOLVED: 2}
        rows.sort(key=lambda r: (order[r[0].state], r[0].severity != A.SERIOUS, r[1].code, r[0].key))
        return [_dict(a, p, code, who) for a, p, code in rows]


def _get(session: Session, who: Actor, alert_id: int) -> tuple[Alert, Project]:
    alert = session.get(Alert, alert_id)
    project = session.get(Project, alert.project_id) if alert is not None else None
    if (
        alert is None
        or project is None
        or not (records.in_scope(who, project.county.path) or records.in_scope(who, alert.unit.path))
    ):
        raise NotFound(f"预警 #{alert_id} 不存在或不在 {who.unit_name} 的管辖范围内", feature=alert_id)
    return alert, project


def _sub_code(session: Session, alert: Alert) -> str | None:
    sub = session.get(SubProject, alert.sub_project_id) if alert.sub_project_id else None
    return sub.code if sub else None


def acknowledge(who: Actor, alert_id: int, note: str = "") -> dict[str, Any]:
    """Open → acknowledged (the responsible unit or a supervisor over it has seen it)."""
    records.require(who, "alert.acknowledge")
    with records.write(who, "alert.acknowledge") as session:
        alert, project = _get(session, who, alert_id)
        records.require(who, "alert.acknowledge", alert.unit)
        if alert.state != OPEN:
            raise InvalidRecord(
                f"预警 #{alert_id} 当前为“{STATES[alert.state]}”，只有待处理的预警可以确认", feature=alert_id
            )
        alert.state = ACKNOWLEDGED
        alert.note = _append(alert.note, "确认", who.username, (note or "").strip())
        session.flush()
        return _dict(alert, project, _sub_code(session, alert), who)


def resolve(who: Actor, alert_id: int, note: str) -> dict[str, Any]:
    """Open or acknowledged → resolved, with the note saying how (required)."""
    records.require(who, "alert.resolve")
    note = (note or "").strip()
    if not note:
        raise InvalidRecord("解除预警须填写说明", field="note", feature=alert_id)
    with records.write(who, "alert.resolve") as session:
        alert, project = _get(session, who, alert_id)
        records.require(who, "alert.resolve", project.county)
        if alert.state == RESOLVED:
            raise InvalidRecord(f"预警 #{alert_id} 已解除", feature=alert_id)
        alert.state, alert.resolved_at, alert.resolved_by = RESOLVED, utcnow(), who.username
        alert.note = _append(alert.note, "解除", who.username, note)
        session.flush()
        return _dict(alert, project, _sub_code(session, alert), who)


def escalate(who: Actor, alert_id: int, deadline: dt.date | str | None = None) -> dict[str, Any]:
    """Open a 责任清单 task for the alert's responsible unit (``services.tasks.new_task``; deadline by
    default ``supervision.escalation_days`` from today) and link it to the alert."""
    records.require(who, "alert.escalate")
    due = (
        parse_date(deadline, "deadline", "截止日期")
        if deadline is not None
        else clock.today() + dt.timedelta(days=get_profile().supervision.escalation_days)
    )
    with records.write(who, "alert.escalate") as session:
        alert, project = _get(session, who, alert_id)
        records.require(who, "alert.escalate", project.county)
        if alert.state == RESOLVED:
            raise InvalidRecord(f"预警 #{alert_id} 已解除，无需转为任务", feature=alert_id)
        if alert.task_id is not None:
            raise InvalidRecord(f"预警 #{alert_id} 已转为任务 #{alert.task_id}", feature=alert_id)
        title = f"处理预警：{A.KIND_LABELS.get(alert.kind, alert.kind)} {alert.message}"[:200]
        task = new_task(
            session, who, title=title, unit=alert.unit.code, deadline=due, project=project, note=alert.message
        )
        alert.task_id = task.id
        alert.note = _append(alert.note, f"转为任务 #{task.id}", who.username, f"期限 {due.isoformat()}")
        session.flush()
        return {**_dict(alert, project, _sub_code(session, alert), who), "task_deadline": due.isoformat()}


__all__ = [
    "ACKNOWLEDGED",
    "CLEARED",
    "OPEN",
    "RESOLVED",
    "RETURNED",
    "STATES",
    "acknowledge",
    "escalate",
    "list_alerts",
    "refresh",
    "resolve",
    "scan",
]

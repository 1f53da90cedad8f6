"""责任清单 use cases: assign tasks to units (and departments), list them, count the overdue ones, complete them.

A task belongs to one unit (省 … 村) and optionally to one of its departments, one project and the
会商 that decided it. Who may do what follows ``engine.org.PERMISSIONS``: ``task.add`` to assign,
``task.done`` to complete, ``task.read`` to list — always inside the actor's unit subtree. A task
outside the actor's subtree is reported as not found. A task is overdue when it is still open and
its deadline is before today (``clock.today()``: the date in ``LANDCON_TIMEZONE``, default Asia/Shanghai).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landcon.engine.org import LEVEL_NAMES, LEVELS
from landcon.errors import InvalidRecord, NotFound
from landcon.services import records
from landcon.services.clock import today
from landcon.services.org import department_of, unit_by_code
from landcon.services.project_access import get_project
from landcon.services.records import Actor
from landcon.store.models import Meeting, Project, Task, Unit, utcnow

OPEN, DONE = "open", "done"  # a task's states
STATUSES = {OPEN: "未办结", DONE: "已办结"}
MAX_TITLE = 200


def parse_date(value: dt.date | str, field: str, what: str = "日期") -> dt.date:
    """A ``datetime.date`` or an ISO ``YYYY-MM-DD`` string; anything else is refused naming ``field``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        if len(text) != 10:
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise InvalidRecord(f"{what} {value!r} 无效，应为 YYYY-MM-DD（如 2025-06-30）", field=field) from error


def check_title(title: str, field: str = "title") -> str:
    title = (title or "").strip()
    if not title:
        raise InvalidRecord("标题不能为空", field=field)
    if len(title) > MAX_TITLE:
        raise InvalidRecord(f"标题不能超过 {MAX_TITLE} 字（现为 {len(title)} 字）", field=field)
    return title


def days_overdue(task: Task, on: dt.date | None = None) -> int:
    """Days past the deadline of an open task (0 when done or not yet due)."""
    on = on or today()
    if task.status != OPEN or task.deadline >= on:
        return 0
    return (on - task.deadline).days


def task_dict(task: Task, project_code: str | None, on: dt.date | None = None) -> dict[str, Any]:
    late = days_overdue(task, on)
    return {
        "id": task.id,
        "title": task.title,
        "unit": task.unit.code,
        "unit_name": task.unit.name,
        "unit_level": task.unit.level,
        "department": task.department.kind if task.department else None,
        "department_name": task.department.name if task.department else None,
        "project": project_code,
        "meeting_id": task.meeting_id,
        "deadline": task.deadline.isoformat(),
        "status": task.status,
        "status_name": STATUSES.get(task.status, task.status),
        "overdue": late > 0,
        "days_overdue": late,
        "note": task.note,
        "created_by": task.created_by,
        "created_at": task.created_at.isoformat(timespec="seconds"),
        "done_by": task.done_by,
        "done_at": task.done_at.isoformat(timespec="seconds") if task.done_at else None,
        "version": task.version,
    }


def new_task(
    session: Session,
    who: Actor,
    *,
    title: str,
    unit: str,
    deadline: dt.date | str,
    department: str | None = None,
    project: Project | None = None,
    meeting_id: int | None = None,
    note: str = "",
    follows_from: str = "task.add",
) -> Task:
    """Check and add one task in ``session`` (flushed, so it has its id). Used by meetings as well.

    ``follows_from``: the action that opens the task, checked over its unit — ``task.add`` for a
    task added by hand; a service whose act opens the task by rule names its own action (an
    inspection that finds 需整改 opens its rectification task under ``care.inspect``)."""
    title = check_title(title)
    due = parse_date(deadline, "deadline", "截止日期")
    u = unit_by_code(session, unit)
    records.require(who, follows_from, u)
    if project is not None and not u.path.startswith(project.county.path):
        raise InvalidRecord(
            f"{u.name}（{u.code}）不在项目 {project.code} 所属的 {project.county.name}（{project.county.code}）范围内",
            field="unit",
            feature=unit,
        )
    dept = department_of(session, u, department) if department else None
    task = Task(
        unit_id=u.id,
        department_id=dept.id if dept else None,
        project_id=project.id if project else None,
        meeting_id=meeting_id,
        title=title,
        deadline=due,
        status=OPEN,
        note=(note or "").strip(),
        created_by=who.username,
    )
    session.add(task)
    session.flush()
    return task


def _project_code(session: Session, task: Task) -> str | None:
    if task.project_id is None:
        return None
    return session.scalar(select(Project.code).where(Project.id == task.project_id))


def add_task(
    who: Actor,
    title: str,
    *,
    unit: str,
    deadline: dt.date | str,
    department: str | None = None,
    project: str | None = None,
    meeting_id: int | None = None,
    note: str = "",
) -> dict[str, Any]:
    """Assign a task to ``unit`` (admin code) and optionally one of its departments (kind code).

    With ``project`` (code) the unit must lie in the project's county; with ``meeting_id`` the
    meeting must be visible to the actor. Needs ``task.add`` on the unit.
    """
    records.require(who, "task.add")
    with records.write(who, "task.add") as session:
        p = get_project(session, who, project) if project else None
        if meeting_id is not None:
            meeting = session.get(Meeting, meeting_id)
            if meeting is None:
                raise NotFound(f"会商 {meeting_id} 不存在", field="meeting", feature=meeting_id)
            m_unit = session.get(Unit, meeting.unit_id)
            assert m_unit is not None
            records.visible(who, m_unit, f"会商 {meeting_id}")
        task = new_task(
            session,
            who,
            title=title,
            unit=unit,
            deadline=deadline,
            department=department,
            project=p,
            meeting_id=meeting_id,
            note=note,
        )
        return task_dict(task, p.code if p else None)


def _status(status: str | None) -> str | None:
    if status is None or status in STATUSES:
        return status
    choices = "、".join(f"{k}（{v}）" for k, v in STATUSES.items())
    raise InvalidRecord(f"任务状态 {status!r} 无效；可选：{choices}", field="status", feature=status)


def list_tasks(
    who: Actor,
    *,
    unit: str | None = None,
    project: str | None = None,
    status: str | None = None,
    overdue_only: bool = False,
) -> list[dict[str, Any]]:
    """Tasks whose unit lies in the actor's subtree (and in ``unit``'s subtree), earliest deadline first."""
    records.require(who, "task.read")
    status = _status(status)
    on = today()
    with records.read() as session:
        q = (
            select(Task, Project.code)
            .join(Unit, Task.unit_id == Unit.id)
            .outerjoin(Project, Task.project_id == Project.id)
            .where(Unit.path.startswith(who.unit_path))
            .order_by(Task.deadline, Task.id)
        )
        if unit:
            u = unit_by_code(session, unit)
            records.visible(who, u, f"单位 {unit}")
            q = q.where(Unit.path.startswith(u.path))
        if project:
            q = q.where(Task.project_id == get_project(session, who, project).id)
        if status:
            q = q.where(Task.status == status)
        if overdue_only:
            q = q.where(Task.status == OPEN, Task.deadline < on)
        return [task_dict(t, code, on) for t, code in session.execute(q)]


def _level(level: str | None) -> str | None:
    if level is None:
        return None
    names = {v: k for k, v in LEVEL_NAMES.items()}
    if level in names:
        return names[level]
    if level not in LEVELS:
        choices = "、".join(f"{k}（{v}）" for k, v in LEVEL_NAMES.items())
        raise InvalidRecord(f"层级 {level!r} 无效；可选：{choices}", field="level", feature=level)
    return level


def overdue_by_unit(who: Actor, *, level: str | None = None) -> list[dict[str, Any]]:
    """Overdue open tasks in the actor's subtree counted per assigned unit, most overdue first.

    With ``level`` (e.g. ``county``, ``township``) each task counts for its unit's ancestor at that
    level; a task assigned above that level (e.g. to a county when counting per township) stays
    with its own unit. Rows: unit, name, level, overdue count, oldest deadline, most days overdue.
    """
    records.require(who, "task.read")
    level = _level(level)
    on = today()
    with records.read() as session:
        q = (
            select(Unit.code, Unit.path, func.count(), func.min(Task.deadline))
            .join(Unit, Task.unit_id == Unit.id)
            .where(Unit.path.startswith(who.unit_path), Task.status == OPEN, Task.deadline < on)
            .group_by(Unit.code, Unit.path)
        )
        counts: dict[str, list[Any]] = {}  # code → [count, oldest deadline]
        for code, path, n, oldest in session.execute(q):
            chain = path.strip("/").split("/")
            if level is not None and LEVELS.index(level) < len(chain):
                code = chain[LEVELS.index(level)]
            row = counts.setdefault(code, [0, oldest])
            row[0] += int(n)
            row[1] = min(row[1], oldest)
        units = {u.code: u for u in session.scalars(select(Unit).where(Unit.code.in_(list(counts))))} if counts else {}
    out = [
        {
            "unit": code,
            "unit_name": units[code].name,
            "unit_level": units[code].level,
            "overdue": n,
            "oldest_deadline": oldest.isoformat(),
            "max_days_overdue": (on - oldest).days,
        }
        for code, (n, oldest) in counts.items()
    ]
    out.sort(key=lambda r: (-r["overdue"], r["unit"]))
    return out


def _get_task(session: Session, who: Actor, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(f"任务 {task_id} 不存在", feature=task_id)
    records.visible(who, task.unit, f"任务 {task_id}")
    return task


def get_task(who: Actor, task_id: int) -> dict[str, Any]:
    records.require(who, "task.read")
    with records.read() as session:
        task = _get_task(session, who, task_id)
        return task_dict(task, _project_code(session, task))


def _append(note: str, label: str, text: str) -> str:
    text = (text or "").strip()
    if not text:
        return note
    return f"{note}\n{label}：{text}" if note else f"{label}：{text}"


def complete_task(who: Actor, task_id: int, *, note: str = "", expected_version: int | None = None) -> dict[str, Any]:
    """Mark a task done (needs ``task.done`` on its unit); ``note`` is appended as the 办结说明."""
    with records.write(who, "task.done") as session:
        task = _get_task(session, who, task_id)
        records.require(who, "task.done", task.unit)
        records.expect_version(task, expected_version, f"任务 {task_id}")
        if task.status == DONE:
            when = task.done_at.date().isoformat() if task.done_at else "此前"
            raise InvalidRecord(f"任务 {task_id}（{task.title}）已于 {when} 由 {task.done_by} 办结", field="status")
        task.status, task.done_by, task.done_at = DONE, who.username, utcnow()
        task.note = _append(task.note, "办结说明", note)
        session.flush()
        return task_dict(task, _project_code(session, task))


def reopen_task(who: Actor, task_id: int, *, reason: str, expected_version: int | None = None) -> dict[str, Any]:
    """Reopen a done task (needs ``task.add`` on its unit: whoever assigns may send it back); reason required."""
    if not (reason or "").strip():
        raise InvalidRecord("重新打开任务须写明理由", field="reason")
    with records.write(who, "task.reopen") as session:
        task = _get_task(session, who, task_id)
        records.require(who, "task.add", task.unit)
        records.expect_version(task, expected_version, f"任务 {task_id}")
        if task.status != DONE:
            raise InvalidRecord(f"任务 {task_id}（{task.title}）尚未办结，无需重新打开", field="status")
        task.status, task.done_by, task.done_at = OPEN, None, None
        task.note = _append(task.note, "重新打开", reason)
        session.flush()
        return task_dict(task, _project_code(session, task))


def tasks_of_meetings(session: Session, who: Actor, meeting_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """Follow-up tasks of the given meetings (only those in the actor's subtree), by meeting id."""
    out: dict[int, list[dict[str, Any]]] = {int(m): [] for m in meeting_ids}
    if not meeting_ids:
        return out
    on = today()
    q = (
        select(Task, Project.code)
        .join(Unit, Task.unit_id == Unit.id)
        .outerjoin(Project, Task.project_id == Project.id)
        .where(Task.meeting_id.in_(list(meeting_ids)), Unit.path.startswith(who.unit_path))
        .order_by(Task.deadline, Task.id)
    )
    for t, code in session.execute(q):
        out[int(t.meeting_id or 0)].append(task_dict(t, code, on))
    return out

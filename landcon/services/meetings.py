"""会商 use cases: record a consultation meeting with its attendees, topics, decisions and follow-up tasks.

A meeting belongs to a unit (and optionally a project). Its follow-up tasks are 责任清单 items
linked to it (``Task.meeting_id``); the meeting and every follow-up are saved in one audited
transaction, so one bad follow-up (unknown unit, bad date, unit outside scope) saves nothing.
Recording needs ``meeting.record`` on the meeting's unit and, for follow-ups, ``task.add`` on each
follow-up's unit. Listing and showing need ``project.read`` (engine.org has no separate action for
reading meetings) and show only meetings of units in the actor's subtree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landcon.errors import InvalidRecord, LandconError, NotFound
from landcon.services import records, tasks
from landcon.services.org import unit_by_code
from landcon.services.project_access import get_project
from landcon.services.records import Actor
from landcon.store.models import Meeting, MeetingAttendee, Project, Unit, User

Attendee = str | tuple[str, str] | Sequence[str]
FOLLOW_UP_KEYS = ("title", "unit", "deadline", "department", "note")


def _attendee(session: Session, who: Actor, item: Attendee, index: int) -> MeetingAttendee:
    """``(name, department text)`` or a user name (linked to the user, its department filled in).

    Only users of units in the recorder's own subtree are looked up: anyone else is answered exactly
    like a user name that does not exist, so the form cannot be used to probe other counties' staff.
    """
    if isinstance(item, str):
        user = session.scalars(select(User).where(User.username == item.strip())).first()
        if user is None or not records.in_scope(who, user.unit.path):
            raise NotFound(
                f"第 {index} 位参会人：用户 {item} 不存在（非系统用户请写成 姓名/部门）",
                field="attendees",
                feature=item,
            )
        dept = user.department.name if user.department else user.unit.name
        return MeetingAttendee(name=user.display_name[:64], department=dept[:120], user_id=user.id)
    parts = list(item)
    if len(parts) != 2:
        raise InvalidRecord(f"第 {index} 位参会人应为（姓名, 部门）或用户名，而不是 {item!r}", field="attendees")
    name, department = (str(p).strip() for p in parts)
    if not name or len(name) > 64:
        raise InvalidRecord(f"第 {index} 位参会人的姓名应为 1–64 字", field="attendees", feature=name)
    if len(department) > 120:
        raise InvalidRecord(f"第 {index} 位参会人的部门不能超过 120 字", field="attendees", feature=name)
    return MeetingAttendee(name=name, department=department)


def _follow_up(
    session: Session, who: Actor, item: Mapping[str, Any], index: int, meeting: Meeting, project: Project | None
) -> None:
    unknown = sorted(set(item) - set(FOLLOW_UP_KEYS))
    missing = [k for k in ("title", "unit", "deadline") if not item.get(k)]
    if unknown or missing:
        what = "；".join(
            x
            for x in (
                f"缺少 {'、'.join(missing)}" if missing else "",
                f"未知项 {'、'.join(unknown)}" if unknown else "",
            )
            if x
        )
        raise InvalidRecord(f"第 {index} 项后续任务：{what}（应有 title、unit、deadline，可选 department、note）")
    try:
        tasks.new_task(
            session,
            who,
            title=str(item["title"]),
            unit=str(item["unit"]),
            deadline=item["deadline"],
            department=item.get("department") or None,
            project=project,
            meeting_id=meeting.id,
            note=str(item.get("note") or ""),
        )
    except LandconError as error:
        raise type(error)(
            f"第 {index} 项后续任务（{item['title']}）：{error.message}",
            path=error.path,
            layer=error.layer,
            field=f"follow_ups.{error.field}" if error.field else "follow_ups",
            feature=error.feature,
        ) from error


def record_meeting(
    who: Actor,
    *,
    unit: str,
    title: str,
    held_on: dt.date | str,
    topics: str = "",
    decisions: str = "",
    attendees: Sequence[Attendee] = (),
    project: str | None = None,
    follow_ups: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Record a meeting of ``unit`` and create its follow-up tasks, all in one transaction.

    ``follow_ups``: mappings with ``title``, ``unit`` (code), ``deadline`` and optionally
    ``department`` (kind code) and ``note``; they inherit the meeting's project.
    """
    records.require(who, "meeting.record")
    if follow_ups:
        records.require(who, "task.add")
    title = tasks.check_title(title)
    day = tasks.parse_date(held_on, "held_on", "会商日期")
    with records.write(who, "meeting.record") as session:
        u = unit_by_code(session, unit)
        records.require(who, "meeting.record", u)
        p = get_project(session, who, project) if project else None
        if p is not None and not (u.path.startswith(p.county.path) or p.county.path.startswith(u.path)):
            raise InvalidRecord(
                f"{u.name}（{u.code}）与项目 {p.code} 所属的 {p.county.name} 无上下级关系，不能为该项目会商",
                field="unit",
                feature=unit,
            )
        meeting = Meeting(
            unit_id=u.id,
            project_id=p.id if p else None,
            held_on=day,
            title=title,
            topics=(topics or "").strip(),
            decisions=(decisions or "").strip(),
            created_by=who.username,
            attendees=[_attendee(session, who, a, i) for i, a in enumerate(attendees, start=1)],
        )
        session.add(meeting)
        session.flush()
        for i, item in enumerate(follow_ups, start=1):
            _follow_up(session, who, item, i, meeting, p)
        meeting_id = meeting.id
    return show_meeting(who, meeting_id)


def _meeting_row(meeting: Meeting, unit: Unit, project_code: str | None) -> dict[str, Any]:
    return {
        "id": meeting.id,
        "held_on": meeting.held_on.isoformat(),
        "title": meeting.title,
        "unit": unit.code,
        "unit_name": unit.name,
        "project": project_code,
        "created_by": meeting.created_by,
        "created_at": meeting.created_at.isoformat(timespec="seconds"),
        "version": meeting.version,
    }


def _counts(follow_ups: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "follow_ups": len(follow_ups),
        "open": sum(1 for t in follow_ups if t["status"] == tasks.OPEN),
        "overdue": sum(1 for t in follow_ups if t["overdue"]),
    }


def list_meetings(who: Actor, *, unit: str | None = None, project: str | None = None) -> list[dict[str, Any]]:
    """Meetings of units in the actor's subtree (and ``unit``'s subtree), newest first, with follow-up counts."""
    records.require(who, "project.read")
    with records.read() as session:
        q = (
            select(Meeting, Unit, Project.code)
            .join(Unit, Meeting.unit_id == Unit.id)
            .outerjoin(Project, Meeting.project_id == Project.id)
            .where(Unit.path.startswith(who.unit_path))
            .order_by(Meeting.held_on.desc(), Meeting.id.desc())
        )
        if unit:
            u = unit_by_code(session, unit)
            records.visible(who, u, f"单位 {unit}")
            q = q.where(Unit.path.startswith(u.path))
        if project:
            q = q.where(Meeting.project_id == get_project(session, who, project).id)
        rows = list(session.execute(q))
        follow = tasks.tasks_of_meetings(session, who, [m.id for m, _, _ in rows])
        return [
            {**_meeting_row(m, u, code), "attendees": len(m.attendees), **_counts(follow[m.id])} for m, u, code in rows
        ]


def show_meeting(who: Actor, meeting_id: int) -> dict[str, Any]:
    """One meeting: attendees, topics, decisions and its follow-up tasks with their status."""
    records.require(who, "project.read")
    with records.read() as session:
        meeting = session.get(Meeting, meeting_id)
        if meeting is None:
            raise NotFound(f"会商 {meeting_id} 不存在", feature=meeting_id)
        unit = session.get(Unit, meeting.unit_id)
        assert unit is not None
        records.visible(who, unit, f"会商 {meeting_id}")
        code = None
        if meeting.project_id is not None:
            code = session.scalar(select(Project.code).where(Project.id == meeting.project_id))
        follow = tasks.tasks_of_meetings(session, who, [meeting.id])[meeting.id]
        linked = [a.user_id for a in meeting.attendees if a.user_id is not None]
        usernames: dict[int, str] = {}
        if linked:
            for uid, username in session.execute(select(User.id, User.username).where(User.id.in_(linked))):
                usernames[uid] = username
        return {
            **_meeting_row(meeting, unit, code),
            "topics": meeting.topics,
            "decisions": meeting.decisions,
            "attendees": [
                {"name": a.name, "department": a.department, "username": usernames.get(a.user_id or 0)}
                for a in sorted(meeting.attendees, key=lambda a: a.id)
            ],
            **_counts(follow),
            "tasks": follow,
        }


FOLLOW_UP_FORMAT = "标题@单位代码@YYYY-MM-DD[@部门代码]"


def parse_attendee(text: str) -> str | tuple[str, str]:
    """``姓名/部门`` → (name, department); a bare word is a user name."""
    if "/" in text:
        name, _, department = text.partition("/")
        return name.strip(), department.strip()
    return text.strip()


def parse_follow_up(text: str, index: int) -> dict[str, Any]:
    parts = [p.strip() for p in text.split("@")]
    if len(parts) not in (3, 4) or not all(parts):
        raise InvalidRecord(
            f"第 {index} 项后续任务 {text!r} 格式不对，应为 {FOLLOW_UP_FORMAT}", field="follow-up", feature=text
        )
    item: dict[str, Any] = {"title": parts[0], "unit": parts[1], "deadline": parts[2]}
    if len(parts) == 4:
        item["department"] = parts[3]
    return item

"""领导小组 use cases: create a unit's leading group (``org.create_group``) and list groups in scope.

Creating needs ``group.manage`` on the unit; listing needs ``project.read`` (engine.org has no
separate action for reading groups) and shows groups of units in the actor's subtree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from landcon.errors import InvalidRecord, NotFound
from landcon.services import org, records
from landcon.services.records import Actor
from landcon.store.models import LeadingGroup, Unit, User

MAX_NAME = 120


def create_group(
    who: Actor, unit: str, name: str, *, leader: str | None = None, members: Sequence[tuple[str, str]] = ()
) -> dict[str, Any]:
    """领导小组 of ``unit`` (code) with a leader (user name) and members ``(user name, duty)``."""
    records.require(who, "group.manage")
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidRecord(f"领导小组名称应为 1–{MAX_NAME} 字", field="name")
    seen: set[str] = set()
    cleaned = []
    for username, duty in members:
        username, duty = username.strip(), (duty or "").strip() or "成员"
        if username in seen:
            raise InvalidRecord(f"成员 {username} 重复", field="members", feature=username)
        if len(duty) > 120:
            raise InvalidRecord(f"成员 {username} 的职务不能超过 120 字", field="members", feature=username)
        seen.add(username)
        cleaned.append((username, duty))
    created = org.create_group(who, unit, name, leader=leader or None, members=cleaned)
    return show_group(who, int(created["id"]))


def _group_dict(group: LeadingGroup, unit: Unit, users: dict[int, User]) -> dict[str, Any]:
    leader = users.get(group.leader_id) if group.leader_id is not None else None
    return {
        "id": group.id,
        "unit": unit.code,
        "unit_name": unit.name,
        "name": group.name,
        "leader": leader.username if leader else None,
        "leader_name": leader.display_name if leader else None,
        "members": [
            {"username": users[m.user_id].username, "display_name": users[m.user_id].display_name, "duty": m.duty}
            for m in sorted(group.members, key=lambda m: users[m.user_id].username)
        ],
        "created_at": group.created_at.isoformat(timespec="seconds"),
        "version": group.version,
    }


def _groups(who: Actor, *, unit: str | None = None, group_id: int | None = None) -> list[dict[str, Any]]:
    records.require(who, "project.read")
    with records.read() as session:
        q = (
            select(LeadingGroup, Unit)
            .join(Unit, LeadingGroup.unit_id == Unit.id)
            .where(Unit.path.startswith(who.unit_path))
            .order_by(Unit.code, LeadingGroup.id)
        )
        if unit:
            u = org.unit_by_code(session, unit)
            records.visible(who, u, f"单位 {unit}")
            q = q.where(Unit.path.startswith(u.path))
        if group_id is not None:
            q = q.where(LeadingGroup.id == group_id)
        rows = [(g, u) for g, u in session.execute(q)]
        ids = {g.leader_id for g, _ in rows if g.leader_id is not None}
        ids |= {m.user_id for g, _ in rows for m in g.members}
        users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
        return [_group_dict(g, u, users) for g, u in rows]


def list_groups(who: Actor, unit: str | None = None) -> list[dict[str, Any]]:
    """Leading groups of units in the actor's subtree (and ``unit``'s subtree), by unit code."""
    return _groups(who, unit=unit)


def show_group(who: Actor, group_id: int) -> dict[str, Any]:
    found = _groups(who, group_id=group_id)
    if not found:
        raise NotFound(f"领导小组 {group_id} 不存在或不在 {who.unit_name} 的管辖范围内", feature=group_id)
    return found[0]

"""Looking up a project for an actor: the one place that turns a project code into a readable ``Project``."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from landcon.errors import NotFound
from landcon.services import records
from landcon.services.records import Actor
from landcon.store.models import Project


def get_project(session: Session, who: Actor, code: str) -> Project:
    """The project ``code``, if the actor may read it (``project.read``, and ``records.covers``: the
    project's county is in the actor's subtree or the project covers the actor's township or village);
    a project outside the actor's scope is reported as not found."""
    project = session.scalars(select(Project).where(Project.code == code)).first()
    if project is None:
        raise NotFound(f"项目 {code} 不存在", feature=code)
    if not records.covers(session, who, project):
        raise NotFound(f"项目 {code} 不存在或不在 {who.unit_name} 的管辖范围内")
    records.require(who, "project.read")
    return project

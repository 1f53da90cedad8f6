"""Looking up a project for an actor: the one place that turns a project code into a readable ``Project``."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from landcon.errors import NotFound
from landcon.services import records
from landcon.services.records import Actor
from landcon.store.models import Project


def get_project(session: Session, who: Actor, code: str) -> Project:
    """The project ``code``, if the actor may read it (``project.read`` in its county); a project outside
    the actor's scope is reported as not found."""
    project = session.scalars(select(Project).where(Project.code == code)).first()
    if project is None:
        raise NotFound(f"项目 {code} 不存在", feature=code)
    records.visible(who, project.county, f"项目 {code}")
    records.require(who, "project.read", project.county)
    return project

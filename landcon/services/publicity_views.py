"""What the 公示 page of a project shows and offers (``web/routes/publicity``): the project's 公示 newest
first with their objections, and which forms the actor may use (publish, record an objection, answer),
decided by the services' own permission checks without acting."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy import select

from landcon.engine import publicity as P
from landcon.errors import PermissionDenied
from landcon.services import clock, records
from landcon.services.profile import get_profile
from landcon.services.project_access import get_project
from landcon.services.publicity import (
    project_publicities,
    publicity_dict,
    require_answer,
    require_object,
    require_publish,
)
from landcon.services.records import Actor
from landcon.store.models import PlanVersion, ReallocVersion, Unit


def _allowed(check: Callable[[], None]) -> bool:
    try:
        check()
    except PermissionDenied:
        return False
    return True


def publicity_page(who: Actor, code: str) -> dict[str, Any]:
    """The page's data: project head, 公示 (status, objections, ``may_answer``), the publish form's choices
    (kinds with their minimum days, usual places, the project's townships and villages, stored plan and
    权属调整 version numbers, a default period from today) and ``may_publish`` / ``may_object``."""
    today = clock.today()
    settings = get_profile().publicity
    with records.read() as session:
        project = get_project(session, who, code)
        items = project_publicities(session, project)
        numbers = {p.id: p.number for p in items}
        rows = []
        for p in reversed(items):
            row = publicity_dict(p, today, numbers)
            row["may_answer"] = _allowed(partial(require_answer, who, p))
            rows.append(row)
        may_publish = _allowed(lambda: require_publish(session, who, project))
        may_object = _allowed(lambda: require_object(session, who, project))
        versions = {
            P.PLAN: [
                int(n)
                for n in session.scalars(
                    select(PlanVersion.number).where(PlanVersion.project_id == project.id).order_by(PlanVersion.number)
                )
            ],
            P.REALLOC: [
                int(n)
                for n in session.scalars(
                    select(ReallocVersion.number)
                    .where(ReallocVersion.project_id == project.id)
                    .order_by(ReallocVersion.number)
                )
            ],
        }
        ids = [pu.unit_id for pu in project.units]
        units = [
            {"code": u.code, "name": u.name}
            for u in session.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.code))
        ]
        head = {"code": project.code, "name": project.name, "stage_name": project.stage_name}
    min_days = {k: settings.min_days_for(k) for k in P.KINDS}
    return {
        **head,
        "notices": rows,
        "may_publish": may_publish,
        "may_object": may_object,
        "kinds": dict(P.KINDS),
        "outcomes": dict(P.OUTCOMES),
        "places": list(P.PLACES),
        "min_days": min_days,
        "units": units,
        "versions": versions,
        "today": today.isoformat(),
        "default_end": (today + dt.timedelta(days=settings.min_days - 1)).isoformat(),
        "republishable": [r["number"] for r in rows if any(o["outcome"] == P.UPHELD for o in r["objections"])],
    }


__all__ = ["publicity_page"]

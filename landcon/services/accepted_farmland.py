"""已验收新增耕地: what acceptance established for each project, for the overview and the dashboard.

A project's accepted new farmland is the 核定 figure (``totals.verified_new_m2`` of ``accept check``:
竣工新增耕地 less what the latest 变更调查 does not show as 耕地) stored with its newest passing
whole-project acceptance record (``engine.acceptance_records.is_passing``; docs/acceptance.md). A
project past the chain's ``accepted`` milestone without such a record (or whose record stores no
核定 figure) contributes 0 and is listed, never the plan's figure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landcon.engine import acceptance_records as AR
from landcon.store.models import Acceptance

#: What the dashboard and the overview say of a project past ``accepted`` without a 核定 figure.
NO_RECORD = "无通过的整体验收记录，计 0"
NO_FIGURE = "整体验收记录未存核定新增耕地，计 0"


@dataclass(frozen=True)
class Accepted:
    """The newest passing whole-project record of a project (``record`` its id, None when there is
    none) and its 核定 new farmland in m² (None when there is no record or it stores none)."""

    record: int | None
    verified_m2: float | None

    @property
    def area_m2(self) -> float:
        """The figure counted as accepted: the 核定 one, else 0."""
        return round(self.verified_m2, 2) if self.verified_m2 is not None else 0.0

    @property
    def basis(self) -> str:
        """In words: the record the figure comes from, or why it counts 0."""
        if self.record is None:
            return NO_RECORD
        if self.verified_m2 is None:
            return f"整体验收记录 {self.record}：{NO_FIGURE}"
        return f"整体验收记录 {self.record}（核定）"


def accepted_new_farmland(session: Session, project_ids: Iterable[int]) -> dict[int, Accepted]:
    """``Accepted`` of each project id (module docstring); the caller has checked scope."""
    ids = sorted(set(project_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(Acceptance.project_id, Acceptance.id, Acceptance.opinion)
        .where(Acceptance.project_id.in_(ids), Acceptance.level == AR.PROJECT)
        .order_by(Acceptance.id.desc())
    ).all()
    newest: dict[int, int] = {}
    for project_id, record_id, opinion in rows:
        if project_id not in newest and AR.is_passing(AR.PROJECT, opinion):
            newest[project_id] = record_id
    computations: dict[int, Any] = {}
    if newest:
        computations = dict(
            session.execute(
                select(Acceptance.id, Acceptance.computation).where(Acceptance.id.in_(newest.values()))
            ).all()
        )
    out = {}
    for project_id in ids:
        found = newest.get(project_id)
        data = computations.get(found) if found is not None else None
        value = ((data or {}).get("totals") or {}).get("verified_new_m2")
        out[project_id] = Accepted(found, None if value is None else float(value))
    return out

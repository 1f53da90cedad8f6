"""What the 实施方案 draws on besides the plan and its indicators: the project's own records.

``PlanContext`` is filled by ``services.plan_reports.plan_context`` from the project (place names,
编制单位, survey results, sub-project records, 领导小组, 会商 meetings, responsibility list, willingness survey,
village votes, adopted reallocation). Every field may be empty; a chapter without its data says
what is missing and which command records it. The shapes of ``willingness``, ``votes`` and
``realloc`` are those of ``services.willingness.plan_summary``, ``services.village_votes.plan_summary``
and ``services.realloc.adopted_summary`` (docs/plan.md, report section).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PlanContext:
    """The project's records a plan document uses; ``project`` is empty for a bare plan folder."""

    project: str = ""
    county: str = ""  # the project's county code (when plan.yaml names none)
    compiler: str = ""  # 编制单位 (the cover)
    compiled_on: dt.date | None = None  # the cover's date
    places: Mapping[str, str] = field(default_factory=dict)  # unit code → name
    survey: Sequence[Mapping[str, Any]] | None = None  # survey.json units of the area (None: not surveyed)
    survey_dataset: str = ""
    subprojects: Sequence[Mapping[str, Any]] = ()  # supervision sub-project records (supervision.sub_dict)
    groups: Sequence[Mapping[str, Any]] = ()  # 领导小组 of the county and townships (groups.list_groups)
    meetings: Sequence[Mapping[str, Any]] = ()  # 会商 meetings (meetings.show_meeting) of the project
    tasks: Sequence[Mapping[str, Any]] = ()  # the project's responsibility list (tasks.task_dict)
    willingness: Mapping[str, Any] | None = None
    votes: Sequence[Mapping[str, Any]] = ()
    realloc: Mapping[str, Any] | None = None

    def place(self, code: Any) -> str:
        """The unit's name, else the code itself (a code nobody named)."""
        text = "" if code is None else str(code)
        return self.places.get(text) or text

    def places_text(self, codes: Any) -> str:
        return "、".join(self.place(c) for c in codes) if codes else "—"

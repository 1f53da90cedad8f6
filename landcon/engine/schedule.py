"""Progress against the planned schedule (实施进度对照计划): the share of a sub-project's planned period
that has elapsed on a date, and a project's progress as the investment-weighted mean of its
sub-projects.

The plan gives each sub-project a planned start and end (plan.yaml ``start_year``/``end_year``, or the
dates registered with the sub-project); progress reports give its cumulative percent complete. A
project has no percent of its own, so it is weighted by sub-project investment (万元) — the project's
money is what its schedule spends. Dates are passed in (no clock here).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from landcon.engine.alerts import elapsed_share  # the one home of the elapsed-share formula

__all__ = ["ScheduleStatus", "elapsed_share", "planned_percent", "project_progress"]


def planned_percent(start: dt.date | None, end: dt.date | None, on: dt.date) -> float | None:
    """The percent complete the schedule expects on ``on``: 100 × ``elapsed_share`` ((on − start) ÷
    (end − start) in days, clamped to [0, 1]), to 0.01; None without both dates or when the end is
    before the start.

    >>> planned_percent(dt.date(2026, 1, 1), dt.date(2026, 1, 11), dt.date(2026, 1, 5))
    40.0
    """
    if start is None or end is None or end < start:
        return None
    return round(100 * elapsed_share(start, end, on), 2)


@dataclass(frozen=True)
class ScheduleStatus:
    """A sub-project's or project's percent complete and the percent its schedule expects (None: no
    planned dates), both to 0.01; ``lag`` = planned − actual, in percentage points (> 0: behind)."""

    percent: float
    planned: float | None

    @property
    def lag(self) -> float | None:
        return None if self.planned is None else round(self.planned - self.percent, 2)


def project_progress(subs: Iterable[tuple[float, float | None, float]]) -> ScheduleStatus | None:
    """Investment-weighted progress of a project from its sub-projects' (percent, planned percent or
    None, investment 万元): percent = Σ wᵢ·pᵢ ÷ Σ wᵢ over all sub-projects, planned = the same over the
    sub-projects with planned dates; wᵢ = investment, or 1 for each when their investments sum to 0.
    None for a project without sub-projects.

    >>> project_progress([(50.0, 40.0, 300.0), (0.0, None, 100.0)])
    ScheduleStatus(percent=37.5, planned=40.0)
    """
    rows = list(subs)
    if not rows:
        return None
    equal = sum(w for _, _, w in rows) <= 0
    weighted = [(p, s, 1.0 if equal else w) for p, s, w in rows]
    total = sum(w for _, _, w in weighted)
    percent = sum(p * w for p, _, w in weighted) / total if total else 0.0
    dated = [(s, w) for _, s, w in weighted if s is not None]
    dated_total = sum(w for _, w in dated)
    planned = None
    if dated:
        planned = sum(s * w for s, w in dated) / dated_total if dated_total else sum(s for s, _ in dated) / len(dated)
    return ScheduleStatus(round(percent, 2), None if planned is None else round(planned, 2))

"""The planned schedule the dashboard compares progress with (``engine.schedule``)."""

from __future__ import annotations

import datetime as dt

from landcon.engine.schedule import ScheduleStatus, elapsed_share, planned_percent, project_progress

JAN1, DEC31 = dt.date(2026, 1, 1), dt.date(2026, 12, 31)


def test_elapsed_share_of_the_planned_period() -> None:
    """182 of the 364 days from 1 January to 31 December have passed on 2 July: half the period."""
    assert elapsed_share(JAN1, DEC31, dt.date(2026, 7, 2)) == 0.5
    assert planned_percent(JAN1, DEC31, dt.date(2026, 4, 1)) == round(100 * 90 / 364, 2) == 24.73
    assert elapsed_share(JAN1, DEC31, dt.date(2025, 6, 1)) == 0.0  # not started
    assert elapsed_share(JAN1, DEC31, dt.date(2027, 3, 1)) == 1.0  # past its end
    assert planned_percent(None, DEC31, JAN1) is None and planned_percent(JAN1, None, JAN1) is None
    assert planned_percent(DEC31, JAN1, JAN1) is None  # end before start


def test_project_progress_is_weighted_by_investment() -> None:
    """Z1 600 万元 at 55 % (planned 50 %), Z2 400 万元 at 0 % (planned 50 %): 33 % done of 50 % planned."""
    p = project_progress([(55.0, 50.0, 600.0), (0.0, 50.0, 400.0)])
    assert p == ScheduleStatus(percent=33.0, planned=50.0) and p.lag == 17.0
    # a sub-project without planned dates counts for the percent, not for the planned share
    assert project_progress([(50.0, 40.0, 300.0), (0.0, None, 100.0)]) == ScheduleStatus(37.5, 40.0)
    # no investment anywhere: each sub-project weighs the same
    assert project_progress([(20.0, None, 0.0), (60.0, None, 0.0)]) == ScheduleStatus(40.0, None)
    assert project_progress([(20.0, None, 0.0)]).lag is None  # type: ignore[union-attr]
    assert project_progress([]) is None

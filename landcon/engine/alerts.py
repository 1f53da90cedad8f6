"""Supervision alerts (预警): the conditions a project under implementation is checked for.

One function per kind, over plain inputs (the date is passed in; no clock, no database), each
returning candidate alerts. A candidate has a stable ``key`` (kind + subject, unique within its
project), a severity, a Chinese message with the figures, the figures themselves and the code of the
unit responsible. ``services.alerts`` stores them and keeps their state (docs/alerts.md).

Thresholds come from the profile's ``supervision`` section (``engine.profile.SupervisionSettings``):
working values of the province's practice, not national figures.

- ``behind_schedule``: planned = elapsed share of the planned start–end period (0–100 %), actual =
  the latest percent complete (0 before the first report); behind when planned − actual >
  ``schedule_tolerance`` percentage points.
- ``below_plan``: at the latest milestone m reached (a fraction of the planned period), expected =
  m × plan (allocated investment Σ budget, or a planned 工程量); below when done < ``milestone_ratio``
  × expected.
- ``overspent``: disbursed > allocated, per fund source and in total, per sub-project.
- ``intrusion``: the latest change detection of the project has area in 规划外新增建设用地, 生态保护红线内
  地类变化 or 永久基本农田不再是耕地 (``engine.change_detection``).
- ``photo_off_site``: a site photo taken outside its sub-project's outline (beyond the buffer) or
  without a position (``engine.photos``).
- ``revolving_due``: 周转指标 outstanding whose deadline is within ``revolving_due_days`` or past.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from landcon.engine import change_detection as CD
from landcon.engine import photos as P
from landcon.engine.ledger_amounts import M2_PER_MU, mu
from landcon.engine.supervision import FUNDING_SOURCES, QUANTITIES

BEHIND_SCHEDULE = "behind_schedule"
BELOW_PLAN = "below_plan"
OVERSPENT = "overspent"
INTRUSION = "intrusion"
PHOTO_OFF_SITE = "photo_off_site"
REVOLVING_DUE = "revolving_due"
CARE_NOT_CULTIVATED = "care_not_cultivated"  # the 后期管护 kinds: functions in engine/care_alerts.py
CARE_ABANDONED = "care_abandoned"
CARE_EXPIRED = "care_expired"
CARE_OVERDUE = "care_overdue"

KIND_LABELS: dict[str, str] = {
    BEHIND_SCHEDULE: "进度滞后",
    BELOW_PLAN: "低于计划",
    OVERSPENT: "超额拨付",
    INTRUSION: "变化监测异常",
    PHOTO_OFF_SITE: "照片位置异常",
    REVOLVING_DUE: "周转指标到期",
    CARE_NOT_CULTIVATED: "新增耕地不再是耕地",
    CARE_ABANDONED: "新增耕地撂荒",
    CARE_EXPIRED: "管护协议到期",
    CARE_OVERDUE: "管护巡查逾期",
}
"""Alert kind → Chinese label."""

WARNING, SERIOUS = "warning", "serious"
SEVERITY_LABELS: dict[str, str] = {WARNING: "一般", SERIOUS: "严重"}

INTRUSION_CLASSES = (CD.UNPLANNED_CONSTRUCTION, CD.RED_LINE, CD.PERMANENT_FARMLAND_LOST)
"""Change-detection classes that raise an ``intrusion`` alert when they have any area."""

TOTAL = "total"
INVESTMENT = "investment"


@dataclass(frozen=True)
class Candidate:
    """One alert condition that holds: ``key`` is unique within its project."""

    kind: str
    key: str
    severity: str
    message: str
    unit: str  # code of the responsible unit
    sub_project: str | None = None  # code of the sub-project, when the alert concerns one
    figures: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SubProjectState:
    """What the checks need of one sub-project: plan (dates, budget by source, planned 工程量) and what
    its progress reports add up to (latest percent, Σ 工程量 done, Σ disbursed by source)."""

    code: str
    unit: str
    start: dt.date | None
    end: dt.date | None
    budget: Mapping[str, float]
    planned: Mapping[str, float]
    percent: float | None  # latest report's percent complete; None before the first report
    done: Mapping[str, float]
    disbursed: Mapping[str, float]


@dataclass(frozen=True)
class PhotoState:
    id: int
    sub_project: str
    unit: str
    filename: str
    status: str  # engine.photos status
    distance_m: float | None
    buffer_m: float


@dataclass(frozen=True)
class RevolvingState:
    """One 周转指标 issue (``engine.ledger.revolving_status``), outstanding in ledger area units (1/300 m²)."""

    posting: int
    unit: str
    area_code: str
    outstanding: int
    due: dt.date | None


def _pct(value: float) -> str:
    return f"{value:.1f}%"


def elapsed_share(start: dt.date, end: dt.date, on: dt.date) -> float:
    """(on − start) ÷ (end − start), clamped to [0, 1]; a one-day period is 1 from its start."""
    if on <= start:
        return 0.0 if end > start else (1.0 if on >= end else 0.0)
    if on >= end:
        return 1.0
    return (on - start).days / (end - start).days


def behind_schedule(subs: Iterable[SubProjectState], on: dt.date, tolerance: float) -> list[Candidate]:
    """Sub-projects whose latest percent complete trails the elapsed planned period by more than
    ``tolerance`` percentage points (serious once the planned end has passed)."""
    out = []
    for s in subs:
        if s.start is None or s.end is None or on < s.start:
            continue
        planned = round(elapsed_share(s.start, s.end, on) * 100, 1)
        actual = round(s.percent or 0.0, 1)
        gap = round(planned - actual, 1)
        if gap <= tolerance:
            continue
        out.append(
            Candidate(
                BEHIND_SCHEDULE,
                f"behind:{s.code}",
                SERIOUS if on > s.end else WARNING,
                f"{s.code} 计划进度 {_pct(planned)}，实际 {_pct(actual)}，落后 {gap:.1f} 个百分点",
                s.unit,
                s.code,
                {"planned_percent": planned, "actual_percent": actual, "gap": gap, "tolerance": tolerance},
            )
        )
    return out


def milestone_reached(start: dt.date, end: dt.date, on: dt.date, milestones: Sequence[float]) -> float | None:
    """The latest milestone (fraction of the planned period) reached on ``on``, or None."""
    share = elapsed_share(start, end, on)
    reached = [m for m in milestones if share >= m]
    return max(reached) if reached else None


def below_plan(
    subs: Iterable[SubProjectState], on: dt.date, milestones: Sequence[float], ratio: float
) -> list[Candidate]:
    """At the latest milestone m reached: disbursed < ratio × m × allocated, or a 工程量 done <
    ratio × m × planned (serious at the end of the period)."""
    out = []
    for s in subs:
        if s.start is None or s.end is None:
            continue
        m = milestone_reached(s.start, s.end, on, milestones)
        if m is None:
            continue
        severity = SERIOUS if m >= 1 else WARNING
        lines: list[tuple[str, str, float, float, str]] = [
            (INVESTMENT, "资金拨付", sum(s.disbursed.values()), sum(s.budget.values()), "万元")
        ]
        lines += [(k, QUANTITIES[k].label, s.done.get(k, 0.0), v, QUANTITIES[k].unit) for k, v in s.planned.items()]
        for what, label, done, plan, unit in lines:
            expected = round(m * plan, 4)
            if plan <= 0 or done >= ratio * expected:
                continue
            share = round(done / expected * 100, 1)
            out.append(
                Candidate(
                    BELOW_PLAN,
                    f"below_plan:{s.code}:{what}",
                    severity,
                    f"{s.code} 计划工期已过 {m * 100:.0f}%：{label} {done:,.2f} {unit}，为应完成 {expected:,.2f} {unit}"
                    f"（计划 {plan:,.2f} {unit} × {m * 100:.0f}%）的 {_pct(share)}，低于 {ratio * 100:.0f}%",
                    s.unit,
                    s.code,
                    {
                        "item": what,
                        "milestone": m,
                        "done": round(done, 4),
                        "planned": round(plan, 4),
                        "expected": expected,
                        "share_percent": share,
                        "ratio": ratio,
                    },
                )
            )
    return out


def overspent(subs: Iterable[SubProjectState]) -> list[Candidate]:
    """Disbursed more than allocated, per fund source and in total (万元, compared at 0.0001)."""
    out = []
    for s in subs:
        order = sorted(s.disbursed, key=lambda x: (FUNDING_SOURCES.index(x) if x in FUNDING_SOURCES else 99, x))
        lines = [(src, s.disbursed[src], s.budget.get(src, 0.0)) for src in order]
        lines.append((TOTAL, sum(s.disbursed.values()), sum(s.budget.values())))
        for source, paid, allocated in lines:
            excess = round(paid - allocated, 4)
            if excess <= 0:
                continue
            label = "合计" if source == TOTAL else source
            out.append(
                Candidate(
                    OVERSPENT,
                    f"overspent:{s.code}:{source}",
                    SERIOUS,
                    f"{s.code} {label}已拨付 {paid:,.2f} 万元，超过安排 {allocated:,.2f} 万元 {excess:,.2f} 万元",
                    s.unit,
                    s.code,
                    {"source": source, "disbursed": round(paid, 4), "allocated": round(allocated, 4), "excess": excess},
                )
            )
    return out


def intrusion(project: str, unit: str, monitor: Mapping[str, Any] | None) -> list[Candidate]:
    """Classes of the project's latest change detection (monitor.json) that should have no area."""
    if not monitor:
        return []
    classes = monitor.get("classes") or {}
    versions = f"数据版本 {monitor.get('before_version')}→{monitor.get('after_version')}"
    out = []
    for code in INTRUSION_CLASSES:
        c = classes.get(code) or {}
        area = float(c.get("area_m2") or 0.0)
        if area <= 0:
            continue
        count = int(c.get("count") or 0)
        out.append(
            Candidate(
                INTRUSION,
                f"intrusion:{project}:{code}",
                WARNING if code == CD.UNPLANNED_CONSTRUCTION else SERIOUS,
                f"{project} 变化监测（{versions}）：{CD.CLASS_LABELS[code]} {area:,.2f} 平方米"
                f"（{area / M2_PER_MU:,.2f} 亩），{count} 处",
                unit,
                None,
                {
                    "class": code,
                    "area_m2": round(area, 2),
                    "count": count,
                    "before_version": monitor.get("before_version"),
                    "after_version": monitor.get("after_version"),
                },
            )
        )
    return out


def photo_off_site(photos: Iterable[PhotoState]) -> list[Candidate]:
    """Photos taken outside their sub-project's outline (beyond the buffer) or without a position."""
    out = []
    for p in photos:
        if p.status == P.OUTSIDE:
            what = f"距子项目范围 {p.distance_m or 0.0:,.1f} 米，超过 {p.buffer_m:g} 米"
        elif p.status == P.NO_POSITION:
            what = "无位置信息"
        else:
            continue
        out.append(
            Candidate(
                PHOTO_OFF_SITE,
                f"photo:{p.id}",
                WARNING,
                f"{p.sub_project} 照片 {p.filename}（#{p.id}）{what}",
                p.unit,
                p.sub_project,
                {"photo": p.id, "status": p.status, "distance_m": p.distance_m, "buffer_m": p.buffer_m},
            )
        )
    return out


def revolving_due(items: Iterable[RevolvingState], on: dt.date, within_days: int) -> list[Candidate]:
    """周转指标 still owed whose deadline is at most ``within_days`` away (warning) or past (serious)."""
    out = []
    for r in items:
        if r.outstanding <= 0 or r.due is None:
            continue
        left = (r.due - on).days
        if left > within_days:
            continue
        when = f"已逾期 {-left} 天" if left < 0 else f"剩余 {left} 天"
        out.append(
            Candidate(
                REVOLVING_DUE,
                f"revolving:{r.posting}",
                SERIOUS if left < 0 else WARNING,
                f"项目区 {r.area_code} 周转指标 {mu(r.outstanding):,.2f} 亩 应于 {r.due.isoformat()} 前归还，{when}",
                r.unit,
                None,
                {
                    "posting": r.posting,
                    "area_code": r.area_code,
                    "outstanding_mu": mu(r.outstanding),
                    "due_date": r.due.isoformat(),
                    "days_left": left,
                },
            )
        )
    return out


__all__ = [
    "BEHIND_SCHEDULE",
    "BELOW_PLAN",
    "INTRUSION",
    "INTRUSION_CLASSES",
    "KIND_LABELS",
    "OVERSPENT",
    "PHOTO_OFF_SITE",
    "REVOLVING_DUE",
    "SERIOUS",
    "SEVERITY_LABELS",
    "WARNING",
    "Candidate",
    "PhotoState",
    "RevolvingState",
    "SubProjectState",
    "behind_schedule",
    "below_plan",
    "elapsed_share",
    "intrusion",
    "milestone_reached",
    "overspent",
    "photo_off_site",
    "revolving_due",
]

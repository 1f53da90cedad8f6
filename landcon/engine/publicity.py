"""公示 (public notice) and objections: subject kinds, the minimum period, statuses and the clearance rule.

A 公示 publishes a subject (the plan version, the willingness results, the 权属调整 scheme version, an
入市 deal, …) at a place for a period ``start … end`` (both days included). Anyone may object within the
period; the issuing unit answers each objection: 异议成立 (upheld: the subject must change and be
published again, the new 公示 naming the old one it replaces) or 异议不成立 (dismissed, the answer
giving the reason).

The clearance of a subject at a date (``clearance``) lists what still blocks it — an empty list means
cleared: there is a 公示; its period is over (the day after ``end``); every objection is answered; an
upheld objection is followed by a re-publication that itself clears. Sources: the 2023 notice on
全域土地综合整治 (公众参与, no "少数人说了算"); 农村土地承包法 / 村民委员会组织法 (村务公开). The minimum
number of days is a profile value (``PublicitySettings``, profile section ``publicity``), not a national
figure: 7 days is common practice for 村务公开 of land matters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

PLAN, WILLINGNESS, REALLOC, MARKET, OTHER = "plan", "willingness", "realloc", "market", "other"
KINDS: Mapping[str, str] = MappingProxyType(
    {
        PLAN: "实施方案",
        WILLINGNESS: "意愿调查结果",
        REALLOC: "权属调整方案",
        MARKET: "集体经营性建设用地入市",
        OTHER: "其他事项",
    }
)
"""Subject kinds of a 公示 and their Chinese names."""

UPHELD, DISMISSED = "upheld", "dismissed"
OUTCOMES: Mapping[str, str] = MappingProxyType({UPHELD: "异议成立", DISMISSED: "异议不成立"})

PLACES: tuple[str, ...] = ("村务公开栏", "村民小组公告栏", "乡镇政府网站", "乡镇政务公开栏", "县级政府网站")
"""Usual places of a 公示 (a user may name another)."""

NOT_STARTED, OPEN, PENDING, ENDED, CLEARED = "not_started", "open", "pending", "ended", "cleared"
STATUS_NAMES: Mapping[str, str] = MappingProxyType(
    {NOT_STARTED: "未开始", OPEN: "公示中", PENDING: "有异议待答复", ENDED: "已结束", CLEARED: "已通过"}
)


@dataclass(frozen=True)
class PublicitySettings:
    """Profile section ``publicity`` (docs/profile.md): the minimum period in days (both ends counted),
    overridable per subject kind."""

    min_days: int = 7
    min_days_by_kind: Mapping[str, int] = field(default_factory=dict)

    def min_days_for(self, kind: str) -> int:
        return int(self.min_days_by_kind.get(kind, self.min_days))


def settings_from_dict(data: Mapping[str, Any]) -> PublicitySettings:
    """Settings from a YAML mapping (``min_days``, ``min_days_by_kind: {kind: days}``); unknown keys or
    kinds and values below one day raise ``ValueError``."""
    unknown = set(data) - set(PublicitySettings.__dataclass_fields__)
    if unknown:
        raise ValueError(f"未知的公示设置项：{', '.join(sorted(map(str, unknown)))}")
    min_days = int(data.get("min_days", PublicitySettings.min_days))
    by_kind_raw = data.get("min_days_by_kind") or {}
    if not isinstance(by_kind_raw, Mapping):
        raise ValueError("min_days_by_kind 应为 {事项类型: 天数}")
    stray = set(map(str, by_kind_raw)) - set(KINDS)
    if stray:
        raise ValueError(f"min_days_by_kind：未知事项类型 {', '.join(sorted(stray))}（可用 {', '.join(KINDS)}）")
    by_kind = {str(k): int(v) for k, v in by_kind_raw.items()}
    if min_days < 1 or any(v < 1 for v in by_kind.values()):
        raise ValueError("公示天数应至少为 1 天")
    return PublicitySettings(min_days=min_days, min_days_by_kind=MappingProxyType(by_kind))


def settings_to_dict(settings: PublicitySettings) -> dict[str, Any]:
    return {"min_days": settings.min_days, "min_days_by_kind": dict(settings.min_days_by_kind)}


def period_days(start: dt.date, end: dt.date) -> int:
    """Days of a period with both ends included: ``end − start + 1``."""
    return (end - start).days + 1


def period_problem(kind: str, start: dt.date, end: dt.date, settings: PublicitySettings) -> str | None:
    """Why a period cannot be used (end before start, shorter than the minimum for ``kind``), or None."""
    if end < start:
        return f"公示结束日期 {end.isoformat()} 早于开始日期 {start.isoformat()}"
    days, need = period_days(start, end), settings.min_days_for(kind)
    if days < need:
        return (
            f"公示期 {start.isoformat()} 至 {end.isoformat()} 共 {days} 天，"
            f"{KINDS.get(kind, kind)}的公示期不得少于 {need} 天"
        )
    return None


def receipt_problem(start: dt.date, end: dt.date, received: dt.date) -> str | None:
    """Why an objection received on ``received`` is not accepted (outside ``start … end``), or None."""
    if received < start or received > end:
        return f"异议收到日期 {received.isoformat()} 不在公示期 {start.isoformat()} 至 {end.isoformat()} 内，不予受理"
    return None


@dataclass(frozen=True)
class ObjectionFacts:
    received_on: dt.date
    outcome: str | None  # UPHELD, DISMISSED, or None: not answered yet


@dataclass(frozen=True)
class NoticeFacts:
    """What the clearance needs of one 公示: its id, subject, period, the 公示 it replaces, objections."""

    id: int
    kind: str
    ref: str
    start: dt.date
    end: dt.date
    replaces: int | None = None
    objections: Sequence[ObjectionFacts] = ()

    @property
    def unanswered(self) -> int:
        return sum(1 for o in self.objections if o.outcome is None)

    @property
    def upheld(self) -> int:
        return sum(1 for o in self.objections if o.outcome == UPHELD)


def status(notice: NoticeFacts, on: dt.date) -> str:
    """The status shown in lists: 未开始, 有异议待答复 (an objection without answer), 公示中 (within the
    period), 已结束 (over, but an upheld objection needs a re-publication) or 已通过."""
    if on < notice.start:
        return NOT_STARTED
    if notice.unanswered:
        return PENDING
    if on <= notice.end:
        return OPEN
    return ENDED if notice.upheld else CLEARED


def subject_label(kind: str, ref: str) -> str:
    """e.g. ``实施方案（版本 2）公示``; a subject without reference is its kind's name."""
    name = KINDS.get(kind, kind)
    if not ref:
        return f"{name}公示"
    return f"{name}（版本 {ref}）公示" if kind in (PLAN, REALLOC) else f"{name}（{ref}）公示"


def _latest(notices: Sequence[NoticeFacts]) -> NoticeFacts:
    return max(notices, key=lambda n: (n.start, n.id))


def clearance(notices: Sequence[NoticeFacts], kind: str, ref: str | None, on: dt.date) -> list[str]:
    """Reasons the subject (``kind``, ``ref``; ``ref`` None: the latest 公示 of the kind) is not cleared at
    ``on`` — empty when cleared. The latest 公示 of the subject is judged; an upheld objection passes the
    judgement to the latest re-publication replacing it (which may carry another reference)."""
    candidates = [n for n in notices if n.kind == kind and (ref is None or n.ref == ref)]
    if not candidates:
        return [f"尚无{subject_label(kind, ref or '')}"]
    return _blockers(_latest(candidates), notices, on, seen=set())


def _blockers(n: NoticeFacts, notices: Sequence[NoticeFacts], on: dt.date, seen: set[int]) -> list[str]:
    label = subject_label(n.kind, n.ref)
    seen.add(n.id)
    reasons: list[str] = []
    if on < n.start:
        reasons.append(f"{label}尚未开始（{n.start.isoformat()} 起）")
    elif on <= n.end:
        reasons.append(f"{label}期未结束（至 {n.end.isoformat()}）")
    if n.unanswered:
        reasons.append(f"{label}有 {n.unanswered} 条异议尚未答复")
    if n.upheld:
        again = [m for m in notices if m.replaces == n.id and m.id not in seen]
        if not again:
            reasons.append(f"{label}有 {n.upheld} 条异议成立：须修改后重新公示")
        else:
            reasons.extend(_blockers(_latest(again), notices, on, seen))
    return reasons


__all__ = [
    "CLEARED",
    "DISMISSED",
    "ENDED",
    "KINDS",
    "MARKET",
    "NOT_STARTED",
    "OPEN",
    "OTHER",
    "OUTCOMES",
    "PENDING",
    "PLACES",
    "PLAN",
    "REALLOC",
    "STATUS_NAMES",
    "UPHELD",
    "WILLINGNESS",
    "NoticeFacts",
    "ObjectionFacts",
    "PublicitySettings",
    "clearance",
    "period_days",
    "period_problem",
    "receipt_problem",
    "settings_from_dict",
    "settings_to_dict",
    "status",
    "subject_label",
]

"""Alerts of 后期管护 (docs/aftercare.md) on accepted projects: accepted new farmland no longer 耕地 or
撂荒 in a later vintage, agreements run out, inspections overdue. Same ``Candidate`` and kinds table
as ``engine.alerts``; pure, the date passed in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from landcon.engine.alerts import (
    CARE_ABANDONED,
    CARE_EXPIRED,
    CARE_NOT_CULTIVATED,
    CARE_OVERDUE,
    SERIOUS,
    WARNING,
    Candidate,
)
from landcon.engine.ledger_amounts import M2_PER_MU

SHOWN = 10
"""Parcels named in an alert's message; ``figures["parcels"]`` holds them all."""


def _listed(keys: list[str]) -> str:
    return "、".join(keys[:SHOWN]) + (f" 等 {len(keys)} 块" if len(keys) > SHOWN else "")


@dataclass(frozen=True)
class CareFinding:
    """One parcel under care in a vintage (``engine.aftercare.ParcelInVintage``) and its unit."""

    key: str
    unit: str
    not_cultivated_m2: float
    abandoned_m2: float


@dataclass(frozen=True)
class CareAgreementState:
    """What the checks need of one 管护协议: its period, parcels, unit and the latest inspection."""

    code: str
    unit: str
    start: dt.date
    end: dt.date
    parcels: tuple[str, ...]
    last_inspection: dt.date | None


def care_farmland(project: str, vintage: int, found: Iterable[CareFinding]) -> list[Candidate]:
    """Per responsible unit: accepted new farmland that is no longer 耕地 in the vintage (serious) and
    耕地 that is 撂荒 (ZZSXDM WG, warning), with Σ area (m², 亩) and the parcels."""
    out = []
    rows = list(found)
    for kind, attr, severity, what in (
        (CARE_NOT_CULTIVATED, "not_cultivated_m2", SERIOUS, "不再是耕地"),
        (CARE_ABANDONED, "abandoned_m2", WARNING, "撂荒（种植属性 WG）"),
    ):
        by_unit: dict[str, list[CareFinding]] = {}
        for f in rows:
            if getattr(f, attr) > 0:
                by_unit.setdefault(f.unit, []).append(f)
        for unit, items in sorted(by_unit.items()):
            area = round(sum(getattr(f, attr) for f in items), 2)
            keys = [f.key for f in items]
            out.append(
                Candidate(
                    kind,
                    f"{kind}:{unit}",
                    severity,
                    f"{project} 变更调查（数据版本 {vintage}）：已验收新增耕地 {len(keys)} 块{what}，"
                    f"{area:,.2f} 平方米（{area / M2_PER_MU:,.2f} 亩）：{_listed(keys)}",
                    unit,
                    None,
                    {
                        "vintage": vintage,
                        "area_m2": area,
                        "area_mu": round(area / M2_PER_MU, 2),
                        "parcels": {f.key: round(getattr(f, attr), 2) for f in items},
                    },
                )
            )
    return out


def care_agreements(agreements: Iterable[CareAgreementState], on: dt.date, interval_days: int) -> list[Candidate]:
    """``care_expired``: the period ended (end < on) and not every parcel is in an agreement current on
    ``on``; ``care_overdue``: a current agreement without an inspection for more than
    ``interval_days`` (counted from the latest inspection, else from the start)."""
    items = list(agreements)
    current = {k for a in items if a.start <= on <= a.end for k in a.parcels}
    out = []
    for a in items:
        if a.end < on:
            uncovered = [k for k in a.parcels if k not in current]
            if uncovered:
                days = (on - a.end).days
                out.append(
                    Candidate(
                        CARE_EXPIRED,
                        f"care_expired:{a.code}",
                        WARNING,
                        f"管护协议 {a.code} 已于 {a.end.isoformat()} 到期（{days} 天），"
                        f"{len(uncovered)} 块新增耕地没有有效的管护协议：{'、'.join(uncovered)}",
                        a.unit,
                        None,
                        {"end": a.end.isoformat(), "days": days, "parcels": uncovered},
                    )
                )
            continue
        if on < a.start:
            continue
        since = a.last_inspection or a.start
        days = (on - since).days
        if days <= interval_days:
            continue
        last = (
            f"上次巡查 {a.last_inspection.isoformat()}" if a.last_inspection else f"协议 {a.start.isoformat()} 起未巡查"
        )
        out.append(
            Candidate(
                CARE_OVERDUE,
                f"care_overdue:{a.code}",
                WARNING,
                f"管护协议 {a.code} 已 {days} 天未巡查（{last}），超过 {interval_days} 天",
                a.unit,
                None,
                {
                    "last_inspection": a.last_inspection.isoformat() if a.last_inspection else None,
                    "days": days,
                    "interval_days": interval_days,
                },
            )
        )
    return out

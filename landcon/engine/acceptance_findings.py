"""The plan rule pack re-run on the as-built state (docs/acceptance.md, "Rule pack on the as-built
state").

The rules (``engine.rules``) look at a ``PlanAnalysis``; this builds one from the plan's analysis
(the same before state, zones and 永农 adjustment) with the as-built after state, parcels and
indicators in place of the plan's, and runs ``engine.rules.check`` on it. Features the findings name
among the change parcels are as-built parcels (layer JGTB, id = BSM or row number). Rules over
plan.yaml values (investment balance, period) see none and report 无法检查.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from landcon.engine.asbuilt_schema import JGTB
from landcon.engine.indicators.compose import PlanAnalysis, PlanIndicators
from landcon.engine.indicators.states import AfterState, Parcel
from landcon.engine.plan import CZGHTB, ZJGGTB
from landcon.engine.rules import check


def asbuilt_findings(
    plan: PlanAnalysis,
    after: AfterState,
    parcels: Sequence[Parcel],
    result: PlanIndicators,
    pack: Mapping[str, Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """Every enabled rule of ``pack`` on the as-built state (findings as ``plan check --json``)."""
    analysis = PlanAnalysis(
        indicators=result.to_dict(),
        after=after.changes,
        parcels=list(parcels),
        adjustment=plan.adjustment,
        adjustment_parcels=plan.adjustment_parcels,
        zones=plan.zones,
        zzqy=plan.zzqy,
        epsg=plan.epsg,
        result=result,
        before=plan.before,
    )
    findings = check(analysis, pack)
    for finding in findings:
        finding["features"] = [
            {**f, "layer": JGTB} if f.get("layer") in (CZGHTB, ZJGGTB) else f for f in finding["features"]
        ]
    return findings

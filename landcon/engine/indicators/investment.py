"""投资估算与资金筹措 from plan.yaml (registry keys ``investment.*``, ``years``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from landcon.engine.plan import funding_by_source, subproject_investment, subprojects_without_investment

WAN_DIGITS = 4
"""万元 to 4 decimals (1 元)."""


@dataclass(frozen=True)
class InvestmentIndicators:
    total_wan: float
    by_source_wan: dict[str, float]
    by_subproject_wan: dict[str, float]
    funding_total_wan: float
    subprojects_without_investment: list[str]
    funding_given: bool


def investment_indicators(meta: Mapping[str, Any]) -> InvestmentIndicators:
    """投资估算 = Σ sub-project investment; 资金筹措 = Σ funding by source (万元, 实施方案附表)."""
    by_project = subproject_investment(meta)
    by_source = funding_by_source(meta)
    return InvestmentIndicators(
        total_wan=round(sum(by_project.values()), WAN_DIGITS),
        by_source_wan={k: round(v, WAN_DIGITS) for k, v in by_source.items()},
        by_subproject_wan={k: round(v, WAN_DIGITS) for k, v in by_project.items()},
        funding_total_wan=round(sum(by_source.values()), WAN_DIGITS),
        subprojects_without_investment=subprojects_without_investment(meta),
        funding_given=bool(meta.get("funding")),
    )


def period_years(start: int | None, end: int | None) -> int | None:
    """实施期限 = end year − start year + 1 (None when either is unknown)."""
    return end - start + 1 if start is not None and end is not None else None

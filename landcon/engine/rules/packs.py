"""Rule packs: every threshold and severity of the plan rules, in one place.

``national`` holds the values of national documents; ``yunnan`` inherits it and overrides what a
Yunnan rule text sets (none confirmed yet: the 云南省全域土地综合整治实施方案编制指南 has not been
obtained, domain reference §1.9 — so every Yunnan value is national until it is). A pack file
(YAML, read by services) may override any value: ``extends: yunnan`` then
``rules: {RULE_ID: {threshold: …, severity: …, enabled: …}}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)

NATIONAL: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        # 新增耕地率 ≥ 5% (双5%, 2019 194号 / 2020 实施要点) [C2 for the exact wording].
        "NEW_FARMLAND_MIN_5PCT": {"threshold": 0.05, "severity": ERROR},
        # 调出永农 ≤ 5% of the area's 永农 (commonly applied) [C2].
        "PFL_OUT_MAX_5PCT": {"threshold": 0.05, "severity": ERROR},
        # (调入 − 调出) / 调出 ≥ 5% (review table formula [C], threshold [C2]).
        "PFL_NET_GAIN_MIN_5PCT": {"threshold": 0.05, "severity": ERROR},
        # 调入 mean grade ≤ 调出 mean grade (1 best) [C2].
        "PFL_QUALITY_NOT_LOWER": {"threshold": 0.0, "severity": ERROR},
        # 调入 mean slope grade ≤ 调出 [C2].
        "PFL_SLOPE_NOT_WORSE": {"threshold": 0.0, "severity": ERROR},
        # 集中连片度提升 > 0 [C].
        "PFL_CONTIGUITY_IMPROVED": {"threshold": 0.0, "severity": ERROR},
        # 建设用地 not increased (m² tolerance) [C].
        "CONSTRUCTION_NOT_INCREASED": {"threshold": 0.0, "severity": ERROR},
        # Only restoration may touch the 生态保护红线 (m² of overlap tolerated) [C rule, U tolerance].
        "REDLINE_UNTOUCHED": {"threshold": 1.0, "severity": ERROR},
        # No 永农 调出 inside 城镇开发边界; no new construction across it (m² tolerance) [C2].
        "URBAN_BOUNDARY_RESPECTED": {"threshold": 1.0, "severity": ERROR},
        # No new 耕地 on slopes > 25° (GDPDJB 5) [C].
        "NEW_FARMLAND_SLOPE_MAX_25": {"threshold": "5", "severity": ERROR},
        # No new 耕地 inside the 生态保护红线 (m² tolerance) [C].
        "NEW_FARMLAND_OUTSIDE_REDLINE": {"threshold": 1.0, "severity": ERROR},
        # 建新 area ≤ 拆旧 area per 项目区 [U wording].
        "LINKAGE_NEW_LE_OLD": {"threshold": 0.0, "severity": ERROR},
        # 拆旧 reclaimed 耕地 ≥ 耕地 taken by 建新 per 项目区 [C2].
        "LINKAGE_FARMLAND_BALANCE": {"threshold": 0.0, "severity": ERROR},
        # Implementation period in years (3, some provinces allow up to 5) [C for Sichuan, C2 generally].
        "PERIOD_MAX_YEARS": {"threshold": 3, "severity": WARNING},
        # Funding equals investment (万元 tolerance).
        "FUNDING_BALANCED": {"threshold": 0.01, "severity": ERROR},
        # 宅基地 demolished only with recorded villager consent (2023 notice) [C].
        "DEMOLITION_NEEDS_CONSENT": {"threshold": None, "severity": WARNING},
    }
)

YUNNAN: Mapping[str, Mapping[str, Any]] = MappingProxyType({**NATIONAL})
"""Yunnan: national values until the provincial guide gives its own (each one changeable here)."""

PACKS: Mapping[str, Mapping[str, Mapping[str, Any]]] = MappingProxyType({"national": NATIONAL, "yunnan": YUNNAN})


def resolve(name: str, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    """A pack by name with per-rule overrides applied (unknown rule ids or severities raise)."""
    if name not in PACKS:
        raise KeyError(f"unknown rule pack {name!r}; known: {', '.join(PACKS)}")
    pack = {rule: {"enabled": True, **values} for rule, values in PACKS[name].items()}
    for rule, values in (overrides or {}).items():
        if rule not in pack:
            raise KeyError(f"unknown rule {rule!r}")
        unknown = set(values) - {"threshold", "severity", "enabled"}
        if unknown:
            raise KeyError(f"rule {rule}: unknown keys {', '.join(sorted(unknown))}")
        if "severity" in values and values["severity"] not in SEVERITIES:
            raise KeyError(f"rule {rule}: severity must be one of {', '.join(SEVERITIES)}")
        pack[rule].update(values)
    return pack

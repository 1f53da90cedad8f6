"""The ``plan.yaml`` dict of a synthetic plan (``synth.plan.generate_plan``): sub-projects with their
investment, its structure (``costs``: 工程施工费 / 其他费用 / 不可预见费) and planned 工程量
(``quantities``), and a funding table that balances the investment, 指标收益 among its sources.

Every number here (unit costs, cost shares, road and channel densities, household counts) is a
synthetic default, not a real plan's value. Costs and quantities are derived without randomness
(the random draws are those of the investment, years, funding and households).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from landcon.engine import codes
from landcon.engine.plan import COST_ITEMS, FUNDING_SOURCES

BASE_YEAR = 2023
START_YEAR = 2025

# Sub-project roles: (name suffix, type, department). The first five are always present.
ROLES: Mapping[str, tuple[str, str, str]] = {
    "restore": ("耕地恢复与宜耕后备资源开发", "农用地整理", "自然资源局"),
    "level": ("高标准农田建设（小田并大田）", "农用地整理", "农业农村局"),
    "linkage": ("城乡建设用地增减挂钩", "建设用地整理", "自然资源局"),
    "ecology": ("生态保护修复", "生态保护修复", "林业和草原局"),
    "living": ("人居环境整治", "人居环境整治", "住房和城乡建设局"),
    "industry": ("特色产业配套设施", "产业配套", "农业农村局"),
    "heritage": ("传统村落保护利用", "历史文化保护", "文化和旅游局"),
    "water": ("农田水利设施配套", "其他", "水务局"),
}
CORE_ROLES = ("restore", "level", "linkage", "ecology", "living")
EXTRA_ROLES = ("industry", "heritage", "water")

OTHER_COST_SHARE = 0.12
"""其他费用 (前期工作、监理、验收、业主管理) as a share of a sub-project's investment."""
UNFORESEEN_COST_SHARE = 0.03
"""不可预见费 as a share of a sub-project's investment; 工程施工费 is the rest."""
FIELD_ROAD_KM_PER_HA = 0.03
"""田间道/生产路 (km) per hectare of land levelled or restored."""
CHANNEL_KM_PER_HA = 0.04
"""灌排渠道/管道 (km) per hectare of land levelled or restored (the 农田水利 sub-project serves both)."""
FARMLAND_ROLES = ("restore", "level")
"""Roles whose parcels are levelled (土地平整) farmland."""
REQUIRED_SOURCES = ("县级财政", "整合涉农资金", "指标收益")
"""Funding sources every synthetic plan has; 2–4 others are drawn."""


@dataclass(frozen=True)
class Site:
    """Where the plan lies: dataset, county, township, the villages of the 整治区域."""

    dataset: str
    county: str
    county_name: str
    township: str
    town_name: str
    villages: tuple[str, ...]


def costs(investment: int) -> dict[str, int]:
    """工程施工费 / 其他费用 / 不可预见费 (万元, integers) summing to ``investment``."""
    other = round(investment * OTHER_COST_SHARE)
    unforeseen = round(investment * UNFORESEEN_COST_SHARE)
    return dict(zip(COST_ITEMS, (investment - other - unforeseen, other, unforeseen), strict=True))


def quantities(role: str, role_area: Mapping[str, float]) -> dict[str, float]:
    """Planned 工程量 of a role: 土地平整 (公顷) = its parcels' area, roads and channels by density;
    the 农田水利 sub-project's channels serve all levelled and restored land. Empty for other roles."""
    if role in FARMLAND_ROLES:
        ha = role_area.get(role, 0.0) / 10_000.0
        return {
            "land_levelling": round(ha, 2),
            "field_roads": round(ha * FIELD_ROAD_KM_PER_HA, 2),
            "channels": round(ha * CHANNEL_KM_PER_HA, 2),
        }
    if role == "water":
        ha = sum(role_area.get(r, 0.0) for r in FARMLAND_ROLES) / 10_000.0
        return {"channels": round(ha * CHANNEL_KM_PER_HA, 2)}
    return {}


def plan_meta(
    site: Site,
    rng: np.random.Generator,
    roles: Mapping[str, tuple[str, str]],
    role_area: Mapping[str, float],
    *,
    violating: bool,
) -> dict[str, Any]:
    """The plan.yaml dict; ``roles`` maps a role to its (sub-project code, village), ``role_area`` to
    its parcels' area (m²). The violating variant runs 6 years and funds 80–88 % of the investment."""
    start = START_YEAR
    end = start + (5 if violating else 2)
    mu = {role: area / codes.SQM_PER_MU for role, area in role_area.items()}
    unit_cost = {  # 万元 per 亩 of parcel area, plus a fixed part: synthetic defaults
        "restore": (rng.uniform(0.25, 0.40), 30),
        "level": (rng.uniform(0.30, 0.45), 30),
        "linkage": (rng.uniform(4.0, 8.0), 50),
        "ecology": (rng.uniform(0.15, 0.30), 40),
    }
    fixed = {"living": (300, 900), "industry": (400, 1500), "heritage": (200, 600), "water": (300, 1000)}
    sub_projects: list[dict[str, Any]] = []
    for role, (code, village) in roles.items():
        suffix, kind, department = ROLES[role]
        if role in unit_cost:
            per_mu, base = unit_cost[role]
            investment = max(20, round(mu.get(role, 0.0) * per_mu + base))
        else:
            lo, hi = fixed[role]
            investment = int(rng.integers(lo, hi))
        sp_start = int(rng.integers(start, min(start + 1, end) + 1))
        sp_end = int(rng.integers(sp_start, end + 1))
        item: dict[str, Any] = {
            "code": code,
            "name": f"{site.town_name}{suffix}项目",
            "type": kind,
            "village": village,
            "department": department,
            "start_year": sp_start,
            "end_year": sp_end,
            "investment": investment,
            "costs": costs(investment),
        }
        planned = quantities(role, role_area)
        if planned:
            item["quantities"] = planned
        sub_projects.append(item)
    total = sum(int(sp["investment"]) for sp in sub_projects)
    n_sources = int(rng.integers(5, 8))
    others = [s for s in FUNDING_SOURCES if s not in REQUIRED_SOURCES]
    picked = {str(s) for s in rng.choice(np.asarray(others, dtype=object), n_sources - 3, replace=False)}
    sources = [s for s in FUNDING_SOURCES if s in REQUIRED_SOURCES or s in picked]
    funded = round(total * rng.uniform(0.80, 0.88)) if violating else total
    amounts = split_integer(funded, rng.dirichlet(np.full(len(sources), 3.0)))
    funding: list[dict[str, Any]] = []
    for source, amount in zip(sources, amounts, strict=True):
        entry: dict[str, Any] = {"source": source, "amount": amount}
        if source == "整合涉农资金":
            entry = {"source": source, "department": "农业农村", "amount": amount}
        funding.append(entry)
    households = int(sum(int(rng.integers(200, 600)) for _ in site.villages))
    return {
        "name": f"{site.county_name}{site.town_name}全域土地综合整治实施方案",
        "county": site.county,
        "townships": [site.township],
        "base_dataset": site.dataset,
        "base_year": BASE_YEAR,
        "start_year": start,
        "end_year": end,
        "rule_pack": "yunnan",
        "households_benefited": households,
        "responsible_units": [
            f"{site.county_name}人民政府",
            f"{site.town_name}人民政府",
            f"{site.county_name}自然资源局",
            f"{site.county_name}农业农村局",
        ],
        "funding": funding,
        "sub_projects": sub_projects,
    }


def split_integer(total: int, weights: npt.NDArray[np.float64]) -> list[int]:
    """Integers ≥ 0 proportional to ``weights`` that add up to ``total`` exactly (largest remainder)."""
    raw = total * weights / weights.sum()
    out = np.floor(raw).astype(np.int64)
    rest = int(total - out.sum())
    out[np.argsort(-(raw - out), kind="stable")[:rest]] += 1
    return [int(v) for v in out]

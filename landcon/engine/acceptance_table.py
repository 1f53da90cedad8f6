"""The plan vs as-built table of the acceptance: one row per figure, labels from the indicator
registry for the registered indicators (docs/acceptance.md, "plan vs as-built").

Each row: ``key`` (registry key, a registry key + "/" + code for a mapping, or ``acceptance.*`` for a
figure acceptance adds), ``label``, ``unit`` (平方米, 比例, 个, 等, 公斤, 万元), ``plan``, ``built`` and
``difference`` = built − plan (None where either is missing).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from landcon.engine.indicators import registry

INDICATOR_ROWS: tuple[str, ...] = (
    "cultivated.new_m2",
    "cultivated.new_paddy_m2",
    "cultivated.supplementary_m2",
    "cultivated.new_rate",
    "cultivated.before_net_m2",
    "cultivated.after_net_m2",
    "construction.before_m2",
    "construction.after_m2",
    "permanent_farmland.out_m2",
    "permanent_farmland.in_m2",
    "fields.before",
    "fields.after",
    "fields.merge_degree",
    "ecology.restoration_m2",
)
"""Registered indicators compared one to one."""

MAPPING_ROWS: tuple[str, ...] = ("cultivated.new_by_subproject_m2", "ecology.restoration_by_type_m2")
"""Registered mappings compared code by code (new 耕地 by sub-project, restoration by type)."""

FIGURE_ROWS: tuple[tuple[str, str, str], ...] = (
    ("scale_m2", "整治规模（变化图斑面积）", "平方米"),
    ("grade_before", "整治前耕地平均质量等别", "等"),
    ("grade_after", "整治后耕地平均质量等别", "等"),
    ("supplementary_grade", "可用于占补平衡新增耕地平均质量等别", "等"),
    ("grain_kg", "新增粮食产能", "公斤"),
)


def _difference(plan: Any, built: Any) -> float | None:
    numeric = (int, float)
    if isinstance(plan, numeric) and isinstance(built, numeric) and not isinstance(plan, bool):
        return round(float(built) - float(plan), 6)
    return None


def _row(key: str, label: str, unit: str, plan: Any, built: Any) -> dict[str, Any]:
    return {
        "key": key,
        "label": label,
        "unit": unit,
        "plan": plan,
        "built": built,
        "difference": _difference(plan, built),
    }


def comparison_rows(
    plan: Mapping[str, Any],
    built: Mapping[str, Any],
    figures: Mapping[str, Mapping[str, Any]],
    investment: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """Plan vs as-built rows: registered indicators, their mappings code by code, the figures the
    acceptance adds and the investment (planned vs 决算, in total and by sub-project)."""
    rows: list[dict[str, Any]] = []
    for key in INDICATOR_ROWS:
        entry = registry.get(key)
        unit = registry.UNIT_NAMES.get(entry.unit, entry.unit)
        rows.append(_row(key, entry.label, unit, registry.value(plan, key), registry.value(built, key)))
    for key in MAPPING_ROWS:
        entry = registry.get(key)
        p, b = registry.value(plan, key) or {}, registry.value(built, key) or {}
        for code in sorted(set(p) | set(b)):
            rows.append(
                _row(f"{key}/{code}", f"{entry.label}：{code or '—'}", "平方米", p.get(code, 0.0), b.get(code, 0.0))
            )
    for name, label, unit in FIGURE_ROWS:
        rows.append(_row(f"acceptance.{name}", label, unit, figures[name]["plan"], figures[name]["built"]))
    rows.append(
        _row(
            "acceptance.investment_wan",
            "投资（计划 / 决算）",
            "万元",
            investment["planned_wan"],
            investment["final_wan"],
        )
    )
    p_sub, b_sub = investment["planned_by_subproject_wan"], investment["final_by_subproject_wan"]
    for code in sorted(set(p_sub) | set(b_sub)):
        rows.append(
            _row(
                f"acceptance.investment_wan/{code}",
                f"投资（计划 / 决算）：{code}",
                "万元",
                p_sub.get(code),
                b_sub.get(code),
            )
        )
    return rows

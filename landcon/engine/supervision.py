"""实施监管 (implementation supervision): the code tables of sub-projects and progress reports, and the
funds arithmetic (allocated vs disbursed, reconciled with the plan's 资金筹措).

Sub-project types and fund sources are the plan's own tables (``engine.plan.SUBPROJECT_TYPES``,
``engine.plan.FUNDING_SOURCES``); the 工程量 keys follow the quantities the national supervision
system collects at acceptance (domain reference §7.3(a): 土地平整面积, 田间道/生产路, 灌排渠道/管道,
泵站, 农用井, 桥涵, 防护林(株)). Money is in 万元, as in plan.yaml.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from landcon.engine.plan import FUNDING_SOURCES, SUBPROJECT_TYPES
from landcon.errors import InvalidRecord

__all__ = [
    "FUNDING_SOURCES",
    "QUANTITIES",
    "SUBPROJECT_TYPES",
    "FundsRow",
    "FundsSummary",
    "Quantity",
    "check_amounts",
    "check_number",
    "check_percent",
    "check_quantities",
    "check_type",
    "funds_summary",
]


@dataclass(frozen=True)
class Quantity:
    key: str
    label: str
    unit: str


#: 工程量 (planned and done) a sub-project records, by key.
QUANTITIES: Mapping[str, Quantity] = {
    q.key: q
    for q in (
        Quantity("land_levelling", "土地平整", "公顷"),
        Quantity("field_roads", "田间道/生产路", "公里"),
        Quantity("channels", "灌排渠道/管道", "公里"),
        Quantity("pumping_stations", "泵站", "座"),
        Quantity("wells", "农用井", "眼"),
        Quantity("bridges_culverts", "桥涵", "座"),
        Quantity("shelterbelt_trees", "防护林", "株"),
    )
}


def check_number(value: object, field: str, what: str) -> float:
    """A number ≥ 0 (int, float or numeric text); anything else is refused naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidRecord(f"{what} 应为数值，现为 {value!r}", field=field)
    try:
        number = float(value)
    except ValueError as error:
        raise InvalidRecord(f"{what} 应为数值，现为 {value!r}", field=field) from error
    if not math.isfinite(number) or number < 0:
        raise InvalidRecord(f"{what} 应为不小于 0 的数值，现为 {value!r}", field=field)
    return number


def check_type(kind: str) -> str:
    if kind not in SUBPROJECT_TYPES:
        raise InvalidRecord(
            f"子项目类型 {kind!r} 无效；可选：{'、'.join(SUBPROJECT_TYPES)}", field="type", feature=kind
        )
    return kind


def check_quantities(values: Mapping[str, object] | None, field: str = "quantities") -> dict[str, float]:
    """工程量 by key (``QUANTITIES``), each a number ≥ 0; an unknown key is refused naming it."""
    out: dict[str, float] = {}
    for key, value in (values or {}).items():
        if key not in QUANTITIES:
            known = "、".join(f"{q.key}（{q.label}，{q.unit}）" for q in QUANTITIES.values())
            raise InvalidRecord(f"工程量 {key!r} 无效；可选：{known}", field=f"{field}.{key}", feature=key)
        q = QUANTITIES[key]
        out[key] = check_number(value, f"{field}.{key}", f"{q.label}（{q.unit}）")
    return out


def check_amounts(values: Mapping[str, object] | None, field: str) -> dict[str, float]:
    """万元 by fund source (``FUNDING_SOURCES``), each a number ≥ 0."""
    out: dict[str, float] = {}
    for source, value in (values or {}).items():
        if source not in FUNDING_SOURCES:
            raise InvalidRecord(
                f"资金来源 {source!r} 无效；可选：{'、'.join(FUNDING_SOURCES)}",
                field=f"{field}.{source}",
                feature=source,
            )
        out[source] = check_number(value, f"{field}.{source}", f"{source}金额（万元）")
    return out


def check_percent(value: object) -> float:
    number = check_number(value, "percent", "完成百分比")
    if number > 100:
        raise InvalidRecord(f"完成百分比应在 0–100 之间，现为 {value!r}", field="percent")
    return number


@dataclass(frozen=True)
class FundsRow:
    """One fund source: the plan's 资金筹措 amount, what the sub-projects' budgets allocate, what the
    progress reports disbursed (万元)."""

    source: str
    planned: float
    allocated: float
    disbursed: float

    @property
    def unallocated(self) -> float:
        """planned − allocated: ≠ 0 means the sub-project budgets do not reconcile with the plan."""
        return round(self.planned - self.allocated, 6)

    @property
    def disbursement_rate(self) -> float | None:
        """disbursed ÷ allocated (None when nothing is allocated)."""
        return round(self.disbursed / self.allocated, 6) if self.allocated else None


@dataclass(frozen=True)
class FundsSummary:
    rows: tuple[FundsRow, ...]
    by_department: Mapping[str, tuple[float, float]]  # department → (allocated, disbursed)

    @property
    def planned(self) -> float:
        return round(sum(r.planned for r in self.rows), 6)

    @property
    def allocated(self) -> float:
        return round(sum(r.allocated for r in self.rows), 6)

    @property
    def disbursed(self) -> float:
        return round(sum(r.disbursed for r in self.rows), 6)

    @property
    def reconciles(self) -> bool:
        """Every source's sub-project budgets add up to the plan's 资金筹措 amount."""
        return all(r.unallocated == 0 for r in self.rows)


def _add(into: dict[str, float], amounts: Mapping[str, float]) -> None:
    for source, amount in amounts.items():
        into[source] = into.get(source, 0.0) + float(amount)


def funds_summary(
    planned: Mapping[str, float],
    budgets: Iterable[tuple[str, Mapping[str, float]]],
    disbursements: Iterable[tuple[str, Mapping[str, float]]],
) -> FundsSummary:
    """Allocated vs disbursed by source and by department.

    ``planned``: the plan's 资金筹措 by source (``engine.plan.funding_by_source``); ``budgets``:
    (department, budget by source) of each sub-project; ``disbursements``: (department, disbursed by
    source) of each progress report. allocated(source) = Σ budgets; disbursed(source) = Σ reports.
    Sources appear in ``FUNDING_SOURCES`` order; a source with no amount anywhere is left out.
    """
    allocated: dict[str, float] = {}
    disbursed: dict[str, float] = {}
    departments: dict[str, list[float]] = {}
    for department, budget in budgets:
        _add(allocated, budget)
        departments.setdefault(department, [0.0, 0.0])[0] += sum(float(v) for v in budget.values())
    for department, paid in disbursements:
        _add(disbursed, paid)
        departments.setdefault(department, [0.0, 0.0])[1] += sum(float(v) for v in paid.values())
    sources = [s for s in FUNDING_SOURCES if s in planned or s in allocated or s in disbursed]
    rows = tuple(
        FundsRow(
            s,
            round(float(planned.get(s, 0.0)), 6),
            round(allocated.get(s, 0.0), 6),
            round(disbursed.get(s, 0.0), 6),
        )
        for s in sources
    )
    return FundsSummary(rows, {d: (round(a, 6), round(p, 6)) for d, (a, p) in sorted(departments.items())})

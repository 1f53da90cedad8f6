"""The table model of the 实施方案 附表 (shared by ``plan_xlsx`` and ``plan_docx``): tables, cells,
number formats and the unit conversions of indicator values (m² → 公顷/亩, fractions → %)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from landcon.engine import codes
from landcon.reports.survey_xlsx import (
    DASH,
    M2_DIGITS,
    _area_cells,
)

HA = "0.0000"
MU = "0.00"
PCT = "0.00"
WAN = "0.00"
GRADE = "0.00"
COUNT = "0"
TEXT = "@"
GENERAL = "General"

SEVERITY_NAMES: Mapping[str, str] = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_ORDER: tuple[str, ...] = ("error", "warning", "info")
STATUS_ORDER: tuple[str, ...] = ("pass", "fail", "unknown")

SLOPE_CLASSES: tuple[tuple[str, str], ...] = (("le15", "≤15°"), ("15_25", "15°–25°"), ("gt25", ">25°"))
CONTIGUITY_CLASSES: tuple[tuple[str, str], ...] = (
    ("le5", "≤5亩"),
    ("5_10", "5–10亩"),
    ("10_20", "10–20亩"),
    ("gt20", ">20亩"),
)
TO_FILL = "待填写"
"""Written where the review form asks for something landcon has no data for."""


# ---------------------------------------------------------------------------------------------
# Table model (shared with plan_docx)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Num:
    """A number with its own display format (for form-like tables whose value column mixes units)."""

    value: float
    fmt: str


@dataclass(frozen=True)
class TableColumn:
    """One sheet column: ``group`` is the merged header above it (e.g. 整治前 over 公顷/亩)."""

    label: str
    fmt: str = TEXT
    group: str | None = None
    width: float = 12.0


@dataclass
class TableRow:
    """Cells: None (blank), str (text, "—" for null), int/float (column format) or ``Num``."""

    cells: list[Any]
    bold: bool = False


@dataclass
class Table:
    """A titled block of rows; a sheet holds one or more tables stacked vertically."""

    title: str | None
    columns: list[TableColumn]
    rows: list[TableRow] = field(default_factory=list)

    def add(self, *cells: Any, bold: bool = False) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"row of {len(cells)} cells for {len(self.columns)} columns in {self.title}")
        self.rows.append(TableRow(list(cells), bold))

    @property
    def grouped(self) -> bool:
        return any(c.group is not None for c in self.columns)


@dataclass
class Sheet:
    """One worksheet: a title, a note line and its tables."""

    name: str
    note: str
    tables: list[Table]


def format_cell(value: Any, fmt: str) -> str:
    """Display text of a cell (the docx rendering of what the xlsx cell shows)."""
    if value is None:
        return ""
    if isinstance(value, Num):
        return format_cell(value.value, value.fmt)
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        if fmt in (TEXT, GENERAL):
            return f"{value:g}" if isinstance(value, float) else str(value)
        digits = len(fmt.split(".", 1)[1]) if "." in fmt else 0
        return f"{value:.{digits}f}"
    return str(value)


# ---------------------------------------------------------------------------------------------
# Indicator access and conversions
# ---------------------------------------------------------------------------------------------


def _m2(value: Any) -> float | None:
    """An m² value rounded to 0.01 (the source of every conversion and sum), None for null."""
    return None if value is None else round(float(value), M2_DIGITS)


def _sum_m2(values: Iterable[Any]) -> float | None:
    """Sum of rounded m² values; None when any is None."""
    rounded = [_m2(v) for v in values]
    if any(v is None for v in rounded):
        return None
    return round(sum(v for v in rounded if v is not None), M2_DIGITS)


def _diff_m2(after: Any, before: Any) -> float | None:
    if after is None or before is None:
        return None
    return round(float(after) - float(before), M2_DIGITS)


def area_cells(m2: Any) -> list[Any]:
    """[公顷 (4 dp), 亩 (2 dp)] of an m² value, ["—", "—"] for None."""
    return _area_cells(_m2(m2))


def percent(fraction: Any) -> Any:
    """A fraction as a percentage rounded to 2 dp; "—" for None."""
    return DASH if fraction is None else round(float(fraction) * 100.0, 2)


def _share(part: float | None, total: float | None) -> Any:
    """part / total as % (a 占比 column); "—" when unknown or the total is 0."""
    if part is None or total is None or total == 0:
        return DASH
    return round(part / total * 100.0, 2)


def hectares(m2: Any) -> Any:
    return area_cells(m2)[0]


def mu(m2: Any) -> Any:
    return area_cells(m2)[1]


def _num(value: Any, fmt: str, digits: int) -> Any:
    return DASH if value is None else Num(round(float(value), digits), fmt)


def _text(value: Any) -> str:
    return DASH if value is None or value == "" else str(value)


def _wan(value: Any) -> Any:
    return DASH if value is None else round(float(value), 2)


def _sum_wan(values: Iterable[Any]) -> Any:
    items = list(values)
    if any(v is None for v in items):
        return DASH
    return round(sum(float(v) for v in items), 2)


def _area_columns(group: str) -> list[TableColumn]:
    return [TableColumn("公顷", HA, group), TableColumn("亩", MU, group)]


def _dlbm_name(code: str) -> str:
    return codes.LAND_USE_NAMES.get(code, "未知地类")


def _subproject_names(plan: Mapping[str, Any]) -> dict[str, str]:
    return {str(sp.get("code")): str(sp.get("name", "")) for sp in plan.get("sub_projects") or []}


def _ordered_subprojects(plan: Mapping[str, Any], extra: Iterable[str]) -> list[str]:
    """Sub-project codes in plan.yaml order, then codes only the indicators know (sorted)."""
    order = [str(sp.get("code")) for sp in plan.get("sub_projects") or []]
    return order + sorted(set(extra).difference(order))


def _pct_value(fraction: Any) -> float | None:
    return None if fraction is None else float(fraction) * 100.0

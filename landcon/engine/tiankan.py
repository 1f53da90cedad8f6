"""田坎系数 (KCXS) of cultivated land after consolidation: the county's table by 耕地坡度级别 and 耕地类型.

三调 deducts 田坎 from a 耕地 图斑 as ``KCMJ = TBMJ × KCXS`` with the coefficient the county measured
for the parcel's GDPDJB (1–5) and GDLX (梯田 TT / 坡地 PD) (domain reference §4.1). New or levelled
耕地 is registered with that same table, so a plan cannot declare its own, lower coefficient: the
table lives in the rule pack (``NEW_FARMLAND_KCXS_TABLE``), and this module only looks values up.

The default values are NOT from a known source (domain reference Appendix B item 4: Yunnan's county
tables were not obtained); they are configurable per county through a pack file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from landcon.engine.codes import SLOPE_FIELD, SLOPE_GRADES, TERRACE

TiankanTable = Mapping[str, Mapping[str, float]]
"""GDLX (``TT`` / ``PD``) → GDPDJB (``"1"``–``"5"``) → 田坎系数 (fraction of TBMJ)."""

DEFAULT_TABLE: TiankanTable = MappingProxyType(
    {
        TERRACE: MappingProxyType({"1": 0.0, "2": 0.05, "3": 0.08, "4": 0.12, "5": 0.16}),
        SLOPE_FIELD: MappingProxyType({"1": 0.0, "2": 0.03, "3": 0.06, "4": 0.10, "5": 0.14}),
    }
)
"""来源未知，可配置: placeholder coefficients (grade 1, ≤2°, has no 田坎), to be replaced by the county's table."""

TYPES: tuple[str, ...] = (TERRACE, SLOPE_FIELD)
GRADES: tuple[str, ...] = tuple(SLOPE_GRADES)


def merge_table(base: TiankanTable, override: Mapping[Any, Any] | None) -> dict[str, dict[str, float]]:
    """``base`` with the values of ``override`` (a partial table, e.g. from YAML) replacing its own.

    Raises ``ValueError`` naming the key for an unknown 耕地类型 or 坡度级别, or a value outside [0, 1)."""
    out = {t: {g: float(v) for g, v in base[t].items()} for t in TYPES}
    if override is None:
        return out
    if not isinstance(override, Mapping):
        raise ValueError("田坎系数表应为 {耕地类型: {坡度级别: 系数}} / the 田坎 table must be a mapping")
    for kind, row in override.items():
        if str(kind) not in TYPES:
            raise ValueError(f"田坎系数表的耕地类型应为 {'、'.join(TYPES)}，不是 {kind}")
        if not isinstance(row, Mapping):
            raise ValueError(f"田坎系数表 {kind} 应为 {{坡度级别: 系数}}")
        for grade, value in row.items():
            if str(grade) not in GRADES:
                raise ValueError(f"田坎系数表 {kind} 的坡度级别应为 1–5，不是 {grade}")
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= float(value) < 1:
                raise ValueError(f"田坎系数表 {kind} {grade} 级的系数应在 [0, 1) 内，不是 {value}")
            out[str(kind)][str(grade)] = float(value)
    return out


def coefficients(
    slope: Sequence[str] | npt.NDArray[np.object_],
    gdlx: Sequence[str] | npt.NDArray[np.object_],
    table: TiankanTable,
) -> npt.NDArray[np.float64]:
    """The table's 田坎系数 per piece; NaN where the 坡度级别 is unknown.

    Where the 耕地类型 is unknown (neither TT nor PD) the larger of the two values is taken: a plan
    that wants the lower one states the type (ZHGDLX)."""
    out = np.full(len(slope), np.nan)
    for k, (grade, kind) in enumerate(zip(slope, gdlx, strict=True)):
        g = str(grade)
        if g not in GRADES:
            continue
        out[k] = float(table[kind][g]) if kind in TYPES else max(float(table[t][g]) for t in TYPES)
    return out


def steeper(a: str, b: str) -> str:
    """The steeper of two 坡度级别 ("" = unknown; the known one wins)."""
    known = [g for g in (a, b) if g in SLOPE_GRADES]
    return max(known) if known else ""


def describe(table: TiankanTable) -> str:
    """The table in one line of Chinese (for reports)."""
    names = {TERRACE: "梯田", SLOPE_FIELD: "坡地"}
    return "；".join(
        f"{names.get(t, t)} " + "、".join(f"{g}级 {float(v):g}" for g, v in sorted(table[t].items())) for t in TYPES
    )

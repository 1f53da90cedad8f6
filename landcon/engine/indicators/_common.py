"""Shared arithmetic of the indicator families: sums by key, rounding to 0.01 m², ratios."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields, is_dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from landcon.engine import codes

Floats = npt.NDArray[np.float64]
Geoms = npt.NDArray[np.object_]


def numbers(values: Sequence[str]) -> Floats:
    """Text values as floats (NaN where not a number)."""
    return np.asarray(pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce"), dtype=np.float64)


def union(geoms: Sequence[object]) -> object:
    """The union of the non-empty geometries (an empty polygon when there are none)."""
    arr = np.asarray([g for g in geoms if g is not None and not shapely.is_empty(g)], dtype=object)
    return shapely.union_all(arr) if len(arr) else shapely.Polygon()


def is_cultivated(dlbm: npt.NDArray[np.object_] | pd.Series) -> npt.NDArray[np.bool_]:
    """DLBM in 耕地 (0101–0103)."""
    return np.isin(np.asarray(dlbm, dtype=object), list(codes.CULTIVATED_CODES))


def three_class(dlbm: Sequence[str]) -> npt.NDArray[np.object_]:
    """三大类 of each DLBM ("" when unknown)."""
    return np.asarray([codes.THREE_CLASS_OF.get(c, "") for c in dlbm], dtype=object)


def sum_by(
    keys: Sequence[str] | npt.NDArray[np.object_], values: Floats, mask: npt.NDArray[np.bool_] | None = None
) -> dict[str, float]:
    """Σ values by key (optionally only where ``mask``), keys sorted, areas to 0.01 m²."""
    k = np.asarray(keys, dtype=object)
    v = np.asarray(values, dtype=np.float64)
    if mask is not None:
        k, v = k[mask], v[mask]
    sums = pd.Series(v).groupby(pd.Series(k, dtype=object)).sum().sort_index()
    return {str(key): m2(value) for key, value in sums.items()}


def m2(value: float) -> float:
    """An area to 0.01 m² (never −0.0)."""
    return round(float(value), 2) + 0.0


def ratio(num: float, den: float) -> float | None:
    """num / den to 6 decimals; None when den ≤ 0."""
    return round(num / den, 6) if den > 0 else None


def plain(value: Any) -> Any:
    """A result dataclass (and what it holds) as plain dicts and lists, fields in declaration order."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value

"""Values of a tenure adjustment, from the polygons (never from SCMJ/HTMJ): the one home of the value formulas.

value(parcel) = area(geometry) × coef(DLDJ)                     standard m² (params.py)
d   = params.deduction, or 1 − Σ_b V_b / Σ_{pooled p} value(p)  (land given up for roads and ditches;
      a computed d < 0 — blocks worth more than the pool — is refused like a given one)
K_h = Σ_{locked p of h} value(p)                                kept in place
E_h = (1 − d) · Σ_{pooled p of h} value(p)                      pooled entitlement
T_h = K_h + E_h                                                 total entitlement (deviation is measured on it)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from landcon.engine.realloc.params import Params

FloatArray = npt.NDArray[np.float64]


def coefficients(grades: object, params: Params) -> FloatArray:
    """coef(DLDJ) for each grade (KeyError names the first unknown grade)."""
    return np.array([params.coef(g) for g in list(grades)], dtype=np.float64)  # type: ignore[call-overload]


def land_values(frame: gpd.GeoDataFrame, params: Params) -> FloatArray:
    """area(geometry) × coef(DLDJ), row by row."""
    areas = shapely.area(np.asarray(frame.geometry.array))
    return np.asarray(areas * coefficients(frame["DLDJ"], params), dtype=float)


@dataclass(frozen=True)
class Valuation:
    parcel_value: FloatArray  # per parcel row
    pooled: npt.NDArray[np.bool_]  # per parcel row: not locked
    deduction: float
    entitled_pool: dict[str, float]  # E_h
    kept: dict[str, float]  # K_h
    block_total: float  # Σ V_b

    def entitled(self, household: str) -> float:
        """T_h = K_h + E_h."""
        return self.kept.get(household, 0.0) + self.entitled_pool.get(household, 0.0)


def deduction(pooled_total: float, block_total: float, params: Params) -> float:
    """d = params.deduction, or 1 − Σ_b V_b / Σ_{pooled p} value(p) (0 when nothing is pooled)."""
    if params.deduction is not None:
        return float(params.deduction)
    return 1.0 - block_total / pooled_total if pooled_total > 0 else 0.0


NEGATIVE_DEDUCTION_SLACK = 1e-9
"""A computed deduction below −1e-9 is refused; above it (rounding of equal totals) it counts as 0."""


def computed_deduction(pooled_total: float, block_total: float, params: Params) -> float:
    """``deduction`` refused when negative like a given one (params_from_dict): blocks worth more than
    the pooled parcels would hand out land that nobody gave up. ValueError states both totals."""
    d = deduction(pooled_total, block_total, params)
    if d >= 0.0 or params.deduction is not None:
        return d
    if d > -NEGATIVE_DEDUCTION_SLACK:
        return 0.0
    raise ValueError(
        f"计算所得扣除率 d = 1 − Σ新田块价值 / Σ参与调整地块价值 = {d:.2%}，应在 [0, 1) 之间："
        f"新田块价值 {block_total:,.2f} 大于参与调整（未固定）的承包地块价值 {pooled_total:,.2f} 标准平方米，"
        f"多 {block_total - pooled_total:,.2f}。请核对新田块范围与地力等级（DLDJ），或在参数文件中给定 deduction"
    )


def entitlements(
    owners: Sequence[str], values: FloatArray, pooled: npt.NDArray[np.bool_], d: float
) -> tuple[dict[str, float], dict[str, float]]:
    """(E_h, K_h) per household: (1 − d)·Σ pooled values and Σ kept values of the parcels it owns."""
    entitled: dict[str, float] = {}
    kept: dict[str, float] = {}
    for code, v, is_pooled in zip(owners, values, pooled, strict=True):
        entitled.setdefault(code, 0.0)
        kept.setdefault(code, 0.0)
        if is_pooled:
            entitled[code] += (1.0 - d) * float(v)
        else:
            kept[code] += float(v)
    return entitled, kept


def valuate(
    parcels: gpd.GeoDataFrame, blocks: gpd.GeoDataFrame, locked: Mapping[str, str], params: Params
) -> Valuation:
    """Entitlements of every household of ``parcels`` (columns DKBM, CBFBM, DLDJ) against ``blocks`` (DLDJ)."""
    value = land_values(parcels, params)
    pooled = ~parcels["DKBM"].astype(str).isin(set(locked)).to_numpy()
    block_total = float(land_values(blocks, params).sum())
    d = computed_deduction(float(value[pooled].sum()), block_total, params)
    entitled, kept = entitlements(parcels["CBFBM"].astype(str).tolist(), value, pooled, d)
    return Valuation(value, pooled, d, entitled, kept, block_total)

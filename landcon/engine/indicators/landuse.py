"""Land use before and after in the 整治区域 (registry keys ``landuse.*``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from landcon.engine.indicators._common import Floats, m2, sum_by
from landcon.engine.indicators.states import AfterState, BeforeState


@dataclass(frozen=True)
class LandUseIndicators:
    before_m2: dict[str, float]
    after_m2: dict[str, float]
    kcmj_before_m2: float
    kcmj_after_m2: float


def landuse_after(before: BeforeState, after: AfterState) -> tuple[npt.NDArray[np.object_], Floats]:
    """DLBM and net area of every piece after: the untouched share of each inside piece (its
    TBDLMJ × rest) and every changed piece (its net area after)."""
    dl = before.inside["DLBM"].to_numpy(dtype=object)
    keys = np.concatenate([dl, after.changes["after"].to_numpy(dtype=object)])
    values = np.concatenate([before.inside["TBDLMJ"].to_numpy() * after.rest, after.changes["net_after"].to_numpy()])
    return keys, values


def landuse_indicators(before: BeforeState, after: AfterState) -> LandUseIndicators:
    """Σ TBDLMJ by DLBM before and after (net for 耕地), and Σ KCMJ (田坎) before and after."""
    inside = before.inside
    keys, values = landuse_after(before, after)
    return LandUseIndicators(
        before_m2=sum_by(inside["DLBM"].to_numpy(dtype=object), inside["TBDLMJ"].to_numpy()),
        after_m2={k: v for k, v in sum_by(keys, values).items() if v != 0.0},
        kcmj_before_m2=m2(inside["KCMJ"].sum()),
        kcmj_after_m2=m2((inside["KCMJ"].to_numpy() * after.rest).sum() + after.changes["kcmj_after"].sum()),
    )

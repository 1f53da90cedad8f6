"""建设用地 in the 整治区域 before and after (registry keys ``construction.*``)."""

from __future__ import annotations

from dataclasses import dataclass

from landcon.engine import codes
from landcon.engine.indicators._common import m2, three_class
from landcon.engine.indicators.landuse import landuse_after
from landcon.engine.indicators.states import AfterState, BeforeState


@dataclass(frozen=True)
class ConstructionIndicators:
    before_m2: float
    after_m2: float
    change_m2: float
    surplus_m2: float


def construction_indicators(before: BeforeState, after: AfterState) -> ConstructionIndicators:
    """三大类 建设用地 net area before and after; change = after − before; 节余 = max(before − after, 0)
    (建设用地总量不增加: 自然资发〔2019〕194号)."""
    dl = before.inside["DLBM"].to_numpy(dtype=object)
    before_net = before.inside["TBDLMJ"].to_numpy()
    keys_after, values_after = landuse_after(before, after)
    constr_before = float(before_net[three_class(list(dl)) == codes.CONSTRUCTION].sum())
    constr_after = float(values_after[three_class(list(keys_after)) == codes.CONSTRUCTION].sum())
    return ConstructionIndicators(
        before_m2=m2(constr_before),
        after_m2=m2(constr_after),
        change_m2=m2(constr_after - constr_before),
        surplus_m2=m2(max(constr_before - constr_after, 0.0)),
    )

"""生态修复: change parcels with a restoration type (registry keys ``ecology.*``)."""

from __future__ import annotations

from dataclasses import dataclass

from landcon.engine.indicators._common import m2, sum_by
from landcon.engine.indicators.states import AfterState


@dataclass(frozen=True)
class RestorationIndicators:
    restoration_m2: float
    restoration_by_type_m2: dict[str, float]


def restoration_indicators(after: AfterState) -> RestorationIndicators:
    """Σ TBMJ of the changed pieces whose parcel has a 生态修复类型 (STXFLX), in total and by type."""
    eco = after.changes["restoration"].to_numpy(dtype=object)
    tbmj = after.changes["tbmj"].to_numpy()
    mask = eco != ""
    return RestorationIndicators(
        restoration_m2=m2(tbmj[mask].sum()),
        restoration_by_type_m2=sum_by(eco, tbmj, mask),
    )

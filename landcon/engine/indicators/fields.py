"""小田变大田: cultivated fields before and after and their 归并度 (registry keys ``fields.*``)."""

from __future__ import annotations

from dataclasses import dataclass

from landcon.engine.indicators._common import is_cultivated, ratio
from landcon.engine.indicators.states import AfterState, BeforeState


@dataclass(frozen=True)
class FieldIndicators:
    before: int
    after: int
    merge_degree: float | None


def field_indicators(before: BeforeState, after: AfterState) -> FieldIndicators:
    """田块数: the cultivated pieces in the 整治区域; after, the untouched and partly touched ones plus
    one per cultivated change parcel. 归并度 = (before − after) / before."""
    cult_before = is_cultivated(before.inside["DLBM"].to_numpy(dtype=object))
    rest = after.rest
    a_after_cult = is_cultivated(after.changes["after"].to_numpy(dtype=object))
    fields_before = int(cult_before.sum())
    untouched = int((cult_before & (rest >= 1.0)).sum())
    partly = int((cult_before & (rest > 0.0) & (rest < 1.0)).sum())
    parcels = after.changes["parcel"].to_numpy()
    parcels_cult = len({p for p, c in zip(parcels, a_after_cult, strict=True) if c})
    fields_after = untouched + partly + parcels_cult
    return FieldIndicators(
        before=fields_before,
        after=fields_after,
        merge_degree=ratio(fields_before - fields_after, fields_before),
    )

"""Every indicator of a plan from a before and an after land state, and the plan analysis the
rules look at (``analyse_plan``).

``indicators_from_states`` composes the families (one module each: area, landuse, cultivated,
construction, fields, restoration, investment, linkage, permanent_farmland); ``analyse_plan``
builds the states from a plan (its change parcels over DLTB) and composes. Acceptance can build
the after state from as-built parcels (``states.after_state_of``) and call
``indicators_from_states`` without a plan.yaml. ``PlanIndicators.to_dict`` is the JSON stored in a
plan version (docs/plan.md, docs/indicators.md).
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from landcon.engine.indicators._common import Floats, Geoms, plain
from landcon.engine.indicators.area import AreaIndicators, area_indicators
from landcon.engine.indicators.construction import ConstructionIndicators, construction_indicators
from landcon.engine.indicators.cultivated import CultivatedIndicators, cultivated_indicators
from landcon.engine.indicators.fields import FieldIndicators, field_indicators
from landcon.engine.indicators.investment import InvestmentIndicators, investment_indicators, period_years
from landcon.engine.indicators.landuse import LandUseIndicators, landuse_indicators
from landcon.engine.indicators.linkage import (
    HomesteadIndicators,
    LinkageIndicators,
    homestead_indicators,
    linkage_indicators,
)
from landcon.engine.indicators.permanent_farmland import (
    Adjustment,
    PermanentFarmlandIndicators,
    adjustments,
    permanent_farmland_indicators,
)
from landcon.engine.indicators.restoration import RestorationIndicators, restoration_indicators
from landcon.engine.indicators.states import AfterState, BeforeState, Parcel, after_state_of, before_state, plan_parcels
from landcon.engine.overlay import Clip, clip, zone_shares
from landcon.engine.plan import YJJBNTTZTB, ZZQY, Plan
from landcon.engine.tiankan import DEFAULT_TABLE, TiankanTable

PERMANENT_FARMLAND = "YJJBNTBHTB"
RED_LINE = "STBHHX"
URBAN_BOUNDARY = "CZKFBJ"

if TYPE_CHECKING:
    from landcon.engine.consent import ConsentSet


@dataclass(frozen=True)
class PlanIndicators:
    """All indicator families of a plan; ``to_dict`` is the stored JSON (keys in docs/indicators.md)."""

    area: AreaIndicators
    landuse: LandUseIndicators
    cultivated: CultivatedIndicators
    construction: ConstructionIndicators
    fields: FieldIndicators
    ecology: RestorationIndicators
    investment: InvestmentIndicators
    years: int | None
    households_benefited: Any
    linkage: LinkageIndicators
    homesteads: HomesteadIndicators
    permanent_farmland: PermanentFarmlandIndicators

    def to_dict(self) -> dict[str, Any]:
        return {
            "area": plain(self.area),
            "landuse": plain(self.landuse),
            "cultivated": plain(self.cultivated),
            "construction": plain(self.construction),
            "fields": plain(self.fields),
            "ecology": plain(self.ecology),
            "investment": plain(self.investment),
            "years": self.years,
            "households_benefited": self.households_benefited,
            "linkage": plain(self.linkage),
            "homesteads": plain(self.homesteads),
            "permanent_farmland": self.permanent_farmland.to_dict(),
        }


def indicators_from_states(
    before: BeforeState,
    after: AfterState,
    *,
    meta: Mapping[str, Any] | None = None,
    permanent_farmland: Geoms | None = None,
    adjustment: gpd.GeoDataFrame | None = None,
    sides: Mapping[str, Adjustment] | None = None,
) -> PlanIndicators:
    """The indicators of ``after`` against ``before``. ``meta`` is plan.yaml (investment, period,
    households; empty for as-built data), ``permanent_farmland`` the YJJBNTBHTB zone (None when the
    dataset has none), ``adjustment`` the YJJBNTTZTB layer and ``sides`` its ``adjustments``
    (computed here when not given)."""
    meta = meta or {}
    linkage = linkage_indicators(before, after.parcels)
    if permanent_farmland is not None and sides is None:
        sides = adjustments(before, adjustment)
    period = Plan({}, dict(meta))
    return PlanIndicators(
        area=area_indicators(before),
        landuse=landuse_indicators(before, after),
        cultivated=cultivated_indicators(before, after),
        construction=construction_indicators(before, after),
        fields=field_indicators(before, after),
        ecology=restoration_indicators(after),
        investment=investment_indicators(meta),
        years=period_years(period.start_year, period.end_year),
        households_benefited=meta.get("households_benefited"),
        linkage=linkage,
        homesteads=homestead_indicators(after, linkage),
        permanent_farmland=permanent_farmland_indicators(before, permanent_farmland, adjustment, sides or {}),
    )


@dataclass
class PlanAnalysis:
    """The indicators and what the rules look at."""

    indicators: dict[str, Any]
    after: pd.DataFrame  # one row per changed piece (``states.AfterState.changes``)
    parcels: list[Parcel]
    adjustment: dict[str, pd.DataFrame] = field(default_factory=dict)  # 调出/调入 pieces over DLTB
    adjustment_parcels: dict[str, list[tuple[str, object]]] = field(default_factory=dict)
    zones: dict[str, Any] = field(default_factory=dict)
    zzqy: object = None
    epsg: int = 4490
    result: PlanIndicators | None = None
    before: BeforeState | None = None
    consent: ConsentSet | None = None  # the project's consent records; None: the rule reads CMTY

    def clip_of(self, dltb: pd.DataFrame) -> Clip:
        """The pieces of ``dltb`` inside the 整治区域: the analysis' own clip when ``dltb`` is the frame
        it analysed (same rows), so DLTB is clipped once per report; else a new clip."""
        geoms = np.asarray(dltb.geometry.array, dtype=object)
        mine = self.before
        if mine is not None and len(geoms) == len(mine.geoms) and all(map(operator.is_, geoms, mine.geoms)):
            return mine.cut
        return clip(geoms, self.zzqy, self.epsg)


def analyse_plan(
    dltb: gpd.GeoDataFrame,
    zones: Mapping[str, Sequence[object] | npt.NDArray[np.object_] | None],
    plan: Plan,
    epsg: int,
    *,
    kcxs_table: TiankanTable = DEFAULT_TABLE,
    consent: ConsentSet | None = None,
) -> PlanAnalysis:
    """The plan's after state and its indicators (docs/indicators.md); ``kcxs_table`` is the
    county's 田坎系数 table (the rule pack's ``NEW_FARMLAND_KCXS_TABLE``). DLTB is clipped to the
    整治区域 once, here; ``PlanAnalysis.before`` keeps the clip for the after-state layer and maps."""
    before = before_state(dltb, list(plan.layers[ZZQY].geometry.array), epsg)
    parcels = plan_parcels(plan)
    after = after_state_of(before, parcels, kcxs_table)
    zone_arrays = {k: (None if v is None else np.asarray(v, dtype=object)) for k, v in zones.items()}
    pfl_zone = zone_arrays.get(PERMANENT_FARMLAND)
    frame = plan.layer(YJJBNTTZTB)
    sides = adjustments(before, frame) if pfl_zone is not None else {}
    result = indicators_from_states(
        before, after, meta=plan.meta, permanent_farmland=pfl_zone, adjustment=frame, sides=sides
    )
    return PlanAnalysis(
        indicators=result.to_dict(),
        after=after.changes,
        parcels=parcels,
        adjustment={k: s.pieces for k, s in sides.items()},
        adjustment_parcels={k: s.parcels for k, s in sides.items()},
        zones=zone_arrays,
        zzqy=before.zzqy,
        epsg=epsg,
        result=result,
        before=before,
        consent=consent,
    )


def zone_share_of(geoms: Geoms, zone: Geoms | None, epsg: int) -> Floats | None:
    """Share of each geometry inside a zone layer (None when the layer is missing)."""
    if zone is None:
        return None
    if not len(geoms):
        return np.zeros(0)
    return zone_shares(np.asarray(geoms, dtype=object), zone, epsg)

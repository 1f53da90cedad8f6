"""Plan indicators: one module per family over explicit before/after land states, a composer and
a registry of every indicator's key, unit, label, formula and citation (docs/indicators.md).

- ``states``: ``before_state`` (DLTB clipped to the 整治区域), ``after_state_of`` (change parcels
  over it), ``plan_parcels``;
- families: ``area``, ``landuse``, ``cultivated``, ``construction``, ``fields``, ``restoration``,
  ``investment``, ``linkage``, ``permanent_farmland`` — each a function returning a frozen dataclass;
- ``compose``: ``indicators_from_states`` → ``PlanIndicators`` (``to_dict()`` is the stored JSON)
  and ``analyse_plan`` → ``PlanAnalysis`` (what the rules look at);
- ``registry``: ``INDICATORS``, ``label``, ``value``.
"""

from landcon.engine.indicators.compose import (
    PERMANENT_FARMLAND,
    RED_LINE,
    URBAN_BOUNDARY,
    PlanAnalysis,
    PlanIndicators,
    analyse_plan,
    indicators_from_states,
    zone_share_of,
)
from landcon.engine.indicators.permanent_farmland import SLOPE_CLASS_OF_GRADE
from landcon.engine.indicators.states import AfterState, BeforeState, Parcel, after_state_of, before_state, plan_parcels

__all__ = [
    "PERMANENT_FARMLAND",
    "RED_LINE",
    "SLOPE_CLASS_OF_GRADE",
    "URBAN_BOUNDARY",
    "AfterState",
    "BeforeState",
    "Parcel",
    "PlanAnalysis",
    "PlanIndicators",
    "after_state_of",
    "analyse_plan",
    "before_state",
    "indicators_from_states",
    "plan_parcels",
    "zone_share_of",
]

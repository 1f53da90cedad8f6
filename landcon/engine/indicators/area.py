"""整治区域 and its scale: area, villages and townships (registry keys ``area.*``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from landcon.engine.area import ellipsoid_area
from landcon.engine.indicators._common import m2
from landcon.engine.indicators.states import BeforeState

VILLAGE_CODE_LENGTH, TOWNSHIP_CODE_LENGTH = 12, 9
"""ZLDWDM[:12] is the village, [:9] the township (统计用区划代码, domain reference §4.8)."""


@dataclass(frozen=True)
class AreaIndicators:
    zzqy_m2: float
    villages: list[str]
    townships: list[str]


def area_indicators(before: BeforeState) -> AreaIndicators:
    """整治区域面积 = Σ S(ZZQY polygon), the 图斑椭球面积 of each polygon (GB/T 21010 / 三调 area
    rules, domain reference §4.1); the villages and townships whose DLTB lies inside it."""
    zzqy_area = float(ellipsoid_area(np.asarray(before.zzqy_geoms, dtype=object), before.epsg).sum())
    villages = sorted({z[:VILLAGE_CODE_LENGTH] for z in before.inside["ZLDWDM"] if z})
    return AreaIndicators(
        zzqy_m2=m2(zzqy_area),
        villages=villages,
        townships=sorted({v[:TOWNSHIP_CODE_LENGTH] for v in villages}),
    )

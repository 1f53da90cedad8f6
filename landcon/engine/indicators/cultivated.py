"""耕地: 新增耕地 and its sources, 水田, 新增耕地率, 等别, 可用于占补平衡 (registry keys ``cultivated.*``).

Per changed piece the state gives 新增耕地 (``states._with_new_farmland``); this family sums it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from landcon.engine.indicators._common import is_cultivated, m2, ratio, sum_by
from landcon.engine.indicators.landuse import landuse_after
from landcon.engine.indicators.states import AfterState, BeforeState
from landcon.engine.plan import ZJGGTB

TIANKAN = "1203"
"""田坎: the source class of the 新增耕地 a levelling gains."""


@dataclass(frozen=True)
class CultivatedIndicators:
    before_net_m2: float
    after_net_m2: float
    before_by_type_m2: dict[str, float]
    after_by_type_m2: dict[str, float]
    new_m2: float
    new_from_conversion_m2: float
    new_from_levelling_m2: float
    new_by_source_class_m2: dict[str, float]
    new_slope_unknown_m2: float
    new_by_slope_m2: dict[str, float]
    tiankan_loss_m2: float
    new_by_subproject_m2: dict[str, float]
    new_by_grade_m2: dict[str, float]
    new_paddy_m2: float
    supplementary_m2: float
    supplementary_paddy_m2: float
    supplementary_by_grade_m2: dict[str, float]
    lost_m2: float
    new_rate: float | None


def cultivated_indicators(before: BeforeState, after: AfterState) -> CultivatedIndicators:
    """耕地 (0101–0103) net area before and after, 新增耕地 and 新增耕地率 = (after − before) / before
    (自然资发〔2019〕194号 “双5%”)."""
    inside, changes = before.inside, after.changes
    dl = inside["DLBM"].to_numpy(dtype=object)
    before_net = inside["TBDLMJ"].to_numpy()
    keys_after, values_after = landuse_after(before, after)
    cult_before = is_cultivated(dl)
    before_cult_net = float(before_net[cult_before].sum())
    after_cult_mask = is_cultivated(keys_after)
    after_cult_net = float(values_after[after_cult_mask].sum())
    a_before = changes["before"].to_numpy(dtype=object)
    a_after = changes["after"].to_numpy(dtype=object)
    a_before_cult, a_after_cult = is_cultivated(a_before), is_cultivated(a_after)
    new = changes["new_cultivated"].to_numpy(dtype=np.float64)
    new_mask = new > 0
    slope = changes["slope"].to_numpy(dtype=object)
    lost = np.where(a_before_cult & ~a_after_cult, changes["net_before"], 0.0)
    grade_key = np.asarray(
        [str(int(g)) if not np.isnan(g) else "" for g in changes["grade_after"].to_numpy()], dtype=object
    )
    paddy = np.where((a_after == "0101") & (a_before != "0101"), changes["net_after"], 0.0)
    # 可用于占补平衡: new farmland outside 增减挂钩 拆旧 plots (those balance their 项目区's 建新 and are
    # counted in the linkage ledger instead, so the same hectare never becomes two quotas).
    supp = new_mask & (changes["layer"].to_numpy(dtype=object) != ZJGGTB)
    return CultivatedIndicators(
        before_net_m2=m2(before_cult_net),
        after_net_m2=m2(after_cult_net),
        before_by_type_m2=sum_by(dl, before_net, cult_before),
        after_by_type_m2=sum_by(keys_after, values_after, after_cult_mask),
        new_m2=m2(new.sum()),
        new_from_conversion_m2=m2(changes["new_from_conversion"].to_numpy().sum()),
        new_from_levelling_m2=m2(changes["new_from_levelling"].to_numpy().sum()),
        # 1203 田坎 is always listed: the 田坎 removed by levelling is a source of its own (0 when none).
        new_by_source_class_m2={TIANKAN: 0.0, **sum_by(changes["source_class"].to_numpy(dtype=object), new, new_mask)},
        new_slope_unknown_m2=m2(new[slope == ""].sum()),
        new_by_slope_m2=sum_by(slope, new, new_mask),
        tiankan_loss_m2=m2(changes["tiankan_loss"].to_numpy().sum()),
        new_by_subproject_m2=sum_by(changes["subproject"].to_numpy(dtype=object), new, new_mask),
        new_by_grade_m2=sum_by(grade_key, new, new_mask),
        new_paddy_m2=m2(paddy.sum()),
        supplementary_m2=m2(new[supp].sum()),
        supplementary_paddy_m2=m2(paddy[supp].sum()),
        supplementary_by_grade_m2=sum_by(grade_key, new, supp),
        lost_m2=m2(lost.sum()),
        new_rate=ratio(after_cult_net - before_cult_net, before_cult_net),
    )

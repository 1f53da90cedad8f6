"""增减挂钩: 拆旧 and 建新 per 项目区, and the 宅基地 a plan removes (registry keys ``linkage.*``,
``homesteads.*``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from landcon.engine import codes
from landcon.engine.area import ellipsoid_area
from landcon.engine.indicators._common import is_cultivated, m2
from landcon.engine.indicators.states import AfterState, BeforeState, Parcel
from landcon.engine.overlay import overlay_pairs
from landcon.engine.plan import BUILD, DEMOLISH, ZJGGTB

HOMESTEAD = "0702"
CONSENT_GIVEN = "是"
_AREAS = ("demolished_m2", "reclaimed_cultivated_m2", "new_construction_m2", "new_construction_cultivated_m2")


@dataclass(frozen=True)
class LinkageProjectArea:
    """One 项目区: areas of its 拆旧 and 建新 plots and the 耕地 each gains or takes."""

    code: str
    demolished_m2: float
    reclaimed_cultivated_m2: float
    new_construction_m2: float
    new_construction_cultivated_m2: float
    homesteads_demolished: int
    consent_missing: list[str]


@dataclass(frozen=True)
class LinkageIndicators:
    project_areas: list[LinkageProjectArea]


@dataclass(frozen=True)
class HomesteadIndicators:
    removed_m2: float
    consent_missing_m2: float
    consent_missing: list[dict[str, str]]


def linkage_indicators(before: BeforeState, parcels: Sequence[Parcel]) -> LinkageIndicators:
    """Per 项目区 (XMQBH): 拆旧 area (S of the plots), 拆旧复垦耕地 (TBMJ under plots reclaimed to 耕地),
    建新 area and the 耕地 (TBDLMJ) it takes — over the whole DLTB, a plot may lie outside the
    整治区域 (《城乡建设用地增减挂钩试点管理办法》, 国土资源部 2008)."""
    linked = [p for p in parcels if p.layer == ZJGGTB]
    if not linked:
        return LinkageIndicators([])
    epsg, base = before.epsg, before.base
    pgeoms = np.asarray([p.geometry for p in linked], dtype=object)
    area = ellipsoid_area(pgeoms, epsg)
    pairs = overlay_pairs(before.geoms, pgeoms, epsg)
    under = base.iloc[pairs.index].reset_index(drop=True)
    cult = is_cultivated(under["DLBM"].to_numpy(dtype=object))
    sums: dict[str, dict[str, float]] = {}
    homes: dict[str, int] = {}
    missing: dict[str, list[str]] = {}
    tbmj = under["TBMJ"].to_numpy() * pairs.share
    net = under["TBDLMJ"].to_numpy() * pairs.share
    dlbm = under["DLBM"].to_numpy(dtype=object)
    for k, p in enumerate(linked):
        rec = sums.setdefault(p.linkage, dict.fromkeys(_AREAS, 0.0))
        homes.setdefault(p.linkage, 0)
        missing.setdefault(p.linkage, [])
        mine = pairs.area == k
        if p.kind == DEMOLISH:
            rec["demolished_m2"] += float(area[k])
            if p.after in codes.CULTIVATED_CODES:
                rec["reclaimed_cultivated_m2"] += float(tbmj[mine].sum())
            n = int((dlbm[mine] == HOMESTEAD).sum())
            homes[p.linkage] += n
            if n and p.consent != CONSENT_GIVEN:
                missing[p.linkage].append(p.id)
        elif p.kind == BUILD:
            rec["new_construction_m2"] += float(area[k])
            rec["new_construction_cultivated_m2"] += float(net[mine & cult].sum())
    return LinkageIndicators(
        [
            LinkageProjectArea(
                code=code,
                demolished_m2=m2(sums[code]["demolished_m2"]),
                reclaimed_cultivated_m2=m2(sums[code]["reclaimed_cultivated_m2"]),
                new_construction_m2=m2(sums[code]["new_construction_m2"]),
                new_construction_cultivated_m2=m2(sums[code]["new_construction_cultivated_m2"]),
                homesteads_demolished=homes[code],
                consent_missing=missing[code],
            )
            for code in sorted(sums)
        ]
    )


def homestead_indicators(after: AfterState, linkage: LinkageIndicators) -> HomesteadIndicators:
    """宅基地 (0702) a plan removes — by a 增减挂钩 拆旧 plot or by a change parcel (CZGHTB) that gives
    it another class — and the parcels among them without recorded villager consent (CMTY = 是;
    “严守底线”通知第6、7条)."""
    changes, parcels = after.changes, after.parcels
    gone = (changes["before"].to_numpy(dtype=object) == HOMESTEAD) & (
        changes["after"].to_numpy(dtype=object) != HOMESTEAD
    )
    area = changes["tbmj"].to_numpy()
    no_consent = np.asarray(
        [parcels[int(i)].consent != CONSENT_GIVEN for i in changes["parcel"].to_numpy()], dtype=bool
    )
    bad = gone & no_consent
    layers = changes["layer"].to_numpy(dtype=object)
    ids = changes["parcel_id"].to_numpy(dtype=object)
    missing = [{"layer": str(lay), "id": str(i)} for lay, i in dict.fromkeys(zip(layers[bad], ids[bad], strict=True))]
    # The 增减挂钩 plots counted by 项目区 (a 拆旧 plot wholly outside ZZQY has no piece above).
    for pa in linkage.project_areas:
        for i in pa.consent_missing:
            if {"layer": ZJGGTB, "id": i} not in missing:
                missing.append({"layer": ZJGGTB, "id": i})
    return HomesteadIndicators(
        removed_m2=m2(area[gone].sum()),
        consent_missing_m2=m2(area[bad].sum()),
        consent_missing=missing,
    )

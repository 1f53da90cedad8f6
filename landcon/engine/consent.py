"""村民同意 coverage: which 宅基地 (0702) a plan removes, wherever it is in the plan, and which of it no
consent record covers (“严守底线”通知第6、7条: no demolition against villagers' will).

A plan parcel of any change layer (CZGHTB, ZJGGTB) that gives a 0702 图斑 another class removes the
homestead under it — inside or outside the 整治区域. A consent set (``ConsentSet``, built by services
from the project's household and meeting records) covers a removed piece when it names the parcel
(``LAYER:id``), the parcel's id alone, the 图斑's BSM (地块编码), or the piece's village (a passed
meeting over the whole village; village = the first 12 digits of ZLDWDM). A plan checked without a
project has no consent set and the rule reads the plan's CMTY field instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from landcon.engine.indicators._common import Geoms
from landcon.engine.indicators.linkage import HOMESTEAD
from landcon.engine.indicators.states import Parcel
from landcon.engine.overlay import overlay_pairs

DEMOLITION, REALLOCATION, MARKET = "demolition", "reallocation", "market"
CONSENT_KINDS: dict[str, str] = {
    DEMOLITION: "拆除或改变宅基地",
    REALLOCATION: "权属调整",
    MARKET: "集体经营性建设用地入市",
}
"""Consent kinds and their Chinese names; the demolition rule reads ``demolition``."""


@dataclass(frozen=True)
class ConsentSet:
    """What the consent records cover: plan parcel keys ``LAYER:id``, bare codes (a plan parcel id in
    any layer or a DLTB BSM) and 12-digit village codes."""

    parcels: frozenset[str] = frozenset()
    codes: frozenset[str] = frozenset()
    villages: frozenset[str] = frozenset()
    records: int = 0

    @classmethod
    def of(cls, refs: Iterable[str], villages: Iterable[str] = (), records: int = 0) -> ConsentSet:
        """A set from parcel references as users write them (``LAYER:id`` or a code) and village codes."""
        keys = [r.strip() for r in refs if r and r.strip()]
        return cls(
            frozenset(k for k in keys if ":" in k),
            frozenset(k for k in keys if ":" not in k),
            frozenset(v.strip()[:12] for v in villages if v and v.strip()),
            records,
        )

    def covers(self, layer: str, parcel_id: str, bsm: str, village: str) -> bool:
        return (
            f"{layer}:{parcel_id}" in self.parcels
            or parcel_id in self.codes
            or (bool(bsm) and bsm in self.codes)
            or (bool(village) and village in self.villages)
        )


def homestead_removals(base: pd.DataFrame, geoms: Geoms, parcels: Sequence[Parcel], epsg: int) -> pd.DataFrame:
    """One row per piece of a 0702 图斑 (anywhere in DLTB) under a change parcel whose planned class is
    not 0702: ``layer``, ``id`` (the parcel), ``bsm``, ``village`` (ZLDWDM[:12]) and ``area_m2`` (the
    图斑's TBMJ × the piece's ellipsoid share)."""
    columns = ["layer", "id", "bsm", "village", "area_m2"]
    changing = [p for p in parcels if p.after != HOMESTEAD]
    dlbm = base["DLBM"].to_numpy(dtype=object)
    homes = np.flatnonzero(dlbm == HOMESTEAD)
    if not changing or not len(homes):
        return pd.DataFrame({c: [] for c in columns})
    home_geoms = np.asarray(geoms, dtype=object)[homes]
    pairs = overlay_pairs(home_geoms, np.asarray([p.geometry for p in changing], dtype=object), epsg)
    rows = base.iloc[homes[pairs.index]]
    zl = rows["ZLDWDM"].to_numpy(dtype=object) if "ZLDWDM" in rows else np.full(len(rows), "", dtype=object)
    bsm = rows["BSM"].to_numpy(dtype=object) if "BSM" in rows else np.full(len(rows), "", dtype=object)
    area = pd.to_numeric(rows["TBMJ"], errors="coerce").fillna(0.0).to_numpy() * pairs.share
    return pd.DataFrame(
        {
            "layer": [changing[int(k)].layer for k in pairs.area],
            "id": [changing[int(k)].id for k in pairs.area],
            "bsm": [str(b or "") for b in bsm],
            "village": [str(z or "")[:12] for z in zl],
            "area_m2": area,
        }
    )


@dataclass(frozen=True)
class ConsentGap:
    """A parcel removing homestead land part of which no record covers, and that area (m², 0.01)."""

    layer: str
    id: str
    area_m2: float


def consent_gaps(removals: pd.DataFrame, consent: ConsentSet) -> tuple[float, list[ConsentGap]]:
    """(removed area m², the parcels with uncovered area in plan order), all areas rounded to 0.01 m²."""
    if not len(removals):
        return 0.0, []
    covered = np.asarray(
        [
            consent.covers(str(a), str(b), str(c), str(d))
            for a, b, c, d in zip(removals["layer"], removals["id"], removals["bsm"], removals["village"], strict=True)
        ],
        dtype=bool,
    )
    missing = removals[~covered]
    sums = missing.groupby(["layer", "id"], sort=False)["area_m2"].sum()
    gaps = [ConsentGap(str(layer), str(i), round(float(a), 2)) for (layer, i), a in sums.items()]
    return round(float(removals["area_m2"].sum()), 2), gaps

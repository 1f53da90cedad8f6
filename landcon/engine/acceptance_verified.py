"""The verified as-built state of an acceptance (docs/acceptance.md "核减"): the as-built parcels less
the cells the latest vintage does not show as 耕地 (``engine.change_detection``: 未实现 and
变为其他地类), and the new 耕地 each failing parcel loses in it (the 变更调查非耕地 核减)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import pandas as pd
import shapely

from landcon.engine.change_detection import LOST, NOT_YET, ChangeDetection
from landcon.engine.indicators._common import m2, union
from landcon.engine.indicators.states import Parcel


def failing_cells(result: ChangeDetection | None) -> dict[str, tuple[object, str]]:
    """Per as-built parcel failing verification: the union of its 未实现 and 变为其他地类 cells and the
    vintage class of most of their area."""
    if result is None:
        return {}
    cells = pd.concat([result.of(c).parcels for c in (NOT_YET, LOST)])
    out: dict[str, tuple[object, str]] = {}
    for pid, rows in cells.groupby("PARCEL", sort=False):
        if not str(pid) or float(rows["AREA_M2"].sum()) <= 0:
            continue
        worst = rows.groupby("AFTER_DLBM")["AREA_M2"].sum().idxmax()
        out[str(pid)] = (union(list(rows.geometry)), str(worst))
    return out


def failed_by_parcel(
    built_new: Mapping[tuple[str, str], float],
    verified_new: Mapping[tuple[str, str], float],
    failing: Mapping[str, tuple[object, str]],
) -> dict[str, tuple[float, str]]:
    """Per failing as-built parcel: its new 耕地 as built − in the verified state (m², 0.01), and the
    vintage class of most of its failing part; parcels losing no new 耕地 left out."""
    verified = {pid: value for (_, pid), value in verified_new.items()}  # as-built ids are unique
    out: dict[str, tuple[float, str]] = {}
    for (_, pid), value in built_new.items():
        if pid in failing and (amount := m2(value - verified.get(pid, 0.0))) > 0:
            out[pid] = (amount, failing[pid][1])
    return out


def verified_parcels(parcels: Sequence[Parcel], failing: Mapping[str, tuple[object, str]]) -> list[Parcel]:
    """The as-built parcels less their failing cells (``failing_cells``); a parcel with nothing left is dropped."""
    out: list[Parcel] = []
    for p in parcels:
        if p.id not in failing:
            out.append(p)
            continue
        rest = shapely.difference(p.geometry, failing[p.id][0])
        if not shapely.is_empty(rest) and shapely.area(rest) > _SLIVER * shapely.area(p.geometry):
            out.append(replace(p, geometry=rest))
    return out


_SLIVER = 1e-9
"""A parcel's remainder below this share of its planar area is floating-point residue of the difference."""

"""后期管护 (aftercare) of an accepted project: code tables and checks of agreements and inspections, and
which parcels are the new farmland under care.

- Caretaker kinds: 村集体, 合作社, 农户, 其他; inspection results: 正常, 需整改 (a 需整改 result opens a
  责任清单 task).
- New farmland under care: the accepted as-built parcels (``asbuilt_parcels`` of the latest passing
  whole-project acceptance) whose verified new 耕地 is more than 0, named ``JGTB:BSM``, with that
  verified area (``accepted_farmland``).
- An inspection photo is checked like a site photo (``engine.photos.position_check``) against the
  agreement's parcels with the profile's ``supervision.photo_buffer_m``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from landcon.engine import codes
from landcon.engine import photos as P
from landcon.engine.indicators.states import Parcel
from landcon.errors import InvalidRecord

CARETAKER_KINDS: tuple[str, ...] = ("村集体", "合作社", "农户", "其他")
NORMAL, RECTIFY = "正常", "需整改"
RESULTS: tuple[str, ...] = (NORMAL, RECTIFY)

PHOTO_STATUS_NAMES: Mapping[str, str] = {
    P.ON_SITE: "在管护地块范围内",
    P.OUTSIDE: "超出管护地块范围",
    P.NO_POSITION: "照片无位置信息",
    P.NO_OUTLINE: "协议无地块范围，无法核对位置",
}


def check_kind(kind: str) -> str:
    kind = (kind or "").strip()
    if kind not in CARETAKER_KINDS:
        raise InvalidRecord(
            f"管护主体类型 {kind!r} 无效；可选：{'、'.join(CARETAKER_KINDS)}", field="caretaker_kind", feature=kind
        )
    return kind


def check_result(result: str) -> str:
    result = (result or "").strip()
    if result not in RESULTS:
        raise InvalidRecord(f"巡查结果 {result!r} 无效；可选：{'、'.join(RESULTS)}", field="result", feature=result)
    return result


def check_period(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise InvalidRecord(
            f"管护期限结束日期 {end.isoformat()} 早于开始日期 {start.isoformat()}", field="end", feature=end.isoformat()
        )


def check_funds(value: object) -> float:
    """管护资金 (万元 per year): a finite number ≥ 0."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidRecord(f"管护资金（万元/年）应为数字，现为 {value!r}", field="funds", feature=str(value)) from None
    if not math.isfinite(number) or number < 0:
        raise InvalidRecord(f"管护资金（万元/年）应不小于 0，现为 {value!r}", field="funds", feature=str(value))
    return number


ASBUILT_LAYER = "JGTB"
"""Layer name of the accepted as-built parcels in their keys (``engine.asbuilt_schema.JGTB``)."""


@dataclass(frozen=True)
class CaredParcel:
    """An accepted as-built parcel with verified new 耕地: its id (BSM), sub-project, outline (in the
    dataset's CRS) and verified new-耕地 area (m², 0.01; ``asbuilt_parcels[].verified_m2`` of the
    acceptance computation)."""

    id: str
    subproject: str
    geometry: object
    verified_m2: float
    layer: str = ASBUILT_LAYER


def parcel_key(parcel: Parcel | CaredParcel) -> str:
    return f"{parcel.layer}:{parcel.id}"


def new_farmland(parcels: Iterable[Parcel]) -> list[Parcel]:
    """The change parcels whose planned DLBM is 耕地 (the plan's new farmland)."""
    return [p for p in parcels if p.after in codes.CULTIVATED_CODES]


def accepted_farmland(asbuilt_parcels: Iterable[Mapping[str, object]]) -> list[CaredParcel]:
    """The new farmland put under care: the accepted computation's as-built parcels whose verified new
    耕地 is more than 0 (what acceptance accepted; a parcel cut entirely by 核减 is not), in their order."""
    import shapely.geometry

    out = []
    for row in asbuilt_parcels:
        verified = float(row.get("verified_m2") or 0.0)  # type: ignore[arg-type]
        if verified > 0 and row.get("geometry"):
            geom = shapely.geometry.shape(row["geometry"])
            out.append(CaredParcel(str(row["parcel"]), str(row.get("subproject") or ""), geom, round(verified, 2)))
    return out


@dataclass(frozen=True)
class Selection:
    """The parcels an agreement covers (keys in plan order) and how they were chosen."""

    keys: tuple[str, ...]
    parcels: tuple[CaredParcel, ...]


def select_parcels(
    farmland: Sequence[CaredParcel],
    *,
    ids: Sequence[str] = (),
    subprojects: Sequence[str] = (),
    polygon: object | None = None,
    every: bool = False,
) -> Selection:
    """Accepted new-farmland parcels by as-built parcel id (``id`` or ``JGTB:id``), by ZXMBH, meeting ``polygon``
    (a shapely geometry in the plan's CRS; parcels whose interior it overlaps), or ``every`` one.

    An id that names no new-farmland parcel, or several, and a ZXMBH without one are refused.
    """
    import shapely

    chosen: dict[str, CaredParcel] = {}
    for given in ids:
        given = str(given).strip()
        found = [p for p in farmland if given in (p.id, parcel_key(p))]
        if len(found) != 1:
            why = "不是已验收的新增耕地地块" if not found else f"对应 {len(found)} 个地块，请写成“图层:编号”"
            raise InvalidRecord(f"地块 {given} {why}", field="parcels", feature=given)
        chosen[parcel_key(found[0])] = found[0]
    for code in subprojects:
        found = [p for p in farmland if p.subproject == str(code).strip()]
        if not found:
            raise InvalidRecord(f"子项目 {code} 没有新增耕地地块", field="subproject", feature=str(code))
        chosen.update({parcel_key(p): p for p in found})
    if polygon is not None:
        found = [p for p in farmland if shapely.area(shapely.intersection(p.geometry, polygon)) > 0]
        if not found:
            raise InvalidRecord("范围文件内没有已验收的新增耕地地块", field="polygon")
        chosen.update({parcel_key(p): p for p in found})
    if every:
        chosen.update({parcel_key(p): p for p in farmland})
    if not chosen:
        why = "验收没有核定的新增耕地地块" if every else "未选择管护地块：请给出地块编号、子项目编号或范围文件"
        raise InvalidRecord(why, field="parcels")
    order = {parcel_key(p): i for i, p in enumerate(farmland)}
    keys = tuple(sorted(chosen, key=order.__getitem__))
    return Selection(keys, tuple(chosen[k] for k in keys))


# ---------------------------------------------------------------------------------------------
# The new farmland in a later survey vintage
# ---------------------------------------------------------------------------------------------

ABANDONED = "WG"
"""ZZSXDM 种植属性 code of 未耕种 (撂荒) 耕地 (domain §4.1 field 22; codes LS/FLS/LYFL/XG/LLJZ/WG)."""


@dataclass(frozen=True)
class ParcelInVintage:
    """One parcel under care as a vintage DLTB shows it: area (m², 0.01) whose vintage DLBM is not 耕地,
    area that is 耕地 with ZZSXDM WG, and the BSM of the 图斑 of each."""

    key: str
    not_cultivated_m2: float
    abandoned_m2: float
    not_cultivated_bsm: tuple[str, ...]
    abandoned_bsm: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "not_cultivated_m2": self.not_cultivated_m2,
            "abandoned_m2": self.abandoned_m2,
            "not_cultivated_bsm": list(self.not_cultivated_bsm),
            "abandoned_bsm": list(self.abandoned_bsm),
        }


def in_vintage(vintage: object, parcels: Sequence[tuple[str, object]], epsg: int) -> list[ParcelInVintage]:
    """Each parcel ``(key, geometry)`` against the vintage DLTB (BSM, DLBM, ZZSXDM, TBMJ; CRS ``epsg``).

    A piece's area is its 图斑's TBMJ × the share of the 图斑's ellipsoid area it covers (the
    ellipsoid area where TBMJ is missing), the apportioning of the indicators and of change detection.
    Only parcels with a not-耕地 or WG area are returned, in the given order.
    """
    import geopandas as gpd
    import numpy as np

    from landcon.engine.area import ellipsoid_area
    from landcon.engine.overlay import overlay_pairs

    frame = vintage if isinstance(vintage, gpd.GeoDataFrame) else gpd.GeoDataFrame(vintage)
    geoms = np.asarray(frame.geometry.array, dtype=object)
    if not len(parcels) or not len(geoms):
        return []
    tbmj = np.nan_to_num(frame["TBMJ"].to_numpy(dtype=np.float64), nan=0.0) if "TBMJ" in frame else np.zeros(len(geoms))
    missing = np.flatnonzero(tbmj <= 0)
    if len(missing):
        tbmj[missing] = ellipsoid_area(geoms[missing], epsg)
    dlbm = frame["DLBM"].astype(str).to_numpy(dtype=object)
    zzsx = frame["ZZSXDM"].fillna("").astype(str).str.strip().to_numpy(dtype=object) if "ZZSXDM" in frame else None
    bsm = (
        frame["BSM"].astype(str).to_numpy(dtype=object) if "BSM" in frame else np.arange(1, len(geoms) + 1).astype(str)
    )
    pairs = overlay_pairs(geoms, np.asarray([g for _, g in parcels], dtype=object), epsg)
    area = tbmj[pairs.index] * pairs.share
    cultivated = np.isin(dlbm[pairs.index], list(codes.CULTIVATED_CODES))
    wg = cultivated & (zzsx[pairs.index] == ABANDONED) if zzsx is not None else np.zeros(len(area), dtype=bool)
    out = []
    for k, (key, _) in enumerate(parcels):
        mine = pairs.area == k
        lost, idle = mine & ~cultivated & (area > 0), mine & wg & (area > 0)
        if not lost.any() and not idle.any():
            continue
        out.append(
            ParcelInVintage(
                key,
                round(float(area[lost].sum()), 2),
                round(float(area[idle].sum()), 2),
                tuple(dict.fromkeys(bsm[pairs.index[lost]])),
                tuple(dict.fromkeys(bsm[pairs.index[idle]])),
            )
        )
    return out


def responsible(keys: Iterable[str], groups: Iterable[tuple[str, Sequence[str]]], fallback: str) -> dict[str, str]:
    """Parcel key → responsible unit: the unit of the first agreement that lists it (``groups``:
    (unit, parcel keys) pairs), else ``fallback`` (the project's county)."""
    owner: dict[str, str] = {}
    for unit, listed in groups:
        for key in listed:
            owner.setdefault(key, unit)
    return {k: owner.get(k, fallback) for k in keys}

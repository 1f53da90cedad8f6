"""权属调整 results per household and per village: fragmentation indices, value deviation, money
settlement (找补), distance to the homestead, preference fulfilment, and the masked names of 公示.

Units: areas in m², values in *standard m²* (area × quality coefficient, see ``params``), distances
in metres, money in 元. A ratio is returned as a fraction (0.25, shown as 25 %); an indicator that
is undefined (no household, no distance known, nothing to divide by) is ``None``.

Fragmentation indices of one holding with parcel areas ``a_i`` (1 = a single parcel):

* Simmons (1964) FI = Σ a_i² / (Σ a_i)² — *The Economic Consolidation of Agricultural Land in
  England*, Geography 49; also Blarel et al. (1992), World Bank Econ. Rev. 6(2).
* Januszewski (1968) K = √(Σ a_i) / Σ √a_i — *Index of land consolidation as a criterion of the
  degree of concentration*, Geographia Polonica 14.

田块归并度 (TD/T 1046-2016 acceptance data, domain reference §6.1) =
(parcels before − parcels after) / parcels before.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import numpy.typing as npt
import pandas as pd

Floats = npt.NDArray[np.float64]
Indicators = dict[str, float | int | None]


@dataclass(frozen=True)
class Label:
    """Chinese name, unit and definition of a column or indicator. Unit ``"%"``: the value is a
    fraction, shown × 100; unit ``""``: a dimensionless index."""

    name: str
    unit: str
    note: str = ""


COLUMN_LABELS: Mapping[str, Label] = MappingProxyType(
    {
        "CBFBM": Label("承包方编码", ""),
        "CBFMC": Label("承包方名称", ""),
        "parcels_before": Label("调整前地块数", "块"),
        "area_before": Label("调整前面积", "m²"),
        "value_before": Label("调整前价值", "标准m²", "Σ 面积 × 地力等级系数"),
        "distance_before": Label("调整前平均距离", "米", "宅基地至地块中心，按价值加权"),
        "entitled": Label("应得价值", "标准m²", "调整前价值扣除公共用地分摊后"),
        "parcels_after": Label("调整后地块数", "块"),
        "area_after": Label("调整后面积", "m²"),
        "value_after": Label("调整后价值", "标准m²"),
        "distance_after": Label("调整后平均距离", "米", "宅基地至地块中心，按价值加权"),
        "deviation": Label("价值偏差", "%", "（调整后价值 − 应得价值）/ 应得价值"),
        "settlement": Label("找补金额", "元", "（应得价值 − 调整后价值）× 单价；正数补给农户，负数由农户补交"),
        "simmons_before": Label("调整前 Simmons 指数", "", "Σa² / (Σa)²，1 为一户一块"),
        "simmons_after": Label("调整后 Simmons 指数", "", "Σa² / (Σa)²，1 为一户一块"),
        "januszewski_before": Label("调整前 Januszewski 指数", "", "√Σa / Σ√a，1 为一户一块"),
        "januszewski_after": Label("调整后 Januszewski 指数", "", "√Σa / Σ√a，1 为一户一块"),
    }
)
"""Columns of ``household_table``, in order."""

INDICATOR_LABELS: Mapping[str, Label] = MappingProxyType(
    {
        "households": Label("参与调整农户数", "户"),
        "parcels_before": Label("调整前地块总数", "块"),
        "parcels_after": Label("调整后地块总数", "块"),
        "parcels_per_household_before": Label("调整前户均地块数", "块/户"),
        "parcels_per_household_after": Label("调整后户均地块数", "块/户"),
        "share_one_parcel_before": Label("调整前一户一块农户占比", "%"),
        "share_one_parcel_after": Label("调整后一户一块农户占比", "%"),
        "merge_degree": Label("田块归并度", "%", "（调整前地块数 − 调整后地块数）/ 调整前地块数"),
        "simmons_mean_before": Label("调整前 Simmons 指数户均值", "", "Σa² / (Σa)²，1 为一户一块"),
        "simmons_mean_after": Label("调整后 Simmons 指数户均值", "", "Σa² / (Σa)²，1 为一户一块"),
        "januszewski_mean_before": Label("调整前 Januszewski 指数户均值", "", "√Σa / Σ√a，1 为一户一块"),
        "januszewski_mean_after": Label("调整后 Januszewski 指数户均值", "", "√Σa / Σ√a，1 为一户一块"),
        "total_area_before": Label("调整前面积合计", "m²"),
        "total_area_after": Label("调整后面积合计", "m²"),
        "total_value_before": Label("调整前价值合计", "标准m²"),
        "total_entitled": Label("应得价值合计", "标准m²"),
        "total_value_after": Label("调整后价值合计", "标准m²"),
        "mean_distance_before": Label(
            "调整前平均耕作距离", "米", "宅基地至地块中心，按价值加权，不含无宅基地位置的农户"
        ),
        "mean_distance_after": Label(
            "调整后平均耕作距离", "米", "宅基地至地块中心，按价值加权，不含无宅基地位置的农户"
        ),
        "max_abs_deviation": Label("最大价值偏差（绝对值）", "%", "|调整后价值 − 应得价值| / 应得价值"),
        "mean_abs_deviation": Label("平均价值偏差（绝对值）", "%", "|调整后价值 − 应得价值| / 应得价值"),
        "settlement_paid": Label("应补给农户金额合计", "元", "少分农户的找补金额之和"),
        "settlement_received": Label("农户应补交金额合计", "元", "多分农户的找补金额之和"),
        "preference_households": Label("填报意愿田块的农户数", "户"),
        "preference_fulfilment": Label("意愿满足率", "%", "最大一块新地块位于所填意愿田块之一的农户占比"),
        "first_choice_share": Label("第一意愿满足率", "%", "最大一块新地块位于第一意愿田块的农户占比"),
        "gap": Label("求解相对间隙（MIP gap）", "%", "与最优解的最大相对差距；0 为已证明最优"),
        "deduction": Label("公共设施扣除率", "%", "1 − Σ新田块价值 / Σ入池地块价值，或参数给定"),
    }
)
"""Keys of ``village_indicators``, in order — the one home of their Chinese names."""

_BEFORE = ("CBFBM", "area", "value", "distance")
_AFTER = ("CBFBM", "area", "value", "distance", "TKBM")
_HOUSEHOLDS = ("CBFBM", "CBFMC", "entitled")


def simmons(areas: Sequence[float] | Floats) -> float:
    """Simmons (1964) fragmentation index FI = Σa² / (Σa)²: 1 for one parcel, → 0 for many small ones;
    ``nan`` for no parcel (or a zero total).

    >>> simmons([1.0, 1.0])
    0.5
    """
    a = np.asarray(areas, dtype=np.float64)
    total = float(a.sum())
    if a.size == 0 or total <= 0:
        return math.nan
    return float(np.dot(a, a)) / total**2


def januszewski(areas: Sequence[float] | Floats) -> float:
    """Januszewski (1968) K = √(Σa) / Σ√a: 1 for one parcel, 1/√n for n equal parcels; ``nan`` for no
    parcel (or a zero total).

    >>> round(januszewski([4.0, 1.0]), 6)  # √5 / 3
    0.745356
    """
    a = np.asarray(areas, dtype=np.float64)
    roots = float(np.sqrt(a).sum())
    if a.size == 0 or roots <= 0:
        return math.nan
    return math.sqrt(float(a.sum())) / roots


def mask_name(name: str) -> str:
    """Name as published in a 公示: first and last character kept, one ``*`` for each one between;
    whitespace removed. A two-character name keeps only the surname, a one-character name is unchanged.

    >>> [mask_name(n) for n in ("张三", "张小三", "欧阳小明", "李", " 王 五 ", "")]
    ['张*', '张*三', '欧**明', '李', '王*', '']
    """
    chars = "".join(str(name).split())
    if len(chars) <= 1:
        return chars
    if len(chars) == 2:
        return chars[0] + "*"
    return chars[0] + "*" * (len(chars) - 2) + chars[-1]


CODE_SHOWN_HEAD, CODE_SHOWN_TAIL = 6, 4
"""A published 承包方编码 keeps its first 6 characters (the county) and last 4 (the household's serial)."""


def mask_code(code: str) -> str:
    """承包方编码 as published in a 公示: first 6 and last 4 characters kept, one ``*`` for each one
    between; a code of 10 characters or fewer keeps only its last 4 (or its last one when shorter).

    >>> [mask_code(c) for c in ("530124100201010023", "5301241002", "1234", "")]
    ['530124********0023', '******1002', '***4', '']
    """
    text = "".join(str(code).split())
    n = len(text)
    if n > CODE_SHOWN_HEAD + CODE_SHOWN_TAIL:
        return text[:CODE_SHOWN_HEAD] + "*" * (n - CODE_SHOWN_HEAD - CODE_SHOWN_TAIL) + text[-CODE_SHOWN_TAIL:]
    tail = CODE_SHOWN_TAIL if n > CODE_SHOWN_TAIL else min(n, 1)
    return "*" * (n - tail) + text[n - tail :]


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} 缺少列: {', '.join(missing)}")


def _holdings(parcels: pd.DataFrame, codes: pd.Index, suffix: str) -> pd.DataFrame:
    """Per household (index ``codes``): parcel count, Σ area, Σ value, value-weighted mean distance over
    the parcels whose distance is known, and both fragmentation indices."""
    by = parcels["CBFBM"]
    value = parcels["value"].astype(float)
    distance = parcels["distance"].astype(float)
    known = distance.notna()
    weighted = (value * distance).where(known).groupby(by).sum(min_count=1)
    weight = value.where(known).groupby(by).sum(min_count=1)
    groups = parcels.groupby(by)["area"]
    out = pd.DataFrame(
        {
            f"parcels_{suffix}": groups.size(),
            f"area_{suffix}": groups.sum(),
            f"value_{suffix}": value.groupby(by).sum(),
            f"distance_{suffix}": weighted / weight.where(weight > 0),
            f"simmons_{suffix}": groups.agg(lambda a: simmons(a.to_numpy(dtype=float))),
            f"januszewski_{suffix}": groups.agg(lambda a: januszewski(a.to_numpy(dtype=float))),
        }
    ).reindex(codes)
    out[f"parcels_{suffix}"] = out[f"parcels_{suffix}"].fillna(0).astype(int)
    for column in (f"area_{suffix}", f"value_{suffix}"):
        out[column] = out[column].fillna(0.0).astype(float)
    return out


def household_table(
    before: pd.DataFrame, after: pd.DataFrame, households: pd.DataFrame, *, unit_price: float
) -> pd.DataFrame:
    """One row per household (sorted by CBFBM) with the columns of ``COLUMN_LABELS``.

    ``before``: one row per contract parcel before the adjustment — ``CBFBM``, ``area`` (m²), ``value``
    (standard m²), ``distance`` (m from the household's homestead to the parcel centroid, NaN when the
    homestead is unknown). ``after``: one row per parcel held afterwards, new pieces and kept (locked)
    parcels alike, with the same columns (``TKBM`` may be present; it is not used here).
    ``households``: ``CBFBM``, ``CBFMC`` (name), ``entitled`` (value after the common deduction).

    * ``distance_*`` = Σ value·distance / Σ value over the parcels with a known distance (NaN if none);
    * ``deviation`` = (value_after − entitled) / entitled (NaN when entitled is 0);
    * ``settlement`` = (entitled − value_after) × unit_price, 元: positive — the household received
      less than its entitlement and is paid; negative — it received more and pays;
    * ``simmons_*``, ``januszewski_*`` on the parcel areas (NaN for a household without parcels).

    A parcel whose CBFBM is not in ``households`` raises ValueError, naming it.
    """
    _require(before, _BEFORE, "调整前地块表")
    _require(after, _BEFORE, "调整后地块表")
    _require(households, _HOUSEHOLDS, "承包方表")
    codes_ = households["CBFBM"].astype(str)
    duplicated = sorted(set(codes_[codes_.duplicated()]))
    if duplicated:
        raise ValueError(f"承包方编码重复: {', '.join(duplicated)}")
    before = before.assign(CBFBM=before["CBFBM"].astype(str))
    after = after.assign(CBFBM=after["CBFBM"].astype(str))
    unknown = sorted((set(before["CBFBM"]) | set(after["CBFBM"])) - set(codes_))
    if unknown:
        raise ValueError(f"地块的承包方不在承包方表中: {', '.join(unknown)}")

    index = pd.Index(sorted(codes_), name="CBFBM")
    people = households.assign(CBFBM=codes_).set_index("CBFBM").reindex(index)
    entitled = people["entitled"].astype(float)
    old = _holdings(before, index, "before")
    new = _holdings(after, index, "after")
    table = pd.concat([old, new], axis=1)
    table["CBFMC"] = people["CBFMC"].fillna("").astype(str)
    table["entitled"] = entitled
    table["deviation"] = (table["value_after"] - entitled) / entitled.where(entitled != 0)
    table["settlement"] = (entitled - table["value_after"]) * float(unit_price)
    return table.reset_index()[list(COLUMN_LABELS)]


def _mean(values: pd.Series) -> float | None:
    finite = values.astype(float).dropna()
    return float(finite.mean()) if len(finite) else None


def _share(count: int, total: int) -> float | None:
    return count / total if total > 0 else None


def _weighted_mean(values: pd.Series, weights: pd.Series) -> float | None:
    known = values.notna()
    weight = float(weights[known].sum())
    return float((values[known] * weights[known]).sum()) / weight if weight > 0 else None


def _largest_piece_blocks(after: pd.DataFrame) -> dict[str, set[str]]:
    """Per household, the blocks of its largest new piece by value (several when pieces tie)."""
    pieces = after[after["TKBM"] != ""]
    if pieces.empty:
        return {}
    largest = pieces["value"].astype(float) == pieces.groupby("CBFBM")["value"].transform("max").astype(float)
    out: dict[str, set[str]] = {}
    for code, block in zip(pieces.loc[largest, "CBFBM"], pieces.loc[largest, "TKBM"], strict=True):
        out.setdefault(code, set()).add(block)
    return out


def village_indicators(
    table: pd.DataFrame,
    after: pd.DataFrame,
    *,
    preferences: Mapping[str, Sequence[str]] | None = None,
    gap: float | None = None,
    deduction: float | None = None,
) -> Indicators:
    """Village indicators (keys and Chinese names in ``INDICATOR_LABELS``) from ``household_table`` and
    the ``after`` parcels (``CBFBM``, ``value``, ``TKBM`` — block id, "" or NaN for a kept locked parcel).

    * counts and sums over the table's rows; ``parcels_per_household_*`` = parcels / households;
      ``share_one_parcel_*`` = households holding exactly one parcel / households;
    * ``merge_degree`` (田块归并度) = (parcels_before − parcels_after) / parcels_before;
    * ``simmons_mean_*``, ``januszewski_mean_*``: unweighted means over households that hold parcels;
    * ``mean_distance_*`` = Σ_h value_h·distance_h / Σ_h value_h over households with a known distance;
    * ``max_abs_deviation``, ``mean_abs_deviation`` of ``deviation``;
    * ``settlement_paid`` = Σ positive settlements (paid to households), ``settlement_received`` =
      −Σ negative ones (paid by households);
    * ``preferences``: CBFBM → preferred block ids, most wanted first. Among the households with a
      non-empty list, ``preference_fulfilment`` is the share whose largest new piece (by value; a tie
      counts if any tied piece qualifies) lies in one of the preferred blocks, ``first_choice_share``
      the share whose largest new piece lies in the first one; a household with no new piece counts as
      not fulfilled. Both are None when no household stated a preference;
    * ``gap``: the solver's relative MIP gap, and ``deduction`` (values.py), passed through.
    """
    _require(after, _AFTER, "调整后地块表")
    after = after.assign(
        CBFBM=after["CBFBM"].astype(str), TKBM=after["TKBM"].where(after["TKBM"].notna(), "").astype(str)
    )
    n = len(table)
    parcels_before = int(table["parcels_before"].sum())
    parcels_after = int(table["parcels_after"].sum())
    deviation = table["deviation"].astype(float).abs()
    settlement = table["settlement"].astype(float)

    stated = {str(code): [str(b) for b in blocks if str(b)] for code, blocks in (preferences or {}).items()}
    stated = {code: blocks for code, blocks in stated.items() if blocks}
    unknown = sorted(set(stated) - set(table["CBFBM"].astype(str)))
    if unknown:
        raise ValueError(f"意愿中的承包方不在户表中: {', '.join(unknown)}")
    largest = _largest_piece_blocks(after)
    fulfilled = sum(1 for code, blocks in stated.items() if largest.get(code, set()) & set(blocks))
    first = sum(1 for code, blocks in stated.items() if blocks[0] in largest.get(code, set()))

    return {
        "households": n,
        "parcels_before": parcels_before,
        "parcels_after": parcels_after,
        "parcels_per_household_before": parcels_before / n if n else None,
        "parcels_per_household_after": parcels_after / n if n else None,
        "share_one_parcel_before": _share(int((table["parcels_before"] == 1).sum()), n),
        "share_one_parcel_after": _share(int((table["parcels_after"] == 1).sum()), n),
        "merge_degree": (parcels_before - parcels_after) / parcels_before if parcels_before else None,
        "simmons_mean_before": _mean(table["simmons_before"]),
        "simmons_mean_after": _mean(table["simmons_after"]),
        "januszewski_mean_before": _mean(table["januszewski_before"]),
        "januszewski_mean_after": _mean(table["januszewski_after"]),
        "total_area_before": float(table["area_before"].sum()),
        "total_area_after": float(table["area_after"].sum()),
        "total_value_before": float(table["value_before"].sum()),
        "total_entitled": float(table["entitled"].sum()),
        "total_value_after": float(table["value_after"].sum()),
        "mean_distance_before": _weighted_mean(table["distance_before"], table["value_before"]),
        "mean_distance_after": _weighted_mean(table["distance_after"], table["value_after"]),
        "max_abs_deviation": float(deviation.max()) if deviation.notna().any() else None,
        "mean_abs_deviation": _mean(deviation),
        "settlement_paid": float(settlement[settlement > 0].sum()),
        "settlement_received": float(settlement[settlement < 0].abs().sum()),
        "preference_households": len(stated),
        "preference_fulfilment": _share(fulfilled, len(stated)),
        "first_choice_share": _share(first, len(stated)),
        "gap": None if gap is None else float(gap),
        "deduction": None if deduction is None else float(deduction),
    }

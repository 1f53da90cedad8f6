"""Parameters of a tenure adjustment (权属调整). No national number exists for any of them (domain.md
§6.1, §6.5 [U]): every default below is a configurable value, overridden by a parameters file.

Value basis: a parcel's value is ``area × coef(DLDJ)``, in *standard square metres* (m² of
地力等级 01 land). The default coefficients fall 5 % per grade: ``coef(g) = 1 − 0.05·(g − 1)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import Any

DEFAULT_QUALITY_COEF: Mapping[str, float] = MappingProxyType(
    {f"{g:02d}": round(1.0 - 0.05 * (g - 1), 4) for g in range(1, 11)}
)
"""地力等级 DLDJ 01–10 (1 best) → value coefficient [U]."""


@dataclass(frozen=True)
class Weights:
    """Weights of the second objective (the number of pieces comes first, lexicographically), in metres
    of household distance: 1 per metre of value-weighted distance from the homestead, ``preference``
    per rank step away from the first choice, ``deviation`` per 100 % of |received − entitled| / entitled
    (default: 1 % deviation weighs as 5 m). ``settlement``: metres per 元 of money settled,
    ``|received − entitled| × unit_price``, in the assignment's last step (the layout fixed, the values
    re-split by an LP; default 0.1: 1,000 元 weighs as 100 m). On the demo village the price lowers
    the settlement of a fixed layout by a further 0.8 % only, the rest being bought by fewer pieces
    (docs/realloc.md, 找补定价的效果).

    Why a price on money: one household's value-weighted distance is ``Σ dist·x / E``, so giving a
    household with one far block 5 % less value lowers its term by 5 % of its distance; without a price
    the optimum pushes far households to −5 % and near ones to +5 %."""

    distance: float = 1.0
    preference: float = 100.0
    deviation: float = 500.0
    settlement: float = 0.1


@dataclass(frozen=True)
class Params:
    quality_coef: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_QUALITY_COEF))
    tolerance: float = 0.05
    """Allowed |received − entitled| / entitled per household (NL practice 5 %) [U]."""
    deduction: float | None = None
    """Share of pooled value given up for new roads and ditches; None: computed from the areas
    as ``1 − Σ block value / Σ pooled parcel value`` (CN default 0, NL ≤ 5 %, TR ≤ 10 %) [U]."""
    min_width: float = 20.0
    """Minimum parcel width along the road, metres (machinery) [U]."""
    unit_price: float = 20.0
    """元 per standard m² of value difference settled in money [U]."""
    weights: Weights = field(default_factory=Weights)
    time_limit: float = 60.0
    """Seconds the solver may use in all."""
    candidates: int | None = None
    """Restrict each household to its k nearest blocks (plus its preferences); None: all blocks."""

    def coef(self, grade: object) -> float:
        """Coefficient of a DLDJ grade ("01", "1", 1 …); KeyError names the grade when unknown."""
        text = str(grade).strip()
        key = text.zfill(2) if text.isdigit() else text
        return float(self.quality_coef[key])

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Weights):
                value = {w.name: getattr(value, w.name) for w in fields(value)}
            elif isinstance(value, Mapping):
                value = dict(value)
            out[f.name] = value
        return out


def params_from_dict(data: Mapping[str, Any], base: Params | None = None) -> Params:
    """Params with the keys of ``data`` overriding ``base`` (unknown keys raise ValueError, naming them)."""
    base = base or Params()
    names = {f.name for f in fields(Params)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValueError(f"未知参数: {', '.join(unknown)}（可用: {', '.join(sorted(names))}）")
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key == "weights":
            wnames = {f.name for f in fields(Weights)}
            bad = sorted(set(value) - wnames)
            if bad:
                raise ValueError(f"未知权重: {', '.join(bad)}（可用: {', '.join(sorted(wnames))}）")
            changes[key] = replace(base.weights, **{k: float(v) for k, v in value.items()})
        elif key == "quality_coef":
            changes[key] = {**base.quality_coef, **{str(k).zfill(2): float(v) for k, v in value.items()}}
        elif key == "candidates":
            changes[key] = None if value is None else int(value)
        elif key == "deduction":
            changes[key] = None if value is None else float(value)
        else:
            changes[key] = float(value)
    result = replace(base, **changes)
    if not 0 <= result.tolerance < 1:
        raise ValueError(f"tolerance 应在 [0, 1) 之间，得到 {result.tolerance}")
    if result.deduction is not None and not 0 <= result.deduction < 1:
        raise ValueError(f"deduction 应在 [0, 1) 之间，得到 {result.deduction}")
    if result.min_width < 0:
        raise ValueError(f"min_width 不能为负，得到 {result.min_width}")
    return result

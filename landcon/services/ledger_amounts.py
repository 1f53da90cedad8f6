"""Typed ledger amounts → exact quantities: numbers from forms, batch files and the CLI, the quantity a
document states (亩 or m², converted once), and the 水田 and 粮食产能 a 补充耕地指标 use deducts.

The units, bounds and conversions themselves are ``engine.ledger_amounts``; this module only reads what
a user typed and says readably what is wrong with it.
"""

from __future__ import annotations

from typing import Any

from landcon.engine import ledger as L
from landcon.errors import InvalidRecord

M2_PER_MU = L.M2_PER_MU


def parse_number(
    text: str, label: str, *, required: bool = True, positive: bool = False, limit: float = L.MAX_YUAN
) -> float:
    """A number typed by a user ("1,234.5"), refused readably when it is not a finite number in
    [0, limit] (forms, batch files): "nan", "inf", "1e309", "1e15" are one-line errors."""
    if not text.strip():
        if required:
            raise InvalidRecord(f"请填写{label}")
        return 0.0
    return L.amount(text.strip(), label, limit=limit, positive=positive)


def parse_optional(text: str, label: str, *, limit: float = L.MAX_YUAN) -> float | None:
    """Like ``parse_number``, but an empty field is ``None`` (not stated), not 0."""
    return parse_number(text, label, limit=limit) if text.strip() else None


def m2_from_mu(area_mu: float | None, label: str) -> float:
    """A typed 亩 amount in m², refused readably when it is not a finite amount in range."""
    return L.amount(area_mu, label, limit=L.MAX_AREA_M2 / M2_PER_MU) * M2_PER_MU


def stated_qty(
    *,
    area_m2: float | None = None,
    area_mu: float | None = None,
    paddy_m2: float | None = None,
    paddy_mu: float | None = None,
    grain_kg: float | None = None,
    what: str = "面积",
) -> L.Qty:
    """The quantity a document states, converted once to the ledger's exact units (engine.ledger):
    area in 亩 or m² (exactly one), 水田 in 亩 or m² (at most one), 粮食产能 in kg; each refused
    readably when it is not a finite amount in range."""
    if (area_m2 is None) == (area_mu is None):
        raise InvalidRecord(f"{what}须给出且只给出一个：亩 或 平方米")
    if paddy_m2 is not None and paddy_mu is not None:
        raise InvalidRecord("水田面积只能给一个：亩 或 平方米")
    area = (
        L.area_units(area_m2, f"{what}（m²）")
        if area_m2 is not None
        else L.area_units_from_mu(area_mu or 0.0, f"{what}（亩）")
    )
    paddy = (
        L.area_units(paddy_m2, "其中水田（m²）")
        if paddy_m2 is not None
        else L.area_units_from_mu(paddy_mu or 0.0, "其中水田（亩）")
    )
    return L.Qty(area, paddy, L.grain(grain_kg))


def occupied_qty(
    q: L.Qty, *, stated_paddy: bool, stated_grain: bool, grade: Any, dlbm: Any, rules: L.LedgerRules
) -> L.Qty:
    """The 水田 and 粮食产能 a 补充耕地指标 use deducts: as stated, else from the occupied land's class and
    等别; neither is refused (a use may not silently deduct 0 水田 and 0 kg)."""
    blank = grade is None or str(grade).strip() == ""
    if not stated_grain and blank:
        raise InvalidRecord(
            "使用补充耕地指标须写明粮食产能（公斤），或被占耕地的质量等别（1–15，按规则中的每亩产能计算）",
            field="grain_kg",
        )
    if not stated_paddy and (dlbm is None or not str(dlbm).strip()):
        raise InvalidRecord(
            "使用补充耕地指标须写明其中水田面积（可为 0），或被占耕地地类（0101 水田 / 0102 水浇地 / 0103 旱地）",
            field="paddy",
        )
    if stated_paddy and dlbm:
        raise InvalidRecord("其中水田面积与被占耕地地类只能给一个")
    if stated_grain and not blank:
        raise InvalidRecord("粮食产能与被占耕地等别只能给一个")
    paddy = q.paddy if stated_paddy else L.occupied_paddy(q.area, str(dlbm))
    grain = q.grain if stated_grain else L.occupied_capacity(q.area, grade, rules)
    return L.Qty(q.area, paddy, grain)

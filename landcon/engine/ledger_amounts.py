"""Ledger amounts: exact integer units, bounds on typed numbers, and document numbers in one form.

Domain reference §5 and docs/ledger.md. Area is counted in 1/300 m² (``AREA_UNITS_PER_M2``): 0.01 m² is
3 units and 1 亩 is 200,000, so an amount stated in 亩 or in m² is stored exactly as the document states
it and converted once (100 + 100 + 93 亩 is exactly 293 亩). 粮食产能 is in kg, money in fen. A typed
amount that is not a finite number in a plausible range (NaN, inf, 1e309, 1e15) is refused in one line.
"""

from __future__ import annotations

import math
import re
import unicodedata

from landcon.engine.codes import SQM_PER_MU
from landcon.errors import LandconError

M2_PER_MU = SQM_PER_MU  # 1 亩 = 10000/15 m²
DM2_PER_M2 = 100
#: Ledger area unit: 1/300 m². 0.01 m² = 3 units and 0.0001 亩 = 20 units, both exact.
AREA_UNITS_PER_M2 = 300
AREA_UNITS_PER_MU = 200_000  # 10000/15 m² × 300
AREA_UNITS_PER_DM2 = 3

#: Largest amount one document may state; anything larger is a typing error (1e15, inf), refused before
#: it reaches an integer column. 1e11 m² (100,000 km²) exceeds any county and a province's yearly quota.
MAX_AREA_M2 = 1e11
MAX_GRAIN_KG = 1e11  # 100 million t: above China's whole yearly grain output
MAX_YUAN = 1e13  # 10 万亿元


class InvalidAmount(LandconError):
    """A typed amount is not a finite number in range (NaN, inf, 1e309, 1e15, negative)."""

    exit_code = 2


def amount(value: float | int | str | None, label: str, *, limit: float, positive: bool = False) -> float:
    """A stated amount as a float, refused (InvalidAmount, one line) when it is not a finite number in
    [0, limit] — NaN, inf, 1e309, 1e15 亩 — or is zero where ``positive``."""
    if value is None or value == "":
        if positive:
            raise InvalidAmount(f"请填写{label}")
        return 0.0
    try:
        number = (
            float(str(value).strip().replace(",", "").replace("，", "")) if isinstance(value, str) else float(value)
        )
    except (TypeError, ValueError, OverflowError):
        raise InvalidAmount(f"{label}应为数字（填写的是“{value}”）") from None
    if not math.isfinite(number):
        raise InvalidAmount(f"{label}应为有限的数（填写的是“{value}”）")
    if number < 0 or (positive and number == 0):
        raise InvalidAmount(f"{label}应{'大于零' if positive else '不小于零'}（填写的是“{value}”）")
    if number > limit:
        raise InvalidAmount(f"{label} {number:g} 超出合理范围（不超过 {limit:g}），请检查单位和数字")
    return number


def half_up(x: float) -> int:
    """Round half away from zero (a stated 0.005 m² is 0.01 m², as on paper)."""
    value = math.floor(abs(x) + 0.5 + 1e-9)
    return value if x >= 0 else -value


def area_units(area_m2: float, label: str = "面积") -> int:
    """m² → ledger area units (1/300 m²), converted once; refused when not a finite amount in range."""
    return half_up(amount(area_m2, label, limit=MAX_AREA_M2) * AREA_UNITS_PER_M2)


def area_units_from_mu(area_mu: float, label: str = "面积") -> int:
    """亩 → ledger area units: 1 亩 = 200,000 units exactly, so whole and 0.01 亩 amounts stay exact."""
    value = amount(area_mu, label, limit=MAX_AREA_M2 / M2_PER_MU)
    return half_up(value * AREA_UNITS_PER_MU)


def units_from_dm2(area_dm2: int) -> int:
    """dm² (engine snapshots stored at 0.01 m²) → ledger area units."""
    return int(area_dm2) * AREA_UNITS_PER_DM2


def grain(kg: float | int | str | None, label: str = "粮食产能（公斤）") -> int:
    """A stated 粮食产能 in whole kg (refused when not finite, negative or absurdly large)."""
    return half_up(amount(kg, label, limit=MAX_GRAIN_KG))


def dm2(area_m2: float) -> int:
    """m² → dm² integer, rounded half away from zero at 0.01 m² (engine snapshots and 入市 parcel areas)."""
    value = round(abs(float(area_m2)) * DM2_PER_M2 + 1e-9)
    return int(value) if area_m2 >= 0 else -int(value)


def m2(area: int) -> float:
    """Ledger area units → m² (2 decimals, as areas are reported)."""
    return round(area / AREA_UNITS_PER_M2 + 0.0, 2)


def mu(area: int) -> float:
    """Ledger area units → 亩, 2 decimals (1 亩 = 10000/15 m²)."""
    return round(area / AREA_UNITS_PER_MU + 0.0, 2)


def yuan(fen: int) -> float:
    return fen / 100


def fen(amount_yuan: float, label: str = "金额（元）") -> int:
    """元 → fen, refused when not a finite amount in range."""
    return half_up(amount(amount_yuan, label, limit=MAX_YUAN) * 100)


# Document numbers -------------------------------------------------------------------------------

_YEAR_BRACKET = re.compile(r"[\[【(〔［]\s*(\d{4})\s*[\]】)〕］]")
_SPACES = re.compile(r"\s+")
#: A space next to a CJK character or bracket carries no meaning in a 文号 (“富政批 〔2027〕 21 号”).
_LOOSE_SPACE = re.compile(
    r" (?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])|(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]) "
)


def normalise_doc_no(text: str) -> str:
    """The canonical form of a 文号 or contract number, so the same document typed two ways is one.

    Full-width digits, letters and （）［］ become ASCII; spaces are trimmed and collapsed, and dropped
    next to Chinese characters and brackets; a year in [] 【】 () is written 〔2027〕 as 文号 are
    (GB/T 9704-2012 党政机关公文格式 §7.2.4: 年份 in 六角括号〔〕)."""
    out = []
    for ch in text:
        if unicodedata.category(ch) == "Zs":
            out.append(" ")
        elif "\uff01" <= ch <= "\uff5e" and (ch.isalnum() or ch in "（）［］－"):
            out.append(chr(ord(ch) - 0xFEE0))
        else:
            out.append(ch)
    value = _SPACES.sub(" ", "".join(out)).strip()
    value = _YEAR_BRACKET.sub(r"〔\1〕", value)
    return _LOOSE_SPACE.sub("", value)

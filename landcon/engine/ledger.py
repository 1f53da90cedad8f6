"""Quota ledgers: 增减挂钩节余指标, 周转指标 and 补充耕地指标 as double-entry postings; 入市 sums.

Domain reference §5. Every quantity is an integer, so sums are exact and a ledger balances to the
last unit: area in units of 1/300 m² (``AREA_UNITS_PER_M2``: 0.01 m² is 3 units and 1 亩 is 200,000, so
an amount stated in 亩 or in m² is stored exactly as the document states it — 100 + 100 + 93 亩 is
exactly 293 亩), 粮食产能 in kg, money in fen (0.01 元); conversions, bounds on typed amounts and
document numbers live in ``engine.ledger_amounts``.

Accounts are (holder unit, kind, bucket, 项目区). A *posting* (one source document) is a set of
lines whose area, 水田 and 粮食产能 each sum to zero. Holding buckets (可用, 预留, 冻结, 已使用) may
never go negative; contra buckets carry the other side of quota created from outside the ledger:
``source`` (核定来源: −issued), ``owed`` (周转指标应归还: −lent) and ``external`` (省外调剂对方).
A balance is always Σ lines, never a stored number. This module builds the lines of every document
type and checks them; ``check_ledger`` re-derives every balance and invariant from the entries alone.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from landcon.engine.ledger_amounts import (  # noqa: F401 - the ledger's amounts, used through this module too
    AREA_UNITS_PER_DM2,
    AREA_UNITS_PER_M2,
    AREA_UNITS_PER_MU,
    DM2_PER_M2,
    M2_PER_MU,
    MAX_AREA_M2,
    MAX_GRAIN_KG,
    MAX_YUAN,
    InvalidAmount,
    amount,
    area_units,
    area_units_from_mu,
    dm2,
    fen,
    grain,
    half_up,
    m2,
    mu,
    normalise_doc_no,
    units_from_dm2,
    yuan,
)
from landcon.errors import LandconError

# Kinds and buckets ------------------------------------------------------------------------------

JSJG, ZZ, BCGD = "jsjg", "zz", "bcgd"
KINDS: dict[str, str] = {JSJG: "增减挂钩节余指标", ZZ: "增减挂钩周转指标", BCGD: "补充耕地指标"}
TRADABLE = (JSJG, BCGD)  # 周转指标 only controls 建新 in its 项目区 and is never traded [C2]

AVAIL, RESERVED, FROZEN, USED = "avail", "reserved", "frozen", "used"
SOURCE, OWED, EXTERNAL = "source", "owed", "external"
BUCKETS: dict[str, str] = {
    AVAIL: "可用",
    RESERVED: "本村建房预留",
    FROZEN: "冻结",
    USED: "已使用",
    SOURCE: "核定来源",
    OWED: "应归还",
    EXTERNAL: "省外调剂",
}
HOLDING = (AVAIL, RESERVED, FROZEN, USED)
CONTRA = (SOURCE, OWED, EXTERNAL)

# Document types (one posting per source document).
ZZ_ISSUE = "zz_issue"
RECLAIM = "reclaim"
#: LedgerPosting.basis of an issuing posting (拆旧复垦验收, 补充耕地指标核定): computed from the accepted
#: as-built indicators, or from the approved plan (issued before as-built acceptance; migration 0012).
ASBUILT, PLAN = "asbuilt", "plan"
BASIS_NAMES = {ASBUILT: "按验收竣工成果核定", PLAN: "验收前按方案核定"}
BCGD_ISSUE = "bcgd_issue"
USE = "use"
TRANSFER = "transfer"
FREEZE, UNFREEZE = "freeze", "unfreeze"
CORRECT = "correct"
DOC_TYPES: dict[str, str] = {
    ZZ_ISSUE: "周转指标下达",
    RECLAIM: "拆旧复垦验收",
    BCGD_ISSUE: "补充耕地指标核定",
    USE: "建设用地审批使用",
    TRANSFER: "指标调剂",
    FREEZE: "冻结",
    UNFREEZE: "解冻",
    CORRECT: "核减",
}
ISSUING = (ZZ_ISSUE, RECLAIM, BCGD_ISSUE)


class LedgerRefused(LandconError):
    """A posting breaks a ledger rule (nothing is written)."""

    exit_code = 1


class InsufficientBalance(LedgerRefused):
    """A holding account would go below zero."""


# Quantities -------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Qty:
    """Area and, of it, 水田 (both in 1/300 m², ``AREA_UNITS_PER_M2``), and 粮食产能 (kg)."""

    area: int = 0
    paddy: int = 0
    grain: int = 0

    def __add__(self, other: Qty) -> Qty:
        return Qty(self.area + other.area, self.paddy + other.paddy, self.grain + other.grain)

    def __sub__(self, other: Qty) -> Qty:
        return Qty(self.area - other.area, self.paddy - other.paddy, self.grain - other.grain)

    def __neg__(self) -> Qty:
        return Qty(-self.area, -self.paddy, -self.grain)

    def is_zero(self) -> bool:
        return self.area == 0 and self.paddy == 0 and self.grain == 0

    def negative(self) -> bool:
        return self.area < 0 or self.paddy < 0 or self.grain < 0

    def covers(self, other: Qty) -> bool:
        return self.area >= other.area and self.paddy >= other.paddy and self.grain >= other.grain

    def as_dict(self) -> dict[str, Any]:
        return {
            "area_m2": m2(self.area),
            "area_mu": mu(self.area),
            "paddy_m2": m2(self.paddy),
            "paddy_mu": mu(self.paddy),
            "grain_kg": self.grain,
        }


ZERO = Qty()


def describe(q: Qty) -> str:
    """``1.50 亩（1,000.00 m²）`` plus 水田 and 粮食产能 when present."""
    text = f"{mu(q.area):,.2f} 亩（{m2(q.area):,.2f} m²）"
    if q.paddy:
        text += f"，其中水田 {mu(q.paddy):,.2f} 亩"
    if q.grain:
        text += f"，粮食产能 {q.grain:,} 公斤"
    return text


# Rules (configurable values) --------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerRules:
    """Rule values of the ledger; every one is configurable (services read an optional YAML file)."""

    #: 周转指标 must be returned within the 项目区 period: 3 years [U] (domain §5.1).
    revolving_years: int = 3
    #: 入市 调节金 rate bounds: 20%–50% of 土地增值收益 [C] (财政部、国土资源部 暂行办法).
    market_rate_min: float = 0.20
    market_rate_max: float = 0.50
    #: Default 调节金 rate [U] (the county sets it within the bounds).
    market_rate: float = 0.20
    #: Share of the net 入市 income kept by the collective; the rest goes to its members [U].
    collective_share: float = 0.30
    #: 粮食产能 (kg per 亩 per year) by 耕地质量等别 (1 best … 15), for farmland added (核定) and farmland
    #: occupied (使用) alike. Grade 1 ≈ 1,500 kg and grade 15 ≈ 100 kg [C] (domain §4.3: news.china.com
    #: 2018-01-07, 耕地质量等别); the grades between, 100 kg per grade, are a linear reading [U].
    grain_kg_per_mu: Mapping[int, float] = field(
        default_factory=lambda: {g: 1500.0 - 100.0 * (g - 1) for g in range(1, 16)}
    )
    #: 等别 assumed for new farmland without one [U].
    default_grade: int = 10


def rules_from_dict(data: Mapping[str, Any]) -> LedgerRules:
    """Rules from a YAML mapping (unknown keys and out-of-range values are refused)."""
    known = set(LedgerRules.__dataclass_fields__)
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"未知的台账规则项：{', '.join(sorted(unknown))}")
    values = dict(data)
    if "grain_kg_per_mu" in values:
        values["grain_kg_per_mu"] = {int(k): float(v) for k, v in values["grain_kg_per_mu"].items()}
    rules = LedgerRules(**values)
    if any(not math.isfinite(v) or v < 0 for v in rules.grain_kg_per_mu.values()):
        raise ValueError("粮食产能标准（grain_kg_per_mu）应为不小于零的数")
    if not 0 < rules.market_rate_min <= rules.market_rate_max < 1:
        raise ValueError("调节金比例上下限应在 0 与 1 之间，且下限不大于上限")
    if not rules.market_rate_min <= rules.market_rate <= rules.market_rate_max:
        raise ValueError(
            f"默认调节金比例 {rules.market_rate} 不在 {rules.market_rate_min}–{rules.market_rate_max} 之间"
        )
    if not 0 <= rules.collective_share <= 1:
        raise ValueError("集体留存比例应在 0 与 1 之间")
    if rules.revolving_years < 1:
        raise ValueError("周转指标归还期限至少 1 年")
    return rules


def due_date(issued: dt.date, rules: LedgerRules) -> dt.date:
    """周转指标 return deadline: the issue date plus ``revolving_years`` (29 Feb → 28 Feb)."""
    try:
        return issued.replace(year=issued.year + rules.revolving_years)
    except ValueError:
        return issued.replace(year=issued.year + rules.revolving_years, day=28)


def kg_per_mu(grade: int | str, rules: LedgerRules) -> float:
    """粮食产能 per 亩 of a 耕地质量等别 (``grain_kg_per_mu``); an unknown grade is refused."""
    try:
        g = int(str(grade).strip())
    except ValueError:
        raise InvalidAmount(f"耕地质量等别应为 1–15 的整数（填写的是“{grade}”）") from None
    if g not in rules.grain_kg_per_mu:
        raise InvalidAmount(
            f"耕地质量等别 {g} 没有粮食产能标准（有：{'、'.join(map(str, sorted(rules.grain_kg_per_mu)))}）"
        )
    return rules.grain_kg_per_mu[g]


def occupied_capacity(area: int, grade: int | str, rules: LedgerRules) -> int:
    """粮食产能 (kg) of occupied farmland = area (亩) × kg per 亩 of its 等别, half up (``grain_kg_per_mu``)."""
    return half_up(area / AREA_UNITS_PER_MU * kg_per_mu(grade, rules))


#: 三调 codes of 耕地: 0101 水田 is paddy, 0102 水浇地 and 0103 旱地 are not (domain §4.2).
FARMLAND_CLASSES: dict[str, str] = {"0101": "水田", "0102": "水浇地", "0103": "旱地"}


def occupied_paddy(area: int, dlbm: str) -> int:
    """水田 part of occupied farmland of one class: all of it for 0101 水田, none for 0102/0103."""
    code = dlbm.strip()
    if code not in FARMLAND_CLASSES:
        raise InvalidAmount(
            f"被占耕地地类应为 {'、'.join(f'{k} {v}' for k, v in FARMLAND_CLASSES.items())}（填写的是“{dlbm}”）"
        )
    return area if code == "0101" else 0


def grain_capacity(new_by_grade_m2: Mapping[str, float], rules: LedgerRules) -> int:
    """新增粮食产能 (kg) = Σ_grade area(亩) × kg per 亩 of the grade; ungraded land uses ``default_grade``."""
    total = 0.0
    for grade, area in new_by_grade_m2.items():
        g = int(grade) if str(grade).strip() else rules.default_grade
        if g not in rules.grain_kg_per_mu:
            raise ValueError(f"耕地质量等别 {g} 没有粮食产能标准")
        total += float(area) / M2_PER_MU * rules.grain_kg_per_mu[g]
    return round(total)


# Accounts and lines -----------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class AccountKey:
    """Holder unit code, kind, bucket and 项目区 (``""`` when the account is not per 项目区)."""

    unit: str
    kind: str
    bucket: str
    area: str = ""


@dataclass(frozen=True)
class Line:
    account: AccountKey
    qty: Qty


def account_label(key: AccountKey, unit_names: Mapping[str, str] | None = None) -> str:
    unit = (unit_names or {}).get(key.unit, key.unit)
    where = f"项目区 {key.area} " if key.area else ""
    return f"{unit} {where}{KINDS[key.kind]}（{BUCKETS[key.bucket]}）"


def balanced(lines: Iterable[Line]) -> bool:
    total = ZERO
    for line in lines:
        total = total + line.qty
    return total.is_zero()


def _positive(q: Qty, what: str) -> None:
    if q.negative() or q.is_zero():
        raise LedgerRefused(f"{what}的数量应大于零")
    if q.paddy > q.area:
        raise LedgerRefused(f"{what}：水田面积 {mu(q.paddy):.2f} 亩 大于总面积 {mu(q.area):.2f} 亩")


def _move(src: AccountKey, dst: AccountKey, q: Qty) -> list[Line]:
    return [Line(src, -q), Line(dst, q)]


# Document types: each returns the posting's lines -----------------------------------------------


def within_demolished(area_code: str, what: str, total: int, cap: int) -> None:
    """建新 ≤ 拆旧 in a 项目区: the cumulative ``total`` (周转指标 issued, or 建新 used) may not exceed the
    项目区's 拆旧 area ``cap`` (both in area units) [C2]."""
    if total > cap:
        raise LedgerRefused(
            f"项目区 {area_code} {what}累计将达 {mu(total):,.2f} 亩，"
            f"超过其拆旧面积 {mu(cap):,.2f} 亩（建新不得超过拆旧）"
        )


def zz_issue_lines(county: str, area_code: str, q: Qty, *, cap: int, issued: int) -> list[Line]:
    """周转指标下达 to a 项目区: 可用 +q against 应归还 −q. Cumulative issue ≤ the 项目区's 拆旧 area."""
    _positive(q, "周转指标下达")
    if q.paddy or q.grain:
        raise LedgerRefused("周转指标只计面积")
    within_demolished(area_code, "周转指标", issued + q.area, cap)
    return [Line(AccountKey(county, ZZ, AVAIL, area_code), q), Line(AccountKey(county, ZZ, OWED, area_code), -q)]


@dataclass(frozen=True)
class ReclaimSplit:
    cancelled: int
    repaid: int
    reserved: int
    surplus: int


def reclaim_split(reclaimed: int, owed: int, reserve: int, unused: int = 0) -> ReclaimSplit:
    """At 拆旧复垦验收 the 项目区's cycle closes: 周转指标 lent but never used lapses (cancelled against
    what is owed); the 拆旧 area then returns the rest of the 周转指标, next goes to the village's own
    housing (宅基地腾退指标优先保障本村农民住宅建设, §1.4 item 9), and only the rest becomes 节余指标."""
    cancelled = max(min(unused, owed), 0)
    repaid = min(reclaimed, owed - cancelled)
    reserved = min(reclaimed - repaid, reserve)
    return ReclaimSplit(cancelled, repaid, reserved, reclaimed - repaid - reserved)


def reclaim_lines(county: str, area_code: str, reclaimed: int, owed: int, reserve: int, unused: int = 0) -> list[Line]:
    """拆旧复垦验收: 核定来源 −R; unused 周转可用 −cancelled; 应归还 +(cancelled + repaid);
    本村建房预留 +reserved; 节余可用 +surplus."""
    if reclaimed <= 0:
        raise LedgerRefused(f"项目区 {area_code} 没有拆旧复垦面积，不能核定指标")
    if reserve < 0:
        raise LedgerRefused("本村建房预留面积不能为负")
    split = reclaim_split(reclaimed, owed, reserve, unused)
    lines = [Line(AccountKey(county, JSJG, SOURCE, area_code), Qty(-reclaimed))]
    if split.cancelled:
        lines.append(Line(AccountKey(county, ZZ, AVAIL, area_code), Qty(-split.cancelled)))
    if split.cancelled or split.repaid:
        lines.append(Line(AccountKey(county, ZZ, OWED, area_code), Qty(split.cancelled + split.repaid)))
    if split.reserved:
        lines.append(Line(AccountKey(county, JSJG, RESERVED, area_code), Qty(split.reserved)))
    if split.surplus:
        lines.append(Line(AccountKey(county, JSJG, AVAIL), Qty(split.surplus)))
    return lines


def bcgd_issue_lines(county: str, q: Qty) -> list[Line]:
    """补充耕地指标核定 from an accepted project's new farmland: 可用 +q against 核定来源 −q."""
    _positive(q, "补充耕地指标核定")
    return _move(AccountKey(county, BCGD, SOURCE), AccountKey(county, BCGD, AVAIL), q)


def use_lines(county: str, kind: str, q: Qty, *, area_code: str = "", reserved: bool = False) -> list[Line]:
    """建设用地审批使用: 可用 (or 本村建房预留) −q, 已使用 +q. 周转指标 and 预留 are used inside their 项目区."""
    _positive(q, "使用指标")
    if kind == ZZ and not area_code:
        raise LedgerRefused("使用周转指标须指明项目区")
    if reserved and (kind != JSJG or not area_code):
        raise LedgerRefused("使用本村建房预留指标须为增减挂钩节余指标，并指明项目区")
    if kind == JSJG and area_code and not reserved:
        area_code = ""  # 节余指标 are the county's, not one 项目区's
    bucket = RESERVED if reserved else AVAIL
    return _move(AccountKey(county, kind, bucket, area_code), AccountKey(county, kind, USED, area_code), q)


def transfer_lines(seller: str | None, buyer: str | None, kind: str, q: Qty, *, province: str) -> list[Line]:
    """调剂: seller 可用 −q, buyer 可用 +q; a party outside the province is the ``external`` account."""
    _positive(q, "调剂")
    if kind not in TRADABLE:
        raise LedgerRefused(f"{KINDS[kind]}不得调剂（只用于本项目区建新）")
    if seller is None and buyer is None:
        raise LedgerRefused("调剂须至少有一方为省内单位")
    if seller == buyer:
        raise LedgerRefused("调出方与调入方不能相同")
    src = AccountKey(seller, kind, AVAIL) if seller else AccountKey(province, kind, EXTERNAL)
    dst = AccountKey(buyer, kind, AVAIL) if buyer else AccountKey(province, kind, EXTERNAL)
    return _move(src, dst, q)


def freeze_lines(unit: str, kind: str, q: Qty, *, area_code: str = "", unfreeze: bool = False) -> list[Line]:
    """冻结: 可用 → 冻结; 解冻: 冻结 → 可用."""
    _positive(q, "解冻" if unfreeze else "冻结")
    avail, frozen = AccountKey(unit, kind, AVAIL, area_code), AccountKey(unit, kind, FROZEN, area_code)
    return _move(frozen, avail, q) if unfreeze else _move(avail, frozen, q)


def correct_lines(original: Iterable[Line], q: Qty, *, corrected: Qty) -> list[Line]:
    """核减 of an issuing posting: its 可用 (or 预留) −q back to 核定来源/应归还, at most what it issued less
    earlier corrections. ``original`` are the issuing posting's lines, ``corrected`` the total so far."""
    _positive(q, "核减")
    lines = list(original)
    # What the issuing posting created from outside: its contra line (source, or owed for 周转指标).
    contra = [ln for ln in lines if ln.account.bucket in (SOURCE, OWED) and ln.qty.area < 0]
    if len(contra) != 1:
        raise LedgerRefused("只能核减指标核定或周转指标下达的记账")
    issued = -contra[0].qty
    if not issued.covers(corrected + q):
        raise LedgerRefused(f"核减后累计核减 {describe(corrected + q)}，超过原核定 {describe(issued)}")
    key = contra[0].account
    target = AccountKey(key.unit, key.kind, AVAIL, key.area if key.kind == ZZ else "")
    return _move(target, key, q)


# Validation -------------------------------------------------------------------------------------


QUANTITY_NAMES = {"area": "面积", "paddy": "水田", "grain": "粮食产能"}


def incoherent(q: Qty) -> str | None:
    """Why a holding balance cannot exist, or None: 水田 ≤ area, 粮食产能 ≥ 0, and no 水田 or 产能
    left on 0 亩 (a balance of "0 亩 of which 4 亩 水田" is impossible)."""
    if q.paddy > q.area:
        return f"水田 {mu(q.paddy):,.2f} 亩 多于面积 {mu(q.area):,.2f} 亩"
    if q.area == 0 and q.grain > 0:
        return f"面积为 0 而粮食产能还有 {q.grain:,} 公斤"
    return None


def apply(
    lines: list[Line], balances: Mapping[AccountKey, Qty], unit_names: Mapping[str, str] | None = None
) -> dict[AccountKey, Qty]:
    """Check a posting against the current balances; return the new balances of the touched accounts.

    Refused when it does not balance, a holding account would go negative in area, 水田 or 粮食产能
    (InsufficientBalance names the account, which quantity is short, what is there and what is
    needed), or would be left incoherent (``incoherent``: more 水田 than area, 产能 on 0 亩)."""
    if not lines:
        raise LedgerRefused("记账没有分录")
    if not balanced(lines):
        raise LedgerRefused("记账借贷不平衡（面积、水田、粮食产能各自合计应为零）")
    after: dict[AccountKey, Qty] = {}
    for line in lines:
        after[line.account] = after.get(line.account, balances.get(line.account, ZERO)) + line.qty
    for key, value in sorted(after.items()):
        if key.bucket not in HOLDING:
            continue
        have = balances.get(key, ZERO)
        if value.negative():
            need = have - value
            short = "、".join(QUANTITY_NAMES[k] for k in ("area", "paddy", "grain") if getattr(value, k) < 0)
            raise InsufficientBalance(
                f"余额不足（{short}）：{account_label(key, unit_names)} 现有 {describe(have)}，"
                f"本次需要 {describe(need)}"
            )
        if (why := incoherent(value)) is not None and incoherent(have) is None:
            raise LedgerRefused(
                f"{account_label(key, unit_names)} 记账后将剩余 {describe(value)}：{why}。"
                "使用或调出补充耕地指标须同时写明其中水田面积和粮食产能"
            )
    return after


# 调剂 and 入市 sums -------------------------------------------------------------------------------


def transfer_total_fen(area: int, price_fen_per_mu: int) -> int:
    """Contract total = area in 亩 as the contract states it (2 decimals) × price per 亩, in fen, half up.

    亩 × 100 = round(units / 2,000), so 5 亩 entered as 3,333.33 m² is 5.00 亩 and totals exactly 5 × price."""
    centi_mu = (area + AREA_UNITS_PER_MU // 200) // (AREA_UNITS_PER_MU // 100)
    return (centi_mu * price_fen_per_mu + 50) // 100


@dataclass(frozen=True)
class MarketSums:
    increment_fen: int
    levy_fen: int
    net_fen: int
    collective_fen: int
    members_fen: int


def market_sums(price_fen: int, cost_fen: int, rate: float, rules: LedgerRules) -> MarketSums:
    """集体经营性建设用地入市: 增值收益 = price − cost; 调节金 = 增值收益 × rate (rate within the
    configured 20–50 % [C]); the income distributed = 成交价款 − 调节金 − 成本 (= 增值收益 − 调节金: the
    acquisition and development cost is repaid first, it is not income), split into the collective's
    share (``collective_share``) and its members'."""
    if price_fen <= 0:
        raise LedgerRefused("成交价款应大于零")
    if cost_fen < 0 or cost_fen > price_fen:
        raise LedgerRefused("土地取得和开发成本应在 0 与成交价款之间")
    if not rules.market_rate_min - 1e-12 <= rate <= rules.market_rate_max + 1e-12:
        raise LedgerRefused(
            f"调节金比例 {rate:.0%} 不在规定范围 {rules.market_rate_min:.0%}–{rules.market_rate_max:.0%} 内"
        )
    increment = price_fen - cost_fen
    levy = round(increment * rate)
    net = price_fen - levy - cost_fen
    collective = round(net * rules.collective_share)
    return MarketSums(increment, levy, net, collective, net - collective)


# Whole-ledger check -----------------------------------------------------------------------------


@dataclass
class Finding:
    code: str
    severity: str  # error / warning / info (listed, not a problem)
    message: str
    posting: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "message": self.message, "posting": self.posting}


CHECKS: dict[str, str] = {
    "UNBALANCED": "记账借贷不平衡",
    "NEGATIVE_BALANCE": "持有账户出现负余额",
    "INCOHERENT_BALANCE": "持有账户水田多于面积或 0 亩仍有粮食产能",
    "DUPLICATE_DOCUMENT": "同一来源文件重复记账",
    "TRANSFER_NOT_CONSERVED": "调剂双方数量不等或种类不同",
    "ISSUE_WITHOUT_SOURCE": "指标核定无验收来源或与引擎计算面积不符",
    "ISSUED_ON_PLAN": "验收前按方案核定的指标（不与竣工成果比对）",
    "BUILD_EXCEEDS_DEMOLISH": "项目区建新超过拆旧",
    "REVOLVING_OVERDUE": "周转指标逾期未归还",
    "TRANSFER_TOTAL": "调剂总价与面积×单价不符",
    "MARKET_SUMS": "入市调节金或分配与规则不符",
}


def check_ledger(
    entries: pd.DataFrame,
    accounts: pd.DataFrame,
    postings: pd.DataFrame,
    *,
    expected_issue: Mapping[int, Qty],
    demolished: Mapping[tuple[str, str], int],
    today: dt.date,
    plan_basis: Collection[int] = (),
) -> tuple[list[Finding], dict[int, Qty]]:
    """Re-derive every balance from the entries and verify the invariants.

    ``entries``: posting_id, account_id, area, paddy, grain. ``accounts``: id, unit, kind, bucket, area.
    ``postings``: id, doc_type, doc_no, due_date (or None), and project_id, area_code when
    known. ``expected_issue``: posting id → the
    quantity the engine's stored indicators give for that issuing posting (missing = no accepted
    source). An issue from the as-built indicators matches when what it issued, or that less its 核减
    (postings whose ``corrects_id`` is it, when the column is given), equals the expectation (a 核减 after a
    复核 acceptance brings it to the new figure). ``plan_basis``: issuing postings made from the approved
    plan before as-built acceptance: compared with the plan (``expected_issue``) and listed as such
    (severity ``info``). ``demolished``: (county, 项目区) → 拆旧 area (ledger area units). Returns findings and
    the balance of every account (account id → Qty)."""
    findings: list[Finding] = []
    e = entries.merge(accounts.rename(columns={"id": "account_id"}), on="account_id", how="left")
    e = e.sort_values(["posting_id", "account_id"], kind="stable")
    qcols = ["area", "paddy", "grain"]

    sums = e.groupby("posting_id")[qcols].sum()
    for pid, row in sums[(sums != 0).any(axis=1)].iterrows():
        findings.append(Finding("UNBALANCED", "error", f"记账 {pid} 合计不为零：{row.to_dict()}", int(pid)))
    missing = set(postings["id"]) - set(sums.index)
    for pid in sorted(missing):
        findings.append(Finding("UNBALANCED", "error", f"记账 {pid} 没有分录", int(pid)))

    dup = postings[postings.duplicated(["doc_type", "doc_no"], keep=False)]
    for (doc_type, doc_no), group in dup.groupby(["doc_type", "doc_no"]):
        findings.append(
            Finding(
                "DUPLICATE_DOCUMENT",
                "error",
                f"{DOC_TYPES.get(str(doc_type), doc_type)} {doc_no} 记账 {len(group)} 次",
                int(group["id"].min()),
            )
        )

    # One 补充耕地指标核定 per project and one 拆旧复垦验收 per 项目区, whatever their document numbers.
    if "project_id" in postings.columns:
        for doc_type, keys in ((BCGD_ISSUE, ["project_id"]), (RECLAIM, ["project_id", "area_code"])):
            mine = postings[postings["doc_type"] == doc_type]
            for key, group in mine[mine.duplicated(keys, keep=False)].groupby(keys):
                findings.append(
                    Finding(
                        "DUPLICATE_DOCUMENT",
                        "error",
                        f"{DOC_TYPES[doc_type]}对同一{'项目区' if doc_type == RECLAIM else '项目'} {key} 记账 "
                        f"{len(group)} 次（{'、'.join(map(str, group['doc_no']))}）",
                        int(group["id"].max()),
                    )
                )

    # Running balances in posting order: a holding account may never dip below zero.
    running = e[qcols].groupby(e["account_id"]).cumsum()
    holding = e["bucket"].isin(HOLDING).to_numpy()
    neg = holding & (running < 0).any(axis=1).to_numpy()
    if neg.any():
        first = e[neg].drop_duplicates("account_id")
        for _, row in first.iterrows():
            key = AccountKey(row["unit"], row["kind"], row["bucket"], row["area_code"])
            findings.append(
                Finding(
                    "NEGATIVE_BALANCE",
                    "error",
                    f"{account_label(key)} 在记账 {row['posting_id']} 后为负",
                    int(row["posting_id"]),
                )
            )

    # 水田 ≤ area and no 产能 on 0 亩, at every moment, in every holding account.
    paddy_over = (running["paddy"] > running["area"]) & (running["area"] >= 0)
    grain_on_nothing = (running["area"] == 0) & (running["grain"] > 0)
    bad = holding & (paddy_over | grain_on_nothing).to_numpy()
    if bad.any():
        for idx, row in e[bad].drop_duplicates("account_id").iterrows():
            key = AccountKey(row["unit"], row["kind"], row["bucket"], row["area_code"])
            q = Qty(*(int(running.loc[idx, c]) for c in qcols))
            findings.append(
                Finding(
                    "INCOHERENT_BALANCE",
                    "error",
                    f"{account_label(key)} 在记账 {row['posting_id']} 后为 {describe(q)}：{incoherent(q)}",
                    int(row["posting_id"]),
                )
            )

    # Transfers: exactly two lines, both avail/external accounts of one kind, summing to zero.
    doc_type = e["posting_id"].map(postings.set_index("id")["doc_type"])
    tr = e[doc_type == TRANSFER]
    if not tr.empty:
        g = tr.assign(odd=~tr["bucket"].isin([AVAIL, EXTERNAL])).groupby("posting_id")
        shape = g.agg(lines=("area", "size"), kinds=("kind", "nunique"), odd=("odd", "any"))
        net = g[qcols].sum()
        bad = (shape["lines"] != 2) | (shape["kinds"] != 1) | shape["odd"] | (net != 0).any(axis=1)
        for pid in shape.index[bad]:
            findings.append(Finding("TRANSFER_NOT_CONSERVED", "error", f"调剂记账 {pid} 分录不守恒", int(pid)))

    # Issues match the engine's accepted areas: −Σ of each issuing posting's 核定来源 lines.
    issuing = postings[postings["doc_type"].isin([RECLAIM, BCGD_ISSUE])]
    src = e[(e["bucket"] == SOURCE) & doc_type.isin([RECLAIM, BCGD_ISSUE])].groupby("posting_id")[qcols].sum()
    corrected = _corrections(e, postings)
    on_plan = {int(p) for p in plan_basis}
    for pid, kind, doc_no in zip(issuing["id"], issuing["doc_type"], issuing["doc_no"], strict=True):
        row = src.loc[pid] if pid in src.index else None
        issued = ZERO if row is None else Qty(int(-row["area"]), int(-row["paddy"]), int(-row["grain"]))
        net = issued - corrected.get(int(pid), ZERO)
        want = expected_issue.get(int(pid))
        if int(pid) in on_plan:
            findings.append(
                Finding(
                    "ISSUED_ON_PLAN",
                    "info",
                    f"{DOC_TYPES[kind]} {doc_no} 验收前按方案核定：{describe(issued)}",
                    int(pid),
                )
            )
            if want is not None and want == issued:
                continue
        if want is None:
            message = f"{DOC_TYPES[kind]} {doc_no} 没有已验收的来源"
        elif want in (issued, net) and int(pid) not in on_plan:
            continue
        else:
            after = f"（核减后 {describe(net)}）" if net != issued else ""
            message = f"{DOC_TYPES[kind]} {doc_no} 记账 {describe(issued)}{after}，验收成果为 {describe(want)}"
        findings.append(Finding("ISSUE_WITHOUT_SOURCE", "error", message, int(pid)))

    # 建新 within a 项目区 ≤ its 拆旧 area; 周转指标 overdue.
    zz = e[(e["area_code"] != "") & (e["bucket"] == USED)]
    used = zz.groupby(["unit", "area_code"])["area"].sum()
    for (unit, code), value in used.items():
        cap = demolished.get((str(unit), str(code)), 0)
        if value > cap:
            findings.append(
                Finding(
                    "BUILD_EXCEEDS_DEMOLISH",
                    "error",
                    f"{unit} 项目区 {code} 建新使用 {mu(int(value)):,.2f} 亩，超过拆旧 {mu(cap):,.2f} 亩",
                )
            )
    due = {int(i): d for i, d in zip(postings["id"], postings["due_date"], strict=True) if d is not None}
    for item in revolving_status(e, due, today):
        if item["overdue"]:
            findings.append(Finding("REVOLVING_OVERDUE", "warning", item["message"], item["posting"]))

    balances = e.groupby("account_id")[qcols].sum()
    out = {int(i): Qty(int(r["area"]), int(r["paddy"]), int(r["grain"])) for i, r in balances.iterrows()}
    return findings, out


def _corrections(e: pd.DataFrame, postings: pd.DataFrame) -> dict[int, Qty]:
    """Issuing posting id → Σ of its 核减 (the 核定来源/应归还 lines of the postings correcting it)."""
    if "corrects_id" not in postings.columns:
        return {}
    fixes = postings.dropna(subset=["corrects_id"])
    if fixes.empty:
        return {}
    target = dict(zip(fixes["id"].astype(int), fixes["corrects_id"].astype(int), strict=True))
    lines = e[e["posting_id"].isin(list(target)) & e["bucket"].isin([SOURCE, OWED])]
    out: dict[int, Qty] = {}
    for pid, group in lines.groupby("posting_id"):
        q = Qty(int(group["area"].sum()), int(group["paddy"].sum()), int(group["grain"].sum()))
        out[target[int(pid)]] = out.get(target[int(pid)], ZERO) + q
    return out


def revolving_status(e: pd.DataFrame, due: Mapping[int, dt.date | None], today: dt.date) -> list[dict[str, Any]]:
    """Outstanding 周转指标 per issue, returns applied first-in first-out; ``overdue`` past the deadline.

    ``e``: entries joined with accounts (posting_id, unit, kind, bucket, area_code, area), in posting
    order; ``due``: posting id → deadline of each 周转指标下达."""
    owed = e[(e["kind"] == ZZ) & (e["bucket"] == OWED)]
    out: list[dict[str, Any]] = []
    for (unit, code), group in owed.groupby(["unit", "area_code"], sort=True):
        lent = group[group["area"] < 0]
        returned = int(group.loc[group["area"] > 0, "area"].sum())
        for pid, area in zip(lent["posting_id"], -lent["area"], strict=True):
            issued = int(area)
            repaid = min(returned, issued)
            returned -= repaid
            outstanding = issued - repaid
            deadline = due.get(int(pid))
            late = outstanding > 0 and deadline is not None and deadline < today
            out.append(
                {
                    "unit": str(unit),
                    "area_code": str(code),
                    "posting": int(pid),
                    "issued": issued,
                    "returned": repaid,
                    "outstanding": outstanding,
                    "due_date": deadline.isoformat() if deadline else None,
                    "overdue": late,
                    "message": (
                        f"{unit} 项目区 {code} 周转指标 {mu(outstanding):,.2f} 亩 应于 "
                        f"{deadline.isoformat() if deadline else '—'} 前归还" + ("，已逾期" if late else "")
                    ),
                }
            )
    return out


def check_contracts(transfers: pd.DataFrame, deals: pd.DataFrame, rules: LedgerRules) -> list[Finding]:
    """调剂 totals = area × price per 亩; 入市 调节金 and shares recomputed with the rules' formula."""
    findings = []
    for t in transfers.itertuples(index=False):
        want = transfer_total_fen(int(t.area), int(t.price_fen_per_mu))
        if want != int(t.total_fen):
            findings.append(
                Finding(
                    "TRANSFER_TOTAL",
                    "error",
                    f"调剂记账 {t.posting_id} 总价 {yuan(int(t.total_fen)):,.2f} 元，面积×单价为 {yuan(want):,.2f} 元",
                    int(t.posting_id),
                )
            )
    for d in deals.itertuples(index=False):
        try:
            sums = market_sums(int(d.price_fen), int(d.cost_fen), float(d.rate), rules)
        except LedgerRefused as error:
            findings.append(Finding("MARKET_SUMS", "error", f"入市合同 {d.contract_no}：{error.message}"))
            continue
        got = (int(d.levy_fen), int(d.collective_fen), int(d.members_fen))
        if got != (sums.levy_fen, sums.collective_fen, sums.members_fen):
            findings.append(Finding("MARKET_SUMS", "error", f"入市合同 {d.contract_no} 调节金或分配与规则计算不符"))
    return findings


def balances_frame(entries: pd.DataFrame) -> pd.DataFrame:
    """Σ area, paddy, grain per account id (the only way a balance is obtained)."""
    if entries.empty:
        return pd.DataFrame(columns=["area", "paddy", "grain"], dtype=np.int64)
    return entries.groupby("account_id")[["area", "paddy", "grain"]].sum()

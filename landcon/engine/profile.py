"""A province's profile: every setting that differs between provinces, in one value.

The profile names the province (GB/T 2260 code and name), its reference administrative units (省,
州/市, 县), the plan rule pack (resolved rule values, including the county 田坎系数 table of
``engine.tiankan``), the approval chain with its milestones (``engine.workflow.Milestones``), the
quota-ledger rule values (``engine.ledger.LedgerRules``), the defaults of the reallocation solver
(``engine.realloc.params.Params``) and the thresholds of implementation supervision
(``SupervisionSettings``: photo buffer, alert thresholds). ``store.profile`` builds it from the
packaged defaults and the optional files named in ``landcon.config``; ``services.profile.get_profile()`` hands it out.

Each value remembers where it came from (``Profile.sources``: setting → source), so
``landcon profile show`` can say which file or built-in default set it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

from landcon.engine.acceptance_rules import AcceptanceRules
from landcon.engine.ledger import LedgerRules
from landcon.engine.org import COUNTY, LEVELS, PREFECTURE, PROVINCE, level_of
from landcon.engine.publicity import PublicitySettings
from landcon.engine.realloc.params import Params
from landcon.engine.rules.packs import KCXS_TABLE_RULE
from landcon.engine.tiankan import TiankanTable
from landcon.engine.workflow import Chain, Milestones

BUILT_IN = "内置默认值"
"""Source of a value nobody overrode: the engine's own default (the dataclass or built-in table)."""


@dataclass(frozen=True)
class AdminUnit:
    """One reference administrative unit (GB/T 2260 code, level, name, its 州/市 name)."""

    code: str
    level: str
    name: str
    prefecture: str = ""


def admin_units_from_rows(rows: Iterable[Mapping[str, Any]]) -> tuple[AdminUnit, ...]:
    """Units from table rows with ``code``, ``level``, ``name`` and optional ``prefecture``.

    Raises ``ValueError`` naming the row when a code is malformed or its level disagrees with the
    code (``engine.org.level_of``), or a code repeats."""
    units: list[AdminUnit] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        code, level = str(row.get("code") or "").strip(), str(row.get("level") or "").strip()
        if level not in LEVELS or level_of(code) != level:
            raise ValueError(f"第 {number} 行：单位代码 {code} 与层级 {level} 不符")
        if code in seen:
            raise ValueError(f"第 {number} 行：单位代码 {code} 重复")
        seen.add(code)
        units.append(AdminUnit(code, level, str(row.get("name") or "").strip(), str(row.get("prefecture") or "")))
    return tuple(units)


@dataclass(frozen=True)
class SupervisionSettings:
    """Thresholds of implementation supervision and its alerts (docs/supervision.md, docs/alerts.md).

    None of these is a confirmed national figure: they are working values of the province's
    supervision practice ([U] in the domain reference), set per province in the profile.

    - ``photo_buffer_m``: a site photo farther than this (m) from its sub-project's outline is flagged;
    - ``milestone_ratio``: at a milestone, disbursed ÷ allocated investment or 工程量 done ÷ planned
      below this share is an alert (``below_plan``);
    - ``schedule_tolerance``: percentage points by which a sub-project's latest percent complete may
      trail the elapsed share of its planned start–end period before it is behind (``behind_schedule``);
    - ``milestones``: fractions of the planned period (0–1] at which ``milestone_ratio`` applies;
    - ``revolving_due_days``: 周转指标 due within this many days (or overdue) is an alert;
    - ``escalation_days``: default deadline (days from today) of the 责任清单 task an escalated alert opens;
    - ``aftercare_inspection_days``: a current 管护协议 without an inspection for longer than this many
      days is an alert (``care_overdue``, docs/aftercare.md).
    """

    photo_buffer_m: float = 50.0
    milestone_ratio: float = 0.8
    schedule_tolerance: float = 10.0
    milestones: tuple[float, ...] = (0.5, 1.0)
    revolving_due_days: int = 90
    escalation_days: int = 15
    aftercare_inspection_days: int = 90

    def __post_init__(self) -> None:
        if not self.photo_buffer_m >= 0:
            raise ValueError(f"photo_buffer_m 应不小于 0，现为 {self.photo_buffer_m}")
        if not 0 < self.milestone_ratio <= 1:
            raise ValueError(f"milestone_ratio 应在 (0, 1] 之间，现为 {self.milestone_ratio}")
        if not 0 <= self.schedule_tolerance <= 100:
            raise ValueError(f"schedule_tolerance 应在 0–100 个百分点之间，现为 {self.schedule_tolerance}")
        if not self.milestones or any(not 0 < m <= 1 for m in self.milestones):
            raise ValueError(f"milestones 应为 (0, 1] 之间的计划工期比例，现为 {list(self.milestones)}")
        if self.revolving_due_days < 0 or self.escalation_days < 1:
            raise ValueError("revolving_due_days 应不小于 0，escalation_days 应不小于 1")
        if self.aftercare_inspection_days < 1:
            raise ValueError(f"aftercare_inspection_days 应不小于 1，现为 {self.aftercare_inspection_days}")


def supervision_from_dict(values: Mapping[str, Any]) -> SupervisionSettings:
    """``SupervisionSettings`` from a profile's ``supervision`` table; an unknown key or bad value raises
    ``ValueError`` naming it."""
    known = {f.name: f for f in fields(SupervisionSettings)}
    unknown = set(values) - set(known)
    if unknown:
        raise ValueError(f"未知的监管设置 {', '.join(sorted(map(str, unknown)))}")
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, bool):
            raise ValueError(f"{key} 应为数值，现为 {value!r}")
        if key == "milestones":
            if not isinstance(value, list | tuple):
                raise ValueError(f"milestones 应为列表，现为 {value!r}")
            out[key] = tuple(sorted(float(v) for v in value))
        elif key in ("revolving_due_days", "escalation_days", "aftercare_inspection_days"):
            out[key] = int(value)
        else:
            out[key] = float(value)
    return SupervisionSettings(**out)


@dataclass(frozen=True)
class Profile:
    """The effective settings of one province (see the module docstring); build with ``store.profile``."""

    name: str
    province_code: str
    province_name: str
    units: tuple[AdminUnit, ...]
    rule_pack: str  # the pack's name or file
    rules: Mapping[str, Mapping[str, Any]]  # resolved rule values (engine.rules.packs.resolve)
    chain: Chain
    ledger_rules: LedgerRules
    realloc: Params
    sources: Mapping[str, str]  # setting ("province_code", "ledger_rules.market_rate", …) → where it came from
    supervision: SupervisionSettings = SupervisionSettings()
    acceptance: AcceptanceRules = field(default_factory=AcceptanceRules)  # acceptance rule values (docs/acceptance.md)
    publicity: PublicitySettings = field(default_factory=PublicitySettings)  # 公示 periods (docs/publicity.md)

    def __post_init__(self) -> None:
        if level_of(self.province_code) != PROVINCE:
            raise ValueError(f"省级代码应为 6 位且以 0000 结尾，不是 {self.province_code}")
        stray = [u.code for u in self.units if u.code[:2] != self.province_code[:2]]
        if stray:
            raise ValueError(f"参考行政单位 {', '.join(stray[:5])} 不属于 {self.province_code}")

    @property
    def milestones(self) -> Milestones:
        return self.chain.milestones

    @property
    def tiankan_table(self) -> TiankanTable:
        """The 田坎系数 table of the rule pack (rule ``NEW_FARMLAND_KCXS_TABLE``)."""
        table: TiankanTable = self.rules[KCXS_TABLE_RULE]["threshold"]
        return table

    @property
    def counties(self) -> Mapping[str, AdminUnit]:
        """County-level reference units by code."""
        return MappingProxyType({u.code: u for u in self.units if u.level == COUNTY})

    @property
    def prefectures(self) -> Mapping[str, AdminUnit]:
        return MappingProxyType({u.code: u for u in self.units if u.level == PREFECTURE})

    def source(self, setting: str) -> str:
        """Where ``setting`` (or the group it belongs to, e.g. ``ledger_rules``) came from."""
        key = setting
        while key:
            if key in self.sources:
                return self.sources[key]
            key = key.rpartition(".")[0]
        return BUILT_IN


__all__ = [
    "BUILT_IN",
    "AdminUnit",
    "Profile",
    "SupervisionSettings",
    "admin_units_from_rows",
    "supervision_from_dict",
]

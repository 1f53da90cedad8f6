"""Rule packs: every threshold, severity and citation of the plan rules, in one place.

``national`` holds the values of national documents; ``yunnan`` inherits it and overrides what a
Yunnan rule text sets (none confirmed yet: the 云南省全域土地综合整治实施方案编制指南 has not been
obtained, domain reference §1.9 — so every Yunnan value is national until it is). A pack file
(YAML, read by services) may override any value: ``extends: yunnan`` then
``rules: {RULE_ID: {threshold: …, severity: …, enabled: …, required: …, tolerance: …, citation: …}}``.

Per rule: ``threshold`` (the rule's limit), ``severity`` (of a failure), ``required`` (an input that
cannot be known is then an error, else a warning), ``tolerance`` (the largest share of the rule's
area whose input is unknown with which the rule may still pass; default 0) and ``citation``. A
citation names only national documents or Yunnan's own (domain reference §1, "Citing"); where no
source is known it says so and the value stays configurable.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from landcon.engine.tiankan import DEFAULT_TABLE, merge_table

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)
KCXS_TABLE_RULE = "NEW_FARMLAND_KCXS_TABLE"
KEYS = frozenset({"threshold", "severity", "enabled", "required", "tolerance", "citation"})

NATIONAL: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        # 新增耕地率 ≥ 5% (双5%, 2019 194号 / 2020 实施要点) [C2 for the exact wording].
        "NEW_FARMLAND_MIN_5PCT": {
            "threshold": 0.05,
            "severity": ERROR,
            "required": True,
            "citation": "自然资发〔2019〕194号；《全域土地综合整治试点实施要点（试行）》“双5%”",
        },
        # 田坎系数 of new / levelled 耕地 from the county's table (domain §4.1; values [U], Appendix B item 4).
        KCXS_TABLE_RULE: {
            "threshold": DEFAULT_TABLE,
            "severity": ERROR,
            "required": True,
            "citation": (
                "第三次全国国土调查田坎系数（按耕地坡度级别、耕地类型测算）；县级田坎系数表数值来源未知（可配置）"
            ),
        },
        # 调出永农 ≤ 5% of the area's 永农 (commonly applied) [C2].
        "PFL_OUT_MAX_5PCT": {
            "threshold": 0.05,
            "severity": ERROR,
            "citation": "永久基本农田布局调整审查汇总表（调出面积比例）；5% 限值依据待确认（可配置）",
        },
        # (调入 − 调出) / 调出 ≥ 5% (review table formula [C], threshold [C2]).
        "PFL_NET_GAIN_MIN_5PCT": {
            "threshold": 0.05,
            "severity": ERROR,
            "citation": "自然资发〔2019〕194号“双5%”；永久基本农田布局调整审查汇总表",
        },
        # 调入 mean grade ≤ 调出 mean grade (1 best) [C2].
        "PFL_QUALITY_NOT_LOWER": {
            "threshold": 0.0,
            "severity": ERROR,
            "required": True,
            "citation": "永久基本农田布局调整审查汇总表（平均质量等别）",
        },
        # 调入 mean slope grade ≤ 调出 [C2].
        "PFL_SLOPE_NOT_WORSE": {
            "threshold": 0.0,
            "severity": ERROR,
            "required": True,
            "citation": "《全域土地综合整治试点实施要点（试行）》；永久基本农田布局调整审查汇总表（坡度）",
        },
        # 集中连片度提升 > 0 [C].
        "PFL_CONTIGUITY_IMPROVED": {
            "threshold": 0.0,
            "severity": ERROR,
            "citation": "永久基本农田布局调整审查汇总表（集中连片度提升）",
        },
        # 建设用地 not increased (m² tolerance) [C].
        "CONSTRUCTION_NOT_INCREASED": {
            "threshold": 0.0,
            "severity": ERROR,
            "citation": "自然资发〔2019〕194号（建设用地总量不增加）；《全域土地综合整治试点实施要点（试行）》",
        },
        # Only restoration may touch the 生态保护红线 (m² of overlap tolerated) [C rule, U tolerance].
        "REDLINE_UNTOUCHED": {
            "threshold": 1.0,
            "severity": ERROR,
            "citation": "自然资源部办公厅2023年4月25日“严守底线”通知第1条",
        },
        # No 永农 调出 inside 城镇开发边界; no new construction across it (m² tolerance) [C2].
        "URBAN_BOUNDARY_RESPECTED": {
            "threshold": 1.0,
            "severity": ERROR,
            "citation": "“严守底线”通知第4条；《永久基本农田保护红线管理办法》（自然资源部 农业农村部令第17号）",
        },
        # No new 耕地 on slopes > 25° (GDPDJB 5) [C].
        "NEW_FARMLAND_SLOPE_MAX_25": {
            "threshold": "5",
            "severity": ERROR,
            "required": True,
            "citation": "《补充耕地质量验收办法（试行）》（农业农村部 自然资源部，2025）",
        },
        # No new 耕地 inside the 生态保护红线 (m² tolerance) [C].
        "NEW_FARMLAND_OUTSIDE_REDLINE": {
            "threshold": 1.0,
            "severity": ERROR,
            "citation": "《补充耕地质量验收办法（试行）》（农业农村部 自然资源部，2025）",
        },
        # 建新 area ≤ 拆旧 area per 项目区 [U wording].
        "LINKAGE_NEW_LE_OLD": {
            "threshold": 0.0,
            "severity": ERROR,
            "citation": "《城乡建设用地增减挂钩试点管理办法》（国土资源部，2008）项目区建新拆旧；条款待确认",
        },
        # 拆旧 reclaimed 耕地 ≥ 耕地 taken by 建新 per 项目区 [C2].
        "LINKAGE_FARMLAND_BALANCE": {
            "threshold": 0.0,
            "severity": ERROR,
            "citation": "《城乡建设用地增减挂钩试点管理办法》（国土资源部，2008）；条款待确认",
        },
        # Implementation period in years: no national or Yunnan text found [U].
        "PERIOD_MAX_YEARS": {
            "threshold": 3,
            "severity": WARNING,
            "citation": "依据待确认（可配置）：未找到国家或云南省关于实施期限的条文",
        },
        # Funding equals investment (万元 tolerance).
        "FUNDING_BALANCED": {
            "threshold": 0.01,
            "severity": ERROR,
            "required": True,
            "citation": "实施方案附表（投资估算与资金筹措表）",
        },
        # 宅基地 demolished only with recorded villager consent (2023 notice) [C].
        "DEMOLITION_NEEDS_CONSENT": {
            "threshold": None,
            "severity": WARNING,
            "citation": "自然资源部办公厅2023年4月25日“严守底线”通知第6、7条",
        },
    }
)

YUNNAN: Mapping[str, Mapping[str, Any]] = MappingProxyType({**NATIONAL})
"""Yunnan: national values until the provincial guide gives its own (each one changeable here)."""

PACKS: Mapping[str, Mapping[str, Mapping[str, Any]]] = MappingProxyType({"national": NATIONAL, "yunnan": YUNNAN})

# Village votes (村民会议 / 村民代表会议, ``engine.votes``): national statute values, one home here
# beside the plan rules. ``share`` is an exact fraction; ``strict`` means "more than" (过半数), else
# "at least" (三分之二以上: in statute wording 以上 includes the number itself). ``base`` of a majority is
# the number it is a share of: ``present`` (到会人员) or ``eligible`` (all members / representatives).
VOTE_QUORUM: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        # 召开村民会议，应当有本村十八周岁以上村民的过半数……参加 [C]
        "村民会议": {
            "share": Fraction(1, 2),
            "strict": True,
            "citation": "《中华人民共和国村民委员会组织法》第二十二条（过半数村民参加）",
        },
        # 村民代表会议有三分之二以上的组成人员参加方可召开 [C]
        "村民代表会议": {
            "share": Fraction(2, 3),
            "strict": False,
            "citation": "《中华人民共和国村民委员会组织法》第二十五条（三分之二以上组成人员参加）",
        },
    }
)

VOTE_MAJORITY: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        # 承包期内调整承包地须经村民会议三分之二以上成员或三分之二以上村民代表同意 [U wording, domain §6].
        "tenure_scheme": {
            "share": Fraction(2, 3),
            "strict": False,
            "base": "present",
            "citation": "《中华人民共和国农村土地承包法》第二十八条；《中华人民共和国村民委员会组织法》第二十四条",
        },
        # 集体经营性建设用地入市须经三分之二以上成员或村民代表同意 [U wording, domain §5.2].
        "market_entry": {
            "share": Fraction(2, 3),
            "strict": False,
            "base": "present",
            "citation": "《中华人民共和国土地管理法》第六十三条",
        },
        # 宅基地的使用方案 is a matter for the 村民会议 (第24条); the 2/3 is the project's rule, not statute.
        "demolition": {
            "share": Fraction(2, 3),
            "strict": False,
            "base": "present",
            "citation": (
                "《中华人民共和国村民委员会组织法》第二十四条（宅基地使用方案）；三分之二比例依据待确认（可配置）"
            ),
        },
        "plan": {
            "share": Fraction(2, 3),
            "strict": False,
            "base": "present",
            "citation": "《中华人民共和国村民委员会组织法》第二十四条；三分之二比例依据待确认（可配置）",
        },
        # 所作决定应当经到会人员的过半数通过 [C]
        "other": {
            "share": Fraction(1, 2),
            "strict": True,
            "base": "present",
            "citation": "《中华人民共和国村民委员会组织法》第二十二条、第二十五条（到会人员过半数）",
        },
    }
)


def resolve(name: str, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    """A pack by name with per-rule overrides applied (unknown rule ids, keys or severities raise
    ``KeyError``; a bad 田坎系数 table or tolerance raises ``ValueError``)."""
    if name not in PACKS:
        raise KeyError(f"unknown rule pack {name!r}; known: {', '.join(PACKS)}")
    pack = {
        rule: {"enabled": True, "required": False, "tolerance": 0.0, **values} for rule, values in PACKS[name].items()
    }
    pack[KCXS_TABLE_RULE]["threshold"] = merge_table(DEFAULT_TABLE, None)
    for rule, values in (overrides or {}).items():
        if rule not in pack:
            raise KeyError(f"unknown rule {rule!r}")
        unknown = set(values) - KEYS
        if unknown:
            raise KeyError(f"rule {rule}: unknown keys {', '.join(sorted(unknown))}")
        if "severity" in values and values["severity"] not in SEVERITIES:
            raise KeyError(f"rule {rule}: severity must be one of {', '.join(SEVERITIES)}")
        tolerance = values.get("tolerance", 0.0)
        if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or not 0 <= tolerance <= 1:
            raise ValueError(f"rule {rule}: tolerance must be a share between 0 and 1, not {tolerance}")
        merged = dict(values)
        if rule == KCXS_TABLE_RULE and "threshold" in values:
            merged["threshold"] = merge_table(pack[rule]["threshold"], values["threshold"])
        pack[rule].update(merged)
    return pack

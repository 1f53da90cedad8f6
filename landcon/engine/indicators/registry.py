"""The one home of every plan indicator's key, unit, Chinese label, formula and citation.

``key`` is the dotted path in ``PlanIndicators.to_dict()`` (the JSON stored in a plan version);
reports, the web, the CLI, the overview and the ledger take labels and values from here
(``label``, ``short_label``, ``value``), and docs/indicators.md lists every entry (a test checks it).
Citations name national documents or Yunnan's own (domain reference §1, "Citing").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

M2, RATIO, COUNT, WAN, YEARS, HOUSEHOLDS, GRADE, CODES, FLAG = (
    "m2",
    "ratio",
    "count",
    "wan_yuan",
    "year",
    "household",
    "grade",
    "codes",
    "flag",
)
"""Units: m² (reported in 公顷 / 亩), a fraction (reported in %), a count, 万元, years, households,
a 质量等别 difference, a list of codes, a yes/no flag; a ``_by`` indicator is a mapping of these."""

UNIT_NAMES: Mapping[str, str] = {
    M2: "平方米",
    RATIO: "比例",
    COUNT: "个",
    WAN: "万元",
    YEARS: "年",
    HOUSEHOLDS: "户",
    GRADE: "等",
    CODES: "代码列表",
    FLAG: "是/否",
}

DOC_194 = "自然资发〔2019〕194号"
DOC_POINTS = "《全域土地综合整治试点实施要点（试行）》（2020）"
DOC_DOUBLE_5 = f"{DOC_194}；{DOC_POINTS}“双5%”"
DOC_AREA = "国土调查办发〔2008〕32号《图斑椭球面积计算公式及要求》；TD/T 1055-2019"
DOC_REVIEW = "永久基本农田布局调整审查汇总表"
DOC_LINKAGE = "《城乡建设用地增减挂钩试点管理办法》（国土资源部，2008）"
DOC_APPENDIX = "实施方案附表（投资估算与资金筹措表）"
DOC_SUPPLEMENT = "《关于加强耕地保护提升耕地质量完善占补平衡的意见》（2024）；《补充耕地质量验收办法（试行）》（2025）"
DOC_BOTTOM_LINE = "自然资源部办公厅2023年4月25日“严守底线”通知第6、7条"
DOC_TIANKAN = "第三次全国国土调查田坎系数（按耕地坡度级别、耕地类型测算）；县级田坎系数表"


@dataclass(frozen=True)
class Indicator:
    """One indicator: where it is, what it measures and where the rule for it comes from."""

    key: str
    label: str
    unit: str
    formula: str
    citation: str
    short: str = ""
    """A shorter label for compact displays (figures, cards); the label when empty."""

    @property
    def short_label(self) -> str:
        return self.short or self.label


_I = Indicator

INDICATORS: tuple[Indicator, ...] = (
    # 整治区域 and scale
    _I("area.zzqy_m2", "整治区域面积", M2, "Σ S(ZZQY 多边形)，图斑椭球面积", DOC_AREA),
    _I("area.townships", "涉及乡镇", CODES, "整治区域内 DLTB 的 ZLDWDM 前 9 位", "统计用区划代码（ZLDWDM 前 9 位）"),
    _I("area.villages", "涉及行政村", CODES, "整治区域内 DLTB 的 ZLDWDM 前 12 位", "统计用区划代码（ZLDWDM 前 12 位）"),
    _I("years", "实施期限", YEARS, "end_year − start_year + 1", DOC_POINTS),
    _I("households_benefited", "受益农户", HOUSEHOLDS, "plan.yaml households_benefited", DOC_POINTS),
    # land use
    _I("landuse.before_m2", "整治前各地类面积", M2, "Σ TBDLMJ × 份额，按 DLBM", DOC_AREA),
    _I(
        "landuse.after_m2",
        "整治后各地类面积",
        M2,
        "未变化部分 TBDLMJ × 剩余份额 + 变化图斑整治后净面积，按 DLBM",
        DOC_AREA,
    ),
    _I("landuse.kcmj_before_m2", "整治前田坎面积", M2, "Σ KCMJ × 份额", DOC_TIANKAN),
    _I("landuse.kcmj_after_m2", "整治后田坎面积", M2, "Σ 未变化部分 KCMJ + 变化图斑 TBMJ × KCXS_after", DOC_TIANKAN),
    # 耕地
    _I("cultivated.before_net_m2", "整治前耕地面积", M2, "Σ 耕地（0101–0103）TBDLMJ", DOC_194, short="整治前耕地"),
    _I("cultivated.after_net_m2", "整治后耕地面积", M2, "Σ 整治后耕地净面积", DOC_194, short="整治后耕地"),
    _I("cultivated.before_by_type_m2", "整治前耕地面积（按地类）", M2, "整治前耕地净面积，按 DLBM", DOC_194),
    _I("cultivated.after_by_type_m2", "整治后耕地面积（按地类）", M2, "整治后耕地净面积，按 DLBM", DOC_194),
    _I(
        "cultivated.new_m2",
        "新增耕地面积",
        M2,
        "非耕地整治为耕地的整治后净面积 + 提质整理减少的田坎 TBMJ × (KCXS_before − KCXS_after)（取正值）",
        DOC_194,
        short="新增耕地",
    ),
    _I("cultivated.new_from_conversion_m2", "地类调整新增耕地", M2, "非耕地 → 耕地的整治后净面积", DOC_194),
    _I(
        "cultivated.new_from_levelling_m2",
        "田坎减少新增耕地",
        M2,
        "耕地 → 耕地：TBMJ × (KCXS_before − KCXS_after)，取正值",
        DOC_TIANKAN,
    ),
    _I(
        "cultivated.new_by_source_class_m2",
        "新增耕地（按来源地类）",
        M2,
        "新增耕地按整治前地类；田坎减少计入 1203（总列出，无则为 0）",
        DOC_194,
    ),
    _I(
        "cultivated.new_slope_unknown_m2",
        "缺少坡度级别的新增耕地",
        M2,
        "整治后坡度级别未知（田坎系数无法按系数表确定）的新增耕地",
        DOC_TIANKAN,
    ),
    _I(
        "cultivated.new_by_slope_m2", "新增耕地（按坡度级别）", M2, "新增耕地按整治后坡度级别（空 = 未知）", DOC_TIANKAN
    ),
    _I(
        "cultivated.tiankan_loss_m2",
        "田坎系数提高减少的耕地面积",
        M2,
        "耕地 → 耕地：TBMJ × (KCXS_after − KCXS_before)，取正值",
        DOC_TIANKAN,
    ),
    _I("cultivated.new_by_subproject_m2", "新增耕地（按子项目）", M2, "新增耕地按 ZXMBH", DOC_APPENDIX),
    _I("cultivated.new_by_grade_m2", "新增耕地（按质量等别）", M2, "新增耕地按整治后等别（空 = 未知）", DOC_194),
    _I("cultivated.new_paddy_m2", "新增水田面积", M2, "整治为 0101（原非 0101）的整治后净面积", DOC_194),
    _I(
        "cultivated.supplementary_m2",
        "可用于占补平衡面积",
        M2,
        "增减挂钩拆旧地块（ZJGGTB）以外的新增耕地",
        DOC_SUPPLEMENT,
    ),
    _I("cultivated.supplementary_paddy_m2", "可用于占补平衡水田面积", M2, "其中 0101 水田", DOC_SUPPLEMENT),
    _I(
        "cultivated.supplementary_by_grade_m2",
        "可用于占补平衡面积（按质量等别）",
        M2,
        "可用于占补平衡面积按整治后等别",
        DOC_SUPPLEMENT,
    ),
    _I("cultivated.lost_m2", "耕地转为其他地类面积", M2, "整治前为耕地、整治后为其他地类的净面积", DOC_194),
    _I("cultivated.new_rate", "新增耕地率", RATIO, "(整治后耕地 − 整治前耕地) / 整治前耕地", DOC_DOUBLE_5),
    # 建设用地
    _I("construction.before_m2", "整治前建设用地面积", M2, "Σ 三大类建设用地 TBDLMJ", DOC_194),
    _I("construction.after_m2", "整治后建设用地面积", M2, "Σ 整治后三大类建设用地面积", DOC_194),
    _I(
        "construction.change_m2",
        "建设用地增减（整治后 − 整治前）",
        M2,
        "整治后 − 整治前",
        f"{DOC_194}（建设用地总量不增加）",
        short="建设用地变化",
    ),
    _I("construction.surplus_m2", "节余建设用地", M2, "max(整治前 − 整治后, 0)", DOC_194),
    # 永久基本农田
    _I("permanent_farmland.available", "永农图层可用", FLAG, "数据集有 YJJBNTBHTB", DOC_REVIEW),
    _I("permanent_farmland.adjusted", "调整永久基本农田", FLAG, "方案有 YJJBNTTZTB 要素", DOC_REVIEW),
    _I("permanent_farmland.before_m2", "整治区域原永久基本农田面积", M2, "S(YJJBNTBHTB ∩ 整治区域)", DOC_REVIEW),
    _I("permanent_farmland.out_m2", "调出永久基本农田面积", M2, "Σ S(调出地块)", DOC_REVIEW, short="永农调出"),
    _I("permanent_farmland.in_m2", "调入永久基本农田面积", M2, "Σ S(调入地块)", DOC_REVIEW, short="永农调入"),
    _I("permanent_farmland.net_m2", "永久基本农田净增面积", M2, "调入 − 调出", DOC_DOUBLE_5, short="永农净增"),
    _I("permanent_farmland.out_ratio", "调出永久基本农田比例", RATIO, "调出 / 整治区域原永农", DOC_REVIEW),
    _I("permanent_farmland.gain_ratio", "新增永久基本农田比例", RATIO, "(调入 − 调出) / 调出", DOC_DOUBLE_5),
    _I(
        "permanent_farmland.contiguity_improvement",
        "集中连片度提升",
        RATIO,
        "(调入平均连片面积 − 调出平均连片面积) / 调出平均连片面积",
        DOC_REVIEW,
    ),
    _I(
        "permanent_farmland.grade_improvement",
        "平均提升等别",
        GRADE,
        "调出平均等别 − 调入平均等别（正值为提升，1 等最好）",
        DOC_REVIEW,
    ),
    # 田块
    _I("fields.before", "整治前田块数", COUNT, "整治区域内耕地图斑（部分）数", DOC_POINTS),
    _I("fields.after", "整治后田块数", COUNT, "未变化及部分变化的耕地图斑 + 整治为耕地的变化地块数", DOC_POINTS),
    _I("fields.merge_degree", "田块归并度", RATIO, "(整治前田块数 − 整治后田块数) / 整治前田块数", DOC_POINTS),
    # 生态修复
    _I("ecology.restoration_m2", "生态保护修复面积", M2, "Σ 有生态修复类型（STXFLX）的变化图斑 TBMJ", DOC_194),
    _I("ecology.restoration_by_type_m2", "生态保护修复面积（按类型）", M2, "同上，按 STXFLX", DOC_194),
    # 投资
    _I("investment.total_wan", "投资总额", WAN, "Σ 子项目投资", DOC_APPENDIX, short="总投资"),
    _I("investment.by_subproject_wan", "投资（按子项目）", WAN, "子项目投资", DOC_APPENDIX),
    _I("investment.funding_total_wan", "资金筹措总额", WAN, "Σ 资金来源金额", DOC_APPENDIX),
    _I("investment.by_source_wan", "资金筹措（按来源）", WAN, "资金来源金额，按来源", DOC_APPENDIX),
    _I(
        "investment.subprojects_without_investment",
        "未填投资的子项目",
        CODES,
        "plan.yaml 中投资为空的子项目编号",
        DOC_APPENDIX,
    ),
    _I("investment.funding_given", "已填资金筹措", FLAG, "plan.yaml 有 funding", DOC_APPENDIX),
    # 宅基地 and 增减挂钩
    _I("homesteads.removed_m2", "拆除宅基地面积", M2, "整治前 0702、整治后非 0702 的变化图斑 TBMJ", DOC_BOTTOM_LINE),
    _I(
        "homesteads.consent_missing_m2",
        "无村民同意记录的拆除宅基地面积",
        M2,
        "其中地块 CMTY ≠ 是",
        DOC_BOTTOM_LINE,
    ),
    _I("homesteads.consent_missing", "无村民同意记录的地块", CODES, "{layer, id} 列表", DOC_BOTTOM_LINE),
    _I(
        "linkage.project_areas",
        "增减挂钩项目区",
        M2,
        "每个项目区（XMQBH）：拆旧、拆旧复垦耕地、建新、建新占用耕地面积，拆除宅基地数，缺少同意记录的拆旧地块",
        DOC_LINKAGE,
    ),
)

BY_KEY: Mapping[str, Indicator] = {i.key: i for i in INDICATORS}


def get(key: str) -> Indicator:
    """The registered indicator ``key`` (KeyError names it when it is not registered)."""
    try:
        return BY_KEY[key]
    except KeyError:
        raise KeyError(f"unregistered indicator: {key}") from None


def label(key: str) -> str:
    """The Chinese label of ``key``."""
    return get(key).label


def short_label(key: str) -> str:
    """The compact label of ``key`` (the label when it has none)."""
    return get(key).short_label


def value(indicators: Mapping[str, Any] | None, key: str) -> Any:
    """The value at a dotted key of a stored indicator dict, nested (``{"cultivated": {"new_m2": …}}``)
    or flat (``{"cultivated.new_m2": …}``); None when absent."""
    if not indicators:
        return None
    if key in indicators:
        return indicators[key]
    parts = key.split(".")
    for i in range(len(parts) - 1, 0, -1):
        sub = indicators.get(".".join(parts[:i]))
        if isinstance(sub, Mapping):
            return value(sub, ".".join(parts[i:]))
    return None


def number(indicators: Mapping[str, Any] | None, key: str) -> float:
    """A numeric value at ``key``, 0 when absent, null or not a number (sums over many plan versions)."""
    v = value(indicators, key)
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else 0.0

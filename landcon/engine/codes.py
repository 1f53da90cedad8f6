"""Code tables of the 第三次全国国土调查 (三调) and related standards — the one home for them.

Sources (see shared domain reference §4.2–§4.6):
- 三调工作分类 (DLBM), based on GB/T 21010-2017 with the 三调 merges (05H1, 08H1, 08H2) and the
  湿地 regrouping; working-stage suffixes ``K`` (可调整地类) and ``A`` (sub-types).
- 三大类 (农用地 / 建设用地 / 未利用地) after the GB/T 21010 对照表; 1103 水库水面 counted as
  建设用地 by default (configurable through ``three_class(..., overrides=...)``).
- 《国土空间调查、规划、用途管制用地用海分类指南》(2023) first and second levels, and the
  三调 → 用地用海 correspondence.
- DLTB attribute code lists: GDPDJB, GDLX, CZCSXM, QSXZ, TBXHDM, ZZSXDM, GDDB bands.

Everything else in landcon imports these tables from here; nothing re-types a code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

# ---------------------------------------------------------------------------------------------
# 三调工作分类: 一级 classes and 二级 codes
# ---------------------------------------------------------------------------------------------

LEVEL1_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "00": "湿地",
        "01": "耕地",
        "02": "种植园用地",
        "03": "林地",
        "04": "草地",
        "05": "商业服务业用地",
        "06": "工矿用地",
        "07": "住宅用地",
        "08": "公共管理与公共服务用地",
        "09": "特殊用地",
        "10": "交通运输用地",
        "11": "水域及水利设施用地",
        "12": "其他土地",
    }
)

# (code, name, 三调 working-classification 一级). The 湿地 group (00) holds codes whose digits
# start with another class: that is the 三调 regrouping.
_LAND_USE_ROWS: tuple[tuple[str, str, str], ...] = (
    ("0303", "红树林地", "00"),
    ("0304", "森林沼泽", "00"),
    ("0306", "灌丛沼泽", "00"),
    ("0402", "沼泽草地", "00"),
    ("0603", "盐田", "00"),
    ("1105", "沿海滩涂", "00"),
    ("1106", "内陆滩涂", "00"),
    ("1108", "沼泽地", "00"),
    ("0101", "水田", "01"),
    ("0102", "水浇地", "01"),
    ("0103", "旱地", "01"),
    ("0201", "果园", "02"),
    ("0202", "茶园", "02"),
    ("0203", "橡胶园", "02"),
    ("0204", "其他园地", "02"),
    ("0301", "乔木林地", "03"),
    ("0302", "竹林地", "03"),
    ("0305", "灌木林地", "03"),
    ("0307", "其他林地", "03"),
    ("0401", "天然牧草地", "04"),
    ("0403", "人工牧草地", "04"),
    ("0404", "其他草地", "04"),
    ("05H1", "商业服务业设施用地", "05"),
    ("0508", "物流仓储用地", "05"),
    ("0601", "工业用地", "06"),
    ("0602", "采矿用地", "06"),
    ("0701", "城镇住宅用地", "07"),
    ("0702", "农村宅基地", "07"),
    ("08H1", "机关团体新闻出版用地", "08"),
    ("08H2", "科教文卫用地", "08"),
    ("0809", "公用设施用地", "08"),
    ("0810", "公园与绿地", "08"),
    ("0810A", "广场用地", "08"),
    ("09", "特殊用地", "09"),
    ("1001", "铁路用地", "10"),
    ("1002", "轨道交通用地", "10"),
    ("1003", "公路用地", "10"),
    ("1004", "城镇村道路用地", "10"),
    ("1005", "交通服务场站用地", "10"),
    ("1006", "农村道路", "10"),
    ("1007", "机场用地", "10"),
    ("1008", "港口码头用地", "10"),
    ("1009", "管道运输用地", "10"),
    ("1101", "河流水面", "11"),
    ("1102", "湖泊水面", "11"),
    ("1103", "水库水面", "11"),
    ("1104", "坑塘水面", "11"),
    ("1104A", "养殖坑塘", "11"),
    ("1107", "沟渠", "11"),
    ("1107A", "干渠", "11"),
    ("1109", "水工建筑用地", "11"),
    ("1110", "冰川及永久积雪", "11"),
    ("1201", "空闲地", "12"),
    ("1202", "设施农用地", "12"),
    ("1203", "田坎", "12"),
    ("1204", "盐碱地", "12"),
    ("1205", "沙地", "12"),
    ("1206", "裸土地", "12"),
    ("1207", "裸岩石砾地", "12"),
)

# Working-stage 可调整地类: former 耕地 planted with orchards, trees, grass or ponds.
ADJUSTABLE_BASE_CODES: tuple[str, ...] = (
    "0201",
    "0202",
    "0203",
    "0204",
    "0301",
    "0302",
    "0307",
    "0403",
    "1104",
)

_BASE_NAMES = {code: name for code, name, _ in _LAND_USE_ROWS}
_BASE_LEVEL1 = {code: level1 for code, _, level1 in _LAND_USE_ROWS}
# 1104K is 可调整养殖坑塘 (former 耕地 dug into a fish pond), not 可调整坑塘水面.
_ADJUSTABLE_NAMES = {c: "可调整" + _BASE_NAMES["1104A" if c == "1104" else c] for c in ADJUSTABLE_BASE_CODES}

LAND_USE_NAMES: Mapping[str, str] = MappingProxyType(
    _BASE_NAMES | {f"{c}K": name for c, name in _ADJUSTABLE_NAMES.items()}
)
"""DLBM → DLMC for every valid 三调 DLBM, including the K and A suffixed codes."""

_WORKING_LEVEL1: Mapping[str, str] = MappingProxyType(
    _BASE_LEVEL1 | {f"{c}K": _BASE_LEVEL1[c] for c in ADJUSTABLE_BASE_CODES}
)

CULTIVATED_CODES: frozenset[str] = frozenset({"0101", "0102", "0103"})
"""耕地 (DLBM 0101–0103)."""

ADJUSTABLE_CODES: frozenset[str] = frozenset(f"{c}K" for c in ADJUSTABLE_BASE_CODES)
"""可调整地类 (K suffix). Whether they count as 耕地 in totals is a rule-pack choice."""

LINEAR_CODES: frozenset[str] = frozenset({"1006", "1107", "1107A", "1203"})
"""Thin linear land: 农村道路, 沟渠, 干渠, 田坎."""


def is_valid_dlbm(code: str) -> bool:
    """True when ``code`` is a 三调 DLBM (二级 code, optionally with its K or A suffix)."""
    return code in LAND_USE_NAMES


def base_code(code: str) -> str:
    """The 二级 code without a working-stage suffix: ``0201K`` → ``0201``, ``1104A`` → ``1104``."""
    return code[:-1] if code[-1:] in ("K", "A") and code[:-1] in LAND_USE_NAMES else code


def level1(code: str, *, wetland_group: bool = True) -> str:
    """一级 class of a DLBM.

    ``wetland_group=True`` gives the 三调 working classification (0303, 0304, 0306, 0402, 0603,
    1105, 1106, 1108 under 00 湿地); ``False`` gives the GB/T 21010 view (by the first two digits,
    so 0603 盐田 is 06 工矿用地).
    """
    if wetland_group:
        return _WORKING_LEVEL1[code]
    return code[:2]


# ---------------------------------------------------------------------------------------------
# 三大类
# ---------------------------------------------------------------------------------------------

AGRICULTURAL = "农用地"
CONSTRUCTION = "建设用地"
UNUSED = "未利用地"
THREE_CLASSES: tuple[str, str, str] = (AGRICULTURAL, CONSTRUCTION, UNUSED)

_THREE_CLASS_EXPLICIT: Mapping[str, str] = MappingProxyType(
    {
        **dict.fromkeys(("0401", "0402", "0403", "0403K", "1006", "1104", "1104A", "1104K"), AGRICULTURAL),
        **dict.fromkeys(("1107", "1107A", "1202", "1203"), AGRICULTURAL),
        **dict.fromkeys(
            (
                "05H1",
                "0508",
                "0601",
                "0602",
                "0603",
                "0701",
                "0702",
                "08H1",
                "08H2",
                "0809",
                "0810",
                "0810A",
                "09",
                "1001",
                "1002",
                "1003",
                "1004",
                "1005",
                "1007",
                "1008",
                "1009",
                "1103",
                "1109",
                "1201",
            ),
            CONSTRUCTION,
        ),
        **dict.fromkeys(
            ("0404", "1101", "1102", "1105", "1106", "1108", "1110", "1204", "1205", "1206", "1207"),
            UNUSED,
        ),
    }
)


def three_class(code: str, overrides: Mapping[str, str] | None = None) -> str:
    """三大类 of a DLBM: 农用地 (01, 02, 03 incl. K, 0401–0403, 1006, 1104, 1107, 1202, 1203),
    建设用地 (05–09, 1001–1005, 1007–1009, 1103, 1109, 1201, and 0603 盐田), 未利用地 (the rest).

    ``overrides`` (code → class) lets a rule pack move a code, e.g. 1103 back to 农用地.
    """
    if overrides and code in overrides:
        return overrides[code]
    if code in _THREE_CLASS_EXPLICIT:
        return _THREE_CLASS_EXPLICIT[code]
    if code[:2] in ("01", "02", "03") and code in LAND_USE_NAMES:
        return AGRICULTURAL
    raise KeyError(code)


THREE_CLASS_OF: Mapping[str, str] = MappingProxyType({c: three_class(c) for c in LAND_USE_NAMES})
"""DLBM → 三大类 with the default mapping."""

FIELD_RIDGE = "1203"
"""The class of the deducted area KCMJ (扣除地类面积): KCDLBM, which 三调 only allows to be 1203 田坎.

Every table by class counts a 图斑's KCMJ as land of this class, beside its TBDLMJ under its own DLBM
(TBMJ = TBDLMJ + KCMJ): 二级 1203 田坎, 一级 12 其他土地, 三大类 农用地 — as the official 三调 汇总表
and the 整治前后土地利用结构调整表 do, so a unit's classes add up to its area (Σ TBMJ)."""

# ---------------------------------------------------------------------------------------------
# 用地用海分类 (2023) and the 三调 → 用地用海 correspondence
# ---------------------------------------------------------------------------------------------

PLANNING_LEVEL1_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "01": "耕地",
        "02": "园地",
        "03": "林地",
        "04": "草地",
        "05": "湿地",
        "06": "农业设施建设用地",
        "07": "居住用地",
        "08": "公共管理与公共服务用地",
        "09": "商业服务业用地",
        "10": "工矿用地",
        "11": "仓储用地",
        "12": "交通运输用地",
        "13": "公用设施用地",
        "14": "绿地与开敞空间用地",
        "15": "特殊用地",
        "16": "留白用地",
        "17": "陆地水域",
        "23": "其他土地",
    }
)

PLANNING_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "0101": "水田",
        "0102": "水浇地",
        "0103": "旱地",
        "0201": "果园",
        "0202": "茶园",
        "0203": "橡胶园地",
        "0204": "油料园地",
        "0205": "其他园地",
        "0301": "乔木林地",
        "0302": "竹林地",
        "0303": "灌木林地",
        "0304": "其他林地",
        "0401": "天然牧草地",
        "0402": "人工牧草地",
        "0403": "其他草地",
        "0501": "森林沼泽",
        "0502": "灌丛沼泽",
        "0503": "沼泽草地",
        "0504": "其他沼泽地",
        "0505": "沿海滩涂",
        "0506": "内陆滩涂",
        "0507": "红树林地",
        "0601": "农村道路",
        "0602": "设施农用地",
        "0701": "城镇住宅用地",
        "0702": "城镇社区服务设施用地",
        "0703": "农村宅基地",
        "0704": "农村社区服务设施用地",
        "0801": "机关团体用地",
        "0802": "科研用地",
        "0803": "文化用地",
        "0804": "教育用地",
        "0805": "体育用地",
        "0806": "医疗卫生用地",
        "0807": "社会福利用地",
        "0901": "商业用地",
        "0902": "商务金融用地",
        "0903": "娱乐用地",
        "0904": "其他商业服务业用地",
        "1001": "工业用地",
        "1002": "采矿用地",
        "1003": "盐田",
        "1101": "物流仓储用地",
        "1102": "储备库用地",
        "1201": "铁路用地",
        "1202": "公路用地",
        "1203": "机场用地",
        "1204": "港口码头用地",
        "1205": "管道运输用地",
        "1206": "城市轨道交通用地",
        "1207": "城镇村道路用地",
        "1208": "交通场站用地",
        "1209": "其他交通设施用地",
        "1401": "公园绿地",
        "1402": "防护绿地",
        "1403": "广场用地",
        "1701": "河流水面",
        "1702": "湖泊水面",
        "1703": "水库水面",
        "1704": "坑塘水面",
        "1705": "沟渠",
        "1706": "冰川及常年积雪",
        "2301": "空闲地",
        "2302": "后备耕地",
        "2303": "田坎",
        "2304": "盐碱地",
        "2305": "沙地",
        "2306": "裸土地",
        "2307": "裸岩石砾地",
    }
    | {k: v for k, v in PLANNING_LEVEL1_NAMES.items() if k in ("08", "09", "13", "15", "16")}
)


@dataclass(frozen=True)
class PlanningCode:
    """A 用地用海 code for a 三调 DLBM; ``exact`` is False where the correspondence is not 1:1
    and the default needs confirming against the parcel (e.g. 08H2 科教文卫 → 08)."""

    code: str
    exact: bool


_EXACT_TO_PLANNING: dict[str, str] = {
    "0101": "0101",
    "0102": "0102",
    "0103": "0103",
    "0201": "0201",
    "0202": "0202",
    "0203": "0203",
    "0204": "0205",
    "0301": "0301",
    "0302": "0302",
    "0305": "0303",
    "0307": "0304",
    "0303": "0507",
    "0304": "0501",
    "0306": "0502",
    "0402": "0503",
    "0401": "0401",
    "0403": "0402",
    "0404": "0403",
    "0603": "1003",
    "1105": "0505",
    "1106": "0506",
    "1108": "0504",
    "0508": "1101",
    "0601": "1001",
    "0602": "1002",
    "0701": "0701",
    "0702": "0703",
    "0809": "13",
    "09": "15",
    "1001": "1201",
    "1003": "1202",
    "1004": "1207",
    "1006": "0601",
    "1007": "1203",
    "1008": "1204",
    "1009": "1205",
    "1101": "1701",
    "1102": "1702",
    "1103": "1703",
    "1104": "1704",
    "1107": "1705",
    "1201": "2301",
    "1202": "0602",
    "1203": "2303",
    "1204": "2304",
    "1205": "2305",
    "1206": "2306",
    "1207": "2307",
}
# Not 1:1: a default that a planner confirms per parcel.
_APPROX_TO_PLANNING: dict[str, str] = {
    "05H1": "09",
    "08H1": "0801",
    "08H2": "08",
    "0810": "1401",
    "0810A": "1403",
    "1002": "1206",
    "1005": "1208",
    "1109": "13",
    "1110": "1706",
    "1104A": "1704",
    "1107A": "1705",
}

PLANNING_OF: Mapping[str, PlanningCode] = MappingProxyType(
    {c: PlanningCode(p, True) for c, p in _EXACT_TO_PLANNING.items()}
    | {c: PlanningCode(p, False) for c, p in _APPROX_TO_PLANNING.items()}
    | {f"{c}K": PlanningCode(_EXACT_TO_PLANNING[c], False) for c in ADJUSTABLE_BASE_CODES}
)
"""三调 DLBM → 用地用海 code (2023)."""

# ---------------------------------------------------------------------------------------------
# DLTB attribute code lists
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlopeGrade:
    """A 耕地坡度级别: slope in degrees, lower bound exclusive, upper inclusive."""

    code: str
    lower_deg: float | None
    upper_deg: float | None
    name: str


SLOPE_GRADES: Mapping[str, SlopeGrade] = MappingProxyType(
    {
        "1": SlopeGrade("1", None, 2.0, "≤2°"),
        "2": SlopeGrade("2", 2.0, 6.0, "2°–6°"),
        "3": SlopeGrade("3", 6.0, 15.0, "6°–15°"),
        "4": SlopeGrade("4", 15.0, 25.0, "15°–25°"),
        "5": SlopeGrade("5", 25.0, None, ">25°"),
    }
)
"""GDPDJB 耕地坡度级别."""


def slope_grade(slope_deg: float) -> str:
    """GDPDJB for a slope in degrees (lower bound exclusive, upper inclusive)."""
    for grade in SLOPE_GRADES.values():
        if grade.upper_deg is None or slope_deg <= grade.upper_deg:
            return grade.code
    raise AssertionError("unreachable")


TERRACE = "TT"
SLOPE_FIELD = "PD"
CULTIVATED_TYPES: Mapping[str, str] = MappingProxyType({"TT": "梯田", "PD": "坡地", "FD": "平地"})
"""GDLX 耕地类型 (平地 is empty in final data, FD in working data)."""

SETTLEMENT_CODES: Mapping[str, str] = MappingProxyType(
    {
        "201": "城市",
        "202": "建制镇",
        "203": "村庄",
        "204": "盐田及采矿用地",
        "205": "特殊用地",
        "201A": "城市独立工业用地",
        "202A": "建制镇独立工业用地",
        "203A": "村庄独立工业用地",
    }
)
"""CZCSXM 城镇村属性码."""

OWNERSHIP_CODES: Mapping[str, str] = MappingProxyType(
    {
        "10": "国有土地所有权",
        "20": "国有土地使用权",
        "30": "集体土地所有权",
        "31": "村民小组",
        "32": "村级集体经济组织",
        "33": "乡级集体经济组织",
        "34": "其他农民集体经济组织",
        "40": "集体土地使用权",
    }
)
"""QSXZ 权属性质."""

REFINEMENT_CODES: Mapping[str, str] = MappingProxyType(
    {
        "HDGD": "河道耕地",
        "HQGD": "湖区耕地",
        "LQGD": "林区耕地",
        "MQGD": "牧区耕地",
        "SHGD": "沙荒耕地",
        "HHGD": "沙荒耕地",
        "SMGD": "石漠化耕地",
        "LQYD": "林区园地",
        "GCCD": "灌丛草地",
    }
)
"""TBXHDM 图斑细化代码 (cultivated-land and other refinements)."""

CROP_STATUS_CODES: Mapping[str, str] = MappingProxyType(
    {
        "LS": "种植粮食作物",
        "FLS": "种植非粮作物",
        "LYFL": "粮与非粮轮作",
        "LLJZ": "林粮间作",
        "XG": "休耕",
        "WG": "未耕种",
    }
)
"""ZZSXDM on 耕地: crop status."""

TEMPORARY_USE_CODES: Mapping[str, str] = MappingProxyType(
    {
        "GZ": "耕种",
        "YM": "临时种植园木",
        "LM": "临时种植林木",
        "LH": "绿化草地",
        "MC": "临时种植牧草",
        "GSYY": "观赏园艺",
        "SSLM": "速生林木",
    }
)
"""ZZSXDM on 耕地: temporary-use labels of the 2019 working stage (WG is in the crop family)."""

RECOVERY_CODES: Mapping[str, str] = MappingProxyType({"JKHF": "即可恢复", "GCHF": "工程恢复"})
"""ZZSXDM on former-耕地 non-耕地 parcels: 耕地恢复属性."""

PLANTING_CODES: Mapping[str, str] = MappingProxyType(
    dict(CROP_STATUS_CODES) | dict(TEMPORARY_USE_CODES) | dict(RECOVERY_CODES)
)
"""Every valid ZZSXDM → ZZSXMC."""

CULTIVATED_ONLY_PLANTING: frozenset[str] = frozenset(CROP_STATUS_CODES) | frozenset(TEMPORARY_USE_CODES)
"""ZZSXDM values that may only appear on 耕地."""

REFINEMENT_NEEDING_CROP: frozenset[str] = frozenset({"HDGD", "HQGD", "LQGD", "MQGD", "SHGD", "SMGD"})
"""TBXHDM values on 耕地 that must carry a crop ZZSXDM in (LS, FLS, LYFL) (a project QA rule)."""


@dataclass(frozen=True)
class QualityBand:
    """A band of 耕地质量等别 (GDDB 1–15, 1 best)."""

    name: str
    lowest: int
    highest: int


QUALITY_BANDS: tuple[QualityBand, ...] = (
    QualityBand("优等地", 1, 4),
    QualityBand("高等地", 5, 8),
    QualityBand("中等地", 9, 12),
    QualityBand("低等地", 13, 15),
)
GDDB_MIN, GDDB_MAX = 1, 15


def quality_band(grade: int) -> str:
    """Band name of a GDDB grade: 优等 1–4, 高等 5–8, 中等 9–12, 低等 13–15."""
    for band in QUALITY_BANDS:
        if band.lowest <= grade <= band.highest:
            return band.name
    raise ValueError(f"GDDB {grade} not in 1–15")


# ---------------------------------------------------------------------------------------------
# Units
# ---------------------------------------------------------------------------------------------

SQM_PER_MU = 10000.0 / 15.0
"""1 亩 = 10000/15 m²."""
SQM_PER_HECTARE = 10000.0

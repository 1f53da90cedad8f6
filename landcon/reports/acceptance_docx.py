"""竣工验收报告 (completion acceptance report, .docx) after TD/T 1013-2013: 建设目标、建设内容、实施管理、
权属管理、后期管护 (domain reference §7.1), plus 项目概况 and 验收结论.

``write_acceptance_docx`` takes what the services gathered (``context``): the acceptance computation
(acceptance.json), the ZZ_YS record written beside it (zzys.json), the project, sub-projects,
supervision figures, the latest 权属调整 version, 管护 agreements and inspections, and the acceptance
records; it computes nothing. Every number is a value of those dicts, written with a fixed number of
decimals (``number``): m², 万元 and 元 2, 公顷 6 (as zzys.json), 比例 as a percentage with 2, counts 0,
others 4. Maps given as PNG files are inserted as numbered figures.

The document builder (fonts, captions, tables) is ``reports/acceptance_docx_base.py``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from landcon.engine.indicators.registry import label
from landcon.engine.realloc.indices import INDICATOR_LABELS as REALLOC_LABELS
from landcon.reports.acceptance_docx_base import ReportDoc

DASH = "—"
DIGITS = {
    "平方米": 2,
    "万元": 2,
    "元": 2,
    "户": 0,
    "眼": 0,
    "座": 0,
    "株": 0,
    "公里": 4,
    "公顷": 6,
    "等": 4,
    "公斤": 0,
    "个": 0,
    "块": 0,
}
MAP_CAPTIONS = {"before": "整治前土地利用现状图（三调地类）", "after": "竣工图斑核实结果图"}

#: 二、建设目标完成情况: comparison keys (engine.acceptance_table) in the order of the table.
TARGET_KEYS: tuple[str, ...] = (
    "cultivated.new_m2",
    "cultivated.new_paddy_m2",
    "cultivated.supplementary_m2",
    "cultivated.new_rate",
    "acceptance.grade_before",
    "acceptance.grade_after",
    "acceptance.grain_kg",
    "construction.before_m2",
    "construction.after_m2",
    "permanent_farmland.out_m2",
    "permanent_farmland.in_m2",
    "acceptance.scale_m2",
    "fields.before",
    "fields.after",
    "fields.merge_degree",
    "acceptance.investment_wan",
)
STATUS_NAMES = {"pass": "通过", "fail": "不通过", "unknown": "无法检查"}


def number(value: Any, unit: str = "") -> str:
    """A value as the report writes it: None → —, 比例 → percent (2 decimals), else ``DIGITS[unit]``
    decimals (4 when the unit is not listed)."""
    if value is None or value == "":
        return DASH
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if unit == "比例":
        return f"{float(value) * 100:.2f}%"
    digits = DIGITS.get(unit, 4)
    return f"{float(value):.{digits}f}" if digits else str(round(float(value)))


def _fields(zzys: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {f["key"]: f for fields in zzys["groups"].values() for f in fields}


REALLOC_ROWS = (("households", "户"), ("parcels_before", "块"), ("parcels_after", "块"), ("merge_degree", "比例"))


def _overview(d: ReportDoc, ctx: Mapping[str, Any]) -> None:
    data, project, zz = ctx["data"], ctx["project"], _fields(ctx["zzys"])
    plan = data["plan_indicators"]
    d.chapter("项目概况")
    places = ctx.get("places") or {}
    towns = "、".join(places.get(str(c)) or str(c) for c in plan["area"].get("townships") or []) or DASH
    d.para(
        f"{project['name']}（项目编号 {project['code']}）位于{project['county_name']}，"
        f"{label('area.townships')} {towns}；"
        f"{label('area.zzqy_m2')} {number(plan['area']['zzqy_m2'], '平方米')} 平方米。"
        f"项目当前处于“{project['stage_name']}”阶段。"
    )
    d.para(
        f"验收核算依据批复方案版本 {data['plan_version']}、基期数据集 {data['dataset']} 版本 {data['before_version']}，"
        f"竣工日期 {data.get('completion_date') or DASH}；"
        f"新增耕地核实所用变更调查版本 {data.get('vintage_version') or DASH}。"
        f"本报告数据来源：{ctx['origin']}（{ctx['zzys']['status']}）。"
    )
    subs = ctx["subprojects"]
    d.para(
        f"项目共 {len(subs)} 个子项目，计划投资 {number(zz['investment.total']['plan'], '万元')} 万元，"
        f"决算 {number(zz['investment.total']['value'], '万元')} 万元。"
    )
    for key in ("before", "after"):
        path = ctx["maps"].get(key)
        if path is not None and Path(path).is_file():
            d.figure(Path(path), MAP_CAPTIONS[key])


def _targets(d: ReportDoc, ctx: Mapping[str, Any]) -> None:
    data, zz = ctx["data"], _fields(ctx["zzys"])
    totals, rows = data["totals"], {r["key"]: r for r in data["comparison"]}
    d.chapter("建设目标完成情况")
    d.para(
        f"方案新增耕地 {number(totals['planned_new_m2'], '平方米')} 平方米，竣工新增耕地 "
        f"{number(totals['built_new_m2'], '平方米')} 平方米，经变更调查核实未通过 "
        f"{number(totals['not_verified_m2'], '平方米')} "
        f"平方米，核定新增耕地 {number(totals['verified_new_m2'], '平方米')} 平方米"
        f"（{number(zz['new.total']['value'], '公顷')} 公顷），核减合计 {number(totals['cut_m2'], '平方米')} 平方米。"
    )
    table = []
    for key in TARGET_KEYS:
        r = rows.get(key)
        if r is not None:
            unit = r["unit"]
            table.append(
                (r["label"], unit, number(r["plan"], unit), number(r["built"], unit), number(r["difference"], unit))
            )
    completion = data["investment"]["completion"]
    table.append(("投资完成率", "比例", DASH, number(completion, "比例"), DASH))
    d.table("方案与竣工对比", ("指标", "单位", "方案", "竣工", "差值（竣工 − 方案）"), table)
    d.table(
        "ZZ_YS 验收数据集（规模、新增耕地、提质改造、成效）",
        ("ZZ_YS 字段", "名称", "单位", "方案", "实际（核定）"),
        [
            (f["zzys"] or DASH, f["name"], f["unit"], number(f["plan"], f["unit"]), number(f["value"], f["unit"]))
            for g in ("规模", "新增耕地", "提质改造", "成效")
            for f in ctx["zzys"]["groups"][g]
        ],
    )


def _content(d: ReportDoc, ctx: Mapping[str, Any]) -> None:
    data, zz = ctx["data"], ctx["zzys"]
    rows = {r["key"]: r for r in data["comparison"]}
    inv = data["investment"]
    d.chapter("建设内容")
    table = []
    for s in ctx["subprojects"]:
        new = rows.get(f"cultivated.new_by_subproject_m2/{s['code']}") or {}
        table.append(
            (
                s["code"],
                s["name"],
                s["type"],
                number(new.get("plan"), "平方米"),
                number(new.get("built"), "平方米"),
                number((inv.get("planned_by_subproject_wan") or {}).get(s["code"]), "万元"),
                number((inv.get("final_by_subproject_wan") or {}).get(s["code"]), "万元"),
            )
        )
    header = (
        "子项目",
        "名称",
        "类型",
        "方案新增耕地（平方米）",
        "竣工新增耕地（平方米）",
        "计划投资（万元）",
        "决算（万元）",
    )
    d.table("子项目建设情况", header, table)
    scale = [(f["name"], f["unit"], number(f["value"], f["unit"])) for f in zz["groups"]["规模"]]
    d.table("建设规模", ("名称", "单位", "实际"), scale)
    works = zz["groups"]["工程量"]
    if works:
        d.table(
            "工程量（计划与竣工）",
            ("工程", "单位", "计划", "竣工"),
            [(f["name"], f["unit"], number(f["plan"], f["unit"]), number(f["value"], f["unit"])) for f in works],
        )
    else:
        d.para("竣工数据与子项目记录均未填报工程量。")


def _management(d: ReportDoc, ctx: Mapping[str, Any]) -> None:
    funds, final = ctx["funds"], ctx["data"]["investment"].get("final_by_source_wan") or {}
    d.chapter("实施管理")
    d.para(
        f"实施期间共填报进度 {ctx['reports']} 次，上传现场照片 {ctx['photos']} 张，产生预警 {len(ctx['alerts'])} 条"
        f"（其中未解除 {sum(1 for a in ctx['alerts'] if a.get('holds'))} 条）。"
    )
    sources = [r["source"] for r in funds.get("sources") or []] + [
        s for s in final if s not in {r["source"] for r in funds.get("sources") or []}
    ]
    by = {r["source"]: r for r in funds.get("sources") or []}
    rows = [
        (
            s,
            number(by.get(s, {}).get("planned"), "万元"),
            number(by.get(s, {}).get("allocated"), "万元"),
            number(by.get(s, {}).get("disbursed"), "万元"),
            number(final.get(s), "万元"),
        )
        for s in sources
    ]
    d.table(
        "资金到位与决算（按来源）",
        ("资金来源", "方案筹措（万元）", "已分配（万元）", "已拨付（万元）", "决算（万元）"),
        rows,
    )
    if ctx["alerts"]:
        d.table(
            "预警",
            ("类型", "级别", "状态", "说明"),
            [(a["kind_label"], a["severity_label"], a["state_label"], a["message"]) for a in ctx["alerts"]],
        )


def _tenure(d: ReportDoc, ctx: Mapping[str, Any]) -> None:
    d.chapter("权属管理")
    version = ctx["realloc"]
    if version is None:
        d.para("本项目未保存权属调整方案（landcon realloc save）。")
        return
    ind = version.get("indicators") or {}
    d.para(
        f"权属调整采用第 {version['number']} 版方案（{version.get('name') or DASH}，"
        f"{version['created_at']} 由 {version['created_by']} 保存）。"
    )
    rows = [
        *(
            (REALLOC_LABELS[key].name, unit, number(ind.get(key), unit))
            for key, unit in (
                ("households", "户"),
                ("parcels_before", "块"),
                ("parcels_after", "块"),
                ("merge_degree", "比例"),
            )
        ),
        ("应补给农户金额合计", "元", number(ind.get("settlement_paid"), "元")),
        ("农户应补交金额合计", "元", number(ind.get("settlement_received"), "元")),
        ("违反约束数", "个", number(version.get("violations"), "个")),
    ]
    d.table("权属调整", ("指标", "单位", "数值"), rows)


def _aftercare(d: ReportDoc, ctx: Mapping[str, Any]) -> None:
    d.chapter("后期管护")
    agreements, inspections = ctx["agreements"], ctx["inspections"]
    if not agreements:
        d.para("本项目尚未签订管护协议。")
        return
    d.para(f"共签订管护协议 {len(agreements)} 份，开展管护巡查 {len(inspections)} 次。")
    d.table(
        "管护协议",
        ("协议", "管护主体", "类型", "图斑数", "面积（平方米）", "管护期", "年度经费（万元）", "经费来源"),
        [
            (
                a["code"],
                a["caretaker"],
                a["caretaker_kind"],
                str(len(a["parcels"])),
                number(a["area_m2"], "平方米"),
                f"{a['start']} 至 {a['end']}",
                number(a["funds_per_year"], "万元"),
                a["funds_source"] or DASH,
            )
            for a in agreements
        ],
    )
    if inspections:
        d.table(
            "管护巡查",
            ("协议", "日期", "巡查人", "结果", "发现问题"),
            [
                (i["agreement"], i["inspected_on"], i["inspector"], i["result"], i["findings"] or DASH)
                for i in inspections
            ],
        )


def _conclusion(d: ReportDoc, ctx: Mapping[str, Any]) -> None:
    data = ctx["data"]
    d.chapter("验收结论")
    counts = data["status_counts"]
    d.para(
        f"验收规则 {len(data['rules'])} 项：通过 {counts['pass']} 项，不通过 {counts['fail']} 项，"
        f"无法检查 {counts['unknown']} 项。"
    )
    d.table(
        "验收规则检查",
        ("规则", "结果", "数值", "阈值", "涉及数量", "单位", "说明"),
        [
            (
                r["title"],
                STATUS_NAMES.get(r["status"], r["status"]),
                number(r["value"]),
                number(r["threshold"]),
                number(r["amount"], r["unit"]),
                r["unit"],
                r["message"],
            )
            for r in data["rules"]
        ],
    )
    cuts = data["cuts"]
    if cuts:
        d.table(
            "核减清单",
            ("图斑", "对应方案图斑", "子项目", "核减原因", "方案（平方米）", "竣工（平方米）", "核减（平方米）"),
            [
                (
                    c["parcel"],
                    c["plan_parcel"] or DASH,
                    c["subproject"] or DASH,
                    c["reason"],
                    number(c["planned_m2"], "平方米"),
                    number(c["built_m2"], "平方米"),
                    number(c["cut_m2"], "平方米"),
                )
                for c in cuts
            ]
            + [("合计", "", "", "", "", "", number(data["totals"]["cut_m2"], "平方米"))],
        )
    else:
        d.para("无核减。")
    recs = ctx["records"]
    if not recs:
        d.para("尚无验收记录。")
        return
    d.table(
        "验收记录",
        ("编号", "层级", "子项目", "验收意见", "日期", "整改条件", "验收组成员"),
        [
            (
                str(r["id"]),
                r["level_name"],
                r["sub_project"] or DASH,
                r["opinion"],
                r["accepted_on"],
                "；".join(r["conditions"]) or DASH,
                "、".join(r["members"]),
            )
            for r in recs
        ],
    )


def write_acceptance_docx(context: Mapping[str, Any], path: str | Path) -> Path:
    """Write the report to ``path`` (through a temporary file next to it) and return it. ``context``:
    ``data`` (acceptance.json), ``zzys``, ``origin``, ``project``, ``subprojects``, ``reports``,
    ``photos``, ``alerts``, ``funds``, ``realloc`` (or None), ``agreements``, ``inspections``,
    ``records``, ``places`` (unit code → name: the report prints names; an unnamed code as it is) and
    ``maps`` (key → PNG path)."""
    d = ReportDoc()
    d.title(f"{context['project']['name']}竣工验收报告")
    for chapter in (_overview, _targets, _content, _management, _tenure, _aftercare, _conclusion):
        chapter(d, context)
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        d.doc.save(str(tmp))
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target

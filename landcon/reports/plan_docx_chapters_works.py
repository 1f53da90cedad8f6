"""实施方案 chapters 整治任务与子项目, 土地利用结构调整, 永久基本农田布局优化调整, 实施计划与时序,
投资估算与资金筹措 and 效益分析.

The 子项目安排表 lists plan.yaml's sub-projects with the village names, the 规模 (土地平整 area), the
建设内容 (type and works) and the 新增耕地 the engine computed; the 工程量 table lists the planned
quantities (``engine.supervision.QUANTITIES``) of the sub-project records, or, before any is
registered, plan.yaml's ``quantities`` of each sub-project. The investment structure (工程施工费 /
其他费用 / 不可预见费) is plan.yaml's ``costs`` of each sub-project.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from landcon.engine.indicators.registry import label
from landcon.engine.plan import COST_ITEMS
from landcon.engine.supervision import QUANTITIES
from landcon.reports.plan_docx_builder import Builder, area_text, count_text, wan_text
from landcon.reports.plan_docx_context import PlanContext
from landcon.reports.plan_table_model import COUNT, HA, MU, WAN, Table, TableColumn, area_cells
from landcon.reports.plan_xlsx import (
    DASH,
    balance_text,
    indicator,
    investment_tables,
    landuse_table,
    linkage_table,
    new_farmland_tables,
    review_table,
)

MAP_CAPTIONS: Mapping[str, str] = {
    "before": "整治前土地利用现状图",
    "after": "整治后土地利用规划图",
    "subprojects": "子项目布局图",
    "farmland_adjustment": "永久基本农田布局调整图",
    "linkage": "增减挂钩拆旧建新图",
}

LEVELLING = "land_levelling"


def _map(maps: Mapping[str, Path], key: str) -> Path | None:
    path = maps.get(key)
    return Path(path) if path is not None and Path(path).is_file() else None


def figure(b: Builder, maps: Mapping[str, Path], key: str, used: set[str]) -> None:
    path = _map(maps, key)
    if path is not None:
        b.figure(path, MAP_CAPTIONS.get(key, key))
        used.add(key)


def _text(value: Any) -> str:
    return DASH if value is None or value == "" else str(value)


def _years(sp: Mapping[str, Any]) -> str:
    start, end = sp.get("start_year"), sp.get("end_year")
    if start is None and end is None:
        return DASH
    if start == end or end is None:
        return str(start)
    return f"{start}–{end}" if start is not None else str(end)


def _works(quantities: Mapping[str, Any]) -> list[str]:
    return [QUANTITIES[k].label for k in QUANTITIES if float(quantities.get(k) or 0.0) > 0]


def planned_quantities(plan: Mapping[str, Any], ctx: PlanContext) -> tuple[dict[str, Mapping[str, Any]], bool]:
    """Planned 工程量 by sub-project code and whether they are the sub-project records' (True) or, when
    none is registered yet, plan.yaml's ``sub_projects[].quantities`` (False)."""
    if ctx.subprojects:
        return {str(r.get("code")): r.get("quantities") or {} for r in ctx.subprojects}, True
    planned = {str(sp.get("code")): sp.get("quantities") for sp in plan.get("sub_projects") or []}
    return {c: q for c, q in planned.items() if isinstance(q, Mapping) and q}, False


def subproject_table(plan: Mapping[str, Any], ind: Mapping[str, Any], ctx: PlanContext) -> Table:
    """子项目安排表: plan.yaml sub-projects, village names, 规模, 建设内容, investment and 新增耕地."""
    t = Table(
        None,
        [
            TableColumn("序号", COUNT, width=6),
            TableColumn("子项目编号", width=12),
            TableColumn("子项目名称", width=30),
            TableColumn("所在村", width=16),
            TableColumn("规模（公顷）", HA),
            TableColumn("建设内容", width=30),
            TableColumn("实施年度", width=12),
            TableColumn("投资（万元）", WAN),
            TableColumn("公顷", HA, "新增耕地"),
            TableColumn("亩", MU, "新增耕地"),
        ],
    )
    planned, _ = planned_quantities(plan, ctx)
    by_sp: Mapping[str, Any] | None = indicator(ind, "cultivated.new_by_subproject_m2")
    for i, sp in enumerate(plan.get("sub_projects") or [], start=1):
        code = str(sp.get("code"))
        quantities = planned.get(code) or {}
        levelling = quantities.get(LEVELLING)
        works = _works(quantities)
        content = _text(sp.get("type")) + ("：" + "、".join(works) if works else "")
        new = None if by_sp is None else float(by_sp.get(code, 0.0))
        t.add(
            i,
            code,
            _text(sp.get("name")),
            ctx.place(sp.get("village")) if sp.get("village") else DASH,
            DASH if levelling is None else round(float(levelling), 4),
            content,
            _years(sp),
            DASH if sp.get("investment") is None else round(float(sp["investment"]), 2),
            *area_cells(new),
        )
    return t


def quantities_table(planned: Mapping[str, Mapping[str, Any]], plan: Mapping[str, Any]) -> Table:
    """工程量表: planned quantities of each sub-project (rows, plan order) by work (columns)."""
    used = [q for k, q in QUANTITIES.items() if any(float(p.get(k) or 0) for p in planned.values())]
    t = Table(None, [TableColumn("子项目编号"), *(TableColumn(f"{q.label}（{q.unit}）", "0.00") for q in used)])
    order = [str(sp.get("code")) for sp in plan.get("sub_projects") or []]
    for code in sorted(planned, key=lambda c: order.index(c) if c in order else len(order)):
        t.add(code, *(round(float(planned[code].get(q.key) or 0.0), 2) for q in used))
    return t


def subprojects(
    b: Builder,
    plan: Mapping[str, Any],
    ind: Mapping[str, Any],
    maps: Mapping[str, Path],
    used: set[str],
    ctx: PlanContext,
) -> None:
    b.chapter_heading("整治任务与子项目")
    b.section_heading("子项目安排")
    subs = list(plan.get("sub_projects") or [])
    by_type: dict[str, int] = {}
    for sp in subs:
        kind = str(sp.get("type") or "其他")
        by_type[kind] = by_type.get(kind, 0) + 1
    kinds = "，".join(f"{k} {n} 个" for k, n in by_type.items())
    b.para(f"本方案安排子项目 {len(subs)} 个" + (f"，其中{kinds}" if kinds else "") + "。")
    b.table(subproject_table(plan, ind, ctx), "子项目安排表")
    b.section_heading("工程量")
    planned, registered = planned_quantities(plan, ctx)
    if planned:
        source = "子项目记录" if registered else "方案"
        b.para(f"各子项目计划工程量如下表（{source}），规模为土地平整面积。")
        b.table(quantities_table(planned, plan), "子项目工程量表")
    else:
        b.para(
            "方案未列计划工程量，且尚未建立子项目记录，规模与工程量无法列出（在 plan.yaml 各子项目下填写 "
            "quantities，或方案批准后以 landcon supervise subproject from-plan 建立子项目、"
            "landcon supervise subproject edit 填写计划工程量）。"
        )
    tables = new_farmland_tables(plan, ind)
    b.section_heading("新增耕地来源")
    b.para(
        f"新增耕地 {area_text(indicator(ind, 'cultivated.new_m2'))}，其中地类调整（非耕地整治为耕地）"
        f"{area_text(indicator(ind, 'cultivated.new_from_conversion_m2'))}，田坎（1203）减少"
        f"{area_text(indicator(ind, 'cultivated.new_from_levelling_m2'))}。整治后耕地的田坎系数按县级田坎系数表"
        "（按坡度级别、耕地类型）计算，不采用方案自报的系数。"
    )
    for t in tables:
        b.table(t, f"新增耕地来源统计表（{(t.title or '').split('、', 1)[-1]}）")
    b.section_heading("增减挂钩")
    b.table(linkage_table(ind), "增减挂钩拆旧建新表")
    figure(b, maps, "subprojects", used)
    figure(b, maps, "linkage", used)


def landuse(b: Builder, ind: Mapping[str, Any], maps: Mapping[str, Path], used: set[str]) -> None:
    b.chapter_heading("土地利用结构调整")
    b.para("整治前后各地类面积及增减情况见下表，地类按第三次全国国土调查工作分类统计，耕地为扣除田坎后的净面积。")
    b.table(landuse_table(ind), "整治前后土地利用结构调整表")
    figure(b, maps, "before", used)
    figure(b, maps, "after", used)
    b.placeholder("空间布局与村庄规划的衔接")


def farmland(
    b: Builder, plan: Mapping[str, Any], ind: Mapping[str, Any], maps: Mapping[str, Path], used: set[str]
) -> None:
    b.chapter_heading("永久基本农田布局优化调整")
    if indicator(ind, "permanent_farmland.available") is False:
        b.para("数据集缺少永久基本农田保护图斑（YJJBNTBHTB），永久基本农田调整指标无法计算，审查表中以“—”表示。")
    elif not indicator(ind, "permanent_farmland.out_m2") and not indicator(ind, "permanent_farmland.in_m2"):
        b.para("本方案不涉及永久基本农田布局调整。")
    else:
        grade = indicator(ind, "permanent_farmland.grade_improvement")
        grade_text = "平均质量等别变化无法计算（等别缺失）" if grade is None else f"平均质量等别提升 {grade:.2f} 等"
        gain = indicator(ind, "permanent_farmland.gain_ratio")
        contiguity = indicator(ind, "permanent_farmland.contiguity_improvement")
        b.para(
            f"调出永久基本农田 {area_text(indicator(ind, 'permanent_farmland.out_m2'))}，"
            f"调入 {area_text(indicator(ind, 'permanent_farmland.in_m2'))}，"
            f"{label('permanent_farmland.gain_ratio')} {DASH if gain is None else f'{float(gain) * 100:.2f}%'}；"
            f"{grade_text}，"
            f"{label('permanent_farmland.contiguity_improvement')} "
            f"{DASH if contiguity is None else f'{float(contiguity) * 100:.2f}%'}。"
        )
    b.table(review_table(plan, ind), "全域土地综合整治所涉永久基本农田布局调整事项审查情况汇总表")
    figure(b, maps, "farmland_adjustment", used)
    b.placeholder("永久基本农田布局调整方案（单独编制，作为附件）")


def schedule(b: Builder, plan: Mapping[str, Any]) -> None:
    b.chapter_heading("实施计划与时序")
    start, end = plan.get("start_year"), plan.get("end_year")
    subs = list(plan.get("sub_projects") or [])
    if isinstance(start, int) and isinstance(end, int):
        for year in range(start, end + 1):
            active = [
                f"{sp.get('code')} {sp.get('name', '')}"
                for sp in subs
                if (sp.get("start_year") or start) <= year <= (sp.get("end_year") or end)
            ]
            b.para(f"{year} 年：" + ("；".join(active) if active else "无子项目实施") + "。")
    else:
        b.para("plan.yaml 未给出实施起止年度（start_year、end_year），分年度计划无法列出。")


def _costs(sp: Mapping[str, Any]) -> dict[str, float] | None:
    costs = sp.get("costs")
    if not isinstance(costs, Mapping):
        return None
    try:
        return {item: float(costs.get(item) or 0.0) for item in COST_ITEMS}
    except (TypeError, ValueError):
        return None


def cost_table(plan: Mapping[str, Any]) -> Table | None:
    """投资构成表 (工程施工费 / 其他费用 / 不可预见费 by sub-project), None if no sub-project gives ``costs``."""
    rows = [(sp, _costs(sp)) for sp in plan.get("sub_projects") or []]
    if not any(c is not None for _, c in rows):
        return None
    t = Table(
        None,
        [
            TableColumn("子项目编号"),
            *(TableColumn(f"{i}（万元）", WAN) for i in COST_ITEMS),
            TableColumn("合计（万元）", WAN),
        ],
    )
    totals = dict.fromkeys(COST_ITEMS, 0.0)
    for sp, costs in rows:
        if costs is None:
            t.add(str(sp.get("code")), *([DASH] * len(COST_ITEMS)), DASH)
            continue
        for item in COST_ITEMS:
            totals[item] += costs[item]
        t.add(str(sp.get("code")), *(round(costs[i], 2) for i in COST_ITEMS), round(sum(costs.values()), 2))
    t.add("合计", *(round(totals[i], 2) for i in COST_ITEMS), round(sum(totals.values()), 2), bold=True)
    return t


def investment(b: Builder, plan: Mapping[str, Any], ind: Mapping[str, Any]) -> None:
    b.chapter_heading("投资估算与资金筹措")
    total = indicator(ind, "investment.total_wan")
    funding = indicator(ind, "investment.funding_total_wan")
    b.para(
        f"项目总投资 {wan_text(total)} 万元，资金筹措 {wan_text(funding)} 万元"
        + (f"，{balance_text(round(float(funding) - float(total), 2))}" if None not in (total, funding) else "")
        + "。"
    )
    costs = cost_table(plan)
    if costs is None:
        b.para(
            "方案未按工程施工费、其他费用、不可预见费分列投资，投资构成无法列出"
            "（在 plan.yaml 各子项目下填写 costs: {工程施工费: …, 其他费用: …, 不可预见费: …}，单位万元）。"
        )
    else:
        b.table(costs, "投资构成表（按费用类别）")
    by_source: Mapping[str, Any] = indicator(ind, "investment.by_source_wan") or {}
    quota = by_source.get("指标收益")
    b.para(
        f"指标收益（增减挂钩节余指标、补充耕地指标交易收益）作为资金来源 {wan_text(quota)} 万元。"
        if quota
        else "资金筹措未列指标收益；节余指标、补充耕地指标交易收益可作为资金来源"
        "（plan.yaml funding 的 source: 指标收益）。"
    )
    titles = ("投资估算表（按子项目）", "资金筹措表（按来源）", "资金平衡表")
    for t, caption in zip(investment_tables(plan, ind), titles, strict=True):
        b.table(t, caption)


def benefits(b: Builder, plan: Mapping[str, Any], ind: Mapping[str, Any]) -> None:
    b.chapter_heading("效益分析")
    households = indicator(ind, "households_benefited")
    if households is None:
        households = plan.get("households_benefited")
    b.para(
        f"通过整治新增耕地 {area_text(indicator(ind, 'cultivated.new_m2'))}，"
        f"{label('construction.surplus_m2')} {area_text(indicator(ind, 'construction.surplus_m2'))}，"
        f"实施生态保护修复 {area_text(indicator(ind, 'ecology.restoration_m2'))}，"
        f"{label('households_benefited')} {count_text(households)} 户。"
    )
    b.placeholder("经济效益、社会效益、生态效益的定量分析及风险分析")

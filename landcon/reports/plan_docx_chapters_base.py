"""实施方案 chapters 总则, 基本情况与现状分析, 问题识别与潜力分析 and 整治目标与指标.

Numbers come from the engine's indicators (``indicator``) and, for the potential, from the survey
of the project's dataset (``PlanContext.survey``: survey.json units, docs/survey.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from landcon.engine.indicators.registry import label
from landcon.reports.plan_docx_builder import Builder, area_text, count_text, ha_text, mu_text, percent_text
from landcon.reports.plan_docx_context import PlanContext
from landcon.reports.plan_table_model import COUNT, HA, MU, Table, TableColumn
from landcon.reports.plan_xlsx import DASH, indicator, status_summary, summary_table

#: 编制依据: national laws, notices and standards. Titles and numbers as the domain reference confirms
#: them; a document whose number is unconfirmed is cited by title, issuer and year only.
GUIDING_DOCUMENTS: tuple[str, ...] = (
    "《中华人民共和国土地管理法》及其实施条例",
    "《自然资源部关于开展全域土地综合整治试点工作的通知》（自然资发〔2019〕194号）",
    "《全域土地综合整治试点实施要点（试行）》（2020年）",
    "《自然资源部办公厅关于严守底线规范开展全域土地综合整治试点工作有关要求的通知》（2023年）",
    "《中共中央办公厅 国务院办公厅关于加强耕地保护提升耕地质量完善占补平衡的意见》（2024年2月5日）",
    "《自然资源部关于学习运用“千万工程”经验深入推进全域土地综合整治工作的意见》（自然资发〔2024〕149号）",
    "《城乡建设用地增减挂钩试点管理办法》（国土资源部，2008年）",
    "《永久基本农田保护红线管理办法》（自然资源部 农业农村部令第17号）",
    "《第三次全国国土调查技术规程》（TD/T 1055-2019）",
    "《土地整治权属调整规范》（TD/T 1046-2016）",
    "《高标准农田建设 通则》（GB/T 30600-2022）",
    "《土地整治项目验收规程》（TD/T 1013-2013）",
)


def general(b: Builder, plan: Mapping[str, Any], ind: Mapping[str, Any], ctx: PlanContext) -> None:
    b.chapter_heading("总则")
    b.section_heading("编制背景")
    b.placeholder("项目提出的背景、必要性与上位规划要求")
    b.section_heading("编制依据")
    for doc in GUIDING_DOCUMENTS:
        b.para(doc)
    b.placeholder("云南省及州（市）、县相关政策文件，国土空间规划与村庄规划")
    b.section_heading("编制原则")
    b.para(
        "坚持规划引领、统筹推进；坚持耕地数量不减少、质量有提升、生态有改善，整治区域内建设用地总量不增加，"
        "永久基本农田数量不减少、质量不降低、布局更加集中连片；坚持生态优先，严守生态保护红线；"
        "坚持农民主体地位，尊重群众意愿，不搞大拆大建。"
    )
    b.section_heading("整治区域范围")
    townships = plan.get("townships") or indicator(ind, "area.townships")
    villages = indicator(ind, "area.villages")
    county = plan.get("county") or ctx.county
    b.para(
        f"整治区域位于{ctx.place(county) if county else DASH}，{label('area.townships')} {ctx.places_text(townships)}，"
        f"{label('area.villages')} {len(villages) if villages is not None else DASH} 个"
        f"（{ctx.places_text(villages)}），"
        f"{label('area.zzqy_m2')} {area_text(indicator(ind, 'area.zzqy_m2'))}。"
    )
    b.section_heading(label("years"))
    years = indicator(ind, "years")
    b.para(
        f"实施期限为 {plan.get('start_year', DASH)} 年至 {plan.get('end_year', DASH)} 年，"
        f"共 {years if years is not None else DASH} 年。"
    )
    b.section_heading("基期年与数据来源")
    b.para(
        f"以 {plan.get('base_year', DASH)} 年为基期年，整治前现状采用数据集“{plan.get('base_dataset', DASH)}”"
        "（第三次全国国土调查及年度国土变更调查成果）。"
    )


def current_state(b: Builder, ind: Mapping[str, Any]) -> None:
    b.chapter_heading("基本情况与现状分析")
    b.section_heading("自然地理与社会经济")
    b.placeholder("自然地理条件、人口与农户、产业发展等社会经济概况")
    b.section_heading("土地利用现状")
    by_type: Mapping[str, Any] | None = indicator(ind, "cultivated.before_by_type_m2")
    parts = [
        f"{name} {area_text(None if by_type is None else by_type.get(code, 0.0))}"
        for code, name in (("0101", "水田"), ("0102", "水浇地"), ("0103", "旱地"))
    ]
    b.para(
        f"整治区域内现状耕地面积 {area_text(indicator(ind, 'cultivated.before_net_m2'))}，其中"
        + "，".join(parts)
        + f"；建设用地面积 {area_text(indicator(ind, 'construction.before_m2'))}；"
        f"整治前耕地田块 {count_text(indicator(ind, 'fields.before'))} 块。各地类面积见第七章土地利用结构调整表。"
    )
    b.section_heading("永久基本农田")
    if indicator(ind, "permanent_farmland.available") is False:
        b.para("数据集缺少永久基本农田保护图斑（YJJBNTBHTB），永久基本农田现状无法统计。")
    else:
        b.para(f"整治区域内现有永久基本农田 {area_text(indicator(ind, 'permanent_farmland.before_m2'))}。")
    b.section_heading("生态、历史文化与权属状况")
    b.placeholder("主要生态问题、历史文化资源、与“三区三线”的关系、土地权属状况")


def _sum(units: Sequence[Mapping[str, Any]], key: str) -> float | None:
    values = [u.get(key) for u in units]
    return None if any(v is None for v in values) else float(sum(values))  # type: ignore[arg-type]


def _three(unit: Mapping[str, Any], name: str) -> float:
    return float((unit.get("three_class_m2") or {}).get(name, 0.0))


def potential_table(units: Sequence[Mapping[str, Any]]) -> Table:
    """整治潜力调查表: one row per surveyed unit of the area, areas in 公顷."""
    cols = [
        TableColumn("行政区", width=16),
        TableColumn("耕地（公顷）", HA),
        TableColumn("建设用地（公顷）", HA),
        TableColumn("未利用地（公顷）", HA),
        TableColumn("耕地连片数", COUNT),
        TableColumn("平均连片面积（亩）", MU),
        TableColumn("闲置建设用地（公顷）", HA),
        TableColumn("可恢复耕地（公顷）", HA),
    ]
    t = Table("整治潜力调查表", cols)
    for u in units:
        mean = u.get("mean_patch_net_m2")
        restorable = float(u.get("restorable_immediate_m2") or 0.0) + float(u.get("restorable_engineering_m2") or 0.0)
        t.add(
            str(u.get("name") or u.get("code")),
            round(float(u.get("cultivated_net_m2") or 0.0) / 10_000.0, 4),
            round(_three(u, "建设用地") / 10_000.0, 4),
            round(_three(u, "未利用地") / 10_000.0, 4),
            int(u.get("cultivated_patches") or 0),
            DASH if mean is None else round(float(mean) / 10_000.0 * 15.0, 2),
            round(float(u.get("idle_construction_m2") or 0.0) / 10_000.0, 4),
            round(restorable / 10_000.0, 4),
        )
    return t


def potential(b: Builder, ind: Mapping[str, Any], ctx: PlanContext) -> None:
    """问题识别与潜力分析 from the survey of the area's villages (or townships)."""
    b.chapter_heading("问题识别与潜力分析")
    units = list(ctx.survey or [])
    if not units:
        dataset = ctx.survey_dataset or "DATASET"
        b.para(f"尚未对整治区域所在数据集开展摸底调查，整治潜力无法统计（landcon survey run {dataset}）。")
        return
    names = "、".join(str(u.get("name") or u.get("code")) for u in units)
    cultivated = _sum(units, "cultivated_net_m2")
    construction = sum(_three(u, "建设用地") for u in units)
    unused = sum(_three(u, "未利用地") for u in units)
    b.section_heading("农用地整理潜力")
    patches = _sum(units, "cultivated_patches")
    small = _sum(units, "small_patches_mergeable_count")
    b.para(
        f"据摸底调查（数据集“{ctx.survey_dataset}”，{names}），现状耕地 {area_text(cultivated)}，"
        f"耕地连片 {count_text(patches)} 片，其中可通过归并线状地物与相邻地块连片的零星地块（≤5 亩）"
        f"{count_text(small)} 块、{area_text(_sum(units, 'small_patches_mergeable_net_m2'))}；"
        f"即可恢复耕地 {area_text(_sum(units, 'restorable_immediate_m2'))}，"
        f"工程恢复耕地 {area_text(_sum(units, 'restorable_engineering_m2'))}；"
        f"坡度大于 25° 的耕地 {area_text(_sum(units, 'cultivated_over_25deg_net_m2'))}。"
    )
    b.section_heading("建设用地整理潜力")
    idle = _sum(units, "idle_construction_m2")
    homestead = _sum(units, "idle_homestead_count")
    b.para(
        f"现状建设用地 {area_text(construction)}，其中农村宅基地 {area_text(_sum(units, 'homestead_m2'))}；"
        f"闲置建设用地（空闲地及闲置宅基地）{area_text(idle)}"
        + (f"，闲置宅基地 {count_text(homestead)} 宗" if homestead is not None else "，未提供闲置宅基地清单")
        + f"；未利用地 {area_text(unused)}。"
    )
    b.section_heading("耕地碎片化")
    for u in units:
        density = u.get("patch_density_per_100ha")
        b.para(
            f"{u.get('name') or u.get('code')}：耕地连片 {count_text(u.get('cultivated_patches'))} 片，"
            f"平均连片面积 {mu_text(u.get('mean_patch_net_m2'))} 亩，"
            f"最大连片 {mu_text(u.get('largest_patch_net_m2'))} 亩，"
            f"每百公顷斑块数 {DASH if density is None else f'{float(density):.2f}'}。"
        )
    b.table(potential_table(units))
    b.section_heading("生态修复需求")
    by_type: Mapping[str, Any] = indicator(ind, "ecology.restoration_by_type_m2") or {}
    kinds = "，".join(f"{kind} {area_text(m2)}" for kind, m2 in by_type.items())
    b.para(
        f"方案安排{label('ecology.restoration_m2')} {area_text(indicator(ind, 'ecology.restoration_m2'))}"
        + (f"，其中{kinds}" if kinds else "")
        + "。"
    )


def targets(b: Builder, plan: Mapping[str, Any], ind: Mapping[str, Any], findings: Sequence[Mapping[str, Any]]) -> None:
    b.chapter_heading("整治目标与指标")
    b.section_heading("主要指标")
    new_m2 = indicator(ind, "cultivated.new_m2")
    b.para(
        f"{label('area.zzqy_m2')} {ha_text(indicator(ind, 'area.zzqy_m2'))} 公顷"
        f"（{mu_text(indicator(ind, 'area.zzqy_m2'))} 亩），"
        f"新增耕地 {ha_text(new_m2)} 公顷（{mu_text(new_m2)} 亩），"
        f"{label('cultivated.new_rate')} {percent_text(indicator(ind, 'cultivated.new_rate'))}。"
        f"{label('cultivated.after_net_m2')} {area_text(indicator(ind, 'cultivated.after_net_m2'))}，"
        f"其中新增水田 {area_text(indicator(ind, 'cultivated.new_paddy_m2'))}。"
    )
    change = indicator(ind, "construction.change_m2")
    if change is None:
        change_text = f"增减 {DASH}"
    elif round(float(change), 2) == 0:
        change_text = "总量保持不变"
    else:
        change_text = ("增加 " if change > 0 else "减少 ") + area_text(abs(change))
    b.para(
        f"整治区域建设用地由 {area_text(indicator(ind, 'construction.before_m2'))}调整为 "
        f"{area_text(indicator(ind, 'construction.after_m2'))}，{change_text}，"
        f"{label('construction.surplus_m2')} {area_text(indicator(ind, 'construction.surplus_m2'))}。"
    )
    if indicator(ind, "permanent_farmland.available") is not False:
        gain = percent_text(indicator(ind, "permanent_farmland.gain_ratio"))
        b.para(
            f"调出永久基本农田 {area_text(indicator(ind, 'permanent_farmland.out_m2'))}，"
            f"调入 {area_text(indicator(ind, 'permanent_farmland.in_m2'))}，"
            f"净增 {area_text(indicator(ind, 'permanent_farmland.net_m2'))}；"
            f"调出比例 {percent_text(indicator(ind, 'permanent_farmland.out_ratio'))}，"
            f"{label('permanent_farmland.gain_ratio')} {gain}。"
        )
    b.para(
        f"耕地田块由 {count_text(indicator(ind, 'fields.before'))} 块归并为 "
        f"{count_text(indicator(ind, 'fields.after'))} 块，{label('fields.merge_degree')} "
        f"{percent_text(indicator(ind, 'fields.merge_degree'))}；"
        f"{label('ecology.restoration_m2')} {area_text(indicator(ind, 'ecology.restoration_m2'))}。"
    )
    b.table(summary_table(plan, ind), "主要指标表")
    b.section_heading("规则符合性检查")
    errors = any(f.get("severity") == "error" for f in findings)
    unknown = any(f.get("status") == "unknown" for f in findings)
    verdict = "存在错误项，方案须修改后方可报批。" if errors else "未发现错误项。"
    if unknown:
        verdict += "“无法检查”的规则缺少所需数据，不视为通过，须补充数据后重新检查。"
    pack = plan.get("rule_pack", DASH)
    b.para(f"按规则包“{pack}”检查，共 {len(findings)} 项规则：{status_summary(findings)}。" + verdict)
    for f in findings:
        if f.get("severity") == "error" or f.get("status") == "unknown":
            b.para(f"{f.get('title', '')}：{str(f.get('message', '')).rstrip('。')}。")
    b.para("规则检查明细见附表（规则检查结果）。")

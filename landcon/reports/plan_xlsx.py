"""Excel 附表 of a 实施方案 (implementation plan), see docs/plan.md and the domain reference §2.2–§2.3.

``write_plan_xlsx`` writes one sheet per standard table: 主要指标表, 整治前后土地利用结构调整表,
新增耕地来源统计表, 子项目安排表, 投资估算与资金筹措表, 永久基本农田布局调整审查汇总表,
增减挂钩拆旧建新表 and 规则检查结果. Areas come in m² from the engine's ``indicators`` and are written
in 公顷 (4 dp) and 亩 (2 dp); ``null`` is written as "—", never 0.

The report computes no indicator: it converts units, formats ratios as percentages, sums rows into
totals rows (rounded m² summed, then converted once, as in ``survey_xlsx``) and takes the differences
a table form asks for (增减, 资金差额). The tables are built as plain ``Table`` models so that
``plan_docx`` renders exactly the same content.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from landcon.engine import codes, tiankan
from landcon.engine.indicators.registry import label
from landcon.engine.indicators.registry import value as indicator
from landcon.engine.rules import STATUS_NAMES
from landcon.reports.plan_table_model import (
    CONTIGUITY_CLASSES,
    COUNT,
    GENERAL,
    GRADE,
    HA,
    MU,
    PCT,
    SEVERITY_NAMES,
    SEVERITY_ORDER,
    SLOPE_CLASSES,
    STATUS_ORDER,
    TEXT,
    TO_FILL,
    WAN,
    Num,
    Sheet,
    Table,
    TableColumn,
    _area_columns,
    _diff_m2,
    _dlbm_name,
    _m2,
    _num,
    _ordered_subprojects,
    _pct_value,
    _share,
    _subproject_names,
    _sum_m2,
    _sum_wan,
    _text,
    _wan,
    area_cells,
    hectares,
    mu,
)
from landcon.reports.survey_xlsx import DASH, _atomic_write, _display_width, _dlbm_order, _Formats

# ---------------------------------------------------------------------------------------------
# The tables
# ---------------------------------------------------------------------------------------------


def summary_table(plan: Mapping[str, Any], ind: Mapping[str, Any]) -> Table:
    """主要指标表: the headline indicators (areas in 公顷/亩, other values with their unit)."""
    t = Table(
        None,
        [
            TableColumn("指标", width=30),
            TableColumn("公顷", HA),
            TableColumn("亩", MU),
            TableColumn("数值", GENERAL),
            TableColumn("单位", width=8),
        ],
    )

    def area(key: str) -> None:
        t.add(label(key), *area_cells(indicator(ind, key)), None, None)

    def value(key: str, v: Any, unit: str) -> None:
        t.add(label(key), None, None, v, unit)

    def pct(key: str) -> None:
        value(key, _num(_pct_value(indicator(ind, key)), PCT, 2), "%")

    villages = indicator(ind, "area.villages")
    townships = indicator(ind, "area.townships")
    area("area.zzqy_m2")
    value("area.townships", DASH if townships is None else len(townships), "个")
    value("area.villages", DASH if villages is None else len(villages), "个")
    value("years", _text(indicator(ind, "years")), "年")
    area("cultivated.before_net_m2")
    area("cultivated.after_net_m2")
    area("cultivated.new_m2")
    pct("cultivated.new_rate")
    area("cultivated.new_paddy_m2")
    area("construction.before_m2")
    area("construction.after_m2")
    area("construction.change_m2")
    area("construction.surplus_m2")
    area("permanent_farmland.before_m2")
    area("permanent_farmland.out_m2")
    area("permanent_farmland.in_m2")
    area("permanent_farmland.net_m2")
    pct("permanent_farmland.out_ratio")
    pct("permanent_farmland.gain_ratio")
    value("fields.before", _num(indicator(ind, "fields.before"), COUNT, 0), "块")
    value("fields.after", _num(indicator(ind, "fields.after"), COUNT, 0), "块")
    pct("fields.merge_degree")
    area("ecology.restoration_m2")
    value("investment.total_wan", _num(indicator(ind, "investment.total_wan"), WAN, 2), "万元")
    value("investment.funding_total_wan", _num(indicator(ind, "investment.funding_total_wan"), WAN, 2), "万元")
    households = indicator(ind, "households_benefited")
    if households is None:
        households = plan.get("households_benefited")
    value("households_benefited", _num(households, COUNT, 0), "户")
    return t


def landuse_table(ind: Mapping[str, Any]) -> Table:
    """整治前后土地利用结构调整表: DLBM rows under 一级 subtotals, 田坎 (KCMJ) in 其他土地, then 合计."""
    t = Table(
        None,
        [
            TableColumn("地类编码", width=10),
            TableColumn("地类名称", width=18),
            *_area_columns("整治前"),
            TableColumn("占比（%）", PCT, "整治前"),
            *_area_columns("整治后"),
            TableColumn("占比（%）", PCT, "整治后"),
            *_area_columns("增减"),
        ],
    )
    before: Mapping[str, Any] | None = indicator(ind, "landuse.before_m2")
    after: Mapping[str, Any] | None = indicator(ind, "landuse.after_m2")
    kcmj = {"before": indicator(ind, "landuse.kcmj_before_m2"), "after": indicator(ind, "landuse.kcmj_after_m2")}
    sides = {"before": before, "after": after}

    def value(side: str, code: str) -> float | None:
        data = sides[side]
        if data is None:
            return None
        return _m2(data.get(code, 0.0))

    found = set(before or {}) | set(after or {})
    groups: dict[str, list[str]] = {}
    for code in _dlbm_order(found):
        level1 = codes.level1(code) if code in codes.LAND_USE_NAMES else "99"
        groups.setdefault(level1, []).append(code)
    groups.setdefault("12", [])
    order = [*codes.LEVEL1_NAMES, "99"]

    # Each row as (code, name, before m², after m², bold); 田坎 (KCMJ) joins 1203 in 其他土地.
    rows: list[tuple[str, str, float | None, float | None, bool]] = []
    details: list[tuple[float | None, float | None]] = []
    for level1 in sorted(groups, key=order.index):
        members: list[tuple[str, str, float | None, float | None]] = []
        for code in groups[level1]:
            if code == "1203":
                continue
            members.append((code, _dlbm_name(code), value("before", code), value("after", code)))
        if level1 == "12":
            tk = [_sum_m2([kcmj[s], value(s, "1203")]) if sides[s] is not None else None for s in ("before", "after")]
            members.append(("1203", "田坎", tk[0], tk[1]))
        sub_b = _sum_m2(m[2] for m in members) if before is not None else None
        sub_a = _sum_m2(m[3] for m in members) if after is not None else None
        name = codes.LEVEL1_NAMES.get(level1, "其他")
        rows.append((level1 if level1 != "99" else "", f"{name}（小计）", sub_b, sub_a, True))
        rows += [(*m, False) for m in members]
        details += [(m[2], m[3]) for m in members]
    total_b = _sum_m2(d[0] for d in details) if before is not None else None
    total_a = _sum_m2(d[1] for d in details) if after is not None else None
    for code, name, b, a, bold in rows:
        t.add(
            code,
            name,
            *area_cells(b),
            _share(b, total_b),
            *area_cells(a),
            _share(a, total_a),
            *area_cells(_diff_m2(a, b)),
            bold=bold,
        )
    t.add(
        "合计",
        "",
        *area_cells(total_b),
        _share(total_b, total_b),
        *area_cells(total_a),
        _share(total_a, total_a),
        *area_cells(_diff_m2(total_a, total_b)),
        bold=True,
    )
    return t


def _breakdown(
    title: str,
    key_label: str,
    name_label: str,
    data: Mapping[str, Any] | None,
    keys: Sequence[str],
    name_of: Callable[[str], str],
    key_text: Callable[[str], str] = str,
) -> Table:
    """A 编码 / 名称 / 公顷 / 亩 / 占比 table over ``keys`` of ``data`` with a 合计 row."""
    t = Table(
        title,
        [
            TableColumn(key_label, width=12),
            TableColumn(name_label, width=24),
            TableColumn("公顷", HA),
            TableColumn("亩", MU),
            TableColumn("占比（%）", PCT),
        ],
    )
    if data is None:
        t.add(DASH, "数据不可用", DASH, DASH, DASH)
        return t
    values = [_m2(data.get(k, 0.0)) for k in keys]
    total = _sum_m2(values)
    for k, v in zip(keys, values, strict=True):
        t.add(key_text(k), name_of(k), *area_cells(v), _share(v, total))
    t.add("合计", "", *area_cells(total), _share(total, total), bold=True)
    return t


def new_farmland_tables(plan: Mapping[str, Any], ind: Mapping[str, Any]) -> list[Table]:
    """新增耕地来源统计表: composition (conversion vs levelling, new paddy), by source class, grade, sub-project."""
    comp = Table("一、新增耕地构成", [TableColumn("项目", width=36), TableColumn("公顷", HA), TableColumn("亩", MU)])
    for name, key in (
        ("整治前耕地面积（净）", "cultivated.before_net_m2"),
        ("整治后耕地面积（净）", "cultivated.after_net_m2"),
        (label("cultivated.new_m2"), "cultivated.new_m2"),
        ("其中：地类调整（非耕地整治为耕地）", "cultivated.new_from_conversion_m2"),
        ("其中：田坎（1203）减少（按县级田坎系数表）", "cultivated.new_from_levelling_m2"),
        ("新增耕地中缺少坡度级别（田坎系数无法按系数表确定）", "cultivated.new_slope_unknown_m2"),
        (label("cultivated.new_paddy_m2"), "cultivated.new_paddy_m2"),
        (label("cultivated.lost_m2"), "cultivated.lost_m2"),
        (label("cultivated.tiankan_loss_m2"), "cultivated.tiankan_loss_m2"),
    ):
        comp.add(name, *area_cells(indicator(ind, key)), bold=key == "cultivated.new_m2")
    rate = _num(_pct_value(indicator(ind, "cultivated.new_rate")), PCT, 2)
    comp.add(f"{label('cultivated.new_rate')}（%）", rate, None)

    by_class: Mapping[str, Any] | None = indicator(ind, "cultivated.new_by_source_class_m2")
    source = _breakdown(
        "二、按来源地类",
        "来源地类编码",
        "来源地类名称",
        by_class,
        _dlbm_order(by_class or {}),
        lambda c: _dlbm_name(c) + ("（土地平整减少的田坎）" if c == "1203" else ""),
    )

    by_grade: Mapping[str, Any] | None = indicator(ind, "cultivated.new_by_grade_m2")
    grades = sorted(by_grade or {}, key=lambda g: (g == "", int(g) if str(g).isdigit() else 99, str(g)))
    grade = _breakdown(
        "三、按整治后耕地质量等别",
        "等别",
        "说明",
        by_grade,
        grades,
        lambda g: "未评定" if g == "" else "",
        lambda g: "未评定" if g == "" else f"{g}等",
    )

    by_sp: Mapping[str, Any] | None = indicator(ind, "cultivated.new_by_subproject_m2")
    names = _subproject_names(plan)
    sp_codes = [c for c in _ordered_subprojects(plan, by_sp or {}) if c in (by_sp or {})]
    subproject = _breakdown(
        "四、按子项目",
        "子项目编号",
        "子项目名称",
        by_sp,
        sp_codes,
        lambda c: names.get(c, "（plan.yaml 中无此子项目）"),
    )
    return [comp, source, grade, subproject]


def _years(sp: Mapping[str, Any]) -> str:
    start, end = sp.get("start_year"), sp.get("end_year")
    if start is None and end is None:
        return DASH
    if start == end or end is None:
        return str(start)
    return f"{start}–{end}" if start is not None else str(end)


def subproject_table(plan: Mapping[str, Any], ind: Mapping[str, Any]) -> Table:
    """子项目安排表: plan.yaml sub-projects with their 新增耕地 from the indicators."""
    t = Table(
        None,
        [
            TableColumn("序号", COUNT, width=6),
            TableColumn("子项目编号", width=12),
            TableColumn("子项目名称", width=30),
            TableColumn("类型", width=14),
            TableColumn("所在村", width=16),
            TableColumn("主管部门", width=16),
            TableColumn("实施年度", width=12),
            TableColumn("投资（万元）", WAN),
            *_area_columns("新增耕地"),
        ],
    )
    by_sp: Mapping[str, Any] | None = indicator(ind, "cultivated.new_by_subproject_m2")
    subprojects = list(plan.get("sub_projects") or [])
    new_values: list[float | None] = []
    for i, sp in enumerate(subprojects, start=1):
        code = str(sp.get("code"))
        new = None if by_sp is None else _m2(by_sp.get(code, 0.0))
        new_values.append(new)
        t.add(
            i,
            code,
            _text(sp.get("name")),
            _text(sp.get("type")),
            _text(sp.get("village")),
            _text(sp.get("department")),
            _years(sp),
            _wan(sp.get("investment")),
            *area_cells(new),
        )
    t.add(
        "合计",
        f"{len(subprojects)}个",
        "",
        "",
        "",
        "",
        "",
        _sum_wan(sp.get("investment") for sp in subprojects),
        *area_cells(_sum_m2(new_values)),
        bold=True,
    )
    return t


def investment_tables(plan: Mapping[str, Any], ind: Mapping[str, Any]) -> list[Table]:
    """投资估算与资金筹措表: investment by sub-project, funding by source, and the balance check."""
    by_sp: Mapping[str, Any] = indicator(ind, "investment.by_subproject_wan") or {}
    names = _subproject_names(plan)
    types = {str(sp.get("code")): sp.get("type") for sp in plan.get("sub_projects") or []}
    plan_amounts = {str(sp.get("code")): sp.get("investment") for sp in plan.get("sub_projects") or []}
    sp_codes = _ordered_subprojects(plan, by_sp)
    amounts = [by_sp.get(c, plan_amounts.get(c)) for c in sp_codes]
    total_inv = _sum_wan(amounts)
    invest = Table(
        "一、投资估算（按子项目）",
        [
            TableColumn("序号", COUNT, width=6),
            TableColumn("子项目编号", width=12),
            TableColumn("子项目名称", width=30),
            TableColumn("类型", width=14),
            TableColumn("投资（万元）", WAN),
            TableColumn("占比（%）", PCT),
        ],
    )
    for i, (code, amount) in enumerate(zip(sp_codes, amounts, strict=True), start=1):
        invest.add(i, code, names.get(code, DASH), _text(types.get(code)), _wan(amount), _share_wan(amount, total_inv))
    invest.add("合计", "", "", "", total_inv, _share_wan(total_inv, total_inv), bold=True)

    funding = Table(
        f"二、{label('investment.by_source_wan')}",
        [
            TableColumn("序号", COUNT, width=6),
            TableColumn("资金来源", width=16),
            TableColumn("责任部门", width=16),
            TableColumn("金额（万元）", WAN),
            TableColumn("占比（%）", PCT),
        ],
    )
    entries: list[tuple[str, Any, Any]] = [
        (str(f.get("source", "")), f.get("department"), f.get("amount")) for f in plan.get("funding") or []
    ]
    if not entries:
        by_source: Mapping[str, Any] = indicator(ind, "investment.by_source_wan") or {}
        entries = [(s, None, a) for s, a in by_source.items()]
    total_fund = _sum_wan(e[2] for e in entries)
    for i, (source, department, amount) in enumerate(entries, start=1):
        funding.add(i, source, _text(department), _wan(amount), _share_wan(amount, total_fund))
    funding.add("合计", "", "", total_fund, _share_wan(total_fund, total_fund), bold=True)

    balance = Table("三、资金平衡", [TableColumn("项目", width=30), TableColumn("金额（万元）", WAN)])
    inv = indicator(ind, "investment.total_wan")
    fund = indicator(ind, "investment.funding_total_wan")
    inv_value = _wan(inv) if inv is not None else total_inv
    fund_value = _wan(fund) if fund is not None else total_fund
    balance.add("投资估算总额", inv_value)
    balance.add(label("investment.funding_total_wan"), fund_value)
    if isinstance(inv_value, float | int) and isinstance(fund_value, float | int):
        diff = round(float(fund_value) - float(inv_value), 2)
        balance.add("差额（筹措 − 投资）", diff, bold=True)
        balance.add("平衡情况", balance_text(diff))
    else:
        balance.add("差额（筹措 − 投资）", DASH, bold=True)
        balance.add("平衡情况", DASH)
    return [invest, funding, balance]


def balance_text(diff: float) -> str:
    """Wording of a funding − investment difference (万元)."""
    if abs(diff) < 0.005:
        return "资金筹措与投资估算平衡"
    if diff < 0:
        return f"资金缺口 {-diff:.2f} 万元"
    return f"资金筹措超出投资估算 {diff:.2f} 万元"


def _share_wan(part: Any, total: Any) -> Any:
    if not isinstance(part, int | float) or not isinstance(total, int | float):
        return DASH
    return _share(float(part), float(total))


def _side_rows(t: Table, side: Mapping[str, Any] | None, category: str, ratio: Any) -> None:
    """The 调出/调入 block rows of the review form (hectares)."""
    s: Mapping[str, Any] = side or {}

    def get(*keys: str) -> Any:
        value: Any = s
        for key in keys:
            if not isinstance(value, Mapping):
                return None
            value = value.get(key)
        return value

    def area(item: str, sub: str, m2: Any, note: str | None = None, bold: bool = False) -> None:
        t.add(category, item, sub, hectares(m2), "公顷", note, bold=bold)

    area("总面积", "", get("area_m2"), bold=True)
    if ratio is not None:
        t.add(category, ratio[0], "", ratio[1], "%", None)
    t.add(category, "平均质量等别", "", _num(get("mean_grade"), GRADE, 2), "等", None)
    t.add(category, "图斑数目", "", _num(get("count"), COUNT, 0), "个", None)
    area("平均单个图斑面积", "", get("mean_patch_m2"))
    landuse = get("landuse_m2")
    known = landuse is not None
    lu: Mapping[str, Any] = landuse or {}

    def lu_value(key: str) -> Any:
        return lu.get(key, 0.0) if known else None

    area("现状地类", "耕地面积", _sum_m2(lu_value(k) for k in ("0101", "0102", "0103")) if known else None)
    for k, name in (("0101", "水田"), ("0102", "水浇地"), ("0103", "旱地")):
        area("现状地类", f"其中：{name}", lu_value(k))
    non_cultivated = ("非耕农用地", "建设用地", "未利用地")
    area("现状地类", "非耕地面积", _sum_m2(lu_value(k) for k in non_cultivated) if known else None)
    for k in non_cultivated:
        area("现状地类", f"其中：{k}", lu_value(k))
    slope = get("slope_m2")
    for key, name in SLOPE_CLASSES:
        area("坡度", name, None if slope is None else slope.get(key, 0.0))
    if slope is not None and (slope.get("unknown") or 0) > 0:
        area("坡度", "坡度未知", slope.get("unknown"))
    contiguity = get("contiguity")
    for key, name in CONTIGUITY_CLASSES:
        cls = None if contiguity is None else (contiguity.get(key) or {"count": 0, "area_m2": 0.0})
        count = None if cls is None else cls.get("count")
        note = None if count is None else f"图斑 {int(count)} 个"
        area("连片程度", name, None if cls is None else cls.get("area_m2"), note)
    t.add(category, "是否含有已建高标准农田", "", DASH, "公顷", TO_FILL)


def review_table(plan: Mapping[str, Any], ind: Mapping[str, Any]) -> Table:
    """永久基本农田布局调整审查情况汇总表, the §2.3 structure (公顷)."""
    t = Table(
        None,
        [
            TableColumn("类别", width=22),
            TableColumn("审查内容", width=28),
            TableColumn("细项", width=28),
            TableColumn("数值", GENERAL, width=14),
            TableColumn("单位", width=8),
            TableColumn("备注", width=24),
        ],
    )
    available = indicator(ind, "permanent_farmland.available")
    out_m2 = indicator(ind, "permanent_farmland.out_m2")
    in_m2 = indicator(ind, "permanent_farmland.in_m2")
    if available is False or out_m2 is None or in_m2 is None:
        involved = DASH
    else:
        involved = "是" if (out_m2 or 0) > 0 or (in_m2 or 0) > 0 else "否"
    townships = plan.get("townships") or indicator(ind, "area.townships") or []

    basic = "基本信息"
    t.add(basic, "整治项目名称", "", _text(plan.get("name")), None, None)
    t.add(basic, "所含乡镇名称", "", "、".join(str(c) for c in townships) or DASH, None, "乡镇代码")
    t.add(basic, "是否涉及永久基本农田布局调整", "", involved, None, "如否，以下内容不填写")
    t.add(basic, "是否编制永久基本农田布局调整方案", "", DASH, None, TO_FILL)
    t.add(
        basic,
        "整治区域原永久基本农田总面积",
        "",
        hectares(indicator(ind, "permanent_farmland.before_m2")),
        "公顷",
        None,
    )
    t.add(basic, "计划提升耕地质量等", "", DASH, "等", TO_FILL)

    out_ratio = ("调出面积比例", _num(_pct_value(indicator(ind, "permanent_farmland.out_ratio")), PCT, 2))
    _side_rows(t, indicator(ind, "permanent_farmland.out"), "调出永久基本农田信息", out_ratio)
    in_cat = "调入永久基本农田信息"
    _side_rows(t, indicator(ind, "permanent_farmland.in"), in_cat, None)
    t.add(in_cat, "是否有实施耕地提质改造", "", DASH, "公顷", TO_FILL)
    t.add(in_cat, "是否有实施土地综合整治形成新增耕地", "", DASH, "公顷", TO_FILL)

    result = "审查结果"
    out_mean = indicator(ind, "permanent_farmland.out.mean_patch_m2")
    in_mean = indicator(ind, "permanent_farmland.in.mean_patch_m2")
    t.add(result, "永农数量有增加", "增加亩数", mu(indicator(ind, "permanent_farmland.net_m2")), "亩", "调入 − 调出")
    gain = _num(_pct_value(indicator(ind, "permanent_farmland.gain_ratio")), PCT, 2)
    t.add(result, "永农数量有增加", "比例", gain, "%", "（调入 − 调出）/ 调出")
    grade_up = _num(indicator(ind, "permanent_farmland.grade_improvement"), GRADE, 2)
    grade_label = label("permanent_farmland.grade_improvement")
    t.add(result, "质量有提升", grade_label, grade_up, "等", "调出平均等别 − 调入平均等别")
    t.add(result, "生态有改善", "", DASH, None, TO_FILL)
    t.add(result, "布局有优化", "平均单个图斑面积增加亩数", mu(_diff_m2(in_mean, out_mean)), "亩", "调入 − 调出")
    contiguity = _num(_pct_value(indicator(ind, "permanent_farmland.contiguity_improvement")), PCT, 2)
    contiguity_label = label("permanent_farmland.contiguity_improvement")
    t.add(result, "布局有优化", contiguity_label, contiguity, "%", "（调入 − 调出）/ 调出 平均单个图斑面积")
    t.add(result, "其他审查意见", "", DASH, None, TO_FILL)
    return t


def linkage_table(ind: Mapping[str, Any]) -> Table:
    """增减挂钩拆旧建新表: one row per 项目区 (linkage.project_areas) and a 合计 row."""
    t = Table(
        None,
        [
            TableColumn("项目区编号", width=14),
            *_area_columns("拆旧面积"),
            *_area_columns("拆旧复垦为耕地"),
            *_area_columns("建新面积"),
            *_area_columns("建新占用耕地"),
            TableColumn("拆除宅基地（宗）", COUNT),
            TableColumn("未取得村民同意地块", GENERAL, width=18),
        ],
    )
    areas: Sequence[Mapping[str, Any]] | None = indicator(ind, "linkage.project_areas")
    keys = ("demolished_m2", "reclaimed_cultivated_m2", "new_construction_m2", "new_construction_cultivated_m2")
    if not areas:
        t.add("无增减挂钩项目区" if areas is not None else DASH, *[DASH] * 10)
        return t
    for pa in areas:
        cells: list[Any] = [_text(pa.get("code"))]
        for key in keys:
            cells += area_cells(pa.get(key))
        homes = pa.get("homesteads_demolished")
        cells.append(DASH if homes is None else int(homes))
        cells.append(_consent_text(pa.get("consent_missing")))
        t.add(*cells)
    totals: list[Any] = ["合计"]
    for key in keys:
        totals += area_cells(_sum_m2(pa.get(key) for pa in areas))
    homes = [int(h) for pa in areas if (h := pa.get("homesteads_demolished")) is not None]
    totals.append(sum(homes) if len(homes) == len(areas) else DASH)
    totals.append(_consent_total([pa.get("consent_missing") for pa in areas]))
    t.add(*totals, bold=True)
    return t


def _consent_text(value: Any) -> Any:
    """consent_missing: the ids of 拆旧 parcels without villager consent (or a count)."""
    if value is None:
        return DASH
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value) if value else "无"
    return value


def _consent_total(values: Sequence[Any]) -> Any:
    if all(isinstance(v, list | tuple) for v in values):
        return f"{sum(len(v) for v in values)} 个"
    if all(isinstance(v, int) for v in values):
        return sum(values)
    return None


def _features_text(features: Any, limit: int = 20) -> str:
    if not features:
        return ""
    labels = [f"{f.get('layer', '')}:{f.get('id', '')}" if isinstance(f, Mapping) else str(f) for f in features]
    text = "、".join(labels[:limit])
    return text + (f" 等 {len(labels)} 个" if len(labels) > limit else "")


def _finding_value(value: Any) -> Any:
    if value is None:
        return DASH
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return value
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    if isinstance(value, Mapping) and set(value) <= set(tiankan.TYPES):
        return tiankan.describe(value)
    return str(value)


def status_text(finding: Mapping[str, Any]) -> str:
    """结果 column: 通过 / 不通过 / 无法检查."""
    status = str(finding.get("status", ""))
    return STATUS_NAMES.get(status, status)


def severity_text(finding: Mapping[str, Any]) -> str:
    """级别 column: the severity of what did not pass ("—" for a pass)."""
    if finding.get("status") == "pass":
        return DASH
    severity = str(finding.get("severity", ""))
    return SEVERITY_NAMES.get(severity, severity)


def findings_table(findings: Sequence[Mapping[str, Any]]) -> Table:
    """规则检查结果: one row per finding in the engine's order."""
    t = Table(
        None,
        [
            TableColumn("序号", COUNT, width=6),
            TableColumn("规则编号", width=28),
            TableColumn("规则名称", width=30),
            TableColumn("检查结果", width=8),
            TableColumn("级别", width=6),
            TableColumn("依据", width=30),
            TableColumn("说明", width=50),
            TableColumn("数值", GENERAL),
            TableColumn("阈值", GENERAL),
            TableColumn("涉及要素", width=30),
        ],
    )
    if not findings:
        t.add(None, "无", "未检查任何规则", None, None, None, None, None, None, None)
        return t
    for i, f in enumerate(findings, start=1):
        t.add(
            i,
            str(f.get("rule", "")),
            str(f.get("title", "")),
            status_text(f),
            severity_text(f),
            str(f.get("citation", "") or ""),
            str(f.get("message", "") or ""),
            _finding_value(f.get("value")),
            _finding_value(f.get("threshold")),
            _features_text(f.get("features")),
        )
    return t


def severity_counts(findings: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Number of findings per severity (error, warning, info)."""
    counts = dict.fromkeys(SEVERITY_ORDER, 0)
    for f in findings:
        severity = str(f.get("severity", ""))
        counts[severity] = counts.get(severity, 0) + 1
    return counts


def status_summary(findings: Sequence[Mapping[str, Any]]) -> str:
    """ "通过 a 项，不通过 b 项，无法检查 c 项（错误 x 项、警告 y 项）" over the findings."""
    counts = dict.fromkeys(STATUS_ORDER, 0)
    for f in findings:
        counts[str(f.get("status", ""))] = counts.get(str(f.get("status", "")), 0) + 1
    severities = severity_counts(findings)
    text = "，".join(f"{STATUS_NAMES[s]} {counts[s]} 项" for s in STATUS_ORDER)
    return text + f"（错误 {severities['error']} 项、警告 {severities['warning']} 项）"


def plan_sheets(
    plan: Mapping[str, Any], indicators: Mapping[str, Any], findings: Sequence[Mapping[str, Any]]
) -> list[Sheet]:
    """Every 附表 of the plan, in workbook order."""
    name = str(plan.get("name") or "")
    area_note = f"项目名称：{name}    面积单位：公顷、亩（1 公顷 = 15 亩）"
    pf_note = f"项目名称：{name}    面积单位：公顷"
    if indicator(indicators, "permanent_farmland.available") is False:
        pf_note += "    注：数据集缺少永久基本农田保护图斑（YJJBNTBHTB），永久基本农田指标无法计算，以“—”表示。"
    return [
        Sheet("主要指标表", area_note, [summary_table(plan, indicators)]),
        Sheet("整治前后土地利用结构调整表", area_note, [landuse_table(indicators)]),
        Sheet("新增耕地来源统计表", area_note, new_farmland_tables(plan, indicators)),
        Sheet("子项目安排表", area_note + "    投资单位：万元", [subproject_table(plan, indicators)]),
        Sheet("投资估算与资金筹措表", f"项目名称：{name}    金额单位：万元", investment_tables(plan, indicators)),
        Sheet("永久基本农田布局调整审查汇总表", pf_note, [review_table(plan, indicators)]),
        Sheet("增减挂钩拆旧建新表", area_note, [linkage_table(indicators)]),
        Sheet(
            "规则检查结果",
            f"项目名称：{name}    {status_summary(findings)}",
            [findings_table(findings)],
        ),
    ]


SHEET_TITLES: Mapping[str, str] = {
    "永久基本农田布局调整审查汇总表": "全域土地综合整治所涉永久基本农田布局调整事项审查情况汇总表"
}


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def _write_cell(ws: Worksheet, fmts: _Formats, row: int, col: int, value: Any, fmt: str, bold: bool) -> None:
    if isinstance(value, Num):
        value, fmt = value.value, value.fmt
    if value is None or value == "":
        ws.write_blank(row, col, None, fmts.cell(GENERAL, bold=bold))
    elif value == DASH:
        ws.write_string(row, col, DASH, fmts.cell(TEXT, bold=bold, align="center"))
    elif isinstance(value, str):
        ws.write_string(row, col, value, fmts.cell(TEXT, bold=bold))
    else:
        ws.write_number(row, col, value, fmts.cell(fmt, bold=bold))


def _write_table(ws: Worksheet, fmts: _Formats, row: int, table: Table, widths: list[float]) -> int:
    """Write ``table`` from ``row``; returns the next free row."""
    ncols = len(table.columns)
    if table.title:
        ws.write_string(row, 0, table.title, fmts.title)
        row += 1
    depth = 2 if table.grouped else 1
    col = 0
    while col < ncols:
        column = table.columns[col]
        if column.group is None:
            if depth == 2:
                ws.merge_range(row, col, row + 1, col, column.label, fmts.header)
            else:
                ws.write_string(row, col, column.label, fmts.header)
            col += 1
            continue
        end = col
        while end + 1 < ncols and table.columns[end + 1].group == column.group:
            end += 1
        if end > col:
            ws.merge_range(row, col, row, end, column.group, fmts.header)
        else:
            ws.write_string(row, col, column.group, fmts.header)
        for k in range(col, end + 1):
            ws.write_string(row + 1, k, table.columns[k].label, fmts.header)
        col = end + 1
    row += depth
    for r in table.rows:
        for k, (value, column) in enumerate(zip(r.cells, table.columns, strict=True)):
            _write_cell(ws, fmts, row, k, value, column.fmt, r.bold)
            if isinstance(value, str):
                widths[k] = max(widths[k], min(_display_width(value) + 2.0, 60.0))
        row += 1
    for k, column in enumerate(table.columns):
        widths[k] = max(widths[k], column.width)
    return row + 1


def _write_sheet(workbook: Workbook, fmts: _Formats, sheet: Sheet, title_format: Any) -> None:
    ws = workbook.add_worksheet(sheet.name)
    ncols = max(len(t.columns) for t in sheet.tables)
    title = SHEET_TITLES.get(sheet.name, sheet.name)
    ws.merge_range(0, 0, 0, max(ncols - 1, 1), title, title_format)
    ws.set_row(0, 28)
    ws.write_string(1, 0, sheet.note)
    widths = [0.0] * ncols
    row = 2
    for table in sheet.tables:
        row = _write_table(ws, fmts, row, table, widths)
    for k, width in enumerate(widths):
        ws.set_column(k, k, min(width, 60.0))


def write_plan_xlsx(
    plan: Mapping[str, Any],
    indicators: Mapping[str, Any],
    findings: Sequence[Mapping[str, Any]],
    path: str | Path,
) -> Path:
    """Write the plan's 附表 (one sheet per standard table, see the module docstring) to ``path``, atomically.

    Layout of every sheet: row 1 the table title, row 2 the project name and units, then the tables
    (an optional section title row, one or two header rows, the data rows, a blank row).
    """
    sheets = plan_sheets(plan, indicators, findings)

    def fill(workbook: Workbook) -> None:
        fmts = _Formats(workbook)
        title_format = workbook.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
        for sheet in sheets:
            _write_sheet(workbook, fmts, sheet, title_format)

    return _atomic_write(path, fill)

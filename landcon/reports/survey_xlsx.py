"""Excel tables of the 摸底调查 (``survey.json``, see docs/survey.md) for pasting into a 实施方案.

One sheet per topic, Chinese headers, one row per reporting unit (级别 / 代码 / 名称). Every area is
written twice — 公顷 rounded to 4 dp and 亩 rounded to 2 dp — converted from the m² values of
``survey.json``. The report computes no indicator: only unit conversions and the sums of totals rows.

Totals (合计) row convention: it sums the rows of ONE level, the finest present among village,
township and county, and never the 整治区域 (``area``) rows. Each m² value is rounded to 0.01 m² — the
same source value its own row is converted from — the rounded m² values are summed, and the sum is
converted and rounded once. So a total equals the county row's value rather than the sum of the
displayed (already rounded) cells, which may differ from it in the last decimal. Ratios, means and
maxima (mean grade, largest and mean patch, density, ED, shape indices) are left blank in the totals
row. A ``null`` value (overlay unavailable) is written as "—", and a total over a "—" is "—".
"""

from __future__ import annotations

import os
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from landcon.engine import codes

DASH = "—"
"""Written for a ``null`` value (not available), never 0."""
M2_DIGITS = 2
HA_DIGITS = 4
MU_DIGITS = 2
HEADER_ROWS = 3

LEVEL_NAMES: Mapping[str, str] = {"county": "县", "township": "乡镇", "village": "村", "area": "整治区域"}
_SUMMED_LEVELS = ("village", "township", "county")  # finest first
OVERLAY_NAMES: Mapping[str, str] = {"YJJBNTBHTB": "永久基本农田", "STBHHX": "生态保护红线", "CZKFBJ": "城镇开发边界"}
APPORTIONMENT_NOTE = "图斑被其他图层边界分割时，TBMJ/KCMJ/TBDLMJ 按各部分椭球面积占原图斑椭球面积的比例分摊"
KCMJ_LABEL = "其中耕地田坎（KCMJ）"
"""The 田坎 deducted from 耕地 图斑, already counted in 1203 田坎, 12 其他土地 and 农用地."""
SIZE_CLASSES: tuple[tuple[str, str], ...] = (
    ("le5", "≤5亩"),
    ("5_10", "5–10亩"),
    ("10_20", "10–20亩"),
    ("gt20", ">20亩"),
)

Unit = Mapping[str, Any]
Getter = Callable[[Unit], Any]
Kind = Literal["text", "area", "count", "ratio"]


@dataclass(frozen=True)
class Column:
    """One logical column; an ``area`` column takes two sheet columns (公顷, 亩)."""

    label: str
    get: Getter
    kind: Kind = "area"
    group: str | None = None
    unit: str = ""
    digits: int = 2
    total: bool = True

    @property
    def span(self) -> int:
        return 2 if self.kind == "area" else 1


# ---------------------------------------------------------------------------------------------
# Value access and conversion
# ---------------------------------------------------------------------------------------------


def _path(*keys: str, missing: Any = None) -> Getter:
    """Getter walking nested dicts: None when a level is None or absent; ``missing`` for an absent last key."""

    def get(unit: Unit) -> Any:
        value: Any = unit
        for i, key in enumerate(keys):
            if value is None:
                return None
            if key not in value:
                return missing if i == len(keys) - 1 else None
            value = value[key]
        return value

    return get


def _area_cells(m2: Any) -> list[Any]:
    """(公顷, 亩) of an m² value, each rounded; "—" for None."""
    if m2 is None:
        return [DASH, DASH]
    source = round(float(m2), M2_DIGITS)
    return [round(source / codes.SQM_PER_HECTARE, HA_DIGITS), round(source / codes.SQM_PER_MU, MU_DIGITS)]


def _cells(col: Column, value: Any) -> list[Any]:
    if col.kind == "area":
        return _area_cells(value)
    if value is None:
        return [DASH]
    if col.kind == "count":
        return [int(value)]
    if col.kind == "ratio":
        return [round(float(value), col.digits)]
    return [str(value)]


def _total_cells(col: Column, rows: Sequence[Unit]) -> list[Any]:
    """Totals-row cells: the sum over ``rows`` of the rounded m² (or counts); blank when not summable."""
    if not col.total or col.kind in ("text", "ratio"):
        return [None] * col.span
    values = [col.get(row) for row in rows]
    if any(v is None for v in values):
        return [DASH] * col.span
    if col.kind == "area":
        return _area_cells(sum(round(float(v), M2_DIGITS) for v in values))
    return [sum(int(v) for v in values)]


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _keys_present(units: Iterable[Unit], key: str, preferred: Iterable[str] = ()) -> list[str]:
    """``preferred`` keys, then any other key found in the units' ``key`` dicts (sorted)."""
    first = list(preferred)
    found: set[str] = set()
    for unit in units:
        found.update(unit.get(key) or {})
    return first + sorted(found.difference(first), key=lambda k: (k == "", k.zfill(8)))


def _dlbm_order(found: Iterable[str]) -> list[str]:
    order = {code: i for i, code in enumerate(codes.LAND_USE_NAMES)}
    return sorted(found, key=lambda c: (order.get(c, len(order)), c))


def _dlbm_label(code: str) -> str:
    name = codes.LAND_USE_NAMES.get(code)
    return f"{code} {name}" if name else code


# ---------------------------------------------------------------------------------------------
# Sheet definitions
# ---------------------------------------------------------------------------------------------

IDENTITY_COLUMNS: tuple[Column, ...] = (
    Column("级别", lambda u: LEVEL_NAMES.get(str(u.get("level")), str(u.get("level"))), "text"),
    Column("代码", _path("code"), "text"),
    Column("名称", _path("name"), "text"),
)


def _landuse_columns(units: Sequence[Unit]) -> list[Column]:
    cols = [
        Column("单元面积", _path("unit_area_m2")),
        Column("图斑数", _path("dltb_count"), "count", unit="个"),
    ]
    cols += [Column(c, _path("three_class_m2", c, missing=0.0), group="三大类") for c in codes.THREE_CLASSES]
    level1 = _keys_present(units, "level1_tbdlmj_m2", codes.LEVEL1_NAMES)
    cols += [
        Column(
            f"{c} {codes.LEVEL1_NAMES.get(c, '')}".strip(), _path("level1_tbdlmj_m2", c, missing=0.0), group="一级地类"
        )
        for c in level1
    ]
    cols.append(Column(KCMJ_LABEL, _path("kcmj_m2")))
    return cols


def _dlbm_columns(units: Sequence[Unit]) -> list[Column]:
    found = _dlbm_order(_keys_present(units, "landuse_tbdlmj_m2"))
    return [
        Column(
            _dlbm_label(c),
            _path("landuse_tbdlmj_m2", c, missing=0.0),
            group=codes.LEVEL1_NAMES.get(codes.level1(c)) if c in codes.LAND_USE_NAMES else "其他",
        )
        for c in found
    ]


def _cultivated_columns(units: Sequence[Unit]) -> list[Column]:
    cols = [
        Column("耕地面积（净）", _path("cultivated_net_m2")),
        Column("耕地面积（毛）", _path("cultivated_gross_m2")),
    ]
    for c in _keys_present(units, "cultivated_by_type_net_m2", ("0101", "0102", "0103")):
        cols.append(Column(_dlbm_label(c), _path("cultivated_by_type_net_m2", c, missing=0.0), group="按地类"))
    for c in _keys_present(units, "cultivated_slope_grade_net_m2", codes.SLOPE_GRADES):
        grade = codes.SLOPE_GRADES.get(c)
        label = f"{c}级（{grade.name}）" if grade else (c or "未填写")
        cols.append(Column(label, _path("cultivated_slope_grade_net_m2", c, missing=0.0), group="按坡度级别"))
    for c in _keys_present(units, "cultivated_terrace_net_m2", (codes.TERRACE, codes.SLOPE_FIELD)):
        label = codes.CULTIVATED_TYPES.get(c, c or "未填写（平地）")
        cols.append(Column(label, _path("cultivated_terrace_net_m2", c, missing=0.0), group="按耕地类型"))
    for c in _keys_present(units, "cultivated_crop_status_net_m2", codes.CROP_STATUS_CODES):
        label = f"{c} {codes.PLANTING_CODES[c]}" if c in codes.PLANTING_CODES else (c or "未填写")
        cols.append(Column(label, _path("cultivated_crop_status_net_m2", c, missing=0.0), group="按种植属性"))
    for c in _keys_present(units, "cultivated_grade_net_m2"):
        label = f"{c}等" if c else "未评定"
        cols.append(Column(label, _path("cultivated_grade_net_m2", c, missing=0.0), group="按质量等别"))
    cols += [
        Column("平均质量等别", _path("cultivated_mean_grade"), "ratio", unit="等", digits=2, total=False),
        Column("永久基本农田内", _path("cultivated_in_permanent_farmland_net_m2"), group="管控边界内耕地"),
        Column("生态保护红线内", _path("cultivated_in_redline_net_m2"), group="管控边界内耕地"),
        Column("城镇开发边界内", _path("cultivated_in_urban_boundary_net_m2"), group="管控边界内耕地"),
    ]
    return cols


def _construction_columns() -> list[Column]:
    return [
        Column("建设用地面积", _path("construction_m2")),
        Column("生态保护红线内建设用地", _path("construction_in_redline_m2")),
        Column("城镇开发边界外建设用地", _path("construction_outside_urban_boundary_m2")),
        Column("面积", _path("homestead_m2"), group="农村宅基地（0702）"),
        Column("图斑数", _path("homestead_count"), "count", group="农村宅基地（0702）", unit="个"),
        Column("空闲地（1201）", _path("idle_land_m2")),
    ]


def _patch_columns(prefix: tuple[str, ...] = ()) -> list[Column]:
    def p(*keys: str) -> Getter:
        return _path(*prefix, *keys)

    cols = [
        Column("连片数", p("cultivated_patches"), "count", unit="个"),
        Column("最大连片（净）", p("largest_patch_net_m2"), total=False),
        Column("最大连片（毛）", p("largest_patch_gross_m2"), total=False),
        Column("平均连片面积（净）", p("mean_patch_net_m2"), total=False),
        Column("平均连片面积（毛）", p("mean_patch_gross_m2"), total=False),
        Column("斑块密度", p("patch_density_per_100ha"), "ratio", unit="个/100公顷", digits=4, total=False),
    ]
    for key, name in SIZE_CLASSES:
        group = f"{name}连片"
        cols.append(Column("个数", p("patch_size_classes_net", key, "count"), "count", group=group, unit="个"))
        cols.append(Column("面积（净）", p("patch_size_classes_net", key, "net_m2"), group=group))
    cols += [
        Column("百亩方（≥100亩）", p("patches_ge_100mu_net"), "count", unit="个"),
        Column("千亩方（≥1000亩）", p("patches_ge_1000mu_net"), "count", unit="个"),
        Column("边缘密度 ED", p("edge_density_m_per_ha"), "ratio", unit="米/公顷", digits=4, total=False),
        Column("平均形状指数 MSI", p("mean_shape_index"), "ratio", digits=4, total=False),
        Column("面积加权平均形状指数 AWMSI", p("area_weighted_mean_shape_index"), "ratio", digits=4, total=False),
    ]
    return cols


def _potential_columns(units: Sequence[Unit]) -> list[Column]:
    cols = [Column("即可恢复（JKHF）", _path("restorable_immediate_m2"))]
    for c in _dlbm_order(_keys_present(units, "restorable_immediate_by_class_m2")):
        cols.append(
            Column(
                _dlbm_label(c), _path("restorable_immediate_by_class_m2", c, missing=0.0), group="即可恢复·按现状地类"
            )
        )
    cols.append(Column("工程恢复（GCHF）", _path("restorable_engineering_m2")))
    for c in _dlbm_order(_keys_present(units, "restorable_engineering_by_class_m2")):
        cols.append(
            Column(
                _dlbm_label(c), _path("restorable_engineering_by_class_m2", c, missing=0.0), group="工程恢复·按现状地类"
            )
        )
    cols += [
        Column("撂荒耕地（WG 未耕种）", _path("abandoned_cultivated_net_m2")),
        Column("25°以上坡耕地", _path("cultivated_over_25deg_net_m2")),
        Column("个数", _path("small_patches_mergeable_count"), "count", group="可归并零星耕地（≤5亩）", unit="个"),
        Column("面积（净）", _path("small_patches_mergeable_net_m2"), group="可归并零星耕地（≤5亩）"),
        Column("面积", _path("idle_homestead_m2"), group="闲置宅基地"),
        Column("宗数", _path("idle_homestead_count"), "count", group="闲置宅基地", unit="个"),
        Column("闲置建设用地", _path("idle_construction_m2")),
    ]
    return cols


PROVINCE_IDENTITY: tuple[Column, ...] = (
    Column("代码", _path("code"), "text"),
    Column("县（市、区）", _path("name"), "text"),
)

PROVINCE_COLUMNS: tuple[Column, ...] = (
    Column("单元面积", _path("unit_area_m2")),
    Column("耕地面积（净）", _path("cultivated_net_m2")),
    Column("永久基本农田内耕地", _path("cultivated_in_permanent_farmland_net_m2")),
    Column("耕地连片数", _path("cultivated_patches"), "count", unit="个"),
    Column("百亩方（≥100亩）", _path("patches_ge_100mu_net"), "count", unit="个"),
    Column("即可恢复", _path("restorable_immediate_m2")),
    Column("工程恢复", _path("restorable_engineering_m2")),
    Column("撂荒耕地", _path("abandoned_cultivated_net_m2")),
    Column("25°以上坡耕地", _path("cultivated_over_25deg_net_m2")),
    Column("闲置建设用地", _path("idle_construction_m2")),
)


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


class _Formats:
    """Cached cell formats of one workbook."""

    def __init__(self, workbook: Workbook) -> None:
        self._workbook = workbook
        self._cache: dict[tuple[str, bool, str], Format] = {}
        self.header = workbook.add_format(
            {
                "bold": True,
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
                "border": 1,
                "bg_color": "#DDEBF7",
            }
        )
        self.title = workbook.add_format({"bold": True, "valign": "top"})
        self.wrap = workbook.add_format({"text_wrap": True, "valign": "top"})

    def cell(self, num_format: str, *, bold: bool = False, align: str = "") -> Format:
        key = (num_format, bold, align)
        if key not in self._cache:
            props: dict[str, Any] = {"border": 1, "num_format": num_format, "bold": bold}
            if align:
                props["align"] = align
            self._cache[key] = self._workbook.add_format(props)
        return self._cache[key]


def _num_formats(col: Column) -> list[str]:
    if col.kind == "area":
        return ["0.0000", "0.00"]
    if col.kind == "count":
        return ["0"]
    if col.kind == "ratio":
        return ["0." + "0" * col.digits if col.digits else "0"]
    return ["@"]


def _put(ws: Worksheet, fmt: Format, first_row: int, first_col: int, last_row: int, last_col: int, text: str) -> None:
    if (first_row, first_col) == (last_row, last_col):
        ws.write_string(first_row, first_col, text, fmt)
    else:
        ws.merge_range(first_row, first_col, last_row, last_col, text, fmt)


def _write_header(ws: Worksheet, fmts: _Formats, columns: Sequence[Column]) -> list[float]:
    """Three header rows (group / label / 公顷·亩 or unit); returns the width of each sheet column."""
    widths: list[float] = []
    col = 0
    i = 0
    while i < len(columns):
        group = columns[i].group
        members = [columns[i]]
        if group is not None:
            while i + len(members) < len(columns) and columns[i + len(members)].group == group:
                members.append(columns[i + len(members)])
        span = sum(m.span for m in members)
        if group is not None:
            _put(ws, fmts.header, 0, col, 0, col + span - 1, group)
        for m in members:
            top = 1 if group is not None else 0
            if m.kind == "text":
                _put(ws, fmts.header, 0, col, HEADER_ROWS - 1, col, m.label)
                widths.append(10.0)
                col += 1
                continue
            _put(ws, fmts.header, top, col, 1, col + m.span - 1, m.label)
            units = ["公顷", "亩"] if m.kind == "area" else [m.unit]
            need = _display_width(m.label) / m.span
            if group is not None:
                need = max(need, _display_width(group) / span)
            for k, unit in enumerate(units):
                ws.write_string(2, col + k, unit, fmts.header)
                widths.append(min(max(need + 2, 11.0), 22.0))
            col += m.span
        i += len(members)
    ws.set_row(0, 33)
    ws.set_row(1, 33)
    return widths


def _write_row(
    ws: Worksheet, fmts: _Formats, row: int, columns: Sequence[Column], values: Sequence[list[Any]], bold: bool
) -> None:
    col = 0
    for column, cells in zip(columns, values, strict=True):
        for value, num_format in zip(cells, _num_formats(column), strict=True):
            if value is None:
                ws.write_blank(row, col, None, fmts.cell("General", bold=bold))
            elif value == DASH:
                ws.write_string(row, col, DASH, fmts.cell("@", bold=bold, align="center"))
            elif isinstance(value, str):
                ws.write_string(row, col, value, fmts.cell("@", bold=bold))
            else:
                ws.write_number(row, col, value, fmts.cell(num_format, bold=bold))
            col += 1


def _write_table(
    workbook: Workbook,
    fmts: _Formats,
    name: str,
    identity: Sequence[Column],
    columns: Sequence[Column],
    rows: Sequence[Unit],
    totals: tuple[Sequence[Unit], Sequence[str]] | None,
) -> None:
    """One sheet: header, one row per unit, then the totals row (units summed, identity labels)."""
    ws = workbook.add_worksheet(name)
    all_columns = [*identity, *columns]
    widths = _write_header(ws, fmts, all_columns)
    text_widths = [_display_width(c.label) for c in identity]
    r = HEADER_ROWS
    for unit in rows:
        cells = [_cells(c, c.get(unit)) for c in all_columns]
        for k in range(len(identity)):
            text_widths[k] = max(text_widths[k], _display_width(str(cells[k][0])))
        _write_row(ws, fmts, r, all_columns, cells, bold=False)
        r += 1
    if totals is not None:
        summed, labels = totals
        cells = [[label] for label in labels] + [_total_cells(c, summed) for c in columns]
        for k in range(len(identity)):
            text_widths[k] = max(text_widths[k], _display_width(labels[k]))
        _write_row(ws, fmts, r, all_columns, cells, bold=True)
    for k, text_width in enumerate(text_widths):
        widths[k] = float(min(max(text_width + 2, 8), 40))
    for k, width in enumerate(widths):
        ws.set_column(k, k, width)
    ws.freeze_panes(HEADER_ROWS, len(identity))


def _note_rows(survey: Mapping[str, Any], units: Sequence[Unit], finest: str | None) -> list[tuple[str, str]]:
    options: Mapping[str, Any] = survey.get("options") or {}
    overlays: Mapping[str, Any] = survey.get("overlays") or {}
    rows: list[tuple[str, str]] = [
        ("数据集", str(survey.get("dataset", ""))),
        ("坐标系", str(survey.get("crs", ""))),
        ("生成时间", str(survey.get("generated_at", ""))),
        ("最细统计单元", LEVEL_NAMES.get(str(options.get("unit")), str(options.get("unit", "")))),
    ]
    width = options.get("bridge_width_m")
    rows.append(("连片桥接宽度", f"{width} 米" if width is not None else "未启用"))
    rows.append(("整治区域文件", str(options["area"]) if options.get("area") else "无"))
    rows.append(("闲置宅基地清单", str(options["idle_homesteads"]) if options.get("idle_homesteads") else "未提供"))
    for key, value in options.items():
        if key not in ("unit", "bridge_width_m", "area", "idle_homesteads"):
            rows.append((f"选项 {key}", str(value)))
    counts = [f"{LEVEL_NAMES[lv]} {sum(u.get('level') == lv for u in units)} 个" for lv in LEVEL_NAMES]
    rows.append(("统计单元数", "，".join(counts)))
    layers = [*OVERLAY_NAMES, *(k for k in overlays if k not in OVERLAY_NAMES)]
    for layer in layers:
        present = "有" if overlays.get(layer) else "缺失"
        rows.append((f"{OVERLAY_NAMES.get(layer, layer)}（{layer}）", present))
    missing = [f"{OVERLAY_NAMES.get(k, k)}（{k}）" for k in layers if not overlays.get(k)]
    if missing:
        rows.append(("缺失图层", "、".join(missing) + "：相关指标不可用，表中以“—”表示（不是 0）。"))
    if options.get("idle_homesteads") is None:
        rows.append(("闲置宅基地", "未提供闲置宅基地清单：闲置宅基地面积、宗数以“—”表示。"))
    rows += [
        ("分摊规则", APPORTIONMENT_NOTE + "。"),
        ("面积单位", "面积由平方米换算：1 公顷 = 10000 平方米，保留 4 位小数；1 亩 = 10000/15 平方米，保留 2 位小数。"),
        (
            "净面积与毛面积",
            "净面积为图斑地类面积（TBDLMJ），毛面积为图斑面积（TBMJ）；田坎面积为扣除地类面积（KCMJ）。",
        ),
        (
            "田坎",
            "耕地图斑扣除的田坎面积（KCMJ）与田坎图斑一并计入二级地类“1203 田坎”、一级地类“12 其他土地”"
            "和三大类“农用地”，故各级地类面积之和等于单元面积。",
        ),
    ]
    if finest is not None:
        rows.append(
            (
                "合计行",
                f"合计行为全部{LEVEL_NAMES[finest]}级单元之和（不含整治区域）：各单元平方米面积先保留 2 位小数后求和，"
                "再换算为公顷、亩并取舍，故合计可能与各行显示值之和在末位上相差；"
                "平均值、最大值、比率类指标（平均等别、最大及平均连片面积、斑块密度、边缘密度、形状指数）不求合计。",
            )
        )
    rows.append(
        (
            "耕地连片",
            "连片按统计单元分别计算，跨村连片在各村分别计数，故村级合计的连片数可能多于乡镇、县的连片数。",
        )
    )
    return rows


def _write_notes(workbook: Workbook, fmts: _Formats, rows: Sequence[tuple[str, str]]) -> None:
    ws = workbook.add_worksheet("说明")
    ws.write_string(0, 0, "项目", fmts.header)
    ws.write_string(0, 1, "内容", fmts.header)
    for r, (item, text) in enumerate(rows, start=1):
        ws.write_string(r, 0, item, fmts.title)
        ws.write_string(r, 1, text, fmts.wrap)
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 100)
    ws.freeze_panes(1, 0)


def _finest_level(units: Sequence[Unit]) -> str | None:
    levels = {u.get("level") for u in units}
    return next((lv for lv in _SUMMED_LEVELS if lv in levels), None)


def _atomic_write(path: str | Path, fill: Callable[[Workbook], None]) -> Path:
    """Build the workbook in a temporary file next to ``path``, then move it onto ``path``."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        with xlsxwriter.Workbook(str(tmp)) as workbook:
            fill(workbook)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def write_survey_xlsx(survey: Mapping[str, Any], path: str | Path) -> Path:
    """Write the survey tables (说明, 土地利用现状, 二级地类, 耕地, 建设用地, 耕地连片, 整治潜力) to ``path``."""
    all_units: Sequence[Unit] = survey.get("units") or []
    units = [u for u in all_units if u.get("level") != "area"] + [u for u in all_units if u.get("level") == "area"]
    finest = _finest_level(units)
    totals: tuple[Sequence[Unit], Sequence[str]] | None = None
    if finest is not None:
        summed = [u for u in units if u.get("level") == finest]
        totals = (summed, ("合计", "", f"全部{LEVEL_NAMES[finest]}（{len(summed)}个）"))
    sheets: list[tuple[str, list[Column]]] = [
        ("土地利用现状", _landuse_columns(units)),
        ("二级地类", _dlbm_columns(units)),
        ("耕地", _cultivated_columns(units)),
        ("建设用地", _construction_columns()),
        ("耕地连片", _patch_columns()),
    ]
    if any(u.get("bridged") is not None for u in units):
        sheets.append(("耕地连片（桥接后）", _patch_columns(("bridged",))))
    sheets.append(("整治潜力", _potential_columns(units)))

    def fill(workbook: Workbook) -> None:
        fmts = _Formats(workbook)
        _write_notes(workbook, fmts, _note_rows(survey, units, finest))
        for name, columns in sheets:
            _write_table(workbook, fmts, name, IDENTITY_COLUMNS, columns, units, totals)

    return _atomic_write(path, fill)


def write_province_xlsx(rows: Sequence[Mapping[str, Any]], path: str | Path) -> Path:
    """Write the province summary (sheet 全省汇总: one row per county unit, then 合计) to ``path``."""

    def fill(workbook: Workbook) -> None:
        fmts = _Formats(workbook)
        totals = (rows, ("合计", f"{len(rows)}个县（市、区）"))
        _write_table(workbook, fmts, "全省汇总", PROVINCE_IDENTITY, list(PROVINCE_COLUMNS), rows, totals)

    return _atomic_write(path, fill)

"""Layer schemas and validation of 三调 and 三区三线 layers.

DLTB, XZQ and CJDCQ follow the 三调 database schema (shared domain reference §4.1, §4.4). The
三区三线 layers (YJJBNTBHTB, STBHHX, CZKFBJ) arrive in several provincial variants, so for them only
a valid polygon geometry is required and known fields are checked when present (§4.5).

Every problem names the layer, the feature (BSM, else the 1-based row number), the field, a
stable code, a severity and a bilingual message. Checks are vectorised over the whole layer;
Python only loops over the offending rows.

Problem codes (severity): see ``PROBLEM_CODES``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landcon.engine import codes
from landcon.engine.area import ellipsoid_area
from landcon.engine.coverage import overlapping_pairs
from landcon.engine.crs import check_crs
from landcon.engine.empty_values import blank_zeros
from landcon.engine.layers import CJDCQ, CZKFBJ, DLTB, LAYER_TITLES, STBHHX, XZQ, YJJBNTBHTB
from landcon.engine.rings import keep_only
from landcon.engine.text import garbled_mask, looks_garbled

Severity = Literal["error", "warning"]
ERROR: Severity = "error"
WARNING: Severity = "warning"

FieldKind = Literal["text", "int", "float", "id"]

AREA_SUM_TOLERANCE_M2 = 0.01
"""TBDLMJ = TBMJ − KCMJ and KCMJ = TBMJ × KCXS hold to the rounding of 2 decimals (0.01 m²)."""
TBMJ_ABS_TOLERANCE_M2 = 0.1
TBMJ_REL_TOLERANCE = 1e-6
"""TBMJ may differ from the computed ellipsoid area by max(0.1 m², 1e-6 × area)."""
OVERLAP_TOLERANCE_M2 = 1.0
"""DLTB features may not overlap each other by more than 1 m²."""

PROBLEM_CODES: Mapping[str, tuple[Severity, str]] = {
    "CRS_MISSING": (ERROR, "缺少坐标参考系"),
    "CRS_UNKNOWN": (ERROR, "无法识别的坐标参考系"),
    "CRS_NOT_CGCS2000": (ERROR, "坐标参考系不是 CGCS2000"),
    "LAYER_MISSING": (WARNING, "缺少图层"),  # an error for a required layer (REQUIRED_LAYERS)
    "LAYER_EMPTY": (WARNING, "图层没有要素"),  # likewise
    "FIELD_MISSING": (ERROR, "缺少必选字段"),
    "FIELD_MISSING_OPTIONAL": (WARNING, "缺少可选字段"),
    "FIELD_TYPE": (ERROR, "字段类型错误"),
    "VALUE_MISSING": (ERROR, "必填字段为空"),
    "CODE_INVALID": (ERROR, "代码值不在代码表中"),
    "CODE_UNKNOWN": (WARNING, "代码值不在已知代码表中"),
    "CODE_FORMAT": (WARNING, "代码格式不符"),
    "NAME_MISMATCH": (ERROR, "名称与代码不符"),
    "TEXT_ENCODING": (ERROR, "文本疑似乱码（编码错误）"),
    "CROP_ON_NON_CULTIVATED": (ERROR, "非耕地图斑填写了耕地种植属性"),
    "CULTIVATED_ATTR_ON_NON_CULTIVATED": (ERROR, "非耕地图斑填写了耕地属性"),
    "CULTIVATED_ATTR_MISSING": (ERROR, "耕地图斑缺少耕地属性"),
    "QUALITY_ON_NON_CULTIVATED": (WARNING, "非耕地图斑填写了耕地等别"),
    "RECOVERY_ON_CULTIVATED": (WARNING, "耕地图斑填写了恢复属性"),
    "REFINEMENT_WITHOUT_CROP": (WARNING, "细化耕地图斑的种植属性不符"),
    "AREA_NOT_POSITIVE": (ERROR, "面积不大于零"),
    "TBDLMJ_MISMATCH": (ERROR, "图斑地类面积 ≠ 图斑面积 − 扣除地类面积"),
    "KCMJ_MISMATCH": (ERROR, "扣除地类面积 ≠ 图斑面积 × 扣除地类系数"),
    "KCXS_RANGE": (ERROR, "扣除地类系数超出范围"),
    "TBMJ_MISMATCH": (ERROR, "图斑面积与椭球面积不符"),
    "JSMJ_MISMATCH": (WARNING, "计算面积与椭球面积不符"),
    "GEOMETRY_EMPTY": (ERROR, "几何为空"),
    "GEOMETRY_TYPE": (ERROR, "几何不是面"),
    "GEOMETRY_INVALID": (ERROR, "几何无效"),
    "OVERLAP": (ERROR, "图斑相互重叠"),
    "DUPLICATE_BSM": (ERROR, "标识码重复"),
    "ZLDWDM_NOT_IN_CJDCQ": (WARNING, "坐落单位代码不在村级调查区中"),
}


@dataclass(frozen=True)
class Problem:
    """One validation finding."""

    layer: str
    feature: str | int | None
    field: str | None
    code: str
    severity: Severity
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FieldSpec:
    """A field of a layer schema. ``required``: the field must exist; ``mandatory``: every
    feature must have a value (the standard's M)."""

    name: str
    title: str
    kind: FieldKind
    required: bool = True
    mandatory: bool = False


def _f(name: str, title: str, kind: FieldKind, req: bool = True, mand: bool = False) -> FieldSpec:
    return FieldSpec(name, title, kind, req, mand)


def _admin_unit_schema(code: str, code_title: str, name: str, name_title: str) -> tuple[FieldSpec, ...]:
    """XZQ (township) and CJDCQ (village) share one shape: id, code, name and two areas."""
    return (
        _f("BSM", "标识码", "id", mand=True),
        _f("YSDM", "要素代码", "text", mand=True),
        _f(code, code_title, "text", mand=True),
        _f(name, name_title, "text", mand=True),
        _f("DCMJ", "调查面积", "float", mand=True),
        _f("JSMJ", "计算面积", "float", mand=True),
        _f("MSSM", "描述说明", "text", req=False),
        _f("HDMC", "海岛名称", "text", req=False),
        _f("BZ", "备注", "text", req=False),
    )


SCHEMAS: Mapping[str, tuple[FieldSpec, ...]] = {
    DLTB: (
        _f("BSM", "标识码", "id", mand=True),
        _f("YSDM", "要素代码", "text", mand=True),
        _f("TBYBH", "图斑预编号", "text", req=False),
        _f("TBBH", "图斑编号", "text", mand=True),
        _f("DLBM", "地类编码", "text", mand=True),
        _f("DLMC", "地类名称", "text", mand=True),
        _f("QSXZ", "权属性质", "text", mand=True),
        _f("QSDWDM", "权属单位代码", "text", mand=True),
        _f("QSDWMC", "权属单位名称", "text", mand=True),
        _f("ZLDWDM", "坐落单位代码", "text", mand=True),
        _f("ZLDWMC", "坐落单位名称", "text", mand=True),
        _f("TBMJ", "图斑面积", "float", mand=True),
        _f("KCDLBM", "扣除地类编码", "text"),
        _f("KCXS", "扣除地类系数", "float"),
        _f("KCMJ", "扣除地类面积", "float"),
        _f("TBDLMJ", "图斑地类面积", "float", mand=True),
        _f("GDLX", "耕地类型", "text"),
        _f("GDPDJB", "耕地坡度级别", "text"),
        _f("XZDWKD", "线状地物宽度", "float", req=False),
        _f("TBXHDM", "图斑细化代码", "text"),
        _f("TBXHMC", "图斑细化名称", "text"),
        _f("ZZSXDM", "种植属性代码", "text"),
        _f("ZZSXMC", "种植属性名称", "text"),
        _f("GDDB", "耕地等别", "int"),
        _f("FRDBS", "飞入地标识", "text", req=False),
        _f("CZCSXM", "城镇村属性码", "text"),
        _f("SJNF", "数据年份", "int", mand=True),
        _f("MSSM", "描述说明", "text", req=False),
        _f("HDMC", "海岛名称", "text", req=False),
        _f("BZ", "备注", "text", req=False),
    ),
    XZQ: _admin_unit_schema("XZQDM", "行政区代码", "XZQMC", "行政区名称"),
    CJDCQ: _admin_unit_schema("ZLDWDM", "坐落单位代码", "ZLDWMC", "坐落单位名称"),
    # 三区三线: provincial variants; fields are checked only when present.
    YJJBNTBHTB: (
        _f("BSM", "标识码", "id", req=False),
        _f("DLBM", "地类编码", "text", req=False),
        _f("DLMC", "地类名称", "text", req=False),
        _f("GDPDJB", "耕地坡度级别", "text", req=False),
        _f("ZLDWDM", "坐落单位代码", "text", req=False),
        _f("YJJBNTMJ", "永久基本农田面积", "float", req=False),
        _f("YJJBNTTBMJ", "永久基本农田图斑面积", "float", req=False),
        _f("JBNTMJ", "基本农田面积", "float", req=False),
        _f("TBMJ", "图斑面积", "float", req=False),
    ),
    STBHHX: (
        _f("BSM", "标识码", "id", req=False),
        _f("QYMJ", "区域面积", "float", req=False),
        _f("MJ", "面积", "float", req=False),
    ),
    CZKFBJ: (
        _f("BSM", "标识码", "id", req=False),
        _f("GHFQDM", "规划分区代码", "text", req=False),
        _f("MJ", "面积", "float", req=False),
    ),
}

#: The DLTB attributes the survey and the plan check read from an imported dataset (those it has).
DLTB_COLUMNS: tuple[str, ...] = (
    "BSM", "DLBM", "ZLDWDM", "ZLDWMC", "TBMJ", "KCXS", "KCMJ", "TBDLMJ", "GDPDJB", "GDLX", "ZZSXDM", "GDDB",
)  # fmt: skip

REQUIRED_LAYERS = frozenset({DLTB})
"""Layers a dataset cannot do without (survey and plan start from DLTB): missing or without
features is an error, not a warning."""

STRICT_LAYERS = frozenset({DLTB, XZQ, CJDCQ})
"""Layers that follow the 三调 schema; the others only need valid polygons."""

PLANNING_ZONE_CODES: Mapping[str, str] = {"01": "城镇集中建设区", "02": "城镇弹性发展区", "03": "特别用途区"}
"""CZKFBJ.GHFQDM 规划分区代码."""


# ---------------------------------------------------------------------------------------------


class _Collector:
    """Accumulates problems for one layer with shared feature ids."""

    def __init__(self, layer: str, ids: np.ndarray) -> None:
        self.layer = layer
        self.ids = ids
        self.problems: list[Problem] = []

    def layer_problem(self, code: str, field: str | None, message: str, severity: Severity | None = None) -> None:
        sev = severity or PROBLEM_CODES[code][0]
        self.problems.append(Problem(self.layer, None, field, code, sev, message))

    def rows(
        self,
        code: str,
        field: str | None,
        mask: np.ndarray | pd.Series,
        message: Callable[[int], str],
        severity: Severity | None = None,
    ) -> None:
        sev = severity or PROBLEM_CODES[code][0]
        flags = mask.fillna(False).to_numpy(dtype=bool) if isinstance(mask, pd.Series) else np.asarray(mask, dtype=bool)
        for row in np.flatnonzero(flags):
            self.problems.append(Problem(self.layer, self.ids[row], field, code, sev, message(int(row))))


def _feature_ids(texts: _TextColumns) -> np.ndarray:
    """BSM as text where present, else the 1-based row number."""
    rows = np.arange(1, len(texts.frame) + 1, dtype=object)
    if "BSM" not in texts.frame.columns:
        return rows
    text = texts["BSM"]
    return np.where(text.notna().to_numpy(dtype=bool), text.to_numpy(dtype=object, na_value=None), rows)


class _TextColumns:
    """``_text`` of each field of one frame, computed once per validation."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self._cache: dict[str, pd.Series] = {}

    def __getitem__(self, field: str) -> pd.Series:
        if field not in self._cache:
            self._cache[field] = _text(self.frame[field])
        return self._cache[field]


def _text(series: pd.Series) -> pd.Series:
    """Values as stripped text (pandas string dtype), missing for null and empty. Whole numbers
    stored as floats (an integer BSM through a FileGDB) are written without ``.0``."""
    if pd.api.types.is_float_dtype(series):
        whole = series.notna() & (np.mod(series.fillna(0.0), 1.0) == 0.0)
        series = series.astype(object).where(~whole, series.fillna(0.0).astype("int64").astype(object))
        series = series.where(series.notna(), None)
    text = series.astype("string[pyarrow]").str.strip()
    return text.mask(text == "")


def _kind_ok(series: pd.Series, kind: FieldKind) -> bool:
    values = series.dropna()
    if kind == "text":
        if pd.api.types.is_string_dtype(series.dtype) and not pd.api.types.is_object_dtype(series.dtype):
            return True
        return bool(pd.api.types.is_string_dtype(values))
    if kind == "id":
        return True
    if not len(values):
        return True
    if pd.api.types.is_bool_dtype(series):
        return False
    if not pd.api.types.is_numeric_dtype(series):
        numbers = values.map(lambda v: isinstance(v, int | float | np.number) and not isinstance(v, bool))
        if not numbers.all():
            return False
    if kind == "int":
        return bool(np.all(np.mod(values.to_numpy(dtype=float), 1.0) == 0.0))
    return True


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


# ---------------------------------------------------------------------------------------------


def validate_layers(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    expected: Iterable[str] = (DLTB,),
) -> list[Problem]:
    """Validate a set of standard layers (keys are standard names, see ``engine.layers``).

    ``expected`` layers that are absent give ``LAYER_MISSING``: an error for a required layer
    (``REQUIRED_LAYERS``: DLTB), else a warning. Returns every problem found, errors and warnings,
    in layer order.
    """
    problems: list[Problem] = []
    for name in expected:
        if name not in layers:
            required = name in REQUIRED_LAYERS
            problems.append(
                Problem(
                    name,
                    None,
                    None,
                    "LAYER_MISSING",
                    ERROR if required else WARNING,
                    f"未找到{'必需的' if required else ''}图层 {name}（{layer_title(name)}） / layer {name} not found",
                )
            )
    for name, frame in layers.items():
        problems.extend(validate_layer(name, frame))
    if DLTB in layers and CJDCQ in layers:
        problems.extend(_check_villages(layers[DLTB], layers[CJDCQ]))
    return problems


def validate_layer(name: str, frame: gpd.GeoDataFrame) -> list[Problem]:
    """Validate one standard layer (see module docstring).

    The geometry checks (validity, ellipsoid areas, overlaps) run in a worker thread beside the
    attribute checks: shapely, pyproj and pyarrow release the GIL, so the two halves share the
    machine's cores. Zeros that mean empty (``engine.empty_values``) are read as empty first.
    """
    frame = blank_zeros(name, frame)
    texts = _TextColumns(frame)
    ids = _feature_ids(texts)
    out = _Collector(name, ids)
    if len(frame) == 0:
        required = name in REQUIRED_LAYERS
        out.layer_problem(
            "LAYER_EMPTY",
            None,
            f"{'必需的' if required else ''}图层 {name}（{layer_title(name)}）没有要素 / layer {name} has no features",
            ERROR if required else None,
        )
    crs = check_crs(frame.crs)
    if not crs.ok:
        out.layer_problem(crs.code or "CRS_UNKNOWN", None, crs.message or "")
    geoms = np.asarray(frame.geometry.array, dtype=object)
    with ThreadPoolExecutor(max_workers=2) as pool:
        # Areas of every polygon, valid or not (only valid ones are used), in parallel with the
        # validity and overlap checks and, in this thread, the attribute checks.
        areas = pool.submit(ellipsoid_area, geoms, crs.epsg) if crs.epsg is not None else None
        geometry = pool.submit(_geometry_checks, name, ids, geoms, crs.epsg)
        attributes = _Collector(name, ids)
        present = _check_fields(attributes, name, texts)
        if name == DLTB:
            _check_dltb(attributes, texts, present)
        elif name == YJJBNTBHTB:
            _check_known_codes(attributes, texts, present)
        elif name == CZKFBJ and "GHFQDM" in present:
            values = texts["GHFQDM"]
            bad = values.notna() & ~values.isin(PLANNING_ZONE_CODES)
            attributes.rows(
                "CODE_UNKNOWN",
                "GHFQDM",
                bad,
                lambda r: f"规划分区代码 GHFQDM={values.iat[r]} 不是 01/02/03 / unknown planning zone code",
            )
        _check_duplicate_bsm(attributes, texts, name in STRICT_LAYERS)
        shapes, areal, overlaps = geometry.result()
        area = areas.result() if areas is not None and len(geoms) else None
    out.problems.extend(shapes.problems)
    out.problems.extend(attributes.problems)
    if area is not None:
        if name == DLTB and "TBMJ" in present:
            _check_area_field(out, frame["TBMJ"], area, areal, "TBMJ", "TBMJ_MISMATCH", "图斑面积")
        if name in (XZQ, CJDCQ) and "JSMJ" in present:
            _check_area_field(out, frame["JSMJ"], area, areal, "JSMJ", "JSMJ_MISMATCH", "计算面积")
    out.problems.extend(overlaps)
    return out.problems


def _geometry_checks(
    name: str, ids: np.ndarray, geoms: np.ndarray, epsg: int | None
) -> tuple[_Collector, np.ndarray, list[Problem]]:
    """Geometry problems, the usable-polygon mask and the overlap problems of DLTB (which need an
    accepted CRS for their areas)."""
    shapes = _Collector(name, ids)
    areal = _check_geometry(shapes, geoms)
    overlaps = _Collector(name, ids)
    if name == DLTB and epsg is not None and len(geoms):
        _check_overlaps(overlaps, geoms, areal, epsg)
    return shapes, areal, overlaps.problems


def _check_geometry(out: _Collector, geoms: np.ndarray) -> np.ndarray:
    """Report empty, non-polygon and invalid geometries; return the mask of usable polygons."""
    missing = shapely.is_missing(geoms)
    empty = missing | shapely.is_empty(keep_only(geoms, ~missing))
    out.rows("GEOMETRY_EMPTY", None, empty, lambda r: "几何为空 / empty or missing geometry")
    type_id = shapely.get_type_id(geoms)
    non_polygon = ~empty & ~np.isin(type_id, (3, 6))
    out.rows(
        "GEOMETRY_TYPE",
        None,
        non_polygon,
        lambda r: (
            f"几何类型为 {shapely.get_type_id(geoms[r])} 而非面 / geometry is {geoms[r].geom_type}, not a polygon"
        ),
    )
    polygon = ~empty & ~non_polygon
    valid = np.zeros(len(geoms), dtype=bool)
    valid[polygon] = shapely.is_valid(geoms[polygon])
    invalid = polygon & ~valid
    out.rows(
        "GEOMETRY_INVALID",
        None,
        invalid,
        lambda r: (
            f"几何无效：{shapely.is_valid_reason(geoms[r])} / invalid geometry: {shapely.is_valid_reason(geoms[r])}"
        ),
    )
    return np.asarray(polygon & valid)


def _check_fields(out: _Collector, name: str, texts: _TextColumns) -> set[str]:
    """Presence, type and mandatory values; returns the fields usable for value checks."""
    frame = texts.frame
    usable: set[str] = set()
    strict = name in STRICT_LAYERS
    for spec in SCHEMAS.get(name, ()):
        if spec.name not in frame.columns:
            if strict and spec.required:
                out.layer_problem(
                    "FIELD_MISSING",
                    spec.name,
                    f"缺少字段 {spec.name}（{spec.title}） / required field {spec.name} is missing",
                )
            elif strict:
                out.layer_problem(
                    "FIELD_MISSING_OPTIONAL",
                    spec.name,
                    f"缺少字段 {spec.name}（{spec.title}） / field {spec.name} is missing",
                )
            continue
        series = frame[spec.name]
        if not _kind_ok(series, spec.kind):
            expected = {"text": "文本 text", "int": "整数 integer", "float": "数值 number", "id": "id"}[spec.kind]
            out.layer_problem(
                "FIELD_TYPE",
                spec.name,
                f"字段 {spec.name}（{spec.title}）应为{expected}，实际为 {series.dtype} / field "
                f"{spec.name} should be {expected.split()[-1]}, found {series.dtype}",
            )
            continue
        usable.add(spec.name)
        if spec.mandatory:
            blank = texts[spec.name].isna() if spec.kind in ("text", "id") else series.isna()
            out.rows(
                "VALUE_MISSING",
                spec.name,
                blank,
                lambda r: f"{spec.name}（{spec.title}）为空 / {spec.name} is empty",
            )
        if spec.kind == "text":
            values = texts[spec.name]
            garbled = garbled_mask(values)
            out.rows(
                "TEXT_ENCODING",
                spec.name,
                garbled,
                lambda r: (
                    f"{spec.name}「{values.iat[r]}」疑似乱码，请检查编码（GBK/UTF-8，"
                    f"可用 --encoding 指定） / text looks mis-decoded; check the encoding (--encoding)"
                ),
            )
    return usable


def _check_known_codes(out: _Collector, texts: _TextColumns, present: set[str]) -> None:
    """DLBM / DLMC / GDPDJB on a 三区三线 layer when the fields are there."""
    if "DLBM" in present:
        dlbm = texts["DLBM"]
        bad = dlbm.notna() & ~dlbm.isin(codes.LAND_USE_NAMES)
        out.rows("CODE_INVALID", "DLBM", bad, lambda r: _bad_code_message("DLBM", "地类编码", dlbm.iat[r]))
        if "DLMC" in present:
            _check_names(out, dlbm, texts["DLMC"], codes.LAND_USE_NAMES, "DLMC", "地类名称")
    if "GDPDJB" in present:
        grade = texts["GDPDJB"]
        bad = grade.notna() & ~grade.isin(codes.SLOPE_GRADES)
        out.rows("CODE_INVALID", "GDPDJB", bad, lambda r: _bad_code_message("GDPDJB", "耕地坡度级别", grade.iat[r]))


def _bad_code_message(field: str, title: str, value: object) -> str:
    return f"{title} {field}={value} 不在代码表中 / {field} value {value!r} is not a valid code"


def _check_names(
    out: _Collector,
    code_values: pd.Series,
    name_values: pd.Series,
    table: Mapping[str, str],
    name_field: str,
    title: str,
) -> None:
    # Few distinct codes: look each up once (factorize), then compare per feature.
    index, distinct = pd.factorize(code_values, use_na_sentinel=True)
    names = np.array([table.get(str(c)) for c in distinct] + [None], dtype=object)
    expected = pd.Series(names[index], index=code_values.index, dtype="string[pyarrow]")
    bad = expected.notna() & (name_values != expected).fillna(True)

    def message(r: int) -> str:
        got = name_values.iat[r]
        hint = ""
        if isinstance(got, str) and looks_garbled(got):
            hint = "；疑似编码错误（乱码） / looks like text decoded with the wrong encoding"
        return (
            f"{title} {name_field}「{got}」与代码 {code_values.iat[r]} 的名称「{expected.iat[r]}」不符{hint} / "
            f"{name_field} {got!r} does not match code {code_values.iat[r]} ({expected.iat[r]!r})"
        )

    out.rows("NAME_MISMATCH", name_field, bad, message)


def _numeric(frame: pd.DataFrame, field: str, present: set[str]) -> pd.Series:
    if field in present:
        return pd.to_numeric(frame[field], errors="coerce").astype(float)
    return pd.Series(np.nan, index=frame.index, dtype=float)


def _check_dltb(out: _Collector, texts: _TextColumns, present: set[str]) -> None:
    frame = texts.frame
    n = len(frame)
    none = pd.Series([None] * n, index=frame.index, dtype="string[pyarrow]")
    col: dict[str, pd.Series] = {
        f: (texts[f] if f in present else none)
        for f in (
            "DLBM",
            "DLMC",
            "QSXZ",
            "GDLX",
            "GDPDJB",
            "ZZSXDM",
            "ZZSXMC",
            "TBXHDM",
            "TBXHMC",
            "CZCSXM",
            "KCDLBM",
        )
    }
    dlbm = col["DLBM"]
    dlbm_ok = dlbm.isin(codes.LAND_USE_NAMES)
    cultivated = dlbm.isin(codes.CULTIVATED_CODES)
    non_cultivated = dlbm_ok & ~cultivated

    def code_check(field: str, title: str, table: Iterable[str], code: str = "CODE_INVALID") -> None:
        values = col[field]
        if field not in present:
            return
        bad = values.notna() & ~values.isin(list(table))
        out.rows(code, field, bad, lambda r: _bad_code_message(field, title, values.iat[r]))

    code_check("DLBM", "地类编码", codes.LAND_USE_NAMES)
    code_check("QSXZ", "权属性质", codes.OWNERSHIP_CODES)
    code_check("GDLX", "耕地类型", codes.CULTIVATED_TYPES)
    code_check("GDPDJB", "耕地坡度级别", codes.SLOPE_GRADES)
    code_check("ZZSXDM", "种植属性代码", codes.PLANTING_CODES)
    code_check("TBXHDM", "图斑细化代码", codes.REFINEMENT_CODES, "CODE_UNKNOWN")
    code_check("CZCSXM", "城镇村属性码", codes.SETTLEMENT_CODES)
    code_check("KCDLBM", "扣除地类编码", ("1203",))
    if "GDDB" in present:
        gddb = pd.to_numeric(frame["GDDB"], errors="coerce")
        bad = gddb.notna() & ((gddb < codes.GDDB_MIN) | (gddb > codes.GDDB_MAX))
        out.rows(
            "CODE_INVALID",
            "GDDB",
            bad,
            lambda r: (
                f"耕地等别 GDDB={gddb.iat[r]:g} 不在 1–15"
                + ("（0 表示空值，耕地须填等别）" if gddb.iat[r] == 0 else "")
                + " / GDDB not in 1–15"
            ),
        )
        on_other = non_cultivated & gddb.notna() & (gddb != 0)
        out.rows(
            "QUALITY_ON_NON_CULTIVATED",
            "GDDB",
            on_other,
            lambda r: f"地类 {dlbm.iat[r]} 不是耕地，却有耕地等别 {gddb.iat[r]} / GDDB on a non-cultivated parcel",
        )

    if "DLMC" in present:
        _check_names(out, dlbm.where(dlbm_ok, None), col["DLMC"], codes.LAND_USE_NAMES, "DLMC", "地类名称")
    if "ZZSXMC" in present:
        _check_names(out, col["ZZSXDM"], col["ZZSXMC"], codes.PLANTING_CODES, "ZZSXMC", "种植属性名称")
    if "TBXHMC" in present:
        _check_names(out, col["TBXHDM"], col["TBXHMC"], codes.REFINEMENT_CODES, "TBXHMC", "图斑细化名称")

    crop = col["ZZSXDM"].isin(codes.CULTIVATED_ONLY_PLANTING)
    out.rows(
        "CROP_ON_NON_CULTIVATED",
        "ZZSXDM",
        non_cultivated & crop,
        lambda r: (
            f"地类 {dlbm.iat[r]} 不是耕地，不应填写耕地种植属性 {col['ZZSXDM'].iat[r]} / crop status "
            f"{col['ZZSXDM'].iat[r]} on non-cultivated class {dlbm.iat[r]}"
        ),
    )
    out.rows(
        "RECOVERY_ON_CULTIVATED",
        "ZZSXDM",
        cultivated & col["ZZSXDM"].isin(codes.RECOVERY_CODES),
        lambda r: f"耕地图斑不应填写恢复属性 {col['ZZSXDM'].iat[r]} / recovery attribute on cultivated land",
    )
    kcxs = _numeric(frame, "KCXS", present)
    for field, title, has_value in (
        ("GDPDJB", "耕地坡度级别", col["GDPDJB"].notna()),
        ("GDLX", "耕地类型", col["GDLX"].notna()),
        ("KCXS", "扣除地类系数", kcxs.fillna(0) > 0),
    ):
        out.rows(
            "CULTIVATED_ATTR_ON_NON_CULTIVATED",
            field,
            non_cultivated & has_value,
            lambda r: (
                f"地类 {dlbm.iat[r]} 不是耕地，不应填写{title} {field} / {field} on non-cultivated class {dlbm.iat[r]}"
            ),
        )
    if "GDPDJB" in present:
        out.rows(
            "CULTIVATED_ATTR_MISSING",
            "GDPDJB",
            cultivated & col["GDPDJB"].isna(),
            lambda r: "耕地图斑缺少耕地坡度级别 GDPDJB / cultivated parcel without GDPDJB",
        )
    refined = cultivated & col["TBXHDM"].isin(codes.REFINEMENT_NEEDING_CROP)
    out.rows(
        "REFINEMENT_WITHOUT_CROP",
        "ZZSXDM",
        refined & ~col["ZZSXDM"].isin(("LS", "FLS", "LYFL")),
        lambda r: (
            f"细化耕地 {col['TBXHDM'].iat[r]} 的种植属性应为 LS/FLS/LYFL / refined cultivated land "
            "must carry ZZSXDM LS, FLS or LYFL"
        ),
    )
    _check_area_sums(out, frame, present, kcxs)
    if "ZLDWDM" in present:
        zl = col_zl = texts["ZLDWDM"]
        bad = col_zl.notna() & ~col_zl.str.fullmatch(r"\d{12}(\d{7})?").fillna(False)
        out.rows(
            "CODE_FORMAT",
            "ZLDWDM",
            bad,
            lambda r: f"坐落单位代码 ZLDWDM={zl.iat[r]} 应为 12 或 19 位数字 / ZLDWDM should be 12 or 19 digits",
        )


def _check_area_sums(out: _Collector, frame: pd.DataFrame, present: set[str], kcxs: pd.Series) -> None:
    tbmj = _numeric(frame, "TBMJ", present)
    kcmj = _numeric(frame, "KCMJ", present).fillna(0.0)
    tbdlmj = _numeric(frame, "TBDLMJ", present)
    tol = AREA_SUM_TOLERANCE_M2 + 1e-7
    for field, values in (("TBMJ", tbmj), ("TBDLMJ", tbdlmj)):
        if field in present:
            out.rows(
                "AREA_NOT_POSITIVE",
                field,
                values.notna() & (values <= 0),
                lambda r: f"{field}={_fmt(values.iat[r])} 应大于 0 / {field} must be > 0",
            )
    if "KCXS" in present:
        out.rows(
            "KCXS_RANGE",
            "KCXS",
            kcxs.notna() & ((kcxs < 0) | (kcxs >= 1)),
            lambda r: f"扣除地类系数 KCXS={kcxs.iat[r]} 应在 [0, 1) / KCXS must be in [0, 1)",
        )
    if "TBDLMJ" in present and "TBMJ" in present:
        diff = (tbdlmj - (tbmj - kcmj)).abs()
        out.rows(
            "TBDLMJ_MISMATCH",
            "TBDLMJ",
            diff > tol,
            lambda r: (
                f"TBDLMJ={_fmt(tbdlmj.iat[r])} ≠ TBMJ − KCMJ = {_fmt(tbmj.iat[r])} − {_fmt(kcmj.iat[r])} "
                f"= {_fmt(tbmj.iat[r] - kcmj.iat[r])}（差 {diff.iat[r]:.2f} m²） / TBDLMJ differs from TBMJ − KCMJ"
            ),
        )
    if "KCMJ" in present and "TBMJ" in present and "KCXS" in present:
        expected = tbmj * kcxs.fillna(0.0)
        diff = (kcmj - expected).abs()
        out.rows(
            "KCMJ_MISMATCH",
            "KCMJ",
            diff > tol,
            lambda r: (
                f"KCMJ={_fmt(kcmj.iat[r])} ≠ TBMJ × KCXS = {_fmt(tbmj.iat[r])} × {kcxs.iat[r]} = "
                f"{expected.iat[r]:.2f}（差 {diff.iat[r]:.2f} m²） / KCMJ differs from TBMJ × KCXS"
            ),
        )


def _check_area_field(
    out: _Collector,
    series: pd.Series,
    area: np.ndarray,
    areal: np.ndarray,
    field: str,
    code: str,
    title: str,
) -> None:
    """``field`` against the computed ellipsoid area, tolerance max(0.1 m², 1e-6 × area)."""
    given = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    tolerance = np.maximum(TBMJ_ABS_TOLERANCE_M2, TBMJ_REL_TOLERANCE * area)
    bad = areal & ~np.isnan(given) & (np.abs(given - area) > tolerance)
    out.rows(
        code,
        field,
        bad,
        lambda r: (
            f"{title} {field}={given[r]:.2f} 与椭球面积 {area[r]:.2f} 相差 {given[r] - area[r]:+.2f} m² "
            f"（容差 {tolerance[r]:.2f}） / {field} differs from the ellipsoid area {area[r]:.2f} m² by "
            f"{given[r] - area[r]:+.2f} m²"
        ),
    )


def _check_overlaps(out: _Collector, geoms: np.ndarray, areal: np.ndarray, epsg: int) -> None:
    i, j, inter = overlapping_pairs(keep_only(geoms, areal))
    if not len(i):
        return
    area = ellipsoid_area(inter, epsg)
    keep = area > OVERLAP_TOLERANCE_M2
    for a, b, m2 in zip(i[keep], j[keep], area[keep], strict=True):
        out.problems.append(
            Problem(
                out.layer,
                out.ids[a],
                None,
                "OVERLAP",
                ERROR,
                f"与图斑 {out.ids[b]} 重叠 {m2:.2f} m² / overlaps feature {out.ids[b]} by {m2:.2f} m²",
            )
        )


def _check_duplicate_bsm(out: _Collector, texts: _TextColumns, strict: bool) -> None:
    if "BSM" not in texts.frame.columns:
        return
    bsm = texts["BSM"]
    dup = bsm.notna() & bsm.duplicated(keep="first")
    out.rows(
        "DUPLICATE_BSM",
        "BSM",
        dup,
        lambda r: f"标识码 BSM={bsm.iat[r]} 重复 / duplicate BSM {bsm.iat[r]}",
        severity=ERROR if strict else WARNING,
    )


def _check_villages(dltb: pd.DataFrame, cjdcq: pd.DataFrame) -> list[Problem]:
    """DLTB.ZLDWDM[:12] must name a village of CJDCQ (warning)."""
    if "ZLDWDM" not in dltb.columns or "ZLDWDM" not in cjdcq.columns:
        return []
    villages = set(_text(cjdcq["ZLDWDM"]).dropna().str[:12])
    zl = _text(dltb["ZLDWDM"])
    village = zl.str[:12]
    bad = (zl.notna() & ~village.isin(villages)).fillna(False)
    if not bad.any():
        return []
    out = _Collector(DLTB, _feature_ids(_TextColumns(dltb)))
    out.rows(
        "ZLDWDM_NOT_IN_CJDCQ",
        "ZLDWDM",
        bad,
        lambda r: f"坐落单位 {village.iat[r]} 不在村级调查区 CJDCQ 中 / village {village.iat[r]} not in CJDCQ",
    )
    return out.problems


def summarise(problems: Iterable[Problem]) -> dict[str, Any]:
    """Counts for a manifest or a report: errors, warnings, and by (layer, code)."""
    items = list(problems)
    by_code = Counter(f"{p.layer}:{p.code}" for p in items)
    return {
        "errors": sum(p.severity == ERROR for p in items),
        "warnings": sum(p.severity == WARNING for p in items),
        "by_code": dict(sorted(by_code.items())),
    }


def layer_title(name: str) -> str:
    """Chinese title of a standard layer."""
    return LAYER_TITLES.get(name, name)

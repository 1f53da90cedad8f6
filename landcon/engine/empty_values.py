"""Empty values as county exports write them: 0 where the standard lets a field be empty.

A dBASE file (Shapefile) has no null for numbers, and many FileGDB and Shapefile exports of 三调
data write 0 (or the text "0") where a field is empty. Where the standard allows the field to be
empty, 0 is therefore read as empty; where it does not, 0 stays and the validator judges it
(``engine.schema``: GDDB 0 on 耕地 is not a grade 1–15 and is refused, as a grade 16 is).

Fields (shared domain reference §4.1, §4.3): on a DLTB (or 永农) feature that is not 耕地
(DLBM not 0101–0103), GDDB 耕地等别, GDPDJB 耕地坡度级别 and KCXS 扣除地类系数 are empty by the
standard (TDDC3D clears them off 耕地), so 0 there means empty.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from landcon.engine import codes
from landcon.engine.layers import DLTB, YJJBNTBHTB

EMPTY_OFF_CULTIVATED: tuple[str, ...] = ("GDDB", "GDPDJB", "KCXS")
"""Fields the standard leaves empty on non-cultivated features; 0 there means empty."""

_LAYERS_WITH_LAND_CLASS = frozenset({DLTB, YJJBNTBHTB})


def _zero(series: pd.Series) -> pd.Series:
    """Where a value is the number 0 or a text reading as 0 ("0", "00", " 0.0 ")."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.eq(0).fillna(False).astype(bool)
    numbers = pd.to_numeric(series.astype("string").str.strip(), errors="coerce")
    return numbers.eq(0).fillna(False).astype(bool)


def blank_zeros(layer: str, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` with 0 set to empty (NaN for numbers, None for text) where the standard lets the
    field be empty (see the module docstring); the frame itself is not changed."""
    if layer not in _LAYERS_WITH_LAND_CLASS or "DLBM" not in frame.columns:
        return frame
    fields = [f for f in EMPTY_OFF_CULTIVATED if f in frame.columns]
    if not fields or not len(frame):
        return frame
    dlbm = frame["DLBM"].astype("string").str.strip()
    off_cultivated = ~dlbm.isin(codes.CULTIVATED_CODES).fillna(False).astype(bool).to_numpy()
    out: gpd.GeoDataFrame | None = None
    for field in fields:
        series = frame[field]
        mask = _zero(series).to_numpy() & off_cultivated
        if not mask.any():
            continue
        if out is None:
            out = frame.copy()
        if pd.api.types.is_integer_dtype(series) and not pd.api.types.is_extension_array_dtype(series):
            out[field] = series.astype(np.float64).mask(mask)
        elif pd.api.types.is_numeric_dtype(series):
            out[field] = series.mask(mask)
        else:
            out[field] = series.astype(object).mask(mask, None)
    return frame if out is None else out

"""A three-household village whose every 权属调整 index is worked out by hand (tests of
``engine.realloc.indices`` and of the tenure-adjustment reports)."""

from __future__ import annotations

import numpy as np
import pandas as pd

H1, H2, H3 = "530123101201010001", "530123101201010002", "530123101201010003"


PRICE = 20.0  # 元 per standard m²


def village() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """张三 (H1): two parcels, one new piece in T1, 10 short of entitlement.
    欧阳小明 (H2): three parcels, one new piece in T2 plus a kept locked parcel, 24 over.
    李四 (H3): no homestead known (distances NaN), two parcels, one piece in T1, 10 short."""
    nan = np.nan
    before = pd.DataFrame(
        {
            "CBFBM": [H2, H1, H3, H2, H1, H3, H2],
            "area": [300.0, 400.0, 200.0, 300.0, 100.0, 200.0, 300.0],
            "value": [240.0, 400.0, 200.0, 240.0, 100.0, 200.0, 240.0],
            "distance": [200.0, 100.0, nan, 200.0, 400.0, nan, 410.0],
        }
    )
    after = pd.DataFrame(
        {
            "CBFBM": [H1, H2, H2, H3],
            "area": [490.0, 640.0, 300.0, 390.0],
            "value": [490.0, 504.0, 240.0, 390.0],
            "distance": [50.0, 100.0, 410.0, nan],
            "TKBM": ["T1", "T2", "", "T1"],
        }
    )
    # Not in CBFBM order: the table sorts.
    households = pd.DataFrame(
        {"CBFBM": [H3, H1, H2], "CBFMC": ["李四", "张三", "欧阳小明"], "entitled": [400.0, 500.0, 720.0]}
    )
    return before, after, households


PREFERENCES = {H1: ["T1"], H2: ["T1", "T2"], H3: ["T2"]}

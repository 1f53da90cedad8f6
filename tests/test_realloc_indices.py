"""权属调整 indices: fragmentation indices, masked names, and a three-household village whose every
number is worked out by hand in the comments."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from realloc_village_fixtures import H1, H2, H3, PREFERENCES, PRICE, village

from landcon.engine.realloc.indices import (
    COLUMN_LABELS,
    INDICATOR_LABELS,
    household_table,
    januszewski,
    mask_name,
    simmons,
    village_indicators,
)

# ---------------------------------------------------------------------------------------------
# Indices and names
# ---------------------------------------------------------------------------------------------


def test_simmons_by_hand():
    assert simmons([1.0, 1.0]) == 0.5
    assert simmons([2.0]) == 1.0
    assert simmons(np.array([4.0, 1.0])) == pytest.approx(17 / 25)  # (16 + 1) / 5²
    assert simmons([1.0] * 4) == pytest.approx(0.25)  # n equal parcels: 1/n
    assert math.isnan(simmons([]))


def test_januszewski_by_hand():
    assert januszewski([1.0, 1.0]) == pytest.approx(math.sqrt(2) / 2)  # √2 / (1 + 1)
    assert januszewski([2.0]) == pytest.approx(1.0)
    assert januszewski([4.0, 1.0]) == pytest.approx(math.sqrt(5) / 3)  # √5 / (2 + 1)
    assert januszewski([9.0] * 4) == pytest.approx(0.5)  # 1/√n: 6 / 12
    assert math.isnan(januszewski([]))


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("张小三", "张*三"),
        ("欧阳小明", "欧**明"),
        ("李", "李"),
        (" 王 五 ", "王*"),
        ("\u3000赵小六\u3000", "赵*六"),
        ("", ""),
    ],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


# ---------------------------------------------------------------------------------------------
# Household table
# ---------------------------------------------------------------------------------------------


def test_household_table_columns_and_order():
    table = household_table(*village(), unit_price=PRICE)
    assert list(table.columns) == list(COLUMN_LABELS)
    assert list(table["CBFBM"]) == [H1, H2, H3]
    assert list(table["CBFMC"]) == ["张三", "欧阳小明", "李四"]
    assert list(table["parcels_before"]) == [2, 3, 2]
    assert list(table["parcels_after"]) == [1, 2, 1]


def test_household_table_by_hand():
    t = household_table(*village(), unit_price=PRICE).set_index("CBFBM")
    # 张三: 400 + 100 m², value 500; distance (400·100 + 100·400) / 500 = 160.
    h1 = t.loc[H1]
    assert (h1.area_before, h1.value_before, h1.distance_before) == (500.0, 500.0, 160.0)
    assert h1.simmons_before == pytest.approx(0.68)  # (400² + 100²) / 500²
    assert h1.januszewski_before == pytest.approx(math.sqrt(500) / 30)  # √500 / (20 + 10)
    assert (h1.area_after, h1.value_after, h1.distance_after) == (490.0, 490.0, 50.0)
    assert (h1.simmons_after, h1.januszewski_after) == (1.0, 1.0)
    assert h1.deviation == pytest.approx(-0.02)  # (490 − 500) / 500
    assert h1.settlement == pytest.approx(200.0)  # (500 − 490) × 20: paid to the household

    # 欧阳小明: 3 × 300 m², value 720; distance (240·200 + 240·200 + 240·410) / 720 = 270.
    h2 = t.loc[H2]
    assert (h2.area_before, h2.value_before, h2.distance_before) == (900.0, 720.0, 270.0)
    assert h2.simmons_before == pytest.approx(1 / 3)
    assert h2.januszewski_before == pytest.approx(1 / math.sqrt(3))  # 30 / (3·√300)
    # After: 640 m² (504) in T2 + the kept 300 m² (240): distance (504·100 + 240·410) / 744 = 200.
    assert (h2.area_after, h2.value_after, h2.distance_after) == (940.0, 744.0, 200.0)
    assert h2.simmons_after == pytest.approx((640**2 + 300**2) / 940**2)
    assert h2.januszewski_after == pytest.approx(math.sqrt(940) / (math.sqrt(640) + math.sqrt(300)))
    assert h2.deviation == pytest.approx(1 / 30)  # (744 − 720) / 720
    assert h2.settlement == pytest.approx(-480.0)  # (720 − 744) × 20: the household pays

    # 李四: no homestead, so no distance either side.
    h3 = t.loc[H3]
    assert math.isnan(h3.distance_before) and math.isnan(h3.distance_after)
    assert h3.deviation == pytest.approx(-0.025)  # (390 − 400) / 400
    assert h3.settlement == pytest.approx(200.0)


def test_a_household_with_nothing_after_and_unknown_codes():
    before, after, households = village()
    t = household_table(before, after[after["CBFBM"] != H3], households, unit_price=PRICE).set_index("CBFBM")
    assert (t.loc[H3, "parcels_after"], t.loc[H3, "value_after"]) == (0, 0.0)
    assert math.isnan(t.loc[H3, "simmons_after"])
    assert t.loc[H3, "deviation"] == -1.0 and t.loc[H3, "settlement"] == 8000.0  # 400 × 20
    stray = pd.concat([after, after.iloc[:1].assign(CBFBM="999")])
    with pytest.raises(ValueError, match="999"):
        household_table(before, stray, households, unit_price=PRICE)
    with pytest.raises(ValueError, match="distance"):
        household_table(before.drop(columns="distance"), after, households, unit_price=PRICE)


# ---------------------------------------------------------------------------------------------
# Village indicators
# ---------------------------------------------------------------------------------------------


def test_village_indicators_by_hand():
    before, after, households = village()
    table = household_table(before, after, households, unit_price=PRICE)
    ind = village_indicators(table, after, preferences=PREFERENCES, gap=0.001)
    assert list(ind) == list(INDICATOR_LABELS)
    assert ind["households"] == 3
    assert (ind["parcels_before"], ind["parcels_after"]) == (7, 4)
    assert ind["parcels_per_household_before"] == pytest.approx(7 / 3)
    assert ind["parcels_per_household_after"] == pytest.approx(4 / 3)
    assert ind["share_one_parcel_before"] == 0.0
    assert ind["share_one_parcel_after"] == pytest.approx(2 / 3)  # 张三 and 李四
    assert ind["merge_degree"] == pytest.approx(3 / 7)  # (7 − 4) / 7
    assert ind["simmons_mean_before"] == pytest.approx((0.68 + 1 / 3 + 0.5) / 3)
    assert ind["simmons_mean_after"] == pytest.approx((1 + (640**2 + 300**2) / 940**2 + 1) / 3)
    assert ind["januszewski_mean_before"] == pytest.approx(
        (math.sqrt(500) / 30 + 1 / math.sqrt(3) + math.sqrt(2) / 2) / 3
    )
    assert (ind["total_area_before"], ind["total_area_after"]) == (1800.0, 1820.0)
    assert (ind["total_value_before"], ind["total_entitled"], ind["total_value_after"]) == (1620.0, 1620.0, 1624.0)
    # Value-weighted over 张三 and 欧阳小明 (李四 has no homestead).
    assert ind["mean_distance_before"] == pytest.approx((500 * 160 + 720 * 270) / 1220)
    assert ind["mean_distance_after"] == pytest.approx((490 * 50 + 744 * 200) / 1234)
    assert ind["max_abs_deviation"] == pytest.approx(1 / 30)
    assert ind["mean_abs_deviation"] == pytest.approx((0.02 + 1 / 30 + 0.025) / 3)
    assert (ind["settlement_paid"], ind["settlement_received"]) == (pytest.approx(400.0), pytest.approx(480.0))
    # 张三 got his first choice T1; 欧阳小明 his second (T2); 李四 wanted T2 and got T1.
    assert ind["preference_households"] == 3
    assert ind["preference_fulfilment"] == pytest.approx(2 / 3)
    assert ind["first_choice_share"] == pytest.approx(1 / 3)
    assert ind["gap"] == 0.001


def test_preferences_count_only_new_pieces_and_only_stated_lists():
    before, after, households = village()
    # 欧阳小明's kept locked parcel becomes his largest holding: it lies in no block, so his largest
    # new piece (T2, 504) still decides. An empty list is no stated preference.
    after.loc[2, "value"] = 600.0
    table = household_table(before, after, households, unit_price=PRICE)
    ind = village_indicators(table, after, preferences={H2: ["T2"], H3: []})
    assert ind["preference_households"] == 1
    assert (ind["preference_fulfilment"], ind["first_choice_share"]) == (1.0, 1.0)
    # No preferences at all: undefined, not 0.
    none = village_indicators(table, after)
    assert none["preference_fulfilment"] is None and none["first_choice_share"] is None and none["gap"] is None
    with pytest.raises(ValueError, match="X9"):
        village_indicators(table, after, preferences={"X9": ["T1"]})


def test_an_empty_village_is_undefined_not_zero():
    before, after, households = village()
    table = household_table(before.iloc[:0], after.iloc[:0], households.iloc[:0], unit_price=PRICE)
    ind = village_indicators(table, after.iloc[:0])
    assert ind["households"] == 0
    for key in ("merge_degree", "share_one_parcel_after", "simmons_mean_before", "mean_distance_before"):
        assert ind[key] is None

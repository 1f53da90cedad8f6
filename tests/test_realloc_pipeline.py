"""The whole adjustment on the paper instance of realloc_fixtures: assignment, strips, check, indicators."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import shapely
from realloc_fixtures import HOUSEHOLDS, blocks, box, households, parcels, roads

from landcon.engine.realloc import Params, params_from_dict
from landcon.engine.realloc.geocheck import check_allocation
from landcon.engine.realloc.pipeline import ReallocInput, reallocate


def _people(**kw: list[str]) -> pd.DataFrame:
    """The households as the services read them: PREFS and LOCKED as tuples of ids."""
    frame = households(**kw)
    for column in ("PREFS", "LOCKED"):
        frame[column] = [tuple(p for p in text.split(";") if p) for text in frame[column]]
    return frame


def _input(**kw: list[str]) -> ReallocInput:
    return ReallocInput(parcels(), _people(**kw), blocks(), roads())


def test_paper_instance_one_strip_each_in_homestead_order():
    result = reallocate(_input(), Params(time_limit=20))
    a = result.assignment
    assert a.status == "optimal" and a.piece_count == 4 and a.piece_bound == 4
    assert result.valuation.deduction == pytest.approx(0.0, abs=1e-12)
    got = {row.CBFBM: row.geometry for row in result.allocation.itertuples()}
    expected = [box(0, 0, 100, 100), box(100, 0, 200, 100), box(300, 0, 400, 100), box(400, 0, 500, 100)]
    for code, want in zip(HOUSEHOLDS, expected, strict=True):
        assert shapely.area(shapely.symmetric_difference(got[code], want)) < 1e-3, code
    assert result.check.ok, result.check.violations
    assert list(result.allocation["SCMJ"]) == [10000.0] * 4
    # New codes continue the 发包方's serials after the eight old ones.
    assert sorted(result.allocation["DKBM"]) == [f"5301241002010000{n:03d}" for n in range(9, 13)]


def test_paper_instance_indicators():
    result = reallocate(_input(), Params(time_limit=20))
    ind = result.indicators
    assert ind["households"] == 4 and ind["parcels_before"] == 8 and ind["parcels_after"] == 4
    assert ind["merge_degree"] == pytest.approx(0.5)
    assert ind["share_one_parcel_before"] == 0.0 and ind["share_one_parcel_after"] == 1.0
    assert ind["simmons_mean_before"] == pytest.approx(0.5) and ind["simmons_mean_after"] == pytest.approx(1.0)
    assert ind["januszewski_mean_before"] == pytest.approx(math.sqrt(2) / 2)
    assert ind["max_abs_deviation"] == pytest.approx(0.0, abs=1e-9)
    row = result.table.set_index("CBFBM").loc[HOUSEHOLDS[0]]
    # h1 at (20, −50): old strips' centroids (25, 50) and (325, 50), new strip's (50, 50).
    before = (math.hypot(5, 100) + math.hypot(305, 100)) / 2
    assert row["distance_before"] == pytest.approx(before, abs=1e-6)
    assert row["distance_after"] == pytest.approx(math.hypot(30, 100), abs=1e-6)
    assert row["settlement"] == pytest.approx(0.0, abs=1e-3)


def test_preferences_move_households_when_distance_allows_it():
    # h1 (west) asks for TK002 first; h3 (east) for TK001: swapping them costs distance but ranks weigh more.
    prefs = ["TK002", "", "TK001", ""]
    result = reallocate(_input(prefs=prefs), params_from_dict({"time_limit": 20, "weights": {"preference": 1000.0}}))
    pieces = {h: b for h, b, _ in result.assignment.pieces}
    assert pieces[HOUSEHOLDS[0]] == "TK002" and pieces[HOUSEHOLDS[2]] == "TK001"
    assert result.indicators["preference_fulfilment"] == 1.0
    assert result.check.ok


def test_locked_parcel_stays_and_counts_towards_the_entitlement():
    # h4 keeps strip 8 (x 450–500, in TK002's footprint): blocks shrink to leave it out.
    locked = ["", "", "", "5301241002010000008"]
    inp = ReallocInput(parcels(), _people(locked=locked), blocks(), roads())
    inp.blocks.loc[1, "geometry"] = box(300, 0, 450, 100)
    result = reallocate(inp, Params(time_limit=20))
    assert result.check.ok, result.check.violations
    kept = result.allocation[result.allocation["TKBM"] == ""]
    assert list(kept["DKBM"]) == ["5301241002010000008"] and list(kept["CBFBM"]) == [HOUSEHOLDS[3]]
    # T_h4 = 5,000 kept + 5,000 pooled: it receives one 50 × 100 strip of TK002.
    new = result.allocation[(result.allocation["CBFBM"] == HOUSEHOLDS[3]) & (result.allocation["TKBM"] != "")]
    assert list(new["SCMJ"]) == [5000.0]


def test_block_priority_baseline_splits_at_block_boundaries():
    result = reallocate(_input(), Params(), method="block_priority")
    # Equal entitlements, order by code: h1, h2 fill TK001, h3, h4 fill TK002 — one piece each here.
    assert [(h, b) for h, b, _ in result.assignment.pieces] == [
        (HOUSEHOLDS[0], "TK001"), (HOUSEHOLDS[1], "TK001"), (HOUSEHOLDS[2], "TK002"), (HOUSEHOLDS[3], "TK002"),
    ]  # fmt: skip
    assert result.check.ok


def test_infeasible_when_the_deduction_leaves_too_little():
    result = reallocate(_input(), Params(deduction=0.0, tolerance=0.05))
    assert result.assignment.status != "infeasible"
    inp = _input()
    inp.blocks.loc[1, "geometry"] = box(300, 0, 450, 100)  # 5,000 m² less than the entitlements
    result = reallocate(inp, Params(deduction=0.0, tolerance=0.05))
    assert result.assignment.status == "infeasible"
    assert "差 3000.00" in result.assignment.message  # 35,000 < 0.95 × 40,000 = 38,000


def test_the_geometry_check_of_the_result_is_independent():
    result = reallocate(_input(), Params(time_limit=20))
    moved = result.allocation.copy()
    moved.loc[0, "geometry"] = shapely.affinity.translate(moved.geometry.iloc[0], 10, 0)
    check = check_allocation(parcels(), blocks(), moved[["CBFBM", "DKBM", "TKBM", "geometry"]], {}, Params())
    kinds = {v.kind for v in check.violations}
    assert {"uncovered", "overlap"} <= kinds

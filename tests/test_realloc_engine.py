"""Household reallocation (权属调整) assignment: hand-made instances with known optima, every solver
result checked by the independent checker, and infeasibility stated with its amount."""

from __future__ import annotations

import pytest

from landcon.engine.realloc import (
    Block,
    Household,
    assign,
    capacity_gap,
    check_assignment,
    entitlement,
    pieces_per_household,
)

A = Block("A", 100.0, (0.0, 0.0))
B = Block("B", 100.0, (1000.0, 0.0))


def test_entitlement_is_quality_weighted_value_less_the_deduction():
    # 2 亩-sized parcels: 1000 m² at coefficient 1.0 and 500 m² at 0.8, 5 % for new roads and ditches.
    assert entitlement([1000.0, 500.0], [1.0, 0.8], deduction=0.05) == pytest.approx(0.95 * 1400.0)


def test_four_households_two_blocks_one_piece_each_near_home():
    households = [
        Household("h1", 60.0, (0.0, 0.0)),
        Household("h2", 40.0, (0.0, 10.0)),
        Household("h3", 50.0, (1000.0, 0.0)),
        Household("h4", 50.0, (1000.0, 10.0)),
    ]
    result = assign(households, [A, B], tolerance=0.05)
    assert result.status == "optimal" and result.gap is not None and result.gap <= 1e-4
    assert {(h, b) for h, b, _ in result.pieces} == {("h1", "A"), ("h2", "A"), ("h3", "B"), ("h4", "B")}
    assert check_assignment(households, [A, B], result.pieces, tolerance=0.05) == []
    assert set(pieces_per_household(result.pieces).values()) == {1}


def test_a_household_larger_than_any_block_gets_two_pieces():
    households = [Household("big", 120.0, (0.0, 0.0)), Household("small", 80.0, (1000.0, 0.0))]
    result = assign(households, [A, B], tolerance=0.05)
    assert result.status == "optimal"
    assert pieces_per_household(result.pieces) == {"big": 2, "small": 1}
    assert check_assignment(households, [A, B], result.pieces, tolerance=0.05) == []


def test_preferences_break_ties_and_minimum_pieces_are_respected():
    households = [Household("h1", 100.0, preferences=("B",)), Household("h2", 100.0, preferences=("A",))]
    result = assign(households, [A, B], tolerance=0.0)
    assert {(h, b) for h, b, _ in result.pieces} == {("h1", "B"), ("h2", "A")}
    small = [Block("A", 100.0, min_piece=30.0)]
    tiny = [Household("x", 80.0), Household("y", 20.0)]
    # y's 20 < the 30 minimum piece: the minimum is soft, so the best answer comes with its shortfall named.
    forced = assign(tiny, small, tolerance=0.0)
    assert forced.short_pieces == 1 and any("小于最小地块" in step for step in forced.method)
    problems = check_assignment(tiny, small, forced.pieces, tolerance=0.0)
    assert problems == ["田块 A 分给 y 的价值 20.00 小于最小地块 30.00"]
    # With 50 % tolerance x can take 70 and y 30: the shortfall is removed before anything else.
    relaxed = assign(tiny, small, tolerance=0.5)
    assert relaxed.short_pieces == 0 and check_assignment(tiny, small, relaxed.pieces, tolerance=0.5) == []


def test_infeasible_totals_say_by_how_much():
    households = [Household("h1", 100.0), Household("h2", 100.0)]
    blocks = [Block("A", 150.0)]
    assert capacity_gap(households, blocks, 0.05) == (
        "新田块总价值 150.00 少于各户应得价值下限 190.00（容差 ±5%），差 40.00：无法在容差内分配"
    )
    result = assign(households, blocks, tolerance=0.05)
    assert result.status == "infeasible" and "差 40.00" in result.message


def test_the_checker_finds_a_hand_drawn_allocation_wrong():
    households = [Household("h1", 100.0), Household("h2", 100.0)]
    drawn = [("h1", "A", 100.0), ("h2", "B", 80.0), ("h9", "A", 1.0)]
    problems = check_assignment(households, [A, B], drawn, tolerance=0.05)
    assert "未知承包方 h9" in problems
    assert any(p.startswith("田块 B 分配价值 80.00，应为 100.00") for p in problems)
    assert any(p.startswith("承包方 h2 分得 80.00") and "-20.00%" in p for p in problems)


def test_candidate_restriction_reports_bound_and_gap():
    blocks = [Block(f"B{j}", 50.0, (j * 100.0, 0.0)) for j in range(6)]
    households = [Household(f"h{i}", 50.0, (i * 100.0 + 10, 0.0)) for i in range(6)]
    result = assign(households, blocks, tolerance=0.02, candidates=2)
    assert result.status == "optimal" and result.candidates == 2
    assert result.bound is not None and result.objective is not None and result.bound <= result.objective + 1e-6
    assert {(h, b) for h, b, _ in result.pieces} == {(f"h{i}", f"B{i}") for i in range(6)}
    assert check_assignment(households, blocks, result.pieces, tolerance=0.02) == []


def _random_instance(seed: int, households: int, blocks: int, size: float) -> tuple[list[Household], list[Block]]:
    """Block values uniform 800–1,500, entitlements 0.5–1.5 × the mean summing to the blocks' value,
    homes and block centres uniform in a ``size`` square."""
    import numpy as np

    rng = np.random.default_rng(seed)
    bl = [
        Block(f"B{j:03d}", float(rng.uniform(800, 1500)), (float(rng.uniform(0, size)), float(rng.uniform(0, size))))
        for j in range(blocks)
    ]
    shares = rng.uniform(0.5, 1.5, households)
    shares = shares / shares.sum() * sum(b.value for b in bl)
    hh = [
        Household(f"H{i:03d}", float(shares[i]), (float(rng.uniform(0, size)), float(rng.uniform(0, size))))
        for i in range(households)
    ]
    return hh, bl


def test_a_village_sized_instance_is_valid_even_at_the_time_limit():
    """300 households, 20 blocks: the solution found (optimal or not) passes the independent check."""
    households, blocks = _random_instance(1, 300, 20, 3000.0)
    result = assign(households, blocks, tolerance=0.05, time_limit=5)
    assert result.status in ("optimal", "time_limit") and result.pieces
    assert check_assignment(households, blocks, result.pieces, tolerance=0.05) == []


def test_restricted_instances_use_the_neighbourhood_search_and_stay_valid():
    """k candidates: the decomposition path; its answer passes the checker and the bound stays below it."""
    households, blocks = _random_instance(7, 200, 30, 4000.0)
    result = assign(households, blocks, tolerance=0.05, candidates=4, time_limit=8)
    assert result.candidates == 4 and any("邻域分解" in step for step in result.method)
    assert check_assignment(households, blocks, result.pieces, tolerance=0.05) == []
    assert result.piece_count == len(result.pieces) and result.piece_count >= result.piece_bound == 200
    assert result.bound is not None and result.objective is not None and result.bound <= result.objective + 1e-6
    assert result.lp_bound == result.bound  # restricted: only the LP over all pairs is a valid bound

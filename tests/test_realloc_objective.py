"""The money settled is a priced term of the assignment objective (engine/realloc/assign.py)."""

from __future__ import annotations

from dataclasses import replace

from landcon.engine.realloc import Block, Household, Params, Weights, assign, params_from_dict

# Block A (value 200) is shared by H1, 1,000 m from it, and H2, living on it; H3 lives on block B.
# Moving one unit of value from H1 to H2 saves 1000/100 = 10 m of H1's value-weighted distance. With a
# deviation weight of 400 it costs 400/100 = 4 m on each side (8 m) and, without a price on money,
# nothing else: the old objective pushes H1 to −5 % and H2 to +5 %.
BLOCKS = [Block("A", 200.0, (0.0, 0.0)), Block("B", 100.0, (10_000.0, 0.0))]
HOUSEHOLDS = [
    Household("H1", 100.0, (1_000.0, 0.0)),
    Household("H2", 100.0, (0.0, 0.0)),
    Household("H3", 100.0, (10_000.0, 0.0)),
]
PRICE = 20.0


def _settlement(weights: Weights) -> dict[str, float]:
    result = assign(HOUSEHOLDS, BLOCKS, tolerance=0.05, weights=weights, time_limit=10, unit_price=PRICE)
    assert result.piece_count == 3
    got = {h.code: 0.0 for h in HOUSEHOLDS}
    for h, _b, v in result.pieces:
        got[h] += v
    return {h.code: round((h.entitlement - got[h.code]) * PRICE, 2) for h in HOUSEHOLDS}


def test_unpriced_objective_settles_money() -> None:
    money = _settlement(Weights(deviation=400.0, settlement=0.0))
    assert money == {"H1": 100.0, "H2": -100.0, "H3": 0.0}  # H1 is paid 5 units × 20 元, H2 pays them


def test_priced_objective_settles_nothing() -> None:
    # 0.1 m per 元 × 20 元 = 2 m per unit on each side: moving a unit now costs 2 × (4 + 2) = 12 m > 10 m.
    money = _settlement(Weights(deviation=400.0, settlement=0.1))
    assert money == {"H1": 0.0, "H2": 0.0, "H3": 0.0}


def test_default_weights_price_money() -> None:
    assert Weights().settlement == 0.1
    assert _settlement(Weights(deviation=400.0)) == {"H1": 0.0, "H2": 0.0, "H3": 0.0}


def test_settlement_weight_from_parameters() -> None:
    params = params_from_dict({"weights": {"settlement": 0.0}}, base=replace(Params(), unit_price=30.0))
    assert params.weights.settlement == 0.0
    assert params.to_dict()["weights"] == {"distance": 1.0, "preference": 100.0, "deviation": 500.0, "settlement": 0.0}

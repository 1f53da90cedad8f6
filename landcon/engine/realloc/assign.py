"""权属调整: assignment of consolidated field blocks to households (value-equivalent reallocation).

Value basis (domain.md §6.5 [U], configurable): a household's *entitlement* is the value of its
contract parcels, ``Σ area × quality coefficient``, less the common deduction ``d`` for new roads
and ditches (CN default 0, NL ≤ 5 %, TR ≤ 10 %)::

    E_h = (1 − d) · Σ_{p ∈ parcels(h)} area_p · coef(quality_p)

A block's value is ``V_b = area_b · coef(quality_b)``. The assignment is a mixed-integer programme
solved with HiGHS (``highspy``):

    x_hb ≥ 0   value of block b given to household h          y_hb ∈ {0, 1}   h has a piece in b
    Σ_h x_hb = V_b                      (every block exactly filled)
    (1 − t)·E_h ≤ Σ_b x_hb ≤ (1 + t)·E_h (each household within tolerance t of its entitlement)
    m_b·y_hb ≤ x_hb ≤ V_b·y_hb          (a piece is at least the minimum piece value m_b)
    minimise  w_p·Σ y_hb  +  w_d·Σ dist_hb·x_hb / Σ_b V_b  +  w_r·Σ rank_hb·y_hb

(pieces first — one per household is the target —, then value-weighted distance from the
homestead, then preference ranks). Large instances restrict each household to its ``k`` nearest
blocks (``candidates``), which can only raise the optimum; the LP bound of the restricted model and
the MIP gap are reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from landcon.engine.realloc.params import Weights

#: Slack allowed on the tolerance when checking: solutions sit on the ±t bound up to the solver's
#: primal feasibility tolerance (HiGHS default 1e-7) and the 6-decimal rounding of piece values.
FEASIBILITY_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Household:
    code: str  # CBFBM
    entitlement: float  # value units (after deduction)
    home: tuple[float, float] | None = None  # homestead location (projected metres)
    preferences: tuple[str, ...] = ()  # block ids, most wanted first


@dataclass(frozen=True)
class Block:
    code: str
    value: float  # area × quality coefficient
    centre: tuple[float, float] = (0.0, 0.0)
    min_piece: float = 0.0  # smallest value a piece may have (machinery width × depth × coef)


@dataclass
class Assignment:
    status: str  # "optimal", "time_limit", "infeasible"
    pieces: list[tuple[str, str, float]] = field(default_factory=list)  # (household, block, value)
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    candidates: int | None = None  # k, when the model was restricted
    message: str = ""


def entitlement(areas: Sequence[float], coefs: Sequence[float], deduction: float = 0.0) -> float:
    """E = (1 − d) · Σ area × coef."""
    return (1.0 - deduction) * float(np.dot(np.asarray(areas, dtype=float), np.asarray(coefs, dtype=float)))


def capacity_gap(households: Sequence[Household], blocks: Sequence[Block], tolerance: float) -> str | None:
    """Why no assignment can exist, stated with the amounts — or None when the totals can match."""
    total_v = sum(b.value for b in blocks)
    low = sum(h.entitlement for h in households) * (1 - tolerance)
    high = sum(h.entitlement for h in households) * (1 + tolerance)
    if total_v < low:
        return (
            f"新田块总价值 {total_v:.2f} 少于各户应得价值下限 {low:.2f}（容差 ±{tolerance:.0%}），"
            f"差 {low - total_v:.2f}：无法在容差内分配"
        )
    if total_v > high:
        return (
            f"新田块总价值 {total_v:.2f} 超过各户应得价值上限 {high:.2f}（容差 ±{tolerance:.0%}），"
            f"多 {total_v - high:.2f}：田块无法全部分完"
        )
    return None


def _distance(h: Household, b: Block) -> float:
    if h.home is None:
        return 0.0
    return float(np.hypot(h.home[0] - b.centre[0], h.home[1] - b.centre[1]))


def assign(
    households: Sequence[Household],
    blocks: Sequence[Block],
    *,
    tolerance: float = 0.05,
    weights: Weights | None = None,
    candidates: int | None = None,
    time_limit: float = 60.0,
    mip_gap: float = 1e-4,
) -> Assignment:
    """Solve the assignment MIP (module docstring); ``candidates``: k nearest blocks per household."""
    import highspy

    weights = weights or Weights()
    reason = capacity_gap(households, blocks, tolerance)
    if reason is not None:
        return Assignment("infeasible", message=reason)
    nb = len(blocks)
    block_index = {b.code: j for j, b in enumerate(blocks)}
    pairs: list[tuple[int, int]] = []
    for i, h in enumerate(households):
        order = sorted(range(nb), key=lambda j: (_distance(h, blocks[j]), blocks[j].code))
        keep = order if candidates is None else order[: max(1, candidates)]
        keep_set = set(keep) | {block_index[p] for p in h.preferences if p in block_index}
        pairs.extend((i, j) for j in sorted(keep_set))
    n = len(pairs)
    total_v = sum(b.value for b in blocks) or 1.0
    rank: dict[tuple[int, int], int] = {}
    for i, h in enumerate(households):
        for r, code in enumerate(h.preferences):
            if code in block_index:
                rank[(i, block_index[code])] = r
    worst = {i: len(h.preferences) for i, h in enumerate(households)}

    hs = highspy.Highs()
    hs.setOptionValue("output_flag", False)
    hs.setOptionValue("time_limit", float(time_limit))
    hs.setOptionValue("mip_rel_gap", float(mip_gap))
    inf = highspy.kHighsInf
    # Columns: x_0..x_{n-1} (continuous), then y_0..y_{n-1} (binary).
    for k, (i, j) in enumerate(pairs):
        cost = weights.distance * _distance(households[i], blocks[j]) / total_v
        hs.addVar(0.0, min(blocks[j].value, households[i].entitlement * (1 + tolerance)))
        hs.changeColCost(k, cost)
    for k, (i, j) in enumerate(pairs):
        pref = rank.get((i, j), worst[i]) if households[i].preferences else 0
        hs.addVar(0.0, 1.0)
        hs.changeColCost(n + k, weights.pieces + weights.preference * pref)
        hs.changeColIntegrality(n + k, highspy.HighsVarType.kInteger)
    by_block: dict[int, list[int]] = {}
    by_house: dict[int, list[int]] = {}
    for k, (i, j) in enumerate(pairs):
        by_block.setdefault(j, []).append(k)
        by_house.setdefault(i, []).append(k)
    for j, b in enumerate(blocks):
        cols = by_block.get(j, [])
        hs.addRow(b.value, b.value, len(cols), np.array(cols, dtype=np.int32), np.ones(len(cols)))
    for i, h in enumerate(households):
        cols = by_house.get(i, [])
        lo, hi = h.entitlement * (1 - tolerance), h.entitlement * (1 + tolerance)
        hs.addRow(lo, hi, len(cols), np.array(cols, dtype=np.int32), np.ones(len(cols)))
    for k, (_i, j) in enumerate(pairs):
        big = blocks[j].value
        # x − V·y ≤ 0 and x − m·y ≥ 0
        hs.addRow(-inf, 0.0, 2, np.array([k, n + k], dtype=np.int32), np.array([1.0, -big]))
        if blocks[j].min_piece > 0:
            hs.addRow(0.0, inf, 2, np.array([k, n + k], dtype=np.int32), np.array([1.0, -blocks[j].min_piece]))
    hs.run()
    status = hs.getModelStatus()
    info = hs.getInfo()
    if status == highspy.HighsModelStatus.kInfeasible:
        return Assignment("infeasible", message="在容差和最小地块约束下无可行分配（请放宽容差或最小地块宽度）")
    values = np.asarray(hs.getSolution().col_value)
    if values.size < 2 * n:
        return Assignment("infeasible", message=f"求解器未找到可行分配（{hs.modelStatusToString(status)}）")
    pieces = [
        (households[i].code, blocks[j].code, round(float(values[k]), 6))
        for k, (i, j) in enumerate(pairs)
        if values[n + k] > 0.5 and values[k] > 1e-9
    ]
    objective = float(info.objective_function_value)
    bound = float(info.mip_dual_bound)
    gap = abs(objective - bound) / max(abs(objective), 1e-9)
    return Assignment(
        "optimal" if status == highspy.HighsModelStatus.kOptimal else "time_limit",
        pieces=sorted(pieces),
        objective=objective,
        bound=bound,
        gap=gap,
        candidates=candidates,
    )


def check_assignment(
    households: Sequence[Household],
    blocks: Sequence[Block],
    pieces: Sequence[tuple[str, str, float]],
    *,
    tolerance: float = 0.05,
) -> list[str]:
    """Independent check of any allocation (values): every block exactly filled, every household within
    tolerance, no unknown household or block, pieces at least the block's minimum. Empty list: valid."""
    problems: list[str] = []
    known_h = {h.code: h for h in households}
    known_b = {b.code: b for b in blocks}
    got: dict[str, float] = dict.fromkeys(known_h, 0.0)
    filled: dict[str, float] = dict.fromkeys(known_b, 0.0)
    for h, b, v in pieces:
        if h not in known_h:
            problems.append(f"未知承包方 {h}")
            continue
        if b not in known_b:
            problems.append(f"未知田块 {b}")
            continue
        if v < known_b[b].min_piece - 1e-6:
            problems.append(f"田块 {b} 分给 {h} 的价值 {v:.2f} 小于最小地块 {known_b[b].min_piece:.2f}")
        got[h] += v
        filled[b] += v
    for code, block in known_b.items():
        if abs(filled[code] - block.value) > 1e-6 * max(1.0, block.value):
            problems.append(f"田块 {code} 分配价值 {filled[code]:.2f}，应为 {block.value:.2f}（未分完或超分）")
    for code, house in known_h.items():
        want = house.entitlement
        dev = (got[code] - want) / want if want else 0.0
        if abs(dev) > tolerance + FEASIBILITY_TOLERANCE:
            problems.append(
                f"承包方 {code} 分得 {got[code]:.2f}，应得 {want:.2f}，偏差 {dev:+.2%} 超出 ±{tolerance:.0%}"
            )
    return problems


def pieces_per_household(pieces: Sequence[tuple[str, str, float]]) -> Mapping[str, int]:
    out: dict[str, int] = {}
    for h, _b, _v in pieces:
        out[h] = out.get(h, 0) + 1
    return out

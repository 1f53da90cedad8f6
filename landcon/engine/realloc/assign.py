"""权属调整: assignment of consolidated field blocks to households (value-equivalent reallocation).

Value basis (domain.md §6.5 [U], configurable): a household's pooled *entitlement* is the value of
its pooled contract parcels, ``Σ area × quality coefficient``, less the common deduction ``d`` for
new roads and ditches; parcels that must not move (``kept``) stay with it at their own value::

    E_h = (1 − d) · Σ_{p ∈ pooled(h)} area_p · coef(quality_p),   T_h = E_h + K_h

A block's value is ``V_b = area_b · coef(quality_b)``. Variables, for each candidate pair (h, b):
``x_hb ≥ 0`` value of block b given to h and ``y_hb ∈ {0, 1}`` (h has a piece in b)::

    Σ_h x_hb = V_b                                  every block exactly filled
    (1 − t)·T_h − K_h ≤ Σ_b x_hb ≤ (1 + t)·T_h − K_h  each household within tolerance t
    m_b·y_hb ≤ x_hb ≤ min(V_b, (1 + t)·T_h − K_h)·y_hb   a piece is at least the minimum piece m_b
    Σ_b y_hb ≥ 1                                    (valid: every household with E_h > 0 gets a piece)

The objectives are lexicographic (TD/T 1046 便于生产 first, then 便于生活 and 意愿):

1. minimise the number of pieces ``P = Σ y_hb`` (one per household is the target and a lower bound);
2. with ``Σ y_hb ≤ P*``, minimise ``w_d · Σ_h Σ_b dist_hb · x_hb / E_h + w_r · Σ rank_hb · y_hb
   + Σ_h w_v / T_h · |Σ_b x_hb − E_h|``: the sum over households of the value-weighted distance from the
   homestead (metres), plus the preference ranks (0 for the first choice, the list length for an
   unlisted block), plus the relative deviation.

Last step: the layout (which household has a piece in which block) fixed, the values are re-split by an
LP minimising objective 2 plus the money settled, ``w_s · price · |Σ_b x_hb − E_h|`` (``w_s`` metres per
元, default 0), so that the values are exactly optimal for the layout even when the search stopped at
its time limit.

Method: (a) the transport LP — phase 2 without ``y`` (preference cost spread as ``rank/M`` per unit
of ``x``) — over all pairs: its optimum is a lower bound of phase 2, and as a vertex it splits at
most ``|B| − 1`` households; (b) a start: both phases on the LP's pairs plus each household's 3
nearest blocks, from the LP vertex (large instances: households the LP gives one block keep it, the
split ones re-solved); (c) large-neighbourhood search — a block and its 5 nearest
blocks, every household whose pieces all lie there freed and re-solved exactly (pieces below the
minimum first); (d) when the pool has at most ``FULL_MIP_PAIRS`` pairs, phase 2 on the whole pool
from the best answer, to raise the bound; (e) the last step above. Large instances keep each household's ``k`` nearest
blocks, its preferences and, for every block, the nearest households that can fill it.

The minimum piece is soft: ``x_hb + s_hb ≥ m_b·y_hb`` with ``0 ≤ s_hb ≤ m_b``; phase 1 minimises
``Σ s/m`` (weighted ``SHORT_PENALTY``) before the pieces, and phase 2 keeps both. So an answer always
exists; a shortfall left is a piece below the minimum width, named by the geometry check. The gap is
``(obj − bound) / obj`` against the LP bound over all pairs (and the MIP's own dual bound when no
pair was left out).
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from landcon.engine.realloc.params import Weights

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Slack allowed on the tolerance when checking: solutions sit on the ±t bound up to the solver's
#: primal feasibility tolerance (HiGHS default 1e-7) and the 6-decimal rounding of piece values.
FEASIBILITY_TOLERANCE = 1e-6

#: Pairs above which the MIP keeps only each household's k nearest blocks (plus preferences and
#: the start's pairs) when the caller set no ``candidates``.
FULL_MIP_PAIRS = 30_000
AUTO_CANDIDATES = 8
SHORT_PENALTY = 1000.0
"""Phase 1 cost of a piece lacking its whole minimum, in pieces (a shortfall is removed before pieces)."""
COVER = 3.0
"""A block keeps candidate households whose upper bounds reach this multiple of its value."""
LNS_SHARE = 0.5
PHASE1_PAIRS = 2_000
"""Above this many pairs, phase 1 on the whole pool is left to the neighbourhood search (its sub-problems
settle shortfalls and pieces far faster than one big MIP); below, the full MIP can prove the piece count."""
REPAIR_K = 3
"""The start is solved on the LP's pairs plus each household's ``REPAIR_K`` nearest blocks."""
"""Share of the time left that the neighbourhood search takes before the full MIP (small instances)."""


@dataclass(frozen=True)
class Household:
    code: str  # CBFBM
    entitlement: float  # pooled value entitled, after the deduction (E_h)
    home: tuple[float, float] | None = None  # homestead location (projected metres)
    preferences: tuple[str, ...] = ()  # block ids, most wanted first
    kept: float = 0.0  # value of the parcels that stay in place (K_h)

    def bounds(self, tolerance: float) -> tuple[float, float]:
        """Pooled value the household may receive: [(1 − t)·T − K, (1 + t)·T − K], T = E + K."""
        total = self.entitlement + self.kept
        return max(0.0, total * (1 - tolerance) - self.kept), total * (1 + tolerance) - self.kept


@dataclass(frozen=True)
class Block:
    code: str
    value: float  # area × quality coefficient
    centre: tuple[float, float] = (0.0, 0.0)
    min_piece: float = 0.0  # smallest value a piece may have (machinery width × depth × coef)


@dataclass
class Assignment:
    status: str  # "optimal", "time_limit", "infeasible", "no_solution" (none found in time), "baseline"
    pieces: list[tuple[str, str, float]] = field(default_factory=list)  # (household, block, value)
    objective: float | None = None  # phase 2: Σ household distance (m) + weighted preference ranks
    bound: float | None = None  # lower bound of the phase-2 objective
    gap: float | None = None  # (objective − bound) / objective
    piece_count: int | None = None
    piece_bound: int | None = None  # lower bound of the number of pieces
    lp_bound: float | None = None  # the transport LP over all pairs
    candidates: int | None = None  # k, when the MIP was restricted
    short_pieces: int = 0  # pieces below their block's minimum (none could be avoided in time)
    method: list[str] = field(default_factory=list)  # steps taken, for the report
    seconds: float = 0.0
    message: str = ""

    @property
    def piece_gap(self) -> float | None:
        if self.piece_count is None or self.piece_bound is None or not self.piece_count:
            return None
        return (self.piece_count - self.piece_bound) / self.piece_count


def entitlement(areas: Sequence[float], coefs: Sequence[float], deduction: float = 0.0) -> float:
    """E = (1 − d) · Σ area × coef."""
    return (1.0 - deduction) * float(np.dot(np.asarray(areas, dtype=float), np.asarray(coefs, dtype=float)))


def capacity_gap(households: Sequence[Household], blocks: Sequence[Block], tolerance: float) -> str | None:
    """Why no assignment can exist, stated with the amounts — or None when the totals can match."""
    total_v = sum(b.value for b in blocks)
    low = sum(h.bounds(tolerance)[0] for h in households)
    high = sum(h.bounds(tolerance)[1] for h in households)
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


class _Instance:
    """Arrays of one problem: households × blocks, and a subset of pairs (h, b) as columns."""

    def __init__(
        self,
        households: Sequence[Household],
        blocks: Sequence[Block],
        tolerance: float,
        weights: Weights,
        unit_price: float = 0.0,
    ):
        self.households, self.blocks = households, blocks
        self.nh, self.nb = len(households), len(blocks)
        self.value = np.array([b.value for b in blocks], dtype=float)
        self.min_piece = np.array([b.min_piece for b in blocks], dtype=float)
        bounds = np.array([h.bounds(tolerance) for h in households], dtype=float).reshape(-1, 2)
        self.lo, self.hi = bounds[:, 0], bounds[:, 1]
        self.ent = np.array([max(h.entitlement, 1e-9) for h in households], dtype=float)
        self.target = np.array([h.entitlement for h in households], dtype=float)  # E_h
        self.total = np.array([max(h.entitlement + h.kept, 1e-9) for h in households], dtype=float)  # T_h
        centres = np.array([b.centre for b in blocks], dtype=float).reshape(-1, 2)
        homes = np.array([h.home if h.home is not None else (np.nan, np.nan) for h in households], dtype=float)
        dist = np.hypot(homes[:, :1] - centres[None, :, 0], homes[:, 1:2] - centres[None, :, 1])
        self.dist = np.nan_to_num(dist, nan=0.0)
        index = {b.code: j for j, b in enumerate(blocks)}
        self.rank = np.zeros((self.nh, self.nb))
        self.pref_pairs: list[tuple[int, int]] = []
        for i, h in enumerate(households):
            if h.preferences:  # rank = position in the household's own list; unlisted = its length
                self.rank[i, :] = len(h.preferences)
                for r, code in enumerate(h.preferences):
                    if code in index:
                        self.rank[i, index[code]] = min(self.rank[i, index[code]], r)
                        self.pref_pairs.append((i, index[code]))
        self.weights = weights
        self.tolerance = tolerance
        self.unit_price = unit_price
        self.centres = centres

    def big_m(self, ph: IntArray, pb: IntArray) -> FloatArray:
        return np.minimum(self.value[pb], self.hi[ph])

    def cost_x(self, ph: IntArray, pb: IntArray) -> FloatArray:
        return np.asarray(self.weights.distance * self.dist[ph, pb] / self.ent[ph], dtype=float)

    def cost_y(self, ph: IntArray, pb: IntArray) -> FloatArray:
        return np.asarray(self.weights.preference * self.rank[ph, pb], dtype=float)

    def nearest(self, k: int) -> set[tuple[int, int]]:
        """Each household's k nearest blocks and its preferences, and each block's nearest households
        until their upper bounds add up to ``COVER`` times its value (so that every block can be filled
        even when all homesteads sit in one settlement and name the same nearest blocks)."""
        order = np.argsort(self.dist, axis=1, kind="stable")[:, : max(1, k)]
        pairs = {(i, int(j)) for i in range(self.nh) for j in order[i]} | set(self.pref_pairs)
        by_block = np.argsort(self.dist, axis=0, kind="stable")
        for j in range(self.nb):
            reach = np.cumsum(np.minimum(self.hi[by_block[:, j]], self.value[j]))
            last = int(np.searchsorted(reach, COVER * self.value[j])) + 1
            pairs |= {(int(i), j) for i in by_block[: max(k, last), j]}
        return pairs


_BANNER_LOCK = threading.Lock()
_banner_shown = False


@contextlib.contextmanager
def _stdout_on_stderr() -> Iterator[None]:
    """File descriptor 1 pointed at stderr for the block (C-level writes included); a process without
    both descriptors runs the block as it is."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
        os.dup2(2, 1)
    except (OSError, ValueError):
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).fflush(None)  # C stdio buffers go where they were written to
        os.dup2(saved, 1)
        os.close(saved)


def _new_highs() -> Any:
    """A HiGHS instance. The first one of a process prints HiGHS's banner on stdout before any option
    can turn output off; it goes to stderr instead, so that ``--json`` output stays JSON only."""
    global _banner_shown
    import highspy

    with _BANNER_LOCK:
        if _banner_shown:
            return highspy.Highs()
        with _stdout_on_stderr():
            hs = highspy.Highs()
        _banner_shown = True
        return hs


def _highs(time_limit: float, mip_gap: float) -> Any:
    hs = _new_highs()
    hs.setOptionValue("output_flag", False)
    hs.setOptionValue("time_limit", max(0.5, float(time_limit)))
    hs.setOptionValue("mip_rel_gap", float(mip_gap))
    hs.setOptionValue("threads", 1)
    return hs


def _add_rows(hs: Any, matrix: sp.csr_matrix, lower: FloatArray, upper: FloatArray) -> None:
    matrix = matrix.tocsr()
    hs.addRows(
        matrix.shape[0],
        np.asarray(lower, dtype=float),
        np.asarray(upper, dtype=float),
        matrix.nnz,
        matrix.indptr.astype(np.int32),
        matrix.indices.astype(np.int32),
        matrix.data.astype(float),
    )


def _value_rows(
    inst: _Instance, ph: IntArray, pb: IntArray, ncols: int, dev: int
) -> tuple[sp.csr_matrix, FloatArray, FloatArray]:
    """Block fill rows ``Σ_h x_hb = V_b`` and household rows ``Σ_b x_hb − d⁺_h + d⁻_h = E_h`` over the x
    columns 0..n−1 and the deviation columns d⁺ (``dev`` …) and d⁻ (``dev + nh`` …)."""
    n, nh = len(ph), inst.nh
    cols = np.arange(n)
    blocks = sp.csr_matrix((np.ones(n), (pb, cols)), shape=(inst.nb, ncols))
    house = np.arange(nh)
    houses = sp.csr_matrix(
        (
            np.concatenate([np.ones(n), -np.ones(nh), np.ones(nh)]),
            (np.concatenate([ph, house, house]), np.concatenate([cols, dev + house, dev + nh + house])),
        ),
        shape=(nh, ncols),
    )
    target = np.concatenate([inst.value, inst.target])
    return sp.vstack([blocks, houses]).tocsr(), target, target


def _dev_columns(inst: _Instance) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Bounds and cost of d⁺ then d⁻: 0 ≤ d⁺ ≤ hi − E, 0 ≤ d⁻ ≤ E − lo, cost ``w_v / T_h + w_s · price``
    each (relative deviation, and money settled at ``w_s`` metres per 元)."""
    upper = np.concatenate([np.maximum(inst.hi - inst.target, 0.0), np.maximum(inst.target - inst.lo, 0.0)])
    cost = np.tile(inst.weights.deviation / inst.total + inst.weights.settlement * inst.unit_price, 2)
    return np.zeros(2 * inst.nh), upper, cost


def _dev_start(inst: _Instance, ph: IntArray, x: FloatArray) -> FloatArray:
    got = np.bincount(ph, weights=x, minlength=inst.nh)
    diff = got - inst.target
    return np.concatenate([np.maximum(diff, 0.0), np.maximum(-diff, 0.0)])


def _transport_lp(inst: _Instance, ph: IntArray, pb: IntArray, time_limit: float) -> tuple[str, FloatArray, float]:
    """Phase 2 relaxed to x only: min Σ (c_x + c_y / M)·x + deviation cost over the given pairs.
    Returns (status, x, objective)."""
    import highspy

    n = len(ph)
    big = inst.big_m(ph, pb)
    hs = _highs(time_limit, 1e-4)
    dev_lo, dev_hi, dev_cost = _dev_columns(inst)
    ncols = n + 2 * inst.nh
    hs.addVars(ncols, np.concatenate([np.zeros(n), dev_lo]), np.concatenate([big, dev_hi]))
    cost = np.concatenate([inst.cost_x(ph, pb) + inst.cost_y(ph, pb) / np.maximum(big, 1e-9), dev_cost])
    hs.changeColsCost(ncols, np.arange(ncols, dtype=np.int32), cost)
    rows, lower, upper = _value_rows(inst, ph, pb, ncols, n)
    _add_rows(hs, rows, lower, upper)
    hs.run()
    status = hs.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        return hs.modelStatusToString(status), np.zeros(n), math.inf
    return "optimal", np.asarray(hs.getSolution().col_value)[:n], float(hs.getInfo().objective_function_value)


@dataclass
class _MipResult:
    status: str
    x: FloatArray
    y: FloatArray
    objective: float
    bound: float
    short: float  # Σ s_k / m_k: pieces' shortfall below the minimum, in pieces

    @property
    def key(self) -> tuple[float, int]:
        """Lexicographic rank of phase 1: shortfall below the minimum piece first, then the pieces."""
        return (round(self.short, 6), round(float(self.y.sum())))


def _shortfall(inst: _Instance, pb: IntArray, x: FloatArray, y: FloatArray) -> FloatArray:
    """s_k = max(0, m_k·y_k − x_k): how much a piece lacks of its block's minimum."""
    return np.asarray(np.maximum(inst.min_piece[pb] * y - x, 0.0), dtype=float)


def _key(inst: _Instance, pb: IntArray, x: FloatArray, y: FloatArray) -> tuple[float, int]:
    return (round(_short_count(inst, pb, x, y), 6), round(float(y.sum())))


def _short_count(inst: _Instance, pb: IntArray, x: FloatArray, y: FloatArray) -> float:
    m = inst.min_piece[pb]
    return float(np.sum(np.where(m > 0, _shortfall(inst, pb, x, y) / np.maximum(m, 1e-12), 0.0)))


def _mip(
    inst: _Instance,
    ph: IntArray,
    pb: IntArray,
    *,
    phase: int,
    cap: int | None,
    start: tuple[FloatArray, FloatArray] | None,
    time_limit: float,
    mip_gap: float,
    report: list[str] | None = None,
    short_cap: float | None = None,
    fixed: npt.NDArray[np.bool_] | None = None,
) -> _MipResult | None:
    """Phase 1 (min Σy + SHORT_PENALTY · Σ s/m) or phase 2 (min c_x·x + c_y·y + deviation cost, with Σy ≤ cap
    and Σ s/m ≤ short_cap) over the pairs. The minimum piece is soft — ``x + s ≥ m·y`` with a shortfall
    ``0 ≤ s ≤ m`` that phase 1 drives to zero first — so that a start always exists; a shortfall left in
    the answer is a piece below the minimum width, which the geometry check reports.
    Columns: x (n), y (n), s (n), d⁺ (nh), d⁻ (nh). None: no solution found."""
    import highspy

    n, nh = len(ph), inst.nh
    ncols = 3 * n + 2 * nh
    inf = highspy.kHighsInf
    big = inst.big_m(ph, pb)
    m = inst.min_piece[pb]
    per_piece = np.where(m > 0, 1.0 / np.maximum(m, 1e-12), 0.0)
    hs = _highs(time_limit, mip_gap)
    y_lo = np.zeros(n) if fixed is None else fixed.astype(float)  # fixed pairs keep their piece
    dev_lo, dev_hi, dev_cost = _dev_columns(inst)
    hs.addVars(
        ncols, np.concatenate([np.zeros(n), y_lo, np.zeros(n), dev_lo]), np.concatenate([big, np.ones(n), m, dev_hi])
    )
    if phase == 1:
        cost = np.concatenate([np.zeros(n), np.ones(n), SHORT_PENALTY * per_piece, np.zeros(2 * nh)])
    else:
        cost = np.concatenate([inst.cost_x(ph, pb), inst.cost_y(ph, pb), np.zeros(n), dev_cost])
    idx = np.arange(ncols, dtype=np.int32)
    hs.changeColsCost(ncols, idx, cost)
    hs.changeColsIntegrality(n, idx[n : 2 * n], np.full(n, highspy.HighsVarType.kInteger, dtype=np.uint8))
    rows, lower, upper = _value_rows(inst, ph, pb, ncols, 3 * n)
    cols = np.arange(n)
    pair_cols = (np.concatenate([cols, cols]), np.concatenate([cols, cols + n]))
    link_hi = sp.csr_matrix((np.concatenate([np.ones(n), -big]), pair_cols), shape=(n, ncols))
    link_lo = sp.csr_matrix(
        (
            np.concatenate([np.ones(n), -m, np.ones(n)]),
            (np.tile(cols, 3), np.concatenate([cols, cols + n, cols + 2 * n])),
        ),
        shape=(n, ncols),
    )
    at_least = sp.csr_matrix((np.ones(n), (ph, cols + n)), shape=(nh, ncols))
    blocks = [rows, link_hi, link_lo, at_least]
    lower_parts = [lower, np.full(n, -inf), np.zeros(n), np.where(inst.hi > 0, 1.0, 0.0)]
    upper_parts = [upper, np.zeros(n), np.full(n, inf), np.full(nh, inf)]
    one_row = np.zeros(n, dtype=np.int64)
    if cap is not None:
        blocks.append(sp.csr_matrix((np.ones(n), (one_row, cols + n)), shape=(1, ncols)))
        lower_parts.append(np.array([-inf]))
        upper_parts.append(np.array([float(cap)]))
    if short_cap is not None:
        blocks.append(sp.csr_matrix((per_piece, (one_row, cols + 2 * n)), shape=(1, ncols)))
        lower_parts.append(np.array([-inf]))
        upper_parts.append(np.array([float(short_cap) + 1e-6]))
    _add_rows(hs, sp.vstack(blocks).tocsr(), np.concatenate(lower_parts), np.concatenate(upper_parts))
    if start is not None:
        sol = highspy.HighsSolution()
        s_start = _shortfall(inst, pb, *start)
        sol.col_value = list(np.concatenate([start[0], start[1], s_start, _dev_start(inst, ph, start[0])]))
        sol.value_valid = True
        hs.setSolution(sol)
    hs.run()
    status = hs.getModelStatus()
    values = np.asarray(hs.getSolution().col_value)
    info = hs.getInfo()
    if values.size < ncols or info.primal_solution_status != 2:  # 2: kSolutionStatusFeasible
        if report is not None:
            report.append("infeasible" if status == highspy.HighsModelStatus.kInfeasible else "no_solution")
        return None
    label = "optimal" if status == highspy.HighsModelStatus.kOptimal else "time_limit"
    x, y = values[:n], np.round(values[n : 2 * n])
    return _MipResult(
        label, x, y, float(info.objective_function_value), float(info.mip_dual_bound), _short_count(inst, pb, x, y)
    )


def _pairs(pairs: set[tuple[int, int]]) -> tuple[IntArray, IntArray]:
    ordered = sorted(pairs)
    ph = np.array([p[0] for p in ordered], dtype=np.int64)
    pb = np.array([p[1] for p in ordered], dtype=np.int64)
    return ph, pb


def _phase2_objective(inst: _Instance, ph: IntArray, pb: IntArray, x: FloatArray, y: FloatArray) -> float:
    return float(inst.cost_x(ph, pb) @ x + inst.cost_y(ph, pb) @ y + _dev_columns(inst)[2] @ _dev_start(inst, ph, x))


def _neighbourhood_search(
    inst: _Instance,
    ph: IntArray,
    pb: IntArray,
    x: FloatArray,
    y: FloatArray,
    deadline: float,
    *,
    size: int = 6,
    sub_time: float = 5.0,
) -> tuple[FloatArray, FloatArray, int]:
    """Large-neighbourhood search (decomposition of big instances): for each block in turn, free every
    household whose pieces all lie among that block and its ``size − 1`` nearest blocks, and solve that
    sub-problem exactly (phase 1, then phase 2 with its piece count) against the blocks' value left by
    everyone else; keep what improves. Both objectives are sums over households, so a sub-problem's gain
    is the whole problem's. Stops at the deadline or after a full pass without improvement."""
    x, y = x.copy(), y.copy()
    nearest = np.argsort(np.hypot(*(inst.centres[:, None, :] - inst.centres[None, :, :]).transpose(2, 0, 1)), axis=1)
    rounds = 0
    quiet = 0
    j0 = 0
    while time.monotonic() < deadline - 0.5 and quiet < inst.nb:
        rounds += 1
        held = y > 0.5
        short_blocks = np.unique(pb[held & (_shortfall(inst, pb, x, y) > 1e-6)])
        if short_blocks.size and quiet < inst.nb // 2:  # pieces below the minimum are repaired first
            seed = int(short_blocks[(rounds - 1) % short_blocks.size])
        else:
            seed, j0 = j0, (j0 + 1) % inst.nb
        area = set(nearest[seed, : min(size, inst.nb)].tolist())
        outside = np.zeros(inst.nh, dtype=bool)
        outside[ph[held & ~np.isin(pb, list(area))]] = True
        inside = np.zeros(inst.nh, dtype=bool)
        inside[ph[held & np.isin(pb, list(area))]] = True
        free = np.flatnonzero(inside & ~outside)
        if free.size == 0:
            quiet += 1
            continue
        cols = np.flatnonzero(np.isin(ph, free) & np.isin(pb, list(area)))
        blocks_sorted = sorted(area)
        fixed_value = np.bincount(
            pb[held & ~np.isin(ph, free)], weights=x[held & ~np.isin(ph, free)], minlength=inst.nb
        )
        sub_blocks = [
            Block(
                inst.blocks[j].code,
                float(inst.value[j] - fixed_value[j]),
                tuple(inst.centres[j]),
                inst.blocks[j].min_piece,
            )
            for j in blocks_sorted
        ]
        sub = _Instance(
            [inst.households[int(i)] for i in free], sub_blocks, inst.tolerance, inst.weights, inst.unit_price
        )
        hmap = {int(i): n for n, i in enumerate(free)}
        bmap = {j: n for n, j in enumerate(blocks_sorted)}
        sh = np.array([hmap[int(i)] for i in ph[cols]], dtype=np.int64)
        sb = np.array([bmap[int(j)] for j in pb[cols]], dtype=np.int64)
        old_obj = _phase2_objective(sub, sh, sb, x[cols], y[cols])
        old_key = _key(sub, sb, x[cols], y[cols])
        cur, key = (x[cols], y[cols]), old_key
        budget = min(sub_time, deadline - time.monotonic())
        if budget < 0.5:
            break
        if key > (0.0, free.size):
            p1 = _mip(sub, sh, sb, phase=1, cap=None, start=cur, time_limit=budget / 2, mip_gap=0.0)
            if p1 is not None and p1.key < key:
                cur, key = (p1.x, p1.y), p1.key
        left = max(0.5, min(budget, deadline - time.monotonic()))
        p2 = _mip(sub, sh, sb, phase=2, cap=key[1], short_cap=key[0], start=cur, time_limit=left, mip_gap=1e-3)
        if p2 is not None and p2.key <= key and p2.objective <= _phase2_objective(sub, sh, sb, *cur) + 1e-9:
            cur, key = (p2.x, p2.y), p2.key
        new_obj = _phase2_objective(sub, sh, sb, *cur)
        if key < old_key or (key == old_key and new_obj < old_obj - 1e-6 * max(1.0, abs(old_obj))):
            x[cols], y[cols] = cur
            quiet = 0
        else:
            quiet += 1
    return x, y, rounds


def assign(
    households: Sequence[Household],
    blocks: Sequence[Block],
    *,
    tolerance: float = 0.05,
    weights: Weights | None = None,
    candidates: int | None = None,
    time_limit: float = 60.0,
    mip_gap: float = 1e-4,
    unit_price: float = 0.0,
) -> Assignment:
    """Solve the lexicographic assignment (module docstring) within ``time_limit`` seconds in all;
    ``unit_price`` (元 per standard m²) prices the money settled at ``weights.settlement`` metres per 元
    (0: no settlement term)."""
    started = time.monotonic()

    def left() -> float:
        return time_limit - (time.monotonic() - started)

    weights = weights or Weights()
    reason = capacity_gap(households, blocks, tolerance)
    if reason is not None:
        return Assignment("infeasible", message=reason)
    inst = _Instance(households, blocks, tolerance, replace(weights, settlement=0.0), unit_price)
    priced = _Instance(households, blocks, tolerance, weights, unit_price)
    method: list[str] = []
    all_h, all_b = np.divmod(np.arange(inst.nh * inst.nb, dtype=np.int64), inst.nb)
    lp_status, x_lp, lp_obj = _transport_lp(inst, all_h, all_b, max(1.0, left()))
    if lp_status != "optimal":
        return Assignment("infeasible", message=f"在容差约束下无可行分配（线性松弛: {lp_status}）")
    method.append(f"运输问题线性松弛（全部 {inst.nh * inst.nb} 个户-田块组合）下界 {lp_obj:.2f}")
    support = x_lp > 1e-7
    sup_pairs = {(int(i), int(j)) for i, j in zip(all_h[support], all_b[support], strict=True)}
    per_house = np.bincount(all_h[support], minlength=inst.nh)

    # Pairs of the MIP: everything when small, else k nearest + preferences + LP support.
    k = candidates
    if k is None and inst.nh * inst.nb > FULL_MIP_PAIRS:
        k = AUTO_CANDIDATES
    pool = set(zip(all_h.tolist(), all_b.tolist(), strict=True)) if k is None else inst.nearest(k) | sup_pairs
    restricted = k is not None and len(pool) < inst.nh * inst.nb
    if restricted:
        method.append(f"每户限最近 {k} 个田块及意愿田块（{len(pool)} 个组合）")

    # (b) the start, from the LP vertex.
    split = per_house != 1
    if restricted:
        # Large instances: households the LP gives one block keep it (their value still free within the
        # tolerance), the split ones are solved exactly — the start stays as near home as the LP.
        rh, rb = _pairs({(i, j) for (i, j) in sup_pairs if not split[i]} | {(i, j) for (i, j) in pool if split[i]})
        fixed: npt.NDArray[np.bool_] | None = ~split[rh]
    else:
        rh, rb = _pairs(sup_pairs | (inst.nearest(REPAIR_K) & pool))
        fixed = None
    best: tuple[IntArray, IntArray, FloatArray, FloatArray] | None = None
    lp_x = x_lp[rh * inst.nb + rb]  # the LP vertex is a feasible start (the minimum piece being soft)
    lp_start = (lp_x, (lp_x > 1e-7).astype(float))
    first = _mip(
        inst, rh, rb, phase=1, cap=None, start=lp_start, time_limit=max(1.0, 0.2 * left()), mip_gap=0.0, fixed=fixed
    )
    if first is not None:
        second = _mip(
            inst, rh, rb, phase=2, cap=first.key[1], short_cap=first.key[0], start=(first.x, first.y),
            time_limit=max(1.0, 0.05 * left()), mip_gap=mip_gap, fixed=fixed,
        )  # fmt: skip
        chosen = second if second is not None and second.key <= first.key else first
        best = (rh, rb, chosen.x, chosen.y)
        how = "其余户固定在线性松弛的田块" if restricted else f"其组合加每户最近 {REPAIR_K} 个田块"
        method.append(f"初始方案（线性松弛拆分 {int(split.sum())} 户；{how}）: {int(chosen.y.sum())} 块")

    # (c) the lexicographic MIP over the pool, from the best start.
    ph, pb = _pairs(pool)
    where = {p: n for n, p in enumerate(zip(ph.tolist(), pb.tolist(), strict=True))}

    def lift(sol: tuple[IntArray, IntArray, FloatArray, FloatArray] | None) -> tuple[FloatArray, FloatArray] | None:
        if sol is None:
            return None
        x, y = np.zeros(len(ph)), np.zeros(len(ph))
        for i, j, xv, yv in zip(sol[0].tolist(), sol[1].tolist(), sol[2], sol[3], strict=True):
            if yv > 0.5:
                x[where[(i, j)]], y[where[(i, j)]] = xv, 1.0
        return x, y

    start = lift(best)
    piece_bound = int(np.count_nonzero(inst.hi > 0))
    key = _key(inst, pb, *start) if start is not None else None
    phase1_bound = float(piece_bound)
    bound = lp_obj
    status = "time_limit"
    if restricted and start is not None:
        # (c′) large instances: decomposition by neighbourhoods of blocks instead of one big MIP.
        x_n, y_n, rounds = _neighbourhood_search(inst, ph, pb, *start, started + time_limit)
        start, key = (x_n, y_n), _key(inst, pb, x_n, y_n)
        method.append(f"邻域分解搜索 {rounds} 轮（每轮 6 个相邻田块）")
        method.append(f"阶段一（地块数）: {key[1]} 块，下界 {int(phase1_bound)}")
        objective = _phase2_objective(inst, ph, pb, *start)
    else:
        outcome: list[str] = []
        if key is None or (key > (0.0, piece_bound) and len(ph) <= PHASE1_PAIRS):
            p1 = _mip(
                inst, ph, pb, phase=1, cap=None, start=start, time_limit=max(1.0, 0.4 * left()), mip_gap=0.0,
                report=outcome,
            )  # fmt: skip
            if p1 is not None and (key is None or p1.key < key):
                start, key = (p1.x, p1.y), p1.key
            if p1 is not None and key is not None and key[0] == 0:
                phase1_bound = max(phase1_bound, math.ceil(p1.bound - 1e-6))
        if start is None or key is None:
            if outcome == ["infeasible"]:
                return Assignment(
                    "infeasible", message="在容差和最小地块约束下无可行分配（请放宽容差或最小地块宽度）", method=method
                )
            return Assignment(
                "no_solution",
                message=f"{time_limit:.0f} 秒内未找到分配（请增加求解时间或放宽最小地块宽度）",
                method=method,
            )
        method.append(f"阶段一（地块数）: {key[1]} 块，下界 {int(phase1_bound)}")
        if left() > 4.0:
            # A good incumbent first (neighbourhoods), then the full MIP to raise the bound from it.
            share = LNS_SHARE if key[0] == 0 else 0.8
            x_n, y_n, rounds = _neighbourhood_search(inst, ph, pb, *start, time.monotonic() + share * left())
            start, key = (x_n, y_n), _key(inst, pb, x_n, y_n)
            method.append(f"邻域分解搜索 {rounds} 轮（每轮 6 个相邻田块）")
        objective = _phase2_objective(inst, ph, pb, *start)
        p2 = _mip(
            inst, ph, pb, phase=2, cap=key[1], short_cap=key[0], start=start, time_limit=max(1.0, left()),
            mip_gap=mip_gap,
        )  # fmt: skip
        if p2 is not None and p2.key <= key and p2.objective <= objective + 1e-9:
            start, objective, key = (p2.x, p2.y), p2.objective, p2.key
        if p2 is not None:
            bound = max(bound, p2.bound)  # valid: the lexicographic optimum has at most `count` pieces
            if p2.status == "optimal" and key == (0.0, phase1_bound):
                status = "optimal"
    if start is not None and key is not None:  # an LP over the chosen pieces: milliseconds, run even at the limit
        start = _polish(inst, priced, ph, pb, start, key, max(1.0, left()), method)
        objective = _phase2_objective(inst, ph, pb, *start)
    count = key[1]
    short = int(np.count_nonzero(_shortfall(inst, pb, *start) > 1e-6))
    if short:
        method.append(f"{short} 块小于最小地块（无法全部满足最小宽度，核查将列出）")
    method.append(f"阶段二（距离与意愿）: {objective:.2f}，下界 {bound:.2f}")
    x, y = start
    pieces = [
        (households[i].code, blocks[j].code, round(float(x[n]), 6))
        for n, (i, j) in enumerate(zip(ph.tolist(), pb.tolist(), strict=True))
        if y[n] > 0.5 and x[n] > 1e-9
    ]
    gap = max(0.0, objective - bound) / max(abs(objective), 1e-9)
    if status != "optimal" and gap <= mip_gap and key == (0.0, phase1_bound):
        status = "optimal"
    return Assignment(
        status,
        pieces=sorted(pieces),
        objective=objective,
        bound=bound,
        gap=gap,
        piece_count=count,
        piece_bound=int(phase1_bound),
        lp_bound=lp_obj,
        candidates=k if restricted else None,
        short_pieces=short,
        method=method,
        seconds=time.monotonic() - started,
    )


def _polish(
    inst: _Instance,
    priced: _Instance,
    ph: IntArray,
    pb: IntArray,
    start: tuple[FloatArray, FloatArray],
    key: tuple[float, int],
    time_limit: float,
    method: list[str],
) -> tuple[FloatArray, FloatArray]:
    """The values of the chosen pieces re-solved exactly with the layout fixed (an LP: every ``y`` of the
    chosen pairs fixed to 1, no other pair) under ``priced`` — the objective with the money settled
    priced — so that the settlement and the distance are optimal for the layout even when the search
    stopped at its time limit. Kept only when it lowers that objective without adding shortfall."""
    x, y = start
    chosen = np.flatnonzero(y > 0.5)
    if chosen.size == 0:
        return start
    sh, sb = ph[chosen], pb[chosen]
    current = _phase2_objective(priced, sh, sb, x[chosen], y[chosen])
    result = _mip(
        priced, sh, sb, phase=2, cap=None, short_cap=key[0], start=(x[chosen], y[chosen]),
        time_limit=max(0.5, time_limit), mip_gap=0.0, fixed=np.ones(chosen.size, dtype=bool),
    )  # fmt: skip
    if result is None or result.objective >= current - 1e-9 * max(1.0, abs(current)):
        return start
    short, count = _key(inst, sb, result.x, result.y)
    if count > key[1] or short > key[0] + 1e-5:  # the shortfall as rounded to 6 decimals may tie
        return start
    new_x = np.zeros_like(x)
    new_x[chosen] = result.x
    method.append(f"固定地块布局，重分各块价值（线性规划）: {current:.2f} → {result.objective:.2f}")
    return new_x, y.copy()


def block_priority(households: Sequence[Household], blocks: Sequence[Block]) -> list[tuple[str, str, float]]:
    """Baseline of Turkish practice: households by entitlement (largest first) fill the blocks in their
    given order, each taking ``E_h · Σ V_b / Σ E_h`` (exact fill), split where a block runs out."""
    total_v = sum(b.value for b in blocks)
    total_e = sum(h.entitlement for h in households) or 1.0
    scale = total_v / total_e
    pieces: list[tuple[str, str, float]] = []
    j, room = 0, blocks[0].value if blocks else 0.0
    for h in sorted(households, key=lambda h: (-h.entitlement, h.code)):
        want = h.entitlement * scale
        while want > 1e-9 and j < len(blocks):
            take = min(want, room)
            if take > 1e-9:
                pieces.append((h.code, blocks[j].code, round(take, 6)))
            want -= take
            room -= take
            if room <= 1e-9:
                j += 1
                room = blocks[j].value if j < len(blocks) else 0.0
    return pieces


def check_assignment(
    households: Sequence[Household],
    blocks: Sequence[Block],
    pieces: Sequence[tuple[str, str, float]],
    *,
    tolerance: float = 0.05,
) -> list[str]:
    """Independent check of any allocation (values): every block exactly filled, every household within
    tolerance of T_h = E_h + K_h (kept parcels count as received), no unknown household or block,
    pieces at least the block's minimum. Empty list: valid."""
    problems: list[str] = []
    known_h = {h.code: h for h in households}
    known_b = {b.code: b for b in blocks}
    got: dict[str, float] = {code: h.kept for code, h in known_h.items()}
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
        want = house.entitlement + house.kept
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

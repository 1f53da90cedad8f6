"""Benchmark: the money settled by one layout of the demo village, its values split without and with
the settlement price (the last step of ``engine.realloc.assign``: the chosen pieces fixed, an LP).

    .venv/bin/python bench/bench_realloc_layout_settlement.py [SECONDS]      # default 60

The demo village (as ``make run``: county 530124, 20,000 图斑, seed 1; blocks 1,000 × 200 m) is solved
once with the default parameters (no price on money) for SECONDS. Its pieces (household, block) are then
kept and their values re-split exactly with ``weights.settlement`` = 0, 0.05, 0.1 and 1 metre per 元.
Printed as JSON: money paid to households
and received from them (元), households settled, the largest amount of one household, and the mean
distance from homestead to block centre weighted by value (m).
"""

from __future__ import annotations

import importlib
import json
import sys
from dataclasses import replace
from typing import Any

import numpy as np

A = importlib.import_module("landcon.engine.realloc.assign")
P = importlib.import_module("landcon.engine.realloc.pipeline")


def _money(inst: Any, ph: np.ndarray, pb: np.ndarray, x: np.ndarray, price: float) -> dict[str, Any]:
    got = np.bincount(ph, weights=x, minlength=inst.nh)
    money = (inst.target - got) * price
    return {
        "paid": round(float(money[money > 0].sum()), 2),
        "received": round(float(-money[money < 0].sum()), 2),
        "settled_households": int((np.abs(money) >= 0.01).sum()),
        "max_household": round(float(np.abs(money).max()), 2),
        "mean_distance_m": round(float((inst.dist[ph, pb] * x).sum() / x.sum()), 1),
    }


def main() -> None:
    from landcon.engine.realloc.params import Params, Weights
    from landcon.synth.county import generate_county
    from landcon.synth.realloc import generate_realloc

    limit = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    seen: dict[str, Any] = {}
    solve = A.assign

    def keep(households: Any, blocks: Any, **kw: Any) -> Any:  # the solver's input and its raw answer
        seen.update(h=households, b=blocks, kw=kw)
        return solve(households, blocks, **kw)

    P.assign = keep
    layers = generate_county("530124", features=20_000, seed=1)
    inst = generate_realloc(layers["DLTB"], layers["CJDCQ"], block_size=(1000.0, 200.0))
    people = inst.households.copy()
    for column in ("PREFS", "LOCKED"):
        people[column] = [tuple(p for p in str(t).split(";") if p) for t in people[column]]
    for axis in ("X", "Y"):
        people[axis] = people[axis].astype(float)
    result = P.reallocate(P.ReallocInput(inst.parcels, people, inst.blocks, inst.roads), Params(time_limit=limit))
    hh, bl, price = seen["h"], seen["b"], float(seen["kw"]["unit_price"])
    hidx = {h.code: i for i, h in enumerate(hh)}
    bidx = {b.code: j for j, b in enumerate(bl)}
    pieces = result.assignment.pieces
    ph = np.array([hidx[h] for h, _, _ in pieces], dtype=np.int64)
    pb = np.array([bidx[b] for _, b, _ in pieces], dtype=np.int64)
    x, y = np.array([v for _, _, v in pieces], dtype=float), np.ones(len(pieces))
    out: dict[str, Any] = {"seconds": limit, "households": len(hh), "pieces": len(pieces)}
    for w in (0.0, 0.05, 0.1, 1.0):
        weights = replace(Weights(), settlement=w)
        base = A._Instance(hh, bl, 0.05, replace(weights, settlement=0.0), price)
        priced = A._Instance(hh, bl, 0.05, weights, price)
        nx, _ = A._polish(base, priced, ph, pb, (x, y), A._key(base, pb, x, y), 30.0, [])
        out[f"settlement={w}"] = _money(base, ph, pb, nx, price)
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

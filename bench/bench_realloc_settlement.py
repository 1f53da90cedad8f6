"""Benchmark: money settled by the tenure reallocation (权属调整) without and with the settlement price.

    .venv/bin/python bench/bench_realloc_settlement.py                       # both instances, 120 s each
    .venv/bin/python bench/bench_realloc_settlement.py --only village-synth --time-limit 60

Each instance is solved twice with the same time limit: once with ``weights.settlement = 0`` (no price
on money, the default) and once with ``--weight`` metres per 元 (default 0.1). Reported per run: money
paid to households and received from them (元, sum of the household table's ``settlement`` column by
sign), the largest amount one household pays or receives, the pieces after, the mean distance after
(value-weighted, metres), the largest |deviation|, and the solver's status and gap.

Instances:

* ``village-synth``    — the demo village (``make run``: county 530124, 20,000 图斑, seed 1; the village
  with the most 耕地; blocks 1,000 × 200 m), the whole pipeline;
* ``village-abstract`` — 300 households, 20 blocks in 3 × 3 km (as ``bench_realloc.py``), assignment
  only, price 20 元 per standard m².

Results go to ``bench/out/realloc_settlement.json``; docs/realloc.md quotes them.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCENARIOS = ("village-synth", "village-abstract")


def _money(values: list[float]) -> dict[str, float]:
    paid = sum(v for v in values if v > 0)  # positive: the household receives money (got less land)
    received = -sum(v for v in values if v < 0)
    return {
        "settlement_paid": round(paid, 2),
        "settlement_received": round(received, 2),
        "max_paid_household": round(max([v for v in values if v > 0], default=0.0), 2),
        "max_received_household": round(-min([v for v in values if v < 0], default=0.0), 2),
        "households_settled": sum(1 for v in values if abs(v) >= 0.01),
    }


def _synth(limit: float, settlement: float | None) -> dict[str, Any]:
    from landcon.engine.realloc import Params
    from landcon.engine.realloc.pipeline import ReallocInput, reallocate
    from landcon.synth.county import generate_county
    from landcon.synth.realloc import generate_realloc

    layers = generate_county("530124", features=20_000, seed=1)
    inst = generate_realloc(layers["DLTB"], layers["CJDCQ"], block_size=(1000.0, 200.0))
    people = inst.households.copy()
    for column in ("PREFS", "LOCKED"):
        people[column] = [tuple(p for p in str(t).split(";") if p) for t in people[column]]
    for axis in ("X", "Y"):
        people[axis] = people[axis].astype(float)
    params = Params(time_limit=limit)
    if settlement is not None:
        params = replace(params, weights=replace(params.weights, settlement=settlement))
    started = time.perf_counter()
    result = reallocate(ReallocInput(inst.parcels, people, inst.blocks, inst.roads), params)
    seconds = time.perf_counter() - started
    ind = result.indicators
    return {
        "scope": inst.name,
        "households": len(inst.households),
        "blocks": len(inst.blocks),
        "settlement_weight": params.weights.settlement,
        "unit_price": params.unit_price,
        "seconds": round(seconds, 1),
        "status": result.assignment.status,
        "gap": result.assignment.gap,
        "parcels_before": ind.get("parcels_before"),
        "pieces_after": ind.get("parcels_after"),
        "mean_distance_before": ind.get("mean_distance_before"),
        "mean_distance_after": ind.get("mean_distance_after"),
        "max_abs_deviation": ind.get("max_abs_deviation"),
        **_money([float(v) for v in result.table["settlement"]]),
        "violations": len(result.check.violations),
    }


def _abstract(limit: float, settlement: float | None) -> dict[str, Any]:
    import numpy as np

    from landcon.engine.realloc import Block, Household, Weights, assign

    rng = np.random.default_rng(1)
    size, nb, nh, price = 3000.0, 20, 300, 20.0
    blocks = [
        Block(f"B{j:03d}", float(rng.uniform(800, 1500)), (float(rng.uniform(0, size)), float(rng.uniform(0, size))))
        for j in range(nb)
    ]
    shares = rng.uniform(0.5, 1.5, nh)
    shares = shares / shares.sum() * sum(b.value for b in blocks)
    households = []
    for i in range(nh):
        prefs: tuple[str, ...] = ()
        if rng.random() < 0.6:
            prefs = tuple(f"B{j:03d}" for j in rng.choice(nb, size=int(rng.integers(0, 3)), replace=False))
        home = (float(rng.uniform(0, size)), float(rng.uniform(0, size)))
        households.append(Household(f"H{i:04d}", float(shares[i]), home, prefs))
    weights = Weights() if settlement is None else replace(Weights(), settlement=settlement)
    started = time.perf_counter()
    result = assign(households, blocks, tolerance=0.05, weights=weights, time_limit=limit, unit_price=price)
    seconds = time.perf_counter() - started
    got: dict[str, float] = {}
    far: dict[str, float] = {}
    centre = {b.code: b.centre for b in blocks}
    for h, _b, v in result.pieces:
        got[h] = got.get(h, 0.0) + v
    homes = {h.code: h.home for h in households}
    for h, b, v in result.pieces:
        home = homes[h] or (0.0, 0.0)
        far[h] = far.get(h, 0.0) + v * float(np.hypot(home[0] - centre[b][0], home[1] - centre[b][1]))
    settle = [(h.entitlement - got.get(h.code, 0.0)) * price for h in households]
    return {
        "households": nh,
        "blocks": nb,
        "settlement_weight": weights.settlement,
        "unit_price": price,
        "seconds": round(seconds, 1),
        "status": result.status,
        "gap": result.gap,
        "pieces_after": result.piece_count,
        "mean_distance_after": round(sum(far.values()) / sum(got.values()), 1),
        "max_abs_deviation": max(abs(got.get(h.code, 0.0) - h.entitlement) / h.entitlement for h in households),
        **_money(settle),
    }


def one(name: str, limit: float, settlement: float | None) -> dict[str, Any]:
    out = _synth(limit, settlement) if name == "village-synth" else _abstract(limit, settlement)
    out["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=SCENARIOS, action="append")
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds per solve")
    parser.add_argument("--weight", type=float, default=0.1, help="weights.settlement of the priced run (m per 元)")
    parser.add_argument("--one", choices=SCENARIOS, help=argparse.SUPPRESS)
    parser.add_argument("--settlement", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.time_limit, args.settlement), ensure_ascii=False))
        return
    results: dict[str, Any] = {}
    for name in args.only or SCENARIOS:
        results[name] = {}
        for label, weight in (("unpriced", 0.0), ("priced", args.weight)):
            command = [sys.executable, __file__, "--one", name, "--time-limit", str(args.time_limit)]
            command += ["--settlement", str(weight)]
            run = subprocess.run(command, capture_output=True, text=True, check=True, cwd=HERE.parent)
            results[name][label] = json.loads(run.stdout.strip().splitlines()[-1])
            print(name, label, json.dumps(results[name][label], ensure_ascii=False), flush=True)
    (HERE / "out").mkdir(exist_ok=True)
    target = HERE / "out" / "realloc_settlement.json"
    target.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()

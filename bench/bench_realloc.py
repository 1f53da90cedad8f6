"""Benchmark: tenure reallocation (权属调整) — solver time, memory and gap, and quality against a baseline.

    .venv/bin/python bench/bench_realloc.py                      # every scenario below
    .venv/bin/python bench/bench_realloc.py --only village-synth

Scenarios (each in its own process, so that peak memory is its own):

* ``village-abstract``  — 300 households, 20 blocks, homes and block centres uniform in 3 × 3 km,
  entitlements uniform 0.5–1.5 × mean, 60 % state 0–2 preferences; time limit 60 s (target: proven
  optimal or gap ≤ 1 %);
* ``township-abstract`` — the same with 3,000 households and 100 blocks in 10 × 10 km; 600 s
  (target: gap ≤ 3 %);
* ``village-synth``     — the whole pipeline (values, assignment, strips, geometry check, indices) on
  the village with the most 耕地 of the demo county (530124, 20,000 图斑, seed 1), blocks of
  1,000 × 200 m (as ``landcon realloc synth``); 120 s (as ``make run``);
* ``township-synth``    — the same on township 530124101 with 3,000 households (about 0.18 ha each),
  blocks 600 × 80 m and a 10 m minimum width (small machinery); 600 s.

The synthetic scenarios also run the baseline of Turkish practice (households by entitlement, largest
first, fill the blocks in order) and report parcels per household, share with one parcel, deviation
and distance for both. Gap: (objective − lower bound) / objective of the distance/preference/deviation
objective, the bound being the transport LP over all household–block pairs (and the MIP's own bound
when no pair was left out). Results go to ``bench/out/realloc.json``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCENARIOS = ("village-abstract", "township-abstract", "village-synth", "township-synth")


def _abstract(households: int, blocks: int, size: float, limit: float) -> dict[str, Any]:
    import numpy as np

    from landcon.engine.realloc import Block, Household, assign, check_assignment

    rng = np.random.default_rng(1)
    bl = [
        Block(f"B{j:03d}", float(rng.uniform(800, 1500)), (float(rng.uniform(0, size)), float(rng.uniform(0, size))))
        for j in range(blocks)
    ]
    shares = rng.uniform(0.5, 1.5, households)
    shares = shares / shares.sum() * sum(b.value for b in bl)
    hh = []
    for i in range(households):
        prefs: tuple[str, ...] = ()
        if rng.random() < 0.6:
            prefs = tuple(f"B{j:03d}" for j in rng.choice(blocks, size=int(rng.integers(0, 3)), replace=False))
        home = (float(rng.uniform(0, size)), float(rng.uniform(0, size)))
        hh.append(Household(f"H{i:04d}", float(shares[i]), home, prefs))
    started = time.perf_counter()
    result = assign(hh, bl, tolerance=0.05, time_limit=limit)
    seconds = time.perf_counter() - started
    return {
        "households": households,
        "blocks": blocks,
        "seconds": round(seconds, 1),
        "status": result.status,
        "pieces": result.piece_count,
        "piece_bound": result.piece_bound,
        "gap": result.gap,
        "objective": result.objective,
        "bound": result.bound,
        "candidates": result.candidates,
        "method": result.method,
        "check_problems": len(check_assignment(hh, bl, result.pieces, tolerance=0.05)),
    }


def _quality(result: Any) -> dict[str, Any]:
    ind = result.indicators
    keys = (
        "parcels_per_household_before",
        "parcels_per_household_after",
        "share_one_parcel_after",
        "max_abs_deviation",
        "mean_abs_deviation",
        "mean_distance_before",
        "mean_distance_after",
        "merge_degree",
        "preference_fulfilment",
    )
    return {k: ind.get(k) for k in keys} | {"violations": len(result.check.violations)}


def _synth(
    scope: dict[str, Any], block_size: tuple[float, float], limit: float, min_width: float = 20.0
) -> dict[str, Any]:
    from landcon.engine.realloc import Params
    from landcon.engine.realloc.pipeline import ReallocInput, reallocate
    from landcon.synth.county import generate_county
    from landcon.synth.realloc import generate_realloc

    layers = generate_county("530124", features=20_000, seed=1)
    inst = generate_realloc(layers["DLTB"], layers["CJDCQ"], block_size=block_size, **scope)
    people = inst.households.copy()
    for column in ("PREFS", "LOCKED"):
        people[column] = [tuple(p for p in str(t).split(";") if p) for t in people[column]]
    for axis in ("X", "Y"):
        people[axis] = people[axis].astype(float)
    inp = ReallocInput(inst.parcels, people, inst.blocks, inst.roads)
    started = time.perf_counter()
    result = reallocate(inp, Params(time_limit=limit, min_width=min_width))
    seconds = time.perf_counter() - started
    a = result.assignment
    started = time.perf_counter()
    base = reallocate(inp, Params(min_width=min_width), method="block_priority")
    base_seconds = time.perf_counter() - started
    return {
        "scope": inst.name,
        "households": len(inst.households),
        "parcels": len(inst.parcels),
        "blocks": len(inst.blocks),
        "seconds": round(seconds, 1),
        "solver_seconds": round(a.seconds, 1),
        "status": a.status,
        "pieces": a.piece_count,
        "piece_bound": a.piece_bound,
        "gap": a.gap,
        "candidates": a.candidates,
        "method": a.method,
        "optimised": _quality(result),
        "baseline": _quality(base),
        "baseline_seconds": round(base_seconds, 1),
    }


def one(name: str) -> dict[str, Any]:
    if name == "village-abstract":
        out = _abstract(300, 20, 3000.0, 60.0)
    elif name == "township-abstract":
        out = _abstract(3000, 100, 10_000.0, 600.0)
    elif name == "village-synth":
        out = _synth({}, (1000.0, 200.0), 120.0)
    elif name == "township-synth":
        out = _synth({"township": "530124101", "households": 3000}, (600.0, 80.0), 600.0, min_width=10.0)
    else:
        raise SystemExit(f"unknown scenario {name}")
    out["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=SCENARIOS, action="append")
    parser.add_argument("--one", choices=SCENARIOS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one), ensure_ascii=False))
        return
    results: dict[str, Any] = {}
    for name in args.only or SCENARIOS:
        run = subprocess.run(
            [sys.executable, __file__, "--one", name], capture_output=True, text=True, check=True, cwd=HERE.parent
        )
        results[name] = json.loads(run.stdout.strip().splitlines()[-1])
        print(name, json.dumps(results[name], ensure_ascii=False, indent=1), flush=True)
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "realloc.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()

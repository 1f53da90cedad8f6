"""Benchmark: the quick timings that used to be assertions in the tests, with their old limits.

    .venv/bin/python bench/bench_smoke.py              # each step 3 times, the fastest counts
    .venv/bin/python bench/bench_smoke.py --repeat 5

The tests keep what these steps compute (tests/test_synth.py, test_synth_plan.py,
test_synth_realloc.py, test_realloc_geocheck.py); how long they take is measured here, where a busy
machine makes a figure slow instead of a test red:

- ``county``: ``generate_county`` at 2 000 and 8 000 图斑 (old check: 8 000 in under 8 × the time
  of 2 000 + 1 s, i.e. linear growth);
- ``plan``: ``generate_plan`` of the violating demo plan on a 3 000-图斑 county (old limit 5 s);
- ``realloc``: ``generate_realloc`` of one village of that county (old limit 5 s);
- ``geocheck``: ``check_allocation`` of a full village — 300 households, 1 810 parcels, 20 blocks
  (tests/realloc_fixtures.large_village; old limit 3 s).

The disk-cached vector tile (old limit 0.05 s) is measured by ``bench/bench_tiles.py`` ("cached").
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the village fixture the geometry check's test uses

from realloc_fixtures import large_village  # noqa: E402

from landcon.engine.layers import CJDCQ, DLTB  # noqa: E402
from landcon.engine.realloc.geocheck import check_allocation  # noqa: E402
from landcon.engine.realloc.params import Params  # noqa: E402
from landcon.synth.county import generate_county  # noqa: E402
from landcon.synth.plan import generate_plan  # noqa: E402
from landcon.synth.realloc import generate_realloc  # noqa: E402


def fastest(step: Callable[[], Any], repeat: int) -> float:
    """The fastest of ``repeat`` runs (seconds): the usual estimator of a step's own cost."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times)


def line(name: str, seconds: float, limit: float) -> str:
    verdict = "within" if seconds < limit else "OVER"
    return f"{name:<10} {seconds:7.3f} s   ({verdict} the old limit of {limit:g} s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs per step; the fastest counts")
    args = parser.parse_args()

    small = fastest(lambda: generate_county("530124", features=2_000, seed=5), args.repeat)
    large = fastest(lambda: generate_county("530124", features=8_000, seed=5), args.repeat)
    print(f"county     2 000 图斑 {small:.3f} s, 8 000 图斑 {large:.3f} s: ×{large / small:.2f} for ×4 the count")
    print(line("county", large, 8 * small + 1.0).replace("county    ", "county 8k "))

    county = generate_county("530124", features=3_000, seed=3, epsg=4543)
    plan = fastest(lambda: generate_plan(county, dataset="demo", variant="violating", seed=2), args.repeat)
    print(line("plan", plan, 5.0))
    realloc = fastest(lambda: generate_realloc(county[DLTB], county[CJDCQ], seed=9), args.repeat)
    print(line("realloc", realloc, 5.0))

    parcels, blocks, allocation, locked = large_village()
    geocheck = fastest(lambda: check_allocation(parcels, blocks, allocation, locked, Params()), args.repeat)
    print(line("geocheck", geocheck, 3.0))


if __name__ == "__main__":
    main()

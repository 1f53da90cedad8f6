"""Benchmark: change detection (``engine.change_detection.detect_changes``) on a pair of DLTB
vintages of a synthetic county, with the whole county as the 整治区域.

    .venv/bin/python bench/bench_monitor.py                     # 10k and 100k features
    .venv/bin/python bench/bench_monitor.py --sizes 1000000     # the 1M-pair target

For each size, in its own process: ``prepare`` generates the county (``synth.county``), its demo
plan (``synth.plan``, compliant) and a later vintage (``synth.vintage``, seed 2), and writes both
DLTB layers as GeoParquet and the plan as a GeoPackage (not timed as part of the detection). Then,
each in its own process so that time and peak memory (max RSS) are its own:

- ``read``: both DLTB layers read from GeoParquet — the baseline;
- ``detect``: the same read, the plan read, and ``detect_changes`` over the whole county (XZQ as
  the 整治区域, the plan's change parcels, 生态保护红线 and 永农 zones): every 图斑 of both
  vintages is clipped and overlaid, the largest case a province runs per county;
- ``survey`` (unless ``--no-survey``): the same county (``synthesise``, same code, seed and CRS)
  written as a GeoPackage and imported (not timed), then ``run_survey`` without maps, as
  ``bench_survey.py`` times it. Target: detect ≤ 3 × survey on the same county.

Each step runs ``--repeat`` times, the fastest counts; peak memory is the largest. Results go to
``bench/out/monitor.json``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from bench_import import _MEASURE, _SYNTH, fastest, measure, mib
from bench_survey import _IMPORT, _SURVEY

HERE = Path(__file__).resolve().parent

_PREPARE = _MEASURE.format(
    setup="""
from pathlib import Path
from landcon.engine.plan import Plan, normalise
from landcon.synth.county import generate_county
from landcon.synth.plan import generate_plan
from landcon.synth.vintage import generate_vintage
""",
    body="""
folder, n = Path(sys.argv[1]), int(sys.argv[2])
layers = generate_county("530124", features=n, seed=7, epsg=4543)
plan_layers, meta = generate_plan(layers, dataset="bench", variant="compliant", seed=5)
plan = Plan({k: normalise(k, v) for k, v in plan_layers.items()}, meta)
vintage, drawn = generate_vintage(layers, plan, 4543, seed=2)
layers["DLTB"].to_parquet(folder / "before.parquet")
vintage["DLTB"].to_parquet(folder / "after.parquet")
for name in ("XZQ", "STBHHX", "YJJBNTBHTB"):
    layers[name][["geometry"]].to_parquet(folder / f"{name}.parquet")
for name, frame in plan_layers.items():
    if len(frame):
        frame.to_file(folder / "plan.gpkg", layer=name, engine="pyogrio")
counts = {k: (len(v) if isinstance(v, list) else v) for k, v in drawn.items()}
extra = {"before": len(layers["DLTB"]), "after": len(vintage["DLTB"]), "drawn": counts}
""",
)

_READ = _MEASURE.format(
    setup="import geopandas as gpd",
    body="""
before = gpd.read_parquet(sys.argv[1] + "/before.parquet")
after = gpd.read_parquet(sys.argv[1] + "/after.parquet")
extra = {"features": len(before) + len(after)}
""",
)

_DETECT = _MEASURE.format(
    setup="""
import geopandas as gpd
import numpy as np
import pyogrio
from landcon.engine.change_detection import detect_changes
from landcon.engine.indicators.states import plan_parcels
from landcon.engine.plan import Plan, normalise
""",
    body="""
f = sys.argv[1]
before = gpd.read_parquet(f + "/before.parquet")
after = gpd.read_parquet(f + "/after.parquet")
zones = {
    n: list(np.asarray(gpd.read_parquet(f"{f}/{n}.parquet").geometry.array)) for n in ("XZQ", "STBHHX", "YJJBNTBHTB")
}
gpkg = f + "/plan.gpkg"
layers = {n: normalise(n, pyogrio.read_dataframe(gpkg, layer=n)) for n, _ in pyogrio.list_layers(gpkg)}
result = detect_changes(
    before, after, zones["XZQ"], plan_parcels(Plan(layers, {})), 4543,
    red_line=zones["STBHHX"], permanent_farmland=zones["YJJBNTBHTB"],
)
extra = {"classes": {c.code: [c.area_m2, c.count] for c in result.classes}}
""",
)


def survey_step(work: Path, n: int, repeat: int) -> dict[str, object]:
    """The survey's time on the same synthetic county (generation and import not timed)."""
    env = {"LANDCON_DATA_DIR": str(work / "data")}
    src = work / f"county-{n}.gpkg"
    measure(_SYNTH, str(src), str(n))
    measure(_IMPORT, str(src), f"m{n}", env=env)
    return fastest([measure(_SURVEY, f"m{n}", str(work / f"survey-{n}"), env=env) for _ in range(repeat)])


def run(sizes: list[int], repeat: int, keep: bool, survey: bool = True) -> list[dict[str, object]]:
    work = Path(tempfile.mkdtemp(prefix="landcon-bench-monitor-"))
    results: list[dict[str, object]] = []
    try:
        for n in sizes:
            folder = work / str(n)
            folder.mkdir()
            prep = measure(_PREPARE, str(folder), str(n))
            read = fastest([measure(_READ, str(folder)) for _ in range(repeat)])
            detect = fastest([measure(_DETECT, str(folder)) for _ in range(repeat)])
            row: dict[str, object] = {"size": n, "prepare": prep, "read": read, "detect": detect}
            line = (
                f"{n:>9,} 图斑: prepare {prep['seconds']:.1f} s; read both {read['seconds']:.1f} s "
                f"{mib(read['peak_rss'])}; detect (read + overlay) {detect['seconds']:.1f} s "
                f"{mib(detect['peak_rss'])}; classes {detect['classes']}"
            )
            if survey:
                sv = survey_step(work, n, repeat)
                ratio = float(detect["seconds"]) / float(sv["seconds"])  # type: ignore[arg-type]
                row.update({"survey": sv, "detect_over_survey": ratio})
                line += f"; survey {sv['seconds']:.1f} s {mib(sv['peak_rss'])}; detect = {ratio:.2f}× survey (≤ 3×)"
            results.append(row)
            print(line, flush=True)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "monitor.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--no-survey", dest="survey", action="store_false", help="skip the survey comparison")
    args = parser.parse_args(argv)
    run(args.sizes, args.repeat, args.keep, args.survey)
    return 0


if __name__ == "__main__":
    sys.exit(main())

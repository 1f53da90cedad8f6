"""Benchmark: the baseline survey at several DLTB sizes, against a plain pyogrio read, and the
永久基本农田 overlay against PostGIS.

    .venv/bin/python bench/bench_survey.py                        # 10k, 100k, 300k features
    .venv/bin/python bench/bench_survey.py --sizes 10000 1000000 --postgis 300000

For each size a synthetic county is generated (GeoPackage, the usual delivery format) and
imported; then, each in its own process so that time and peak memory (max RSS) are its own:
- ``read``: ``pyogrio.read_dataframe(gpkg, layer="DLTB", use_arrow=True)`` — the baseline;
- ``survey``: ``landcon survey run NAME --no-maps`` (reading the stored layers, every unit and
  metric, survey.json + survey.xlsx + potential.gpkg; maps excluded);
- ``overlay``: landcon's part of the comparison with PostGIS — cultivated land inside 永久基本农田
  by village with apportioned TBDLMJ (``engine.overlay.zone_shares`` + a sum by village), layers
  already in memory;
- ``postgis`` (sizes given to ``--postgis``): the same tabulation as SQL on PostGIS with GiST
  indexes (``bench/postgis_overlay.py``), loading excluded from the query time; the totals must
  agree with landcon's to 1e-6.
Targets (issue 3, at 300k): survey ≤ 5 × read; survey peak RSS ≤ 4 × the DLTB layer in memory.
Each step runs ``--repeat`` times, the fastest counts (the machine is shared and noisy); peak
memory is the largest. Results go to ``bench/out/survey.json``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from bench_import import _MEASURE, _READ, _SYNTH, fastest, measure, mib

HERE = Path(__file__).resolve().parent

_IMPORT = _MEASURE.format(
    setup="from landcon.services.datasets import import_dataset",
    body="""
import_dataset(sys.argv[1], sys.argv[2], replace=True)
extra = {}
""",
)

_SURVEY = _MEASURE.format(
    setup="from landcon.services.survey import run_survey",
    body="""
run = run_survey(sys.argv[1], out=sys.argv[2], maps=False)
extra = {"units": len(run.data["units"])}
""",
)

# landcon's side of the PostGIS comparison: the layers are read first (not timed, as PostGIS's
# loading is not part of its query time), then the apportioned sum by village.
_OVERLAY = _MEASURE.format(
    setup="""
import numpy as np
import geopandas as gpd
from landcon.engine.overlay import zone_shares
from landcon.engine.area import ellipsoid_area
dltb = gpd.read_parquet(sys.argv[1], columns=["DLBM", "ZLDWDM", "TBDLMJ", "geometry"])
zone = np.asarray(gpd.read_parquet(sys.argv[2], columns=["geometry"]).geometry.array)
epsg = dltb.crs.to_epsg()
""",
    body="""
cultivated = dltb[dltb["DLBM"].isin(["0101", "0102", "0103"])]
share = zone_shares(np.asarray(cultivated.geometry.array), zone, epsg)
by_village = (cultivated["TBDLMJ"].to_numpy() * share)
village = cultivated["ZLDWDM"].str.slice(0, 12).to_numpy()
codes, index = np.unique(village, return_inverse=True)
sums = np.bincount(index, weights=by_village)
extra = {"villages": len(codes), "total_m2": float(sums.sum()), "rows": dict(zip(codes.tolist(), sums.tolist()))}
""",
)

_POSTGIS = _MEASURE.format(
    setup=f"sys.path.insert(0, {str(HERE)!r})\nfrom postgis_overlay import time_postgis_overlay",
    body="""
timing = time_postgis_overlay(sys.argv[1], sys.argv[2], repeat=int(sys.argv[3]))
extra = {
    "load_s": timing.load_s,
    "query_s": timing.query_s,
    "villages": len(timing.rows),
    "total_m2": float(sum(timing.rows.values())),
    "postgis_version": timing.postgis_version,
}
""",
)


def run(sizes: list[int], postgis: set[int], repeat: int, keep: bool) -> list[dict[str, object]]:
    work = Path(tempfile.mkdtemp(prefix="landcon-bench-survey-"))
    env = {"LANDCON_DATA_DIR": str(work / "data")}
    results = []
    try:
        for n in sizes:
            src = work / f"county-{n}.gpkg"
            synth = measure(_SYNTH, str(src), str(n))
            measure(_IMPORT, str(src), f"b{n}", env=env)
            store = work / "data" / "datasets" / f"b{n}"
            layers = (str(store / "DLTB.parquet"), str(store / "YJJBNTBHTB.parquet"))
            read = fastest([measure(_READ, str(src)) for _ in range(repeat)])
            survey = fastest([measure(_SURVEY, f"b{n}", str(work / f"out-{n}"), env=env) for _ in range(repeat)])
            overlay = fastest(
                [
                    measure(_OVERLAY, str(store / "DLTB.parquet"), str(store / "YJJBNTBHTB.parquet"))
                    for _ in range(repeat)
                ]
            )
            layer_bytes = int(read["layer_rss"])  # type: ignore[call-overload]
            row: dict[str, object] = {
                "target_features": n,
                "features": read["features"],
                "synth_seconds": synth["seconds"],
                "read_dltb_seconds": read["seconds_dltb"],
                "survey_seconds": survey["seconds"],
                "survey_over_read": float(survey["seconds"]) / float(read["seconds_dltb"]),  # type: ignore[arg-type]
                "layer_bytes": layer_bytes,
                "survey_peak_rss": survey["peak_rss"],
                "survey_peak_over_layer": int(survey["peak_rss"]) / layer_bytes,  # type: ignore[call-overload]
                "survey_net_peak_over_layer": (int(survey["peak_rss"]) - int(survey["rss_before"])) / layer_bytes,  # type: ignore[call-overload]
                "overlay_seconds": overlay["seconds"],
                "overlay_villages": overlay["villages"],
                "overlay_total_m2": overlay["total_m2"],
            }
            line = (
                f"{read['features']:>9,} DLTB | read {read['seconds_dltb']:5.2f} s | survey {survey['seconds']:6.2f} s "
                f"= {row['survey_over_read']:.2f}× read, peak {mib(survey['peak_rss'])} = "
                f"{row['survey_peak_over_layer']:.2f}× layer ({row['survey_net_peak_over_layer']:.2f}× net) | "
                f"永农 overlay {overlay['seconds']:.2f} s"
            )
            if n in postgis:
                pg = measure(_POSTGIS, *layers, str(repeat))
                agree = abs(float(pg["total_m2"]) - float(overlay["total_m2"])) <= 1e-6 * float(overlay["total_m2"])  # type: ignore[arg-type]
                row.update(
                    {
                        "postgis_load_seconds": pg["load_s"],
                        "postgis_query_seconds": pg["query_s"],
                        "postgis_total_m2": pg["total_m2"],
                        "postgis_agrees": agree,
                        "postgis_over_landcon": float(pg["query_s"]) / float(overlay["seconds"]),  # type: ignore[arg-type]
                        "postgis_version": pg["postgis_version"],
                    }
                )
                line += (
                    f" | PostGIS query {pg['query_s']:.2f} s (load {pg['load_s']:.1f} s) = "
                    f"{row['postgis_over_landcon']:.2f}× landcon, totals agree: {agree}"
                )
            print(line, flush=True)
            results.append(row)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "survey.json").write_text(json.dumps(results, indent=2))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 300_000])
    parser.add_argument("--postgis", type=int, nargs="*", default=[], help="sizes to compare with PostGIS")
    parser.add_argument("--repeat", type=int, default=3, help="runs per step; the fastest counts")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    run(args.sizes, set(args.postgis), args.repeat, args.keep)


if __name__ == "__main__":
    main()

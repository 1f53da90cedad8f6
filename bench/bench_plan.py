"""Benchmark: ``plan check`` against the baseline survey of the same consolidation area.

    .venv/bin/python bench/bench_plan.py                 # 300k DLTB, 5 000 change parcels
    .venv/bin/python bench/bench_plan.py --features 30000 --parcels 1000

A synthetic county is generated and imported, the example plan is generated on it and its CZGHTB
layer is topped up to ``--parcels`` change parcels (the area widened to its whole township), each a
single 图斑 inside the area: 耕地 below
25° levelled (same class, 田坎 coefficient lowered by 0.02), then orchard, forest, grass and bare land restored to
0301 (水土流失 restoration). Then, each in its own process (fastest of ``--repeat``): ``plan check`` (read
plan and layers, overlay, indicators, every rule) and
``survey run --unit county --area ZZQY --no-maps`` (the survey of the same area; it also reports
the county, its smallest unit level). Target (issue 4): check ≤ 2 × survey. Results go to
``bench/out/plan.json``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from bench_import import _MEASURE, _SYNTH, fastest, measure, mib

HERE = Path(__file__).resolve().parent

_PREPARE = _MEASURE.format(
    setup="""
import numpy as np, geopandas as gpd, shapely, pyogrio
from landcon.services.datasets import import_dataset
from landcon.services.plan import synthesise_plan
""",
    body="""
src, name, folder, parcels = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
import_dataset(src, name, replace=True)
synthesise_plan(name, folder, variant="compliant", seed=1)
from landcon.services.datasets import store
dltb = store().read_layer(name, "DLTB", columns=["DLBM", "KCXS", "GDPDJB"])
gpkg = folder + "/plan.gpkg"
zzqy = gpd.read_file(gpkg, layer="ZZQY", engine="pyogrio")
cz = gpd.read_file(gpkg, layer="CZGHTB", engine="pyogrio")
taken = [*cz.geometry, *gpd.read_file(gpkg, layer="ZJGGTB", engine="pyogrio").geometry]
area = shapely.union_all(zzqy.geometry.to_numpy())
# Widen the area to the whole township(s) it lies in, so that it holds enough 图斑 for the parcels.
xzq = store().read_layer(name, "XZQ", columns=["XZQDM"])
towns = xzq[shapely.intersects(xzq.geometry.to_numpy(), shapely.point_on_surface(area))]
if len(towns):
    area = shapely.union_all([area, *towns.geometry.to_numpy()])
    zzqy = gpd.GeoDataFrame({"ZZQYBH": [str(zzqy["ZZQYBH"].iloc[0])]}, geometry=[area], crs=zzqy.crs)
    pyogrio.write_dataframe(zzqy, gpkg, layer="ZZQY", driver="GPKG")
cultivated = dltb["DLBM"].isin(["0101", "0102", "0103"])
levelable = cultivated & (dltb["KCXS"].fillna(0) > 0.02) & (dltb["GDPDJB"].astype(str) != "5")
greenable = dltb["DLBM"].str[:2].isin(["02", "03", "04"]) | dltb["DLBM"].isin(["1204", "1206", "1207"])
inside = dltb[(levelable | greenable) & shapely.contains_properly(area, dltb.geometry.to_numpy())]
used = shapely.STRtree(np.asarray(taken, dtype=object)) if taken else None
free = inside
if used is not None:
    hit = used.query(inside.geometry.to_numpy(), predicate="intersects")[0]
    free = inside.drop(inside.index[np.unique(hit)])
free = free.assign(order=~free["DLBM"].isin(["0101", "0102", "0103"])).sort_values("order", kind="stable")
need = max(parcels - len(cz), 0)
extra = free.iloc[:need]
code = str(cz["ZXMBH"].iloc[0]) if len(cz) else "ZXM01"
level = extra["DLBM"].isin(["0101", "0102", "0103"]).to_numpy()
add = gpd.GeoDataFrame(
    {
        "GHDLBM": np.where(level, extra["DLBM"].to_numpy(), "0301"),
        "ZXMBH": code,
        "ZHKCXS": np.where(level, (extra["KCXS"] - 0.02).round(4).to_numpy(), np.nan),
        "STXFLX": np.where(level, None, "水土流失"),
    },
    geometry=extra.geometry.to_numpy(), crs=cz.crs,
)
import pandas as pd
merged = gpd.GeoDataFrame(pd.concat([cz, add], ignore_index=True), geometry="geometry", crs=cz.crs)
pyogrio.write_dataframe(merged, gpkg, layer="CZGHTB", driver="GPKG")
zzqy.to_file(folder + "/zzqy.gpkg", engine="pyogrio")
extra = {"parcels": len(merged), "candidates": int(len(inside))}
""",
)

_CHECK = _MEASURE.format(
    setup="from landcon.services.plan import check_plan_against",
    body="""
r = check_plan_against(sys.argv[1], sys.argv[2])
extra = {"passed": r.passed, "errors": [f["rule"] for f in r.data["findings"] if f["severity"] == "error"]}
""",
)

_SURVEY = _MEASURE.format(
    setup="from landcon.services.survey import run_survey",
    body="""
run = run_survey(sys.argv[1], unit="county", area=sys.argv[2], out=sys.argv[3], maps=False)
extra = {"units": len(run.data["units"])}
""",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--features", type=int, default=300_000)
    parser.add_argument("--parcels", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    work = Path(tempfile.mkdtemp(prefix="landcon-bench-plan-"))
    env = {"LANDCON_DATA_DIR": str(work / "data")}
    try:
        src = work / "county.gpkg"
        measure(_SYNTH, str(src), str(args.features))
        plan = work / "plan"
        prep = measure(_PREPARE, str(src), "b", str(plan), str(args.parcels), env=env)
        check = fastest([measure(_CHECK, str(plan), "b", env=env) for _ in range(args.repeat)])
        survey = fastest(
            [measure(_SURVEY, "b", str(plan / "zzqy.gpkg"), str(work / "survey"), env=env) for _ in range(args.repeat)]
        )
        ratio = float(check["seconds"]) / float(survey["seconds"])  # type: ignore[arg-type]
        row = {
            "features": args.features,
            "parcels": prep["parcels"],
            "check_seconds": check["seconds"],
            "check_peak_rss": check["peak_rss"],
            "check_passed": check["passed"],
            "check_errors": check["errors"],
            "survey_seconds": survey["seconds"],
            "check_over_survey": ratio,
        }
        print(
            f"{args.features:,} DLTB, {prep['parcels']:,} change parcels | plan check {check['seconds']:.2f} s "
            f"({mib(check['peak_rss'])}, passed {check['passed']}) | survey of the area {survey['seconds']:.2f} s | "
            f"check / survey {ratio:.2f}×",
            flush=True,
        )
        out = HERE / "out"
        out.mkdir(exist_ok=True)
        (out / "plan.json").write_text(json.dumps(row, indent=2, ensure_ascii=False))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

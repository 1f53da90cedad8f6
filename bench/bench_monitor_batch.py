"""Benchmark: ``landcon monitor batch`` over 8 counties on a LocalCluster of 1 and of 2 workers.

    .venv/bin/python bench/bench_monitor_batch.py                      # 8 counties × 20,000 图斑
    .venv/bin/python bench/bench_monitor_batch.py --features 50000 --workers 1 2

Preparation (not timed): in a fresh data directory and SQLite records database, for each of 8
counties of 昆明市 the CLI generates a synthetic county (``data synth``, seed = its position),
imports it, draws its compliant demo plan (``plan synth``) and a later vintage on which the plan is
partly carried out (``data synth-vintage``, seed 2), and imports that as version 2.

Timed: the batch's distributed part, exactly what ``services.monitor.detect_batch`` submits after it
has resolved permissions and versions and exported the plans: one ``_project_task`` per county
(reads both DLTB versions and the zones, ``detect_changes`` over the plan's 整治区域, writes
monitor.json, monitor.xlsx and changes.gpkg) through ``services.cluster.run_tasks``, plus the summary
workbook. The records steps (resolving 8 projects, exporting 8 plans) are left out: they are the
same for any number of workers. Each worker count runs ``--repeat`` times and the fastest counts;
the time includes starting and closing the LocalCluster, and is also split into the cluster start
(until the first task runs) and the span of the tasks. Results go to ``bench/out/monitor_batch.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
COUNTIES = ("530102", "530103", "530111", "530112", "530113", "530114", "530115", "530124")
"""8 counties (districts) of 昆明市."""


def _landcon(env: dict[str, str], *args: str) -> dict[str, object]:
    exe = str(Path(sys.executable).parent / "landcon")
    done = subprocess.run([exe, *args, "--json"], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"landcon {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    result: dict[str, object] = json.loads(done.stdout) if done.stdout.strip() else {}
    return result


def prepare(work: Path, features: int) -> dict[str, str]:
    env = {**os.environ, "LANDCON_DATA_DIR": str(work / "data")}
    env["LANDCON_DATABASE_URL"] = f"sqlite:///{work / 'data' / 'landcon.db'}"
    env.pop("LANDCON_USER", None)
    _landcon(env, "db", "upgrade")
    for n, county in enumerate(COUNTIES, start=1):
        src, plan, vintage = work / f"{county}.gpkg", work / f"plan-{county}", work / f"{county}-v2.gpkg"
        _landcon(env, "data", "synth", "--county", county, "--features", str(features), "--seed", str(n),
                 "--out", str(src))  # fmt: skip
        _landcon(env, "data", "import", str(src), "--name", f"c{county}")
        _landcon(env, "plan", "synth", f"c{county}", "--out", str(plan))
        _landcon(env, "data", "synth-vintage", f"c{county}", "--plan", str(plan), "--out", str(vintage), "--seed", "2")
        _landcon(env, "data", "import", str(vintage), "--name", f"c{county}", "--replace")
        print(f"prepared {county} ({n}/{len(COUNTIES)})", flush=True)
    return env


def _timed(inputs: object, plan: str, data: str, out: str) -> dict[str, object]:
    """``_project_task`` on a worker, with its start and end (wall clock) and the worker's process id."""
    from landcon.services.monitor import _project_task

    start = time.time()
    row = _project_task(inputs, plan, data, out)  # type: ignore[arg-type]
    return {"row": row, "start": start, "end": time.time(), "pid": os.getpid()}


def _batch(work: Path, workers: int) -> dict[str, object]:
    """One timed batch in this process (the env of ``prepare`` is set by the caller)."""
    from landcon.engine.progress import as_progress
    from landcon.reports.monitor_xlsx import write_batch_xlsx
    from landcon.services.cluster import run_tasks
    from landcon.services.monitor import Inputs

    data = str(work / "data")
    out = work / f"out-{workers}"
    shutil.rmtree(out, ignore_errors=True)
    tasks = []
    for county in COUNTIES:
        inputs = Inputs(f"P{county}", f"c{county}", 1, 1, 2, 4543)
        tasks.append((f"monitor-{county}-{workers}", _timed, (inputs, str(work / f"plan-{county}"), data,
                      str(out / county))))  # fmt: skip
    start = time.time()
    timed = run_tasks(tasks, scheduler=None, workers=workers, progress=as_progress(None), stage="bench")
    write_batch_xlsx([t["row"] for t in timed], out / "monitor-batch.xlsx")
    seconds = time.time() - start
    first, last = min(float(t["start"]) for t in timed), max(float(t["end"]) for t in timed)
    return {
        "workers": workers,
        "seconds": round(seconds, 2),
        "rows": len(timed),
        "startup": round(first - start, 2),  # LocalCluster start until the first task runs
        "span": round(last - first, 2),  # first task start to last task end
        "task_seconds": round(sum(float(t["end"]) - float(t["start"]) for t in timed), 2),
        "processes": len({t["pid"] for t in timed}),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, default=20_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="landcon-bench-monitor-batch-"))
    try:
        t0 = time.perf_counter()
        env = prepare(work, args.features)
        print(f"prepared 8 counties × {args.features:,} 图斑 in {time.perf_counter() - t0:.0f} s", flush=True)
        os.environ.update({k: env[k] for k in ("LANDCON_DATA_DIR", "LANDCON_DATABASE_URL")})
        results = []
        for w in args.workers:
            runs = [_batch(work, w) for _ in range(args.repeat)]
            best = min(runs, key=lambda r: float(str(r["seconds"])))
            results.append(best)
            print(
                f"{w} worker(s): {best['seconds']:.1f} s for {best['rows']} counties (cluster start "
                f"{best['startup']:.1f} s, tasks {best['span']:.1f} s on {best['processes']} processes, "
                f"Σ task time {best['task_seconds']:.1f} s)",
                flush=True,
            )
        base, span = float(str(results[0]["seconds"])), float(str(results[0]["span"]))
        for r in results[1:]:
            total, tasks = base / float(str(r["seconds"])), span / float(str(r["span"]))
            print(
                f"speed-up {r['workers']} vs {results[0]['workers']}: {total:.2f}× overall, {tasks:.2f}× on the tasks"
            )
        print(f"load average at the end: {os.getloadavg()}")
        summary = {"counties": list(COUNTIES), "features": args.features, "cpus": os.cpu_count(), "runs": results}
        (HERE / "out").mkdir(exist_ok=True)
        (HERE / "out" / "monitor_batch.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

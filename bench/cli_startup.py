"""Benchmark: how long ``landcon`` takes to start, in fresh processes.

    .venv/bin/python bench/cli_startup.py                          # --help and data list, 7 runs each
    .venv/bin/python bench/cli_startup.py --baseline /tmp/old      # the same for an older checkout
    .venv/bin/python bench/cli_startup.py --runs 11 -c "--help" -c "data list" -c "ledger --help"

Each command runs ``--runs`` times as its own Python process (what a shell script calling landcon
pays each time), from the checkout's root so that the checkout's ``landcon`` package is the one
imported. ``data list`` reads a data directory holding one imported 300-feature demo dataset
(made once, in a temporary folder). Reported per command: median and fastest wall time, median CPU
time (user + system, less sensitive to other processes on a shared machine) and the largest peak
RSS (``os.wait4`` rusage of the child). Target: ``--help`` and ``data list`` under 0.3 s and 60 MB.
``--baseline DIR`` runs the same commands from another checkout (``git archive main | tar -x -C DIR``)
with this interpreter and prints its figures beside these.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
#: What the ``landcon`` console script does.
LAUNCH = "import sys; sys.argv[0] = 'landcon'; from landcon.cli.main import app; app()"
TARGET_SECONDS = 0.3
TARGET_MIB = 60
DEFAULT_COMMANDS = ["--help", "data list"]


def env_for(checkout: Path, data_dir: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(checkout), "LANDCON_DATA_DIR": str(data_dir), "COLUMNS": "120"}


def run_once(checkout: Path, args: list[str], data_dir: Path) -> dict[str, float]:
    """One fresh process: wall seconds, CPU seconds and peak RSS (MiB) of that process alone."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [PY, "-c", LAUNCH, *args],
        cwd=checkout,
        env=env_for(checkout, data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"landcon {shlex.join(args)} exited {proc.returncode}:\n{err.decode()[-2000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mib": usage.ru_maxrss / 1024}


def measure(checkout: Path, command: str, runs: int, data_dir: Path) -> dict[str, float]:
    args = shlex.split(command)
    run_once(checkout, args, data_dir)  # warm the file cache and the bytecode cache
    samples = [run_once(checkout, args, data_dir) for _ in range(runs)]
    return {
        "median": statistics.median(s["wall"] for s in samples),
        "fastest": min(s["wall"] for s in samples),
        "cpu": statistics.median(s["cpu"] for s in samples),
        "rss_mib": max(s["rss_mib"] for s in samples),
    }


def which_package(checkout: Path, data_dir: Path) -> str:
    """The ``landcon`` package a run from ``checkout`` imports (to be sure it is that checkout's)."""
    out = subprocess.run(
        [PY, "-c", "import landcon; print(landcon.__file__)"],
        cwd=checkout,
        env=env_for(checkout, data_dir),
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def make_data_dir(work: Path) -> Path:
    """A data directory with one small imported dataset, so that ``data list`` has a row to print."""
    data_dir = work / "data"
    source = work / "demo.gpkg"
    env = env_for(ROOT, data_dir)
    for args in (
        ["data", "synth", "--out", str(source), "--features", "300", "--json"],
        ["data", "import", str(source), "--name", "demo", "--json"],
    ):
        subprocess.run([PY, "-c", LAUNCH, *args], cwd=ROOT, env=env, capture_output=True, check=True)
    return data_dir


def report(label: str, figures: dict[str, float]) -> str:
    return (
        f"{label:<9} median {figures['median']:.3f} s  fastest {figures['fastest']:.3f} s  "
        f"CPU {figures['cpu']:.3f} s  peak RSS {figures['rss_mib']:.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per command (median reported)")
    parser.add_argument("--baseline", type=Path, help="root of an older checkout to compare with")
    parser.add_argument("-c", "--command", action="append", help="a landcon command line (repeatable)")
    args = parser.parse_args()
    commands = args.command or DEFAULT_COMMANDS
    work = Path(tempfile.mkdtemp(prefix="landcon-startup-"))
    try:
        data_dir = make_data_dir(work)
        checkouts = [("this", ROOT)] + ([("baseline", args.baseline.resolve())] if args.baseline else [])
        for label, checkout in checkouts:
            print(f"{label}: {which_package(checkout, data_dir)}")
        load = os.getloadavg()[0]
        print(f"{args.runs} runs per command; load average {load:.1f} on {os.cpu_count()} cores")
        for command in commands:
            print(f"landcon {command}")
            for label, checkout in checkouts:
                figures = measure(checkout, command, args.runs, data_dir)
                verdict = ""
                if label == "this" and command in DEFAULT_COMMANDS:
                    met = figures["median"] < TARGET_SECONDS and figures["rss_mib"] < TARGET_MIB
                    verdict = "  (target met)" if met else f"  (target {TARGET_SECONDS} s, {TARGET_MIB} MiB: missed)"
                print("  " + report(label, figures) + verdict, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Benchmark: vector tiles (``landcon.services.tiles``) of a synthetic county's DLTB, in process.

    .venv/bin/python bench/bench_tiles.py                          # 300 000 features
    .venv/bin/python bench/bench_tiles.py --features 20000 --clients 20
    .venv/bin/python bench/bench_tiles.py --data-dir DIR --dataset NAME   # an imported dataset

A synthetic county is generated and imported (``landcon data synth`` / ``data import``, in child
processes) into a temporary data directory, unless ``--data-dir`` names one holding
``--dataset``. Then, in this process, with the tile cache emptied first:

- ``index``: the first use of DLTB — read the GeoParquet layer, project to EPSG:3857, build the
  STRtree, encode the attributes (``tiles.warm``);
- ``overview``: the tile at the county's centre at DLTB's lowest two zooms (13 and 14: how heavy
  the most zoomed-out DLTB tiles are);
- ``uncached`` / ``cached``: a pan path — a 4 × 3-tile viewport (a 2048 × 1536 px window of 512 px
  tiles) moved tile by tile west → east across the county and back further south, at each of
  ``--zooms`` (14, 15, 16) — requested one tile at a time: first with an empty cache (the tile is
  built and written), then again (read from the disk cache);
- with ``--clients N`` (default 20): the same path again from N threads at once, cache emptied
  (uncached) and then warm (cached) — the web server's thread pool, GIL included, minus HTTP.

Reported: p50 / p95 / max latency (ms), tile sizes, index build time, peak RSS. Results go to
``bench/out/tiles.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATASET = "bench-tiles"


def rss_mib() -> float:
    with open("/proc/self/statm") as stream:
        return int(stream.read().split()[1]) * resource.getpagesize() / 2**20


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stats(latencies: list[float], sizes: list[int] | None = None) -> dict[str, float]:
    ms = sorted(v * 1000 for v in latencies)
    if not ms:
        return {}

    def pct(p: float) -> float:
        return ms[min(len(ms) - 1, max(0, round(p / 100 * len(ms)) - 1))]

    out = {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 2),
        "p95_ms": round(pct(95), 2),
        "max_ms": round(ms[-1], 2),
        "mean_ms": round(statistics.fmean(ms), 2),
    }
    if sizes:
        kib = sorted(s / 1024 for s in sizes)
        out |= {
            "size_p50_kib": round(statistics.median(kib), 1),
            "size_max_kib": round(kib[-1], 1),
            "empty": sum(s == 0 for s in sizes),
        }
    return out


def pan_path(bounds: list[float], zooms: list[int], cols: int = 4, rows: int = 3) -> list[tuple[int, int, int]]:
    """Tiles in the order a user panning across the county would first ask for them."""
    from landcon.engine.tiles import tile_for_lonlat

    west, south, east, north = bounds
    path: list[tuple[int, int, int]] = []
    seen: set[tuple[int, int, int]] = set()
    for z in zooms:
        x0, y_top = tile_for_lonlat(west, north, z)
        x1, y_bottom = tile_for_lonlat(east, south, z)
        lanes = [y_top + (y_bottom - y_top) // 3, y_top + 2 * (y_bottom - y_top) // 3]
        for lane, y in enumerate(lanes):
            xs = range(x0, x1 + 1) if lane % 2 == 0 else range(x1, x0 - 1, -1)
            for x in xs:
                for dy in range(rows):
                    for dx in range(cols):
                        key = (z, x + dx - cols // 2, y + dy - rows // 2)
                        if key not in seen:
                            seen.add(key)
                            path.append(key)
    return path


def timed(fn, *args):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - started, result


def run(args: argparse.Namespace) -> dict[str, object]:
    work: Path | None = None
    if args.data_dir:
        data_dir = Path(args.data_dir).resolve()
        dataset = args.dataset
    else:
        work = Path(tempfile.mkdtemp(prefix="landcon-bench-tiles-"))
        data_dir, dataset = work / "data", DATASET
    os.environ["LANDCON_DATA_DIR"] = str(data_dir)
    result: dict[str, object] = {"features_requested": args.features, "clients": args.clients}
    try:
        from landcon.services import datasets
        from landcon.services import tiles as service

        if not datasets.store().exists(dataset):
            # In child processes, so that this one's memory is the tile service's alone.
            assert work is not None
            landcon = str(Path(sys.executable).with_name("landcon"))
            source = str(work / "county")
            for step in (
                ["data", "synth", "--features", str(args.features), "--seed", "1", "--format", "parquet"],
                ["data", "import", source, "--name", dataset],
            ):
                command = [landcon, *step, *(["--out", source] if step[1] == "synth" else [])]
                seconds, _ = timed(lambda c=command: subprocess.run(c, check=True, capture_output=True))
                print(f"{' '.join(step[:2])}: {seconds:.1f} s", flush=True)
        cache = data_dir / "tiles" / dataset
        shutil.rmtree(cache, ignore_errors=True)
        info = service.layer_info(dataset)
        dltb = info["layers"]["DLTB"]  # type: ignore[index]
        result["features"] = dltb["features"]
        rss_before = rss_mib()
        seconds, _ = timed(service.warm, dataset, "DLTB")
        result["index"] = {
            "seconds": round(seconds, 3),
            "rss_before_mib": round(rss_before),
            "rss_after_mib": round(rss_mib()),
        }
        print(
            f"DLTB {dltb['features']:,} features — index built in {seconds:.2f} s; "
            f"RSS {rss_before:.0f} → {rss_mib():.0f} MiB",
            flush=True,
        )

        from landcon.engine.tiles import tile_for_lonlat

        west, south, east, north = dltb["bounds"]
        overview = {}
        for z in (dltb["min_zoom"], dltb["min_zoom"] + 1):
            x, y = tile_for_lonlat((west + east) / 2, (south + north) / 2, z)
            seconds, content = timed(service.tile, dataset, "DLTB", z, x, y)
            overview[z] = {"ms": round(seconds * 1000, 1), "kib": round(len(content) / 1024, 1)}
            print(f"overview z{z} centre tile: {seconds * 1000:.0f} ms, {len(content) / 1024:.0f} KiB", flush=True)
        result["overview"] = overview

        path = pan_path(dltb["bounds"], args.zooms)
        print(f"pan path: {len(path)} tiles at zooms {args.zooms}", flush=True)
        for label in ("uncached", "cached"):
            latencies: list[float] = []
            sizes: list[int] = []
            by_zoom: dict[int, list[float]] = {}
            for z, x, y in path:
                seconds, content = timed(service.tile, dataset, "DLTB", z, x, y)
                latencies.append(seconds)
                sizes.append(len(content))
                by_zoom.setdefault(z, []).append(seconds)
            row = stats(latencies, sizes) | {"by_zoom": {z: stats(v) for z, v in by_zoom.items()}}
            result[label] = row
            print(f"{label:>9} single thread: {fmt(row)}", flush=True)
            for z, zs in row["by_zoom"].items():  # type: ignore[union-attr]
                print(f"{'':>9}   z{z}: {fmt(zs)}", flush=True)

        if args.clients > 1:
            shutil.rmtree(cache, ignore_errors=True)
            for label in ("uncached", "cached"):

                def one(tile: tuple[int, int, int]) -> float:
                    seconds, _ = timed(service.tile, dataset, "DLTB", *tile)
                    return seconds

                started = time.perf_counter()
                with ThreadPoolExecutor(args.clients) as pool:
                    latencies = list(pool.map(one, path))
                wall = time.perf_counter() - started
                row = stats(latencies) | {"tiles_per_s": round(len(path) / wall, 1)}
                result[f"{label}_{args.clients}_clients"] = row
                print(f"{label:>9} {args.clients} clients: {fmt(row)}, {row['tiles_per_s']} tiles/s", flush=True)
        result["peak_rss_mib"] = round(peak_mib())
        result["cpus"] = os.cpu_count()
        print(f"peak RSS {peak_mib():.0f} MiB", flush=True)
    finally:
        if work is not None and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "tiles.json").write_text(json.dumps(result, indent=2))
    return result


def fmt(row: dict[str, object]) -> str:
    text = f"p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms, max {row['max_ms']} ms (n={row['n']})"
    if "size_p50_kib" in row:
        text += f"; size p50 {row['size_p50_kib']} KiB, max {row['size_max_kib']} KiB, {row['empty']} empty"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--features", type=int, default=300_000)
    parser.add_argument("--zooms", type=int, nargs="+", default=[14, 15, 16])
    parser.add_argument("--clients", type=int, default=20, help="threads for the concurrent run (1: none)")
    parser.add_argument("--data-dir", help="use this data directory (with --dataset) instead of a new county")
    parser.add_argument("--dataset", default=DATASET)
    parser.add_argument("--keep", action="store_true", help="keep the generated county")
    args = parser.parse_args()
    run(args)


if __name__ == "__main__":
    sys.exit(main())

"""Web load test on loopback: concurrent clients panning DLTB tiles and opening pages.

    .venv/bin/python bench/bench_web.py [--features 300000] [--clients 20] [--seconds 30] [--json]

Builds (once, cached under ``bench/out/web-<features>``) a synthetic county of ``--features`` DLTB
polygons, imports it, seeds the demo records, starts ``landcon serve`` in its own process on a free
port, signs every client in as ``demo_author`` and then, for ``--seconds``, each client repeatedly
pans along its own path of z 15–16 tiles across the county (each tile requested twice: the first
request is uncached unless another client fetched it, the second is cached) and every tenth step
opens a page (总览, 项目, 数据). Clients are asyncio tasks in one process, so the load generator
takes as little of the two cores as possible; the server is ``landcon serve`` (uvicorn, one process).
Latencies are measured per request class. Targets (issue 6):
p95 < 100 ms for cached tiles, < 300 ms for uncached tiles and pages.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = ROOT / ".venv" / "bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def landcon(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(BIN / "landcon"), *args], env=env, check=True, stdout=subprocess.DEVNULL)


def prepare(features: int) -> Path:
    data = HERE / "out" / f"web-{features}"
    if (data / ".ready").exists():
        return data
    data.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "LANDCON_DATA_DIR": str(data)}
    src = data / "county.gpkg"
    landcon(
        env,
        "data",
        "synth",
        "--county",
        "530124",
        "--features",
        str(features),
        "--seed",
        "7",
        "--out",
        str(src),
        "--overwrite",
    )
    landcon(env, "data", "import", str(src), "--name", "demo", "--replace")
    landcon(env, "plan", "synth", "demo", "--out", str(data / "plan"))
    landcon(env, "admin", "seed-demo", "demo", "--plan", str(data / "plan"))
    (data / ".ready").write_text("ok")
    return data


def lonlat_to_tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


def sign_in(base: str) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=30.0)
    c.get("/login")
    c.post(
        "/login",
        data={"username": "demo_author", "password": "landcon-demo", "csrf_token": c.cookies.get("landcon_login_csrf")},
    )
    if c.get("/api/v1/me").status_code != 200:
        raise SystemExit("sign-in failed")
    return c


async def pan(
    base: str,
    cookies: list[httpx.Cookies],
    bounds: tuple[float, float, float, float],
    seconds: float,
    lat: dict[str, list[float]],
    think_s: float = 0.0,
) -> None:
    """Each client (an asyncio task; one event loop keeps the load generator's own CPU use low) pans
    west to east along its own latitude band, requesting every tile twice, and opens a page every
    tenth step."""
    w, s, e, n = bounds
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=len(cookies) * 2)
    async with httpx.AsyncClient(base_url=base, timeout=60.0, limits=limits) as http:

        async def run(i: int) -> None:
            jar = cookies[i]
            z = 15 + (i % 2)
            lat_i = s + (n - s) * (i + 0.5) / len(cookies)
            xa, y = lonlat_to_tile(w, lat_i, z)
            xb, _ = lonlat_to_tile(e, lat_i, z)
            step = 0
            while time.monotonic() < stop:
                x = xa + step % max(1, xb - xa + 1)
                for kind in ("tile_uncached", "tile_cached"):
                    t = time.perf_counter()
                    r = await http.get(f"/tiles/demo/DLTB/{z}/{x}/{y}.mvt", cookies=jar)
                    if r.status_code not in (200, 204):
                        raise RuntimeError(f"tile {z}/{x}/{y}: {r.status_code}")
                    lat[kind].append((time.perf_counter() - t) * 1000)
                if step % 10 == 0:
                    path = ("/", "/projects", "/data")[(step // 10) % 3]
                    t = time.perf_counter()
                    r = await http.get(path, cookies=jar)
                    if r.status_code != 200:
                        raise RuntimeError(f"page {path}: {r.status_code}")
                    lat["page"].append((time.perf_counter() - t) * 1000)
                step += 1
                if think_s:
                    await asyncio.sleep(think_s)

        await asyncio.gather(*(run(i) for i in range(len(cookies))))


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--features", type=int, default=300_000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--think-ms", type=float, default=0.0, help="pause per client between pan steps (0: flat out)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    data = prepare(args.features)
    shutil.rmtree(data / "tiles", ignore_errors=True)  # every run starts with no tile cached
    port = free_port()
    env = {**os.environ, "LANDCON_DATA_DIR": str(data)}
    server = subprocess.Popen(
        [str(BIN / "landcon"), "serve", "--port", str(port), "--no-jobs"], env=env, stdout=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(base + "/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        first = sign_in(base)
        info = first.get("/tiles/demo/layers.json").json()
        w, s, e, n = info["layers"]["DLTB"]["bounds"]
        # Warm the layer index once (its build time is reported separately).
        t0 = time.perf_counter()
        x0, y0 = lonlat_to_tile((w + e) / 2, (s + n) / 2, 15)
        first.get(f"/tiles/demo/DLTB/15/{x0}/{y0}.mvt")
        index_s = time.perf_counter() - t0
        cookies = [sign_in(base).cookies for _ in range(args.clients)]
        lat: dict[str, list[float]] = {"tile_uncached": [], "tile_cached": [], "page": []}
        asyncio.run(pan(base, cookies, (w, s, e, n), args.seconds, lat, args.think_ms / 1000))
        targets = {"tile_cached": 100.0, "tile_uncached": 300.0, "page": 300.0}
        result = {
            "features": args.features,
            "clients": args.clients,
            "seconds": args.seconds,
            "think_ms": args.think_ms,
            "index_build_s": round(index_s, 2),
            "classes": {
                k: {
                    "requests": len(v),
                    "p50_ms": round(pct(v, 0.5), 1),
                    "p95_ms": round(pct(v, 0.95), 1),
                    "max_ms": round(max(v), 1) if v else None,
                    "target_p95_ms": targets[k],
                    "pass": bool(v) and pct(v, 0.95) < targets[k],
                }
                for k, v in lat.items()
            },
        }
    finally:
        server.terminate()
        server.wait(10)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"web load: {args.features:,} DLTB features, {args.clients} clients, think {args.think_ms:g} ms, "
        f"{args.seconds:.0f} s; "
        f"index build {index_s:.2f} s"
    )
    print(f"{'class':<15}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}  target")
    for k, v in result["classes"].items():
        verdict = "PASS" if v["pass"] else "MISS"
        print(
            f"{k:<15}{v['requests']:>9}{v['p50_ms']:>9}{v['p95_ms']:>9}{v['max_ms']:>9}  "
            f"{verdict} p95 < {v['target_p95_ms']:.0f} ms"
        )


if __name__ == "__main__":
    main()

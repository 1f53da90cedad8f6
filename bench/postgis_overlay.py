"""PostGIS baseline for the overlay tabulation landcon computes in Python.

Tabulation: cultivated land (DLTB with DLBM in 0101/0102/0103) inside 永久基本农田 (YJJBNTBHTB, dissolved
first because its polygons may overlap) by village (first 12 chars of ZLDWDM), with apportioned TBDLMJ::

    Σ_p TBDLMJ(p) × area(p ∩ ∪YJJBNT) / area(p)

PostGIS uses planar ``ST_Area`` in the projected CRS while landcon uses ellipsoid shares, so the two agree to
about 1e-6 relative, not exactly.

    .venv/bin/python bench/postgis_overlay.py DLTB.parquet YJJBNTBHTB.parquet [--repeat 3] [--formulation NAME]

Everything runs in a throwaway cluster (``initdb`` in a temp dir, removed afterwards) tuned for a 2-core machine:
server ``shared_buffers=1GB``, ``fsync=off``, ``synchronous_commit=off``, ``full_page_writes=off``,
``wal_level=minimal``, ``max_wal_size=8GB``, ``autovacuum=off`` (we ``ANALYZE`` explicitly), ``jit=off``;
session ``work_mem=256MB``, ``maintenance_work_mem=1GB``, ``max_parallel_workers_per_gather=1`` (leader + one
worker = 2 cores), ``max_parallel_maintenance_workers=1``.

Formulations (``FORMULATIONS``; timings on 2 cores, 288k DLTB / 11k YJJBNT, query only):
- ``grid_cte`` (default, ~15 s): dissolve per 1 km grid cell (clip + ST_Union per cell, ~3 s instead of ~7 s for
  one ST_Union of the layer), ST_Subdivide to ≤64 vertices, then a piece-driven nested loop over dltb's GiST index.
- ``subdivide_cte`` / ``subdivide_table`` (~17 s / ~23 s): one ST_Union + ST_Subdivide, in a CTE or in an
  indexed table. With a table the planner drives the join from dltb (parallel), losing the prepared-geometry cache.
- ``dump_table`` (7× slower at 20k): unsubdivided components of the union.
The ST_CoveredBy fast path is cheap only on small pieces: YJJBNT shares edges with DLTB, so GEOS's prepared
predicate falls back to a full relate whose cost grows with the piece's vertex count (hence 64, not 256).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import psycopg
import shapely

from landcon.store import pg_throwaway

CULTIVATED = ("0101", "0102", "0103")
MAX_VERTICES = 64  # ST_Subdivide piece size, see FORMULATIONS
GRID_CELL_M = 1000  # cell size of the grid dissolve

SERVER_SETTINGS: dict[str, str] = {
    "shared_buffers": "1GB",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "1h",
    "autovacuum": "off",
    "jit": "off",
}
SESSION_SETTINGS: dict[str, str] = {
    "work_mem": "256MB",
    "maintenance_work_mem": "1GB",
    "max_parallel_workers_per_gather": "1",
    "max_parallel_maintenance_workers": "1",
}

# Apportioned area of one DLTB polygon d against one dissolved piece p; pieces are interior-disjoint, so summing
# over the pieces gives area(d ∩ ∪YJJBNT). Fast path: d covered by p keeps its whole TBDLMJ without ST_Intersection.
_SHARE = (
    "CASE WHEN ST_CoveredBy(d.geom, p.geom) THEN d.tbdlmj"
    " ELSE d.tbdlmj * ST_Area(ST_Intersection(d.geom, p.geom)) / NULLIF(ST_Area(d.geom), 0) END"
)
_CULT = ", ".join(f"'{c}'" for c in CULTIVATED)
_TABULATE = f"""
SELECT left(d.zldwdm, 12) AS cun, sum({_SHARE}) AS m2
FROM {{pieces}} p JOIN dltb d ON ST_Intersects(d.geom, p.geom)
WHERE d.dlbm IN ({_CULT})
GROUP BY 1
"""


def _pieces_table(pieces_sql: str) -> list[str]:
    return [
        "DROP TABLE IF EXISTS yj_pieces",
        f"CREATE UNLOGGED TABLE yj_pieces AS {pieces_sql}",
        "CREATE INDEX ON yj_pieces USING gist (geom)",
        "ANALYZE yj_pieces",
        _TABULATE.format(pieces="yj_pieces"),
    ]


# Dissolve on a square grid: clip each YJJBNT polygon to the cells it overlaps and union per cell (many small,
# cheap unions instead of one big one), then subdivide. Cells are interior-disjoint, so the pieces are too.
_GRID_PIECES = f"""
SELECT ST_Subdivide(ST_Union(ST_Intersection(y.geom, g.geom)), {MAX_VERTICES}) AS geom
FROM yjjbnt y JOIN ST_SquareGrid(
    {GRID_CELL_M}, (SELECT ST_SetSRID(ST_Extent(geom)::geometry, Find_SRID('public', 'yjjbnt', 'geom')) FROM yjjbnt)
) g ON y.geom && g.geom
GROUP BY g.i, g.j
"""
_UNION_PIECES = f"SELECT ST_Subdivide(ST_Union(geom), {MAX_VERTICES}) AS geom FROM yjjbnt"

# Each formulation is a list of statements; the last one returns (village, m2). All are timed as the query.
FORMULATIONS: dict[str, list[str]] = {
    # Grid dissolve + subdivide in a CTE; the join is driven by the pieces, probing dltb's GiST index per piece, so
    # ST_Intersects reuses PostGIS's prepared-geometry cache for the piece.
    "grid_cte": [f"WITH pieces AS MATERIALIZED ({_GRID_PIECES})" + _TABULATE.format(pieces="pieces")],
    # Same pieces in an indexed, analyzed unlogged table (parallel-safe, unlike a CTE or temp table).
    "grid_table": _pieces_table(_GRID_PIECES),
    # One ST_Union of the whole layer, then ST_Subdivide, in a CTE.
    "subdivide_cte": [f"WITH pieces AS MATERIALIZED ({_UNION_PIECES})" + _TABULATE.format(pieces="pieces")],
    # One ST_Union + ST_Subdivide into an indexed table.
    "subdivide_table": _pieces_table(_UNION_PIECES),
    # Connected components of the union, not subdivided: big pieces make ST_CoveredBy slow (see module docstring).
    "dump_table": _pieces_table("SELECT (ST_Dump(ST_Union(geom))).geom AS geom FROM yjjbnt"),
}
DEFAULT_FORMULATION = "grid_cte"


@dataclass
class PostgisTiming:
    load_s: float  # time to load both layers into PostGIS incl. index build + ANALYZE
    query_s: float  # time of the tabulation query only (best of `repeat`)
    rows: dict[str, float]  # village code (12 chars) -> m2
    postgis_version: str


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """The shared throwaway cluster (landcon.store.pg_throwaway) with this benchmark's server settings."""
    with pg_throwaway.throwaway_cluster(SERVER_SETTINGS) as cluster:
        yield cluster.conninfo


def _epsg(frame: gpd.GeoDataFrame) -> int:
    epsg = frame.crs.to_epsg() if frame.crs is not None else None
    if epsg is None:
        raise ValueError(f"layer needs a CRS with an EPSG code, got {frame.crs}")
    return int(epsg)


def _ewkb(geoms: gpd.GeoSeries, srid: int) -> np.ndarray:
    return shapely.to_wkb(shapely.set_srid(np.asarray(geoms.array), srid), include_srid=True)


def _load(conn: psycopg.Connection, dltb: gpd.GeoDataFrame, yjjbnt: gpd.GeoDataFrame) -> None:
    """Create both tables, binary-COPY them (EWKB straight into the geometry column), index and ANALYZE."""
    d_srid, y_srid = _epsg(dltb), _epsg(yjjbnt)
    conn.execute(
        f"CREATE UNLOGGED TABLE dltb (dlbm text, zldwdm text, tbdlmj float8, geom geometry(Polygon, {d_srid}))"
    )
    conn.execute(f"CREATE UNLOGGED TABLE yjjbnt (geom geometry(Polygon, {y_srid}))")
    tbdlmj = dltb["TBDLMJ"].astype("float64")
    rows = zip(
        dltb["DLBM"].astype(object).where(dltb["DLBM"].notna(), None).tolist(),
        dltb["ZLDWDM"].astype(object).where(dltb["ZLDWDM"].notna(), None).tolist(),
        tbdlmj.astype(object).where(tbdlmj.notna(), None).tolist(),
        _ewkb(dltb.geometry, d_srid).tolist(),
        strict=True,
    )
    with conn.cursor() as cur:
        # Binary COPY: bytea's wire format is the raw bytes, which geometry_recv reads as EWKB.
        with cur.copy("COPY dltb FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["text", "text", "float8", "bytea"])
            for row in rows:
                copy.write_row(row)
        with cur.copy("COPY yjjbnt FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["bytea"])
            for g in _ewkb(yjjbnt.geometry, y_srid).tolist():
                copy.write_row((g,))
    conn.execute("CREATE INDEX ON dltb USING gist (geom)")
    conn.execute("CREATE INDEX ON yjjbnt USING gist (geom)")
    conn.execute("ANALYZE dltb")
    conn.execute("ANALYZE yjjbnt")


def _tabulate(conn: psycopg.Connection, statements: list[str]) -> dict[str, float]:
    for sql in statements[:-1]:
        conn.execute(sql)
    return {cun: float(m2) for cun, m2 in conn.execute(statements[-1]).fetchall() if m2 is not None}


def time_postgis_overlay(
    dltb_parquet: Path, yjjbnt_parquet: Path, *, repeat: int = 3, formulation: str = DEFAULT_FORMULATION
) -> PostgisTiming:
    """Load both layers into a throwaway PostGIS cluster and time the tabulation.

    ``load_s`` starts from the GeoDataFrames in memory (parquet reading is not timed) and covers EWKB encoding,
    COPY, GiST indexes and ANALYZE. ``query_s`` is the best of ``repeat`` runs of the whole formulation, dissolve
    of YJJBNT included.
    """
    statements = FORMULATIONS[formulation]
    dltb = gpd.read_parquet(dltb_parquet, columns=["DLBM", "ZLDWDM", "TBDLMJ", "geometry"])
    yjjbnt = gpd.read_parquet(yjjbnt_parquet, columns=["geometry"])
    with throwaway_cluster() as conninfo, psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION postgis")
        for key, value in SESSION_SETTINGS.items():
            conn.execute(f"SET {key} = '{value}'")
        version = str(conn.execute("SELECT postgis_full_version()").fetchone()[0])
        t0 = time.perf_counter()
        _load(conn, dltb, yjjbnt)
        load_s = time.perf_counter() - t0
        best, rows = float("inf"), {}
        for _ in range(max(1, repeat)):
            t0 = time.perf_counter()
            rows = _tabulate(conn, statements)
            best = min(best, time.perf_counter() - t0)
    return PostgisTiming(load_s=load_s, query_s=best, rows=rows, postgis_version=version)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dltb", type=Path)
    parser.add_argument("yjjbnt", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--formulation", choices=sorted(FORMULATIONS), default=DEFAULT_FORMULATION)
    args = parser.parse_args(argv)
    t = time_postgis_overlay(args.dltb, args.yjjbnt, repeat=args.repeat, formulation=args.formulation)
    out = {
        "formulation": args.formulation,
        "load_s": round(t.load_s, 3),
        "query_s": round(t.query_s, 3),
        "villages": len(t.rows),
        "total_m2": sum(t.rows.values()),
        "postgis_version": t.postgis_version,
    }
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()

"""Benchmark: the quota ledger with a million entries across Yunnan's 129 counties, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_ledger.py                                  # both backends, full size
    .venv/bin/python bench/bench_ledger.py --backend sqlite --entries 20000 --posts 100   # smoke test
    .venv/bin/python bench/bench_ledger.py --json                           # JSON on stdout, no table

Targets (issue): one million entries across 129 counties — a county balance under 50 ms,
``ledger check`` under 60 s, posting throughput of at least 500 entries per second.

For each backend a fresh database is created (SQLite: a file in a temporary data folder;
PostgreSQL: a throwaway cluster, ``landcon.store.pg_throwaway``, with the server's *default durable
settings* — fsync and synchronous_commit on; the output lists them), migrated, seeded with
Yunnan's units (``org.seed_yunnan``), a provincial supervisor and one supervisor per county.

History (``--entries``, half as many 2-line postings), generated with a fixed seed so that no
holding balance ever goes negative, and loaded with SQLAlchemy Core executemany (COPY on
PostgreSQL) straight into the ledger tables — it *bypasses the audit trail*:

- issuance (source → 可用): per county ``--projects-per-county`` accepted projects (stage 后期管护,
  with a submitted plan version whose engine indicators give the quantity), each with one
  补充耕地指标核定 (area, 水田, 粮食产能) and one 拆旧复垦验收 of its 项目区 (2 lines: the
  project area's 拆旧 goes to the county's 节余指标 可用; nothing owed, no reservation) — so ``check``
  recomputes every issue from the stored indicators and finds them right;
- the other postings: 75 % 建设用地审批使用 (可用 → 已使用), 15 % 调剂 between two counties
  (可用 → 可用, with its contract row; total = area × price per 亩), 10 % 冻结 (可用 → 冻结);
  each takes at most what its county holds above a floor kept for the throughput test.

PostgreSQL is then ``VACUUM ANALYZE``d (as autovacuum would after such a load) and ``CHECKPOINT``ed (so
that writing out the load does not slow the posting measurements); SQLite's WAL is checkpointed and
the database measured as landcon leaves it (no ``ANALYZE``). Measured through the services, as a
user's command would call them:

1. ``ledger.balance(county supervisor, county)`` for every county (one warm-up pass discarded;
   target < 50 ms median) and ``ledger.balance(provincial supervisor, "530000")`` (all entries);
   min / median / p95 over ``--repeat`` calls; ``sql ms`` re-executes the call's SQL alone;
2. ``ledger.check(provincial supervisor)`` once, in a fresh process (its peak RSS is the check's
   plus the imports), on the loaded history only: ok must be true and entries = ``--entries``;
3. ``--posts`` sequential ``ledger.use`` postings (each its own audited transaction, 2 entries),
   spread over the counties and both tradable kinds, then ``--posts`` more from 2 worker
   processes (spawn) posting at the same time: postings/s and entries/s (target ≥ 500 entries/s);
   then ``--posts`` more as one batch (``ledger.post_many``, one audited transaction, as a batch file);
4. a final ``check`` over history + the service postings (ok, entries = history + 2 × postings).

A target missed prints the statement plan (balance) or a cProfile of the call (check, posting);
``--profile`` always does. Results go to ``bench/out/ledger.json``.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import hashlib
import io
import json
import math
import multiprocessing as mp
import os
import pstats
import random
import resource
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import event, select, text
from sqlalchemy.engine import Engine

from landcon.engine import ledger as L
from landcon.engine import workflow as wf
from landcon.engine.org import COUNTY
from landcon.services import ledger, org, records
from landcon.store import pg_throwaway
from landcon.store.models import (
    LedgerAccount,
    LedgerArea,
    LedgerEntry,
    LedgerPosting,
    LedgerTransfer,
    PlanVersion,
    Project,
    Unit,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_records

HERE = Path(__file__).resolve().parent
BALANCE_TARGET_MS = 50.0
CHECK_TARGET_S = 60.0
POST_TARGET_EPS = 500.0
PASSWORD = "bench-password"
PROVINCE = "530000"
PROVINCE_SUP = "bench_sup_530000"
BATCH = 50_000  # postings per insert batch
FLOOR_DM2 = 1_000_000  # 10,000 m² per county and kind the history never spends (left for the postings)
USE_DM2 = (5_000, 500_000)  # 50 – 5,000 m² per 审批使用 / 冻结
TRANSFER_DM2 = (5_000, 2_000_000)
MIX = (("use", 0.75), ("transfer", 0.15), ("freeze", 0.10))
SUPPLY_FACTOR = 1.6  # issued / spent over the history
PRICE_YUAN_PER_MU = {"jsjg": (200_000, 500_000), "bcgd": (50_000, 300_000)}
ENV_KEYS = ("LANDCON_DATABASE_URL", "LANDCON_DATA_DIR", "LANDCON_LEDGER_RULES")
PG_SHOW = ("fsync", "synchronous_commit", "full_page_writes", "wal_level", "shared_buffers", "work_mem")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def rss_mib(field: str = "VmHWM") -> float:
    """Peak (``VmHWM``) or current (``VmRSS``) resident memory of this process, MiB. /proc is read because
    ``ru_maxrss`` survives exec: a spawned child would report its parent's peak if that was higher."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def sup(code: str) -> str:
    return f"bench_sup_{code}"


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def stats_ms(ms: Sequence[float]) -> dict[str, float]:
    return {"runs": len(ms), "min_ms": min(ms), "median_ms": statistics.median(ms), "p95_ms": p95(ms)}


def profile_text(prof: cProfile.Profile, top: int = 25) -> str:
    buf = io.StringIO()
    st = pstats.Stats(prof, stream=buf)
    st.sort_stats("cumulative").print_stats(top)
    st.sort_stats("tottime").print_stats(top)
    return buf.getvalue()


# History generation -------------------------------------------------------------------------------


@dataclass
class County:
    id: int
    code: str
    name: str
    avail: dict[str, list[int]] = field(default_factory=dict)  # kind → [area, paddy, grain]


@dataclass
class Issue:
    """One issuing posting (补充耕地指标核定 or 拆旧复垦验收) of a project."""

    doc_type: str
    county: int  # index into the counties
    project_id: int
    area_code: str
    qty: tuple[int, int, int]


@dataclass
class Static:
    """Rows known before the history: accounts, projects, plan versions, 项目区 snapshots."""

    rows: dict[str, list[dict[str, Any]]]
    accounts: dict[tuple[int, str, str, str], int]  # (county index, kind, bucket, area_code) → account id
    issues: list[Issue]


def build_static(
    rng: random.Random, counties: list[County], per_county: int, issue_dm2: int, now: dt.datetime
) -> Static:
    """Projects (accepted, with the engine indicators the issues come from) and every account."""
    rules = L.LedgerRules()
    chain = wf.YUNNAN.to_dict()
    stage = "aftercare"
    stage_name = wf.YUNNAN.stage(stage).name
    rows: dict[str, list[dict[str, Any]]] = {"projects": [], "plan_versions": [], "ledger_areas": []}
    accounts: dict[tuple[int, str, str, str], int] = {}

    def account(ci: int, kind: str, bucket: str, area: str = "") -> None:
        accounts[(ci, kind, bucket, area)] = len(accounts) + 1

    issues: list[Issue] = []
    pid = 0
    for ci, c in enumerate(counties):
        for kind in (L.JSJG, L.BCGD):
            for bucket in (L.AVAIL, L.USED, L.FROZEN):
                account(ci, kind, bucket)
        account(ci, L.BCGD, L.SOURCE)
        for k in range(per_county):
            pid += 1
            area_code = f"G{k + 1:02d}"
            account(ci, L.JSJG, L.SOURCE, area_code)
            farm_dm2 = int(issue_dm2 * rng.uniform(0.5, 1.5))
            demolished_dm2 = int(issue_dm2 * rng.uniform(0.5, 1.5))
            hi = int(farm_dm2 * rng.uniform(0.2, 0.6))
            indicators = {
                "cultivated": {
                    "supplementary_m2": farm_dm2 / 100,
                    "supplementary_paddy_m2": int(farm_dm2 * rng.uniform(0.0, 0.4)) / 100,
                    "supplementary_by_grade_m2": {"8": hi / 100, "10": (farm_dm2 - hi) / 100},
                },
                "linkage": {
                    "project_areas": [
                        {
                            "code": area_code,
                            "demolished_m2": demolished_dm2 / 100,
                            "reclaimed_cultivated_m2": demolished_dm2 * 0.9 / 100,
                            "new_construction_m2": demolished_dm2 * 0.5 / 100,
                        }
                    ]
                },
            }
            q = ledger.farmland_quantity(indicators, rules)
            created = now - dt.timedelta(days=rng.randint(1500, 3650))
            code = f"{c.code}-{created.year}-{k + 1:03d}"
            rows["projects"].append(
                {
                    "id": pid,
                    "code": code,
                    "name": f"{c.name}全域土地综合整治项目（{k + 1}）",
                    "county_id": c.id,
                    "dataset": None,
                    "stage": stage,
                    "stage_name": stage_name,
                    "chain": chain,
                    "pbf_adjusted": False,
                    "created_by": sup(c.code),
                    "created_at": created,
                    "updated_at": now,
                    "version": 1,
                }
            )
            rows["plan_versions"].append(
                {
                    "id": pid,
                    "project_id": pid,
                    "number": 1,
                    "status": "submitted",
                    "based_on_id": None,
                    "name": code,
                    "pack": "yunnan-2024",
                    "indicators": indicators,
                    "findings": [],
                    "errors": 0,
                    "warnings": 0,
                    "pbf_adjusted": False,
                    "created_by": sup(c.code),
                    "created_at": created,
                    "submitted_at": created + dt.timedelta(days=30),
                    "version": 1,
                }
            )
            rows["ledger_areas"].append(
                {
                    "id": pid,
                    "unit_id": c.id,
                    "code": area_code,
                    "project_id": pid,
                    "plan_version_id": pid,
                    "demolished_dm2": demolished_dm2,
                    "reclaimed_cultivated_dm2": int(demolished_dm2 * 0.9),
                    "new_construction_dm2": demolished_dm2 // 2,
                    "created_at": now,
                }
            )
            issues.append(Issue(L.BCGD_ISSUE, ci, pid, "", (q.area, q.paddy, q.grain)))
            issues.append(Issue(L.RECLAIM, ci, pid, area_code, (L.units_from_dm2(demolished_dm2), 0, 0)))
    rows["ledger_accounts"] = [
        {"id": i, "unit_id": counties[ci].id, "kind": kind, "bucket": bucket, "area_code": area}
        for (ci, kind, bucket, area), i in accounts.items()
    ]
    return Static(rows, accounts, issues)


class Eligible:
    """Counties holding more than the floor + a minimum of a kind: O(1) add, remove and random pick."""

    def __init__(self) -> None:
        self.items: list[int] = []
        self.pos: dict[int, int] = {}

    def add(self, i: int) -> None:
        if i not in self.pos:
            self.pos[i] = len(self.items)
            self.items.append(i)

    def remove(self, i: int) -> None:
        at = self.pos.pop(i, None)
        if at is None:
            return
        last = self.items.pop()
        if last != i:
            self.items[at] = last
            self.pos[last] = at

    def pick(self, rng: random.Random) -> int | None:
        return self.items[rng.randrange(len(self.items))] if self.items else None


def history(
    rng: random.Random, counties: list[County], static: Static, postings: int, now: dt.datetime
) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """Batches of rows (ledger_postings, ledger_entries, ledger_transfers), in posting order."""
    kinds = (L.JSJG, L.BCGD)
    acc = static.accounts
    for c in counties:
        c.avail = {k: [0, 0, 0] for k in kinds}
    eligible = {k: Eligible() for k in kinds}
    minimum = USE_DM2[0]
    # issues: one of each kind per county first (so spending can start), the rest spread over the history
    first, rest = [], []
    seen: set[tuple[int, str]] = set()
    for issue in static.issues:
        key = (issue.county, issue.doc_type)
        (rest if key in seen else first).append(issue)
        seen.add(key)
    slots = sorted(rng.sample(range(len(first), postings), k=len(rest)))
    schedule = {i: issue for i, issue in enumerate(first)} | dict(zip(slots, rest, strict=True))
    pending = sorted(schedule, reverse=True)  # slots of issues not yet posted, the next one last
    pulled: set[int] = set()  # slots whose issue was posted earlier (nothing was left to spend)
    start = now.date() - dt.timedelta(days=3650)
    names, weights = [m for m, _ in MIX], [w for _, w in MIX]
    eid = 0
    batch: dict[str, list[dict[str, Any]]] = {"ledger_postings": [], "ledger_entries": [], "ledger_transfers": []}

    def credit(ci: int, kind: str, q: Sequence[int]) -> None:
        a = counties[ci].avail[kind]
        for j in range(3):
            a[j] += q[j]
        if a[0] - FLOOR_DM2 >= minimum:
            eligible[kind].add(ci)

    def debit(ci: int, kind: str, area: int) -> tuple[int, int, int]:
        a = counties[ci].avail[kind]
        q = (area, area * a[1] // a[0], area * a[2] // a[0])  # 水田 and 粮食产能 in proportion
        for j in range(3):
            a[j] -= q[j]
        if a[0] - FLOOR_DM2 < minimum:
            eligible[kind].remove(ci)
        return q

    for pid in range(1, postings + 1):
        i = pid - 1
        posted_on = start + dt.timedelta(days=int(3650 * i / postings))
        issue = schedule.get(i) if i not in pulled else None
        op, kind, ci = "", "", None
        if issue is None:
            op = rng.choices(names, weights)[0]
            kind = kinds[rng.randrange(2)]
            ci = eligible[kind].pick(rng)
            if ci is None:
                kind = kinds[1 - kinds.index(kind)]
                ci = eligible[kind].pick(rng)
            if ci is None:  # nothing to spend anywhere: post the next issue now
                while pending and (pending[-1] <= i or pending[-1] in pulled):
                    pending.pop()
                if not pending:
                    raise RuntimeError("the generated history ran out of quota")
                pulled.add(pending[-1])
                issue = schedule[pending.pop()]
        lines: list[tuple[int, tuple[int, int, int]]]
        if issue is not None:
            ci, kind = issue.county, (L.BCGD if issue.doc_type == L.BCGD_ISSUE else L.JSJG)
            q = issue.qty
            lines = [
                (acc[(ci, kind, L.SOURCE, issue.area_code)], (-q[0], -q[1], -q[2])),
                (acc[(ci, kind, L.AVAIL, "")], q),
            ]
            credit(ci, kind, q)
            doc_type, doc_no = issue.doc_type, f"云自然资核〔{posted_on.year}〕{pid}号"
            unit, area_code, project_id, created_by = ci, issue.area_code, issue.project_id, PROVINCE_SUP
            memo = "本村建房预留申报 0 m²" if issue.doc_type == L.RECLAIM else ""
        else:
            assert ci is not None
            spare = counties[ci].avail[kind][0] - FLOOR_DM2
            lo, hi = TRANSFER_DM2 if op == "transfer" else USE_DM2
            area = min(rng.randint(lo, hi), spare)
            q = debit(ci, kind, area)
            neg = (-q[0], -q[1], -q[2])
            unit, area_code, project_id, memo, created_by = ci, "", None, "", sup(counties[ci].code)
            if op == "use":
                doc_type, doc_no = L.USE, f"{counties[ci].code}审批〔{posted_on.year}〕{pid}号"
                lines = [(acc[(ci, kind, L.AVAIL, "")], neg), (acc[(ci, kind, L.USED, "")], q)]
            elif op == "freeze":
                doc_type, doc_no = L.FREEZE, f"云自然资冻〔{posted_on.year}〕{pid}号"
                lines = [(acc[(ci, kind, L.AVAIL, "")], neg), (acc[(ci, kind, L.FROZEN, "")], q)]
                memo, created_by = "违法用地整改期间冻结", PROVINCE_SUP
            else:
                buyer = rng.randrange(len(counties) - 1)
                buyer += buyer >= ci
                doc_type, doc_no = L.TRANSFER, f"云指标调剂合〔{posted_on.year}〕{pid}号"
                lines = [(acc[(ci, kind, L.AVAIL, "")], neg), (acc[(buyer, kind, L.AVAIL, "")], q)]
                credit(buyer, kind, q)
                price = L.fen(rng.randint(*PRICE_YUAN_PER_MU[kind]))
                total = L.transfer_total_fen(q[0], price)
                batch["ledger_transfers"].append(
                    {
                        "posting_id": pid,
                        "seller_unit_id": counties[ci].id,
                        "buyer_unit_id": counties[buyer].id,
                        "counterparty": "",
                        "cross_province": False,
                        "area": q[0],
                        "price_fen_per_mu": price,
                        "total_fen": total,
                        "received_fen": total if rng.random() < 0.7 else total // 2,
                    }
                )
        batch["ledger_postings"].append(
            {
                "id": pid,
                "doc_type": doc_type,
                "doc_no": doc_no,
                "unit_id": counties[unit].id,
                "kind": kind,
                "area_code": area_code,
                "project_id": project_id,
                "corrects_id": None,
                "posted_on": posted_on,
                "due_date": None,
                "memo": memo,
                "created_by": created_by,
                "created_at": now,
            }
        )
        for account_id, (a, p, g) in lines:
            eid += 1
            batch["ledger_entries"].append(
                {"id": eid, "posting_id": pid, "account_id": account_id, "area": a, "paddy": p, "grain": g}
            )
        if len(batch["ledger_postings"]) >= BATCH or pid == postings:
            yield batch
            batch = {"ledger_postings": [], "ledger_entries": [], "ledger_transfers": []}


# Loading ------------------------------------------------------------------------------------------


put = bench_records.put  # COPY on PostgreSQL, executemany on SQLite: one loader for both benchmarks


def load(engine: Engine, counties: list[County], args: argparse.Namespace, rng: random.Random) -> dict[str, Any]:
    tables = {
        "projects": Project.__table__,
        "plan_versions": PlanVersion.__table__,
        "ledger_areas": LedgerArea.__table__,
        "ledger_accounts": LedgerAccount.__table__,
        "ledger_postings": LedgerPosting.__table__,
        "ledger_entries": LedgerEntry.__table__,
        "ledger_transfers": LedgerTransfer.__table__,
    }
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    postings = args.entries // 2
    per_county = max(1, min(args.projects_per_county, postings // (20 * len(counties))))
    issues = 2 * per_county * len(counties)
    spent = (postings - issues) * (MIX[0][1] + MIX[2][1]) * sum(USE_DM2) / 2
    issue_dm2 = int(SUPPLY_FACTOR * spent / issues) + 2 * FLOOR_DM2
    t0 = time.perf_counter()
    static = build_static(rng, counties, per_county, issue_dm2, now)
    counts = {name: len(rows) for name, rows in static.rows.items()}
    gen = time.perf_counter() - t0
    with engine.begin() as conn:
        for name in ("projects", "plan_versions", "ledger_areas", "ledger_accounts"):
            put(conn, tables[name], static.rows[name])
    for name in ("ledger_postings", "ledger_entries", "ledger_transfers"):
        counts[name] = 0
    batches = history(rng, counties, static, postings, now)
    while True:
        t1 = time.perf_counter()
        batch = next(batches, None)
        gen += time.perf_counter() - t1
        if batch is None:
            break
        with engine.begin() as conn:
            for name in ("ledger_postings", "ledger_entries", "ledger_transfers"):
                put(conn, tables[name], batch[name])
                counts[name] += len(batch[name])
        if counts["ledger_postings"] % (4 * BATCH) == 0:
            log(f"  entries loaded: {counts['ledger_entries']:,}")
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            for name in tables:
                if name != "ledger_transfers":
                    conn.execute(
                        text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")
                    )
    by_type: dict[str, int] = {}
    # the doc-type mix, from the generated counts (cheap to recount from the database)
    with engine.connect() as conn:
        for doc_type, n in conn.execute(text("SELECT doc_type, count(*) FROM ledger_postings GROUP BY doc_type")):
            by_type[str(doc_type)] = int(n)
    counts["postings_by_type"] = by_type
    counts["projects_per_county"] = per_county
    counts["issue_area_mu_mean"] = round(issue_dm2 * 15 / 1_000_000, 1)
    counts["generate_seconds"] = round(gen, 1)
    return counts


# Measuring ----------------------------------------------------------------------------------------


@contextmanager
def capture(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements (with parameters) executed on ``engine`` inside the block."""
    seen: list[tuple[str, Any]] = []

    def before(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, executemany: bool) -> None:
        if not executemany and statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def explain_plan(engine: Engine, statement: str, params: Any) -> str:
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            lines = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params).scalars().all()
            return "\n".join(str(x) for x in lines)
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
        return "\n".join(f"{r[0]:>3} {r[1]:>3}  {r[3]}" for r in rows)


def measure_balance(
    engine: Engine, calls: Sequence[Callable[[], dict[str, Any]]], warm: int, explain: bool, target: float | None
) -> dict[str, Any]:
    """Time every call after ``warm`` warm-up calls; the SQL alone is timed by re-executing the statements."""
    for call in calls[:warm]:
        call()
    ms, rows = [], 0
    for call in calls:
        t0 = time.perf_counter()
        result = call()
        ms.append((time.perf_counter() - t0) * 1000)
        rows = len(result["accounts"]) + len(result["counties"])
    with capture(engine) as seen:
        calls[0]()
    main = max(seen, key=lambda s: len(s[0]))
    sql_ms = []
    with engine.connect() as conn:
        for _ in range(min(len(calls), 20)):
            t0 = time.perf_counter()
            for statement, params in seen:
                conn.exec_driver_sql(statement, params).fetchall()
            sql_ms.append((time.perf_counter() - t0) * 1000)
        conn.rollback()
    out: dict[str, Any] = {
        **stats_ms(ms),
        "rows": rows,
        "statements": len(seen),
        "sql_median_ms": statistics.median(sql_ms),
        "load_average": os.getloadavg()[0],
    }
    if explain or (target is not None and out["median_ms"] >= target):
        out["plan"] = explain_plan(engine, *main)
    return out


def _check_child(queue: Any, profile: bool) -> None:
    """ledger.check in a fresh process (its peak RSS is its own); optionally under cProfile."""
    who = records.actor(PROVINCE_SUP)
    before = rss_mib("VmRSS")
    t0 = time.perf_counter()
    if profile:
        prof = cProfile.Profile()
        result = prof.runcall(ledger.check, who)
    else:
        result = ledger.check(who)
    wall = time.perf_counter() - t0
    out = {
        "ok": result["ok"],
        "errors": result["errors"],
        "warnings": result["warnings"],
        "postings": result["postings"],
        "entries": result["entries"],
        "accounts": result["accounts"],
        "findings": result["findings"][:5],
        "seconds": result["seconds"],
        "wall_seconds": round(wall, 2),
        "rss_before_mib": before,
        "peak_rss_mib": rss_mib(),
        "load_average": os.getloadavg()[0],
    }
    if profile:
        out["profile"] = profile_text(prof)
    queue.put(out)


def run_check(profile: bool = False) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_check_child, args=(queue, profile))
    proc.start()
    out = queue.get()
    proc.join()
    return dict(out)


def post_uses(actors: dict[str, Any], jobs: Sequence[tuple[str, str, str]]) -> int:
    """``ledger.use`` for each (county, kind, doc_no), 1 m² each; returns the postings made."""
    made = 0
    for county, kind, doc_no in jobs:
        r = ledger.use(actors[county], county, kind, doc_no, area_m2=1.0, paddy_m2=0.0, grain_kg=0, memo="基准测试")
        made += not r["duplicate"]
    return made


def use_jobs(
    codes: Sequence[str], n: int, prefix: str, worker: int = 0, workers: int = 1
) -> list[tuple[str, str, str]]:
    jobs = []
    for i in range(n):
        k = i * workers + worker
        jobs.append((codes[k % len(codes)], ("jsjg", "bcgd")[(k // len(codes)) % 2], f"{prefix}-{k:06d}"))
    return jobs


def _post_worker(worker: int, workers: int, n: int, codes: list[str], prefix: str, barrier: Any, queue: Any) -> None:
    jobs = use_jobs(codes, n, prefix, worker, workers)
    actors = {c: records.actor(sup(c)) for c in {j[0] for j in jobs}}
    barrier.wait()
    t0 = time.time()
    errors: list[str] = []
    made = 0
    for job in jobs:
        try:
            made += post_uses(actors, [job])
        except Exception as error:  # counted and reported
            errors.append(f"{type(error).__name__}: {error}")
    queue.put({"worker": worker, "start": t0, "end": time.time(), "postings": made, "errors": errors[:5]})


def measure_posting(codes: list[str], args: argparse.Namespace, backend: str) -> dict[str, Any]:
    actors = {c: records.actor(sup(c)) for c in codes}
    out: dict[str, Any] = {}
    jobs = use_jobs(codes, args.posts, f"BENCH-{backend}-SEQ")
    t0 = time.perf_counter()
    made = post_uses(actors, jobs)
    seconds = time.perf_counter() - t0
    out["sequential"] = {
        "postings": made,
        "seconds": round(seconds, 2),
        "postings_per_s": made / seconds,
        "entries_per_s": 2 * made / seconds,
        "ms_per_posting": 1000 * seconds / made,
        "load_average": os.getloadavg()[0],
    }
    log(f"{backend}: sequential {made} postings in {seconds:.1f} s = {2 * made / seconds:.0f} entries/s")

    workers = 2
    ctx = mp.get_context("spawn")
    barrier, queue = ctx.Barrier(workers), ctx.Queue()
    n = args.posts // workers
    procs = [
        ctx.Process(target=_post_worker, args=(w, workers, n, codes, f"BENCH-{backend}-PAR", barrier, queue))
        for w in range(workers)
    ]
    for p in procs:
        p.start()
    parts = sorted((queue.get() for _ in procs), key=lambda r: r["worker"])
    for p in procs:
        p.join()
    span = max(r["end"] for r in parts) - min(r["start"] for r in parts)
    total = sum(r["postings"] for r in parts)
    out["concurrent"] = {
        "workers": workers,
        "postings": total,
        "seconds": round(span, 2),
        "postings_per_s": total / span,
        "entries_per_s": 2 * total / span,
        "errors": [e for r in parts for e in r["errors"]],
        "per_worker_entries_per_s": [round(2 * r["postings"] / (r["end"] - r["start"]), 1) for r in parts],
        "load_average": os.getloadavg()[0],
    }
    log(f"{backend}: 2 workers {total} postings in {span:.1f} s = {2 * total / span:.0f} entries/s")
    made_total = made + total
    # The same documents as one batch file would post them: ledger.post_many, one audited transaction.
    items = [
        {
            "type": "use",
            "unit": c,
            "kind": k,
            "doc_no": d,
            "area_m2": 1.0,
            "paddy_m2": 0.0,
            "grain_kg": 0,
            "memo": "基准测试",
        }
        for c, k, d in use_jobs(codes, args.posts, f"BENCH-{backend}-BATCH")
    ]
    t0 = time.perf_counter()
    batch = ledger.post_many(records.actor(PROVINCE_SUP), items, source="bench")
    seconds = time.perf_counter() - t0
    out["batch"] = {
        "postings": batch["posted"],
        "entries": batch["entries"],
        "seconds": round(seconds, 2),
        "entries_per_s": batch["entries"] / seconds,
        "load_average": os.getloadavg()[0],
    }
    made_total += batch["posted"]
    eps = out["batch"]["entries_per_s"]
    log(f"{backend}: post_many {batch['posted']} postings in one transaction, {seconds:.1f} s = {eps:.0f} entries/s")
    if args.profile or out["sequential"]["entries_per_s"] < POST_TARGET_EPS:
        k = min(200, args.posts)
        prof = cProfile.Profile()
        t0 = time.perf_counter()
        made_profiled = prof.runcall(post_uses, actors, use_jobs(codes, k, f"BENCH-{backend}-PROF"))
        out["profile"] = {
            "postings": made_profiled,
            "seconds": round(time.perf_counter() - t0, 2),
            "text": profile_text(prof, 30),
        }
        made_total += made_profiled
    out["service_postings"] = made_total
    return out


def server_settings(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            return {k: str(conn.execute(text(f"SHOW {k}")).scalar_one()) for k in PG_SHOW}
        return {
            "journal_mode": str(conn.exec_driver_sql("PRAGMA journal_mode").scalar_one()),
            "synchronous": {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(
                int(conn.exec_driver_sql("PRAGMA synchronous").scalar_one()), "?"
            ),
            "sqlite_version": sqlite3.sqlite_version,
        }


db_size = bench_records.db_size


# One backend --------------------------------------------------------------------------------------


@contextmanager
def database_url(backend: str, work: Path) -> Iterator[tuple[str, Path | None]]:
    if backend == "sqlite":
        path = work / "sqlite" / "landcon.db"
        yield f"sqlite:///{path}", path
        return
    with pg_throwaway.throwaway_cluster() as cluster:  # the server's default (durable) settings
        with psycopg.connect(cluster.conninfo, autocommit=True) as conn:
            conn.execute("CREATE DATABASE landcon_bench")
        yield cluster.url("landcon_bench"), None


def run_backend(backend: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    rng = random.Random(args.seed)
    saved = {k: os.environ.get(k) for k in ENV_KEYS}
    result: dict[str, Any] = {"backend": backend}
    with database_url(backend, work) as (url, sqlite_file):
        os.environ["LANDCON_DATABASE_URL"] = url
        os.environ["LANDCON_DATA_DIR"] = str(work / backend)
        os.environ.pop("LANDCON_LEDGER_RULES", None)  # the built-in rules
        try:
            log(f"{backend}: creating and seeding {url}")
            t0 = time.perf_counter()
            db = records.database(url)
            system = records.system_actor()
            org.seed_yunnan(system)
            with records.read() as session:
                counties = [
                    County(u.id, u.code, u.name)
                    for u in session.scalars(select(Unit).where(Unit.level == COUNTY).order_by(Unit.code))
                ]
            for code in [PROVINCE] + [c.code for c in counties]:
                org.add_user(system, sup(code), password=PASSWORD, unit=code, roles=("supervisor",), department="zrzy")
            result["setup_seconds"] = round(time.perf_counter() - t0, 1)
            result["counties"] = len(counties)
            result["server_settings"] = server_settings(db.engine)
            log(f"{backend}: {len(counties)} counties, {len(counties) + 1} supervisors in {result['setup_seconds']} s")

            t0 = time.perf_counter()
            result["counts"] = load(db.engine, counties, args, rng)
            if db.dialect == "postgresql":
                with db.engine.connect() as conn:
                    auto = conn.execution_options(isolation_level="AUTOCOMMIT")
                    auto.exec_driver_sql("VACUUM ANALYZE")
                    auto.exec_driver_sql("CHECKPOINT")  # write out the load now, not during the measurements
            result["load_seconds"] = round(time.perf_counter() - t0, 1)
            result["db_bytes"] = db_size(db.engine, sqlite_file)
            log(
                f"{backend}: loaded {result['counts']['ledger_entries']:,} entries in {result['load_seconds']} s "
                f"({result['db_bytes'] / 2**20:.0f} MiB)"
            )

            codes = [c.code for c in counties]
            county_actors = {c: records.actor(sup(c)) for c in codes}
            province = records.actor(PROVINCE_SUP)
            n = max(args.repeat, 1)
            calls = [partial(ledger.balance, county_actors[c], c) for c in (codes * n)[: max(n, len(codes))]]
            result["balance_county"] = measure_balance(db.engine, calls, len(codes), args.explain, BALANCE_TARGET_MS)
            log(f"{backend}: county balance median {result['balance_county']['median_ms']:.1f} ms")
            calls = [partial(ledger.balance, province, PROVINCE)] * n
            result["balance_province"] = measure_balance(db.engine, calls, 1, args.explain, None)
            log(f"{backend}: province balance median {result['balance_province']['median_ms']:.1f} ms")

            log(f"{backend}: ledger check over the loaded history")
            check = run_check()
            result["check"] = check
            log(f"{backend}: check {check['entries']:,} entries in {check['seconds']:.1f} s, ok={check['ok']}")
            if args.profile or check["seconds"] >= CHECK_TARGET_S:
                log(f"{backend}: profiling ledger check")
                result["check_profile"] = run_check(profile=True)["profile"]

            result["posting"] = measure_posting(codes, args, backend)
            if not args.no_final_check:
                log(f"{backend}: final ledger check (history + service postings)")
                final = run_check()
                final["expected_entries"] = args.entries + 2 * result["posting"]["service_postings"]
                result["final_check"] = final
            result["peak_rss_mib"] = rss_mib()
        finally:
            records.close_all()
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    return result


# Report -------------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report(results: list[dict[str, Any]], args: argparse.Namespace, code: dict[str, str]) -> str:
    code_text = code["after"] if code["before"] == code["after"] else f"{code['before']} → {code['after']} (changed)"
    lines = [
        f"ledger benchmark: {args.entries:,} history entries ({args.entries // 2:,} postings of 2 lines) over "
        f"129 counties, {args.posts:,} service postings per mode, seed {args.seed}, code {code_text} "
        f"({os.cpu_count()} CPUs; other jobs on the machine inflate the times — see load)",
        "",
        "| backend | measure | result | target | |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        b = r["backend"]
        c, p = r["balance_county"], r["balance_province"]
        ch = r["check"]
        seq, par = r["posting"]["sequential"], r["posting"]["concurrent"]
        check_ok = ch["ok"] and ch["entries"] == args.entries
        rows = [
            (
                "load history (generate + bulk insert)",
                f"{r['load_seconds']:.1f} s, {r['db_bytes'] / 2**20:.0f} MiB",
                "",
                "",
            ),
            (
                f"county balance (min/median/p95, {c['runs']} runs)",
                f"{c['min_ms']:.1f} / {c['median_ms']:.1f} / {c['p95_ms']:.1f} ms (sql {c['sql_median_ms']:.1f})",
                f"< {BALANCE_TARGET_MS:.0f} ms",
                verdict(c["median_ms"] < BALANCE_TARGET_MS),
            ),
            (
                f"province balance (min/median/p95, {p['runs']} runs)",
                f"{p['min_ms']:.0f} / {p['median_ms']:.0f} / {p['p95_ms']:.0f} ms (sql {p['sql_median_ms']:.0f})",
                "",
                "info",
            ),
            (
                "ledger check",
                f"{ch['seconds']:.1f} s, {ch['entries']:,} entries, ok={ch['ok']}, "
                f"peak RSS {ch['peak_rss_mib']:.0f} MiB ({ch['rss_before_mib']:.0f} before)",
                f"< {CHECK_TARGET_S:.0f} s",
                verdict(ch["seconds"] < CHECK_TARGET_S and check_ok),
            ),
            (
                "posting, sequential",
                f"{seq['entries_per_s']:.0f} entries/s ({seq['postings_per_s']:.0f} postings/s, "
                f"{seq['ms_per_posting']:.1f} ms each)",
                f"≥ {POST_TARGET_EPS:.0f} entries/s",
                verdict(seq["entries_per_s"] >= POST_TARGET_EPS),
            ),
            (
                "posting, 2 processes",
                f"{par['entries_per_s']:.0f} entries/s ({par['postings_per_s']:.0f} postings/s"
                + (f", {len(par['errors'])} errors" if par["errors"] else "")
                + ")",
                f"≥ {POST_TARGET_EPS:.0f} entries/s",
                verdict(par["entries_per_s"] >= POST_TARGET_EPS),
            ),
        ]
        if "batch" in r["posting"]:
            bt = r["posting"]["batch"]
            rows.append(
                (
                    f"posting, one post_many batch of {bt['postings']:,}",
                    f"{bt['entries_per_s']:.0f} entries/s ({bt['seconds']:.1f} s)",
                    "",
                    "info",
                )
            )
        if "final_check" in r:
            f = r["final_check"]
            rows.append(
                (
                    "final check (history + service postings)",
                    f"{f['seconds']:.1f} s, {f['entries']:,} entries "
                    f"(expected {f['expected_entries']:,}), ok={f['ok']}",
                    "",
                    verdict(f["ok"] and f["entries"] == f["expected_entries"]),
                )
            )
        for name, value, target, status in rows:
            lines.append(f"| {b} | {name} | {value} | {target} | {status} |")
    lines.append("")
    for r in results:
        counts = r["counts"]
        lines.append(
            f"{r['backend']}: settings {r['server_settings']}; load {r['load_seconds']} s (generation "
            f"{counts['generate_seconds']} s); setup {r['setup_seconds']} s; postings by type "
            f"{counts['postings_by_type']}; {counts['ledger_transfers']:,} transfer contracts; "
            f"{counts['projects_per_county']} projects per county; peak RSS of the benchmark process "
            f"{r['peak_rss_mib']:.0f} MiB; load average at check {r['check']['load_average']:.1f}"
        )
    lines.append(
        "The history is loaded with bulk inserts straight into the ledger tables: it bypasses the audit trail "
        "(only the service postings are audited)."
    )
    for r in results:
        for key in ("balance_county", "balance_province"):
            if "plan" in r[key]:
                lines += ["", f"{r['backend']} {key}: plan of the main statement", r[key]["plan"]]
        if not r["check"]["ok"]:
            lines += ["", f"{r['backend']} check findings: {r['check']['findings']}"]
        if "check_profile" in r:
            lines += ["", f"{r['backend']} ledger check profile", r["check_profile"]]
        if "profile" in r["posting"]:
            lines += ["", f"{r['backend']} posting profile ({r['posting']['profile']['postings']} postings)"]
            lines.append(r["posting"]["profile"]["text"])
    return "\n".join(lines)


def code_revision() -> str:
    """The git commit of the code measured, with a digest of uncommitted changes to ``landcon/`` (if any)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=HERE.parent, capture_output=True, text=True, check=True
        ).stdout.strip()
        diff = subprocess.run(
            ["git", "diff", "HEAD", "--", "landcon"], cwd=HERE.parent, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (f"+dirty:{hashlib.sha1(diff).hexdigest()[:8]}" if diff else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--entries", type=int, default=1_000_000, help="history entries (2 per posting)")
    parser.add_argument("--posts", type=int, default=2_000, help="service postings, sequential and 2 workers each")
    parser.add_argument("--projects-per-county", type=int, default=10, help="accepted projects issuing quota")
    parser.add_argument("--repeat", type=int, default=50, help="timed balance calls (after a warm-up pass)")
    parser.add_argument("--seed", type=int, default=20_261_129)
    parser.add_argument("--explain", action="store_true", help="print the balance statements' plans")
    parser.add_argument("--profile", action="store_true", help="profile check and posting (cProfile)")
    parser.add_argument("--no-final-check", action="store_true", help="skip the check after the service postings")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of the table")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (SQLite file)")
    args = parser.parse_args()
    if args.entries < 2_000 or args.entries % 2:
        parser.error("--entries must be an even number ≥ 2000")
    if args.posts < 2:
        parser.error("--posts must be at least 2")

    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up (the PostgreSQL cluster) when stopped
    code_before = code_revision()
    work = Path(tempfile.mkdtemp(prefix="landcon-bench-ledger-"))
    try:
        results = [run_backend(b, args, work) for b in backends]
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    code_after = code_revision()
    if code_after != code_before:
        log(f"warning: the code changed during the run ({code_before} → {code_after}); the figures mix versions")
    doc = {
        "code": {"before": code_before, "after": code_after},
        "settings": {k: v for k, v in vars(args).items() if k not in ("json", "keep")},
        "targets": {
            "county_balance_ms": BALANCE_TARGET_MS,
            "check_seconds": CHECK_TARGET_S,
            "posting_entries_per_s": POST_TARGET_EPS,
        },
        "notes": [
            "history loaded with bulk inserts: bypasses the audit trail",
            "PostgreSQL: the server's default durable settings (see server_settings)",
            "shared machine: other jobs may run at the same time (load_average)",
        ],
        "results": results,
    }
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "ledger.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    print(
        json.dumps(doc, indent=2, ensure_ascii=False, default=str) if args.json else report(results, args, doc["code"])
    )


if __name__ == "__main__":
    main()

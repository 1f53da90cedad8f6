"""Benchmark: the records database with a province's worth of records, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_records.py                                  # both engines, full size
    .venv/bin/python bench/bench_records.py --engines sqlite --projects 200 --opinions 5000 --audit 50000
    .venv/bin/python bench/bench_records.py --json                           # JSON on stdout, no table

For each engine a fresh database is created (SQLite: a file in a temporary folder; PostgreSQL: a
throwaway cluster, ``landcon.store.pg_throwaway``, with ``fsync``, ``synchronous_commit`` and
``full_page_writes`` off to load faster — none of them affects reads), migrated by
``records.database(url)`` and seeded with Yunnan's units (``org.seed_yunnan``). Then, with a fixed
random seed and SQLAlchemy Core inserts (COPY on PostgreSQL), which bypass the ORM audit listener:

- ``--townships`` townships per county (9-digit codes, materialised paths) with their 乡镇人民政府;
- ``--projects`` projects over the first ``--counties`` counties, each in a random stage of the
  Yunnan chain (``workflow.YUNNAN``), with project units and a stage-event timeline;
- review rounds for each review stage a project went through (a current review stage has an open
  round), one opinion per required department of the round's unit; rejected rounds (back to
  方案编制 and through the reviews again) are added until the opinions total ``--opinions``;
- ``--tasks`` tasks (75 % linked to a project; 20 % open and past their deadline, 15 % open, the
  rest done);
- audit entries up to ``--audit`` in all, continuing the chain left by seeding (``entry_hash``): a
  ``create`` entry for every loaded row (as the ORM listener would write it), then updates
  (opinions given, tasks done, stages advanced, plan versions saved); ``audit_head`` updated last.

PostgreSQL is then ``VACUUM ANALYZE``d, as autovacuum would after such a load; SQLite is measured
as landcon leaves it (no ``ANALYZE``). Measured, through the services as a user would call them:

- ``projects.list_projects(actor, county=CODE)`` for an author of the county with the most
  projects (target: < 50 ms), and for information for an author of its prefecture and for the
  province-wide system actor: the first call is discarded, then median and p95 over ``--repeat``
  calls; ``sql ms`` is the median of the listing's main SQL statement alone (captured from the
  call and re-executed on the driver), so the rest is Python;
- ``audit.verify(system_actor())`` over every entry (target: < 30 s; ``ok`` must be true).

A listing over its target prints the statement's plan (SQLite ``EXPLAIN QUERY PLAN``, PostgreSQL
``EXPLAIN (ANALYZE, BUFFERS)``), a verify over its target a cProfile of it (also with ``--explain``
/ ``--profile``). Results go to ``bench/out/records.json``.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import io
import json
import math
import os
import pstats
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Table, event, insert, select, text, update
from sqlalchemy.engine import Connection, Engine

from landcon.engine import workflow as wf
from landcon.engine.audit import canonical, entry_hash
from landcon.engine.org import COUNTY, PREFECTURE, PROVINCE, TOWNSHIP, department_name
from landcon.services import audit as audit_service
from landcon.services import org, projects, records
from landcon.store import pg_throwaway
from landcon.store.models import (
    AuditEntry,
    AuditHead,
    Department,
    Project,
    ProjectUnit,
    ReviewOpinion,
    ReviewRound,
    StageEvent,
    Task,
    Unit,
)

HERE = Path(__file__).resolve().parent
LIST_TARGET_MS = 50.0
VERIFY_TARGET_S = 30.0
AUDIT_BATCH = 50_000
PG_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
PASSWORD = "bench-password"
CHAIN = wf.YUNNAN
CHAIN_DICT = CHAIN.to_dict()
STAGES = [s.code for s in CHAIN.stages]
REVIEWS = {s.code: s for s in CHAIN.stages if s.kind == wf.REVIEW}
PBF_STAGE = next(s.code for s in CHAIN.stages if s.condition == wf.PBF_ADJUSTED)
TOWNSHIP_NAMES = ("城关镇", "新街乡", "河口镇", "龙潭乡", "大营镇", "石桥乡", "松林镇", "马街镇", "三岔乡")
OPINION_WEIGHTS = ((wf.AGREE, 0.7), (wf.AGREE_WITH_CONDITIONS, 0.3))


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


# Data generation --------------------------------------------------------------------------------


@dataclass
class OrgIds:
    """The seeded organisation: unit rows and department ids by (unit id, kind)."""

    province_id: int
    counties: list[dict[str, Any]]  # id, code, name, path, parent_id (the prefecture)
    departments: dict[tuple[int, str], int]
    next_unit_id: int
    next_department_id: int


@dataclass
class Data:
    """Rows to insert, by table, plus what the audit entries and the measurements need."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    projects_by_county: dict[str, int] = field(default_factory=dict)


def read_org(engine: Engine) -> OrgIds:
    with engine.connect() as conn:
        units = [
            dict(r)
            for r in conn.execute(
                select(Unit.id, Unit.code, Unit.name, Unit.level, Unit.parent_id, Unit.path)
            ).mappings()
        ]
        depts = conn.execute(select(Department.id, Department.unit_id, Department.kind)).all()
    by_level: dict[str, list[dict[str, Any]]] = {}
    for u in units:
        by_level.setdefault(u["level"], []).append(u)
    return OrgIds(
        province_id=by_level[PROVINCE][0]["id"],
        counties=sorted(by_level[COUNTY], key=lambda u: u["code"]),
        departments={(unit_id, kind): dept_id for dept_id, unit_id, kind in depts},
        next_unit_id=max(u["id"] for u in units) + 1,
        next_department_id=max(d[0] for d in depts) + 1,
    )


@dataclass
class Plan:
    """One project before its rows are written: county, stage path and the review stages it was rejected at."""

    county: dict[str, Any]
    path: list[str]
    pbf: bool
    rejections: list[str] = field(default_factory=list)


def _stage_cost(stage: str, path: Sequence[str]) -> int:
    """Opinions a rejection at ``stage`` adds: every review round from the first review up to it, again."""
    return sum(len(REVIEWS[s].departments) for s in path[: path.index(stage) + 1] if s in REVIEWS)


def plan_projects(rng: random.Random, counties: list[dict[str, Any]], n: int, opinions: int) -> list[Plan]:
    plans = []
    for _ in range(n):
        county = rng.choice(counties)
        stage = rng.choice(STAGES)
        idx = STAGES.index(stage)
        decided = idx > STAGES.index(CHAIN.submit_from)
        pbf = stage == PBF_STAGE or (decided and rng.random() < 0.3)
        path = [s for s in STAGES[: idx + 1] if s != PBF_STAGE or pbf]
        plans.append(Plan(county, path, pbf))
    # without rejections each review stage on a project's path has one round
    deficit = opinions - sum(len(REVIEWS[s].departments) for p in plans for s in p.path if s in REVIEWS)
    eligible = {s: [p for p in plans if s in p.path] for s in REVIEWS}
    weights = {s: w for s, w in zip(REVIEWS, (0.6, 0.3, 0.1), strict=True) if eligible[s]}
    if not weights:
        return plans
    costs = {s: _stage_cost(s, next(p.path for p in eligible[s])) for s in weights}

    def reject(stage: str) -> None:
        rng.choice(eligible[stage]).rejections.append(stage)

    while deficit > 3 * max(costs.values()):
        stage = rng.choices(list(weights), weights=list(weights.values()))[0]
        reject(stage)
        deficit -= costs[stage]
    # make up the rest exactly when the costs allow it (they are even: an odd rest stays one short)
    best: tuple[int, tuple[int, ...]] = (deficit, tuple(0 for _ in costs))
    for combo in _combos(len(costs), 8):
        total = sum(k * c for k, c in zip(combo, costs.values(), strict=True))
        if 0 <= deficit - total < best[0]:
            best = (deficit - total, combo)
    for stage, k in zip(costs, best[1], strict=True):
        for _ in range(k):
            reject(stage)
    for p in plans:
        rng.shuffle(p.rejections)
    return plans


def _combos(n: int, limit: int) -> Iterator[tuple[int, ...]]:
    if n == 0:
        yield ()
        return
    for k in range(limit + 1):
        for rest in _combos(n - 1, limit):
            yield (k, *rest)


def _transitions(plan: Plan) -> list[tuple[str, str | None, str]]:
    """(action, from, to) from creation to the current stage, through the rejections in order."""
    path = plan.path
    out: list[tuple[str, str | None, str]] = [("create", None, path[0])]
    pos = 0
    for r in plan.rejections:
        target = path.index(r)
        while pos < target:
            out.append((wf.ADVANCE, path[pos], path[pos + 1]))
            pos += 1
        out.append((wf.REJECT, r, CHAIN.rejection_target))
        pos = path.index(CHAIN.rejection_target)
    while pos < len(path) - 1:
        out.append((wf.ADVANCE, path[pos], path[pos + 1]))
        pos += 1
    return out


def generate(rng: random.Random, ids: OrgIds, args: argparse.Namespace, now: dt.datetime) -> Data:
    data = Data()
    rows = data.rows
    for key in TABLES:
        rows[key] = []
    counties = ids.counties[: args.counties]
    today = now.date()

    # townships and their 乡镇人民政府
    townships: dict[int, list[int]] = {}
    uid, did = ids.next_unit_id, ids.next_department_id
    for c in counties:
        for k in range(args.townships):
            code = f"{c['code']}{100 + k:03d}"
            name = f"{c['name']}{TOWNSHIP_NAMES[k % len(TOWNSHIP_NAMES)]}{'' if k < len(TOWNSHIP_NAMES) else k}"
            rows["units"].append(
                {
                    "id": uid,
                    "code": code,
                    "name": name,
                    "level": TOWNSHIP,
                    "parent_id": c["id"],
                    "path": f"{c['path']}{code}/",
                    "created_at": now,
                }
            )
            rows["departments"].append(
                {"id": did, "unit_id": uid, "kind": "xzf", "name": department_name("xzf", name, TOWNSHIP)}
            )
            townships.setdefault(c["id"], []).append(uid)
            uid, did = uid + 1, did + 1

    plans = plan_projects(rng, counties, args.projects, args.opinions)
    per_county: dict[str, int] = {}
    round_id = opinion_id = event_id = 0
    project_ids: list[tuple[int, int]] = []  # (project id, county id)
    for pid, p in enumerate(plans, start=1):
        c = p.county
        per_county[c["code"]] = per_county.get(c["code"], 0) + 1
        created = now - dt.timedelta(days=rng.randint(60, 1000), seconds=rng.randint(0, 86_400))
        # the current stage was entered 0–40 days ago: an open round's 20-day deadline may have passed
        entered = now - dt.timedelta(days=rng.randint(0, 40), seconds=rng.randint(0, 86_400))
        moves = _transitions(p)
        times = [created + (entered - created) * (i / max(1, len(moves) - 1)) for i in range(len(moves))]
        rows["projects"].append(
            {
                "id": pid,
                "code": f"{c['code']}-{created.year}-{per_county[c['code']]:03d}",
                "name": f"{c['name']}全域土地综合整治试点项目（{per_county[c['code']]}）",
                "county_id": c["id"],
                "dataset": None,
                "stage": p.path[-1],
                "stage_name": CHAIN.stage(p.path[-1]).name,
                "chain": CHAIN_DICT,
                "pbf_adjusted": p.pbf,
                "created_by": f"author_{c['code']}",
                "created_at": created,
                "updated_at": times[-1],
                "version": len(moves),
            }
        )
        project_ids.append((pid, c["id"]))
        for u in rng.sample(townships.get(c["id"], []), k=min(len(townships.get(c["id"], [])), rng.randint(1, 3))):
            rows["project_units"].append({"project_id": pid, "unit_id": u})
        open_round: dict[str, Any] | None = None
        rounds: list[dict[str, Any]] = []
        for (action, frm, to), at in zip(moves, times, strict=True):
            event_id += 1
            rows["stage_events"].append(
                {
                    "id": event_id,
                    "project_id": pid,
                    "from_stage": frm,
                    "to_stage": to,
                    "action": action,
                    "actor": f"author_{c['code']}" if frm not in REVIEWS else f"reviewer_{c['code']}",
                    "at": at,
                    "comment": "退回：请补充耕地质量评价" if action == wf.REJECT else "",
                }
            )
            if open_round is not None:  # leaving a review stage closes its round
                open_round["closed_at"] = at
                open_round["outcome"] = "rejected" if action == wf.REJECT else "passed"
                open_round["closed_by"] = f"reviewer_{c['code']}"
                open_round["comment"] = "退回" if action == wf.REJECT else "同意"
                open_round = None
            if to in REVIEWS:
                stage = REVIEWS[to]
                unit_id = {COUNTY: c["id"], PREFECTURE: c["parent_id"], PROVINCE: ids.province_id}[str(stage.level)]
                round_id += 1
                open_round = {
                    "id": round_id,
                    "project_id": pid,
                    "stage": to,
                    "unit_id": unit_id,
                    "plan_version_id": None,
                    "opened_at": at,
                    "deadline": at.date() + dt.timedelta(days=stage.deadline_days),
                    "closed_at": None,
                    "outcome": None,
                    "closed_by": None,
                    "comment": "",
                }
                rounds.append(open_round)
        rows["review_rounds"].extend(rounds)
        # opinions, now that every round's outcome is known
        for r in rounds:
            depts = REVIEWS[r["stage"]].departments
            against = rng.randrange(len(depts)) if r["outcome"] == "rejected" else -1
            for i, kind in enumerate(depts):
                opinion_id += 1
                given = r["closed_at"] is not None or rng.random() < 0.5
                if i == against:
                    opinion = wf.DISAGREE
                elif given:
                    opinion = rng.choices([o for o, _ in OPINION_WEIGHTS], [w for _, w in OPINION_WEIGHTS])[0]
                else:
                    opinion = None
                end = r["closed_at"] or now
                rows["review_opinions"].append(
                    {
                        "id": opinion_id,
                        "round_id": r["id"],
                        "department_id": ids.departments[(r["unit_id"], kind)],
                        "opinion": opinion,
                        "conditions": "补充水源论证" if opinion == wf.AGREE_WITH_CONDITIONS else "",
                        "comments": "",
                        "reviewer": f"reviewer_{kind}_{r['unit_id']}" if opinion else None,
                        "given_at": r["opened_at"] + (end - r["opened_at"]) * rng.random() if opinion else None,
                        "deadline": r["deadline"],
                        "version": 2 if opinion else 1,
                    }
                )
    data.projects_by_county = per_county

    county_ids = [c["id"] for c in counties]
    kinds = ("zrzy", "nync", "cz", "sl", "lc")
    for tid in range(1, args.tasks + 1):
        if project_ids and rng.random() < 0.75:
            pid_or_none, unit = rng.choice(project_ids)
            project_id: int | None = pid_or_none
        else:
            project_id, unit = None, rng.choice(county_ids)
        created = now - dt.timedelta(days=rng.randint(30, 700))
        x = rng.random()
        if x < 0.20:  # open and overdue
            status, deadline = "open", today - dt.timedelta(days=rng.randint(1, 120))
        elif x < 0.35:  # open, not yet due
            status, deadline = "open", today + dt.timedelta(days=rng.randint(0, 90))
        else:
            status, deadline = "done", created.date() + dt.timedelta(days=rng.randint(10, 90))
        rows["tasks"].append(
            {
                "id": tid,
                "unit_id": unit,
                "department_id": ids.departments.get((unit, rng.choice(kinds))),
                "project_id": project_id,
                "meeting_id": None,
                "title": f"责任清单任务 {tid}",
                "deadline": deadline,
                "status": status,
                "note": "",
                "created_by": "bench",
                "created_at": created,
                "done_by": "bench" if status == "done" else None,
                "done_at": created + dt.timedelta(days=rng.randint(1, 60)) if status == "done" else None,
                "version": 2 if status == "done" else 1,
            }
        )
    return data


# Loading ------------------------------------------------------------------------------------------

TABLES: dict[str, Table] = {
    "units": Unit.__table__,  # type: ignore[dict-item]
    "departments": Department.__table__,  # type: ignore[dict-item]
    "projects": Project.__table__,  # type: ignore[dict-item]
    "project_units": ProjectUnit.__table__,  # type: ignore[dict-item]
    "stage_events": StageEvent.__table__,  # type: ignore[dict-item]
    "review_rounds": ReviewRound.__table__,  # type: ignore[dict-item]
    "review_opinions": ReviewOpinion.__table__,  # type: ignore[dict-item]
    "tasks": Task.__table__,  # type: ignore[dict-item]
}
SERIAL = ("units", "departments", "projects", "stage_events", "review_rounds", "review_opinions", "tasks")


def put(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows: COPY on PostgreSQL (JSON values as text), executemany on SQLite."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(insert(table), list(rows))
        return
    cols = list(rows[0])
    raw = conn.connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
        for r in rows:
            copy.write_row(
                [json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v for v in (r[c] for c in cols)]
            )


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: iso(v) if isinstance(v, dt.date) else v for k, v in row.items()}


def audit_entries(rng: random.Random, data: Data, now: dt.datetime) -> Iterator[dict[str, Any]]:
    """Entries as the ORM listener writes them: a create per loaded row, then a stream of updates."""
    for table, rows in data.rows.items():
        label = {
            "units": "admin.import-units",
            "departments": "admin.import-units",
            "projects": "project.create",
            "project_units": "project.create",
            "stage_events": "project.advance",
            "review_rounds": "project.advance",
            "review_opinions": "project.advance",
            "tasks": "task.add",
        }[table]
        for r in rows:
            ident = str(r["id"]) if "id" in r else f"{r['project_id']}:{r['unit_id']}"
            yield {
                "actor": str(r.get("created_by") or r.get("actor") or "admin"),
                "action": f"{label}/create",
                "object_type": table,
                "object_id": ident,
                "changes": _plain(r),
            }
    opinions, tasks, plist = data.rows["review_opinions"], data.rows["tasks"], data.rows["projects"]
    indicators = {f"I{i:02d}": round(rng.uniform(0, 5000), 4) for i in range(24)}
    findings = [
        {"rule": f"R{i:02d}", "severity": "warning", "message": "新增耕地面积与图斑汇总不一致", "value": i * 1.5}
        for i in range(4)
    ]
    n = 0
    while True:
        n += 1
        at = iso(now + dt.timedelta(seconds=n))
        x = rng.random()
        if x < 0.35 and opinions:
            o = rng.choice(opinions)
            yield {
                "actor": f"reviewer_{o['department_id']}",
                "action": "review.give/update",
                "object_type": "review_opinions",
                "object_id": str(o["id"]),
                "changes": {
                    "opinion": [None, wf.AGREE_WITH_CONDITIONS],
                    "conditions": ["", "补充水源论证与耕地质量等别评定"],
                    "reviewer": [None, f"reviewer_{o['department_id']}"],
                    "given_at": [None, at],
                    "version": [1, 2],
                },
            }
        elif x < 0.65 and tasks:
            t = rng.choice(tasks)
            yield {
                "actor": f"supervisor_{t['unit_id']}",
                "action": "task.done/update",
                "object_type": "tasks",
                "object_id": str(t["id"]),
                "changes": {
                    "status": ["open", "done"],
                    "done_by": [None, f"supervisor_{t['unit_id']}"],
                    "done_at": [None, at],
                    "version": [1, 2],
                },
            }
        elif x < 0.95 and plist:
            p = rng.choice(plist)
            yield {
                "actor": p["created_by"],
                "action": "project.advance/update",
                "object_type": "projects",
                "object_id": str(p["id"]),
                "changes": {
                    "stage": ["plan", "county_review"],
                    "updated_at": [iso(p["updated_at"]), at],
                    "version": [3, 4],
                },
            }
        elif plist:
            p = rng.choice(plist)
            yield {
                "actor": p["created_by"],
                "action": "plan.save/create",
                "object_type": "plan_versions",
                "object_id": str(n),
                "changes": {
                    "project_id": p["id"],
                    "number": 1,
                    "status": "draft",
                    "name": p["name"],
                    "pack": "yunnan-2024",
                    "indicators": indicators,
                    "findings": findings,
                    "errors": 0,
                    "warnings": len(findings),
                    "created_by": p["created_by"],
                    "created_at": at,
                },
            }
        else:
            yield {
                "actor": "admin",
                "action": "user.login/update",
                "object_type": "users",
                "object_id": "1",
                "changes": {},
            }


def load(db_engine: Engine, data: Data, audit_total: int, rng: random.Random, now: dt.datetime) -> dict[str, Any]:
    counts: dict[str, int] = {}
    with db_engine.begin() as conn:
        for name, table in TABLES.items():
            put(conn, table, data.rows[name])
            counts[name] = len(data.rows[name])
        if conn.dialect.name == "postgresql":
            for name in SERIAL:
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")
                )
    log(f"  records loaded: {counts}")
    with db_engine.connect() as conn:
        head = conn.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one()
    seq, prev = int(head[0]), str(head[1])
    start_seq = seq
    entries = audit_entries(rng, data, now)
    batch: list[dict[str, Any]] = []
    flushes = 0
    at = now
    while seq < audit_total:
        e = next(entries)
        seq += 1
        at += dt.timedelta(milliseconds=7)
        row = {"seq": seq, "at": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), **e}
        row["prev_hash"] = prev
        row["hash"] = prev = entry_hash(prev, row)
        row["changes"] = canonical(row["changes"])
        batch.append(row)
        if len(batch) >= AUDIT_BATCH or seq == audit_total:
            with db_engine.begin() as conn:
                put(conn, AuditEntry.__table__, batch)  # type: ignore[arg-type]
            batch = []
            flushes += 1
            if flushes % 4 == 0:
                log(f"  audit entries: {seq:,}")
    with db_engine.begin() as conn:
        conn.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=prev))
    counts["audit_log_added"] = seq - start_seq
    counts["audit_log"] = seq
    return counts


# Measuring ----------------------------------------------------------------------------------------


@contextmanager
def capture(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements (with parameters) executed on ``engine`` inside the block."""
    seen: list[tuple[str, Any]] = []

    def before(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, executemany: bool) -> None:
        if not executemany:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def timed(fn: Callable[[], Any], repeat: int) -> tuple[Any, list[float]]:
    result = fn()  # warm-up, discarded
    ms = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        ms.append((time.perf_counter() - t0) * 1000)
    return result, ms


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def measure_listing(
    db_engine: Engine, who: records.Actor, county: str | None, repeat: int, explain: bool
) -> dict[str, Any]:
    call = (lambda: projects.list_projects(who, county=county)) if county else (lambda: projects.list_projects(who))
    rows, ms = timed(call, repeat)
    with capture(db_engine) as seen:
        call()
    statement, params = next((s, p) for s, p in seen if "FROM projects" in s)
    with db_engine.connect() as conn:
        _, sql_ms = timed(lambda: conn.exec_driver_sql(statement, params).fetchall(), repeat)
    out: dict[str, Any] = {
        "rows": len(rows),
        "overdue_tasks": sum(r["overdue_tasks"] for r in rows),
        "open_reviews": sum(1 for r in rows if r["review_deadline"]),
        "median_ms": statistics.median(ms),
        "p95_ms": p95(ms),
        "min_ms": min(ms),
        "sql_median_ms": statistics.median(sql_ms),
        "statement": statement,
        "load_average": os.getloadavg()[0],
    }
    if explain or out["median_ms"] >= LIST_TARGET_MS:
        out["plan"] = explain_plan(db_engine, statement, params)
    return out


def explain_plan(db_engine: Engine, statement: str, params: Any) -> str:
    with db_engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            lines = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params).scalars().all()
            return "\n".join(str(x) for x in lines)
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
        return "\n".join(f"{r[0]:>3} {r[1]:>3}  {r[3]}" for r in rows)


def measure_verify(profile: bool) -> dict[str, Any]:
    who = records.system_actor()
    result = audit_service.verify(who)
    out = {
        "entries": result["entries"],
        "ok": result["ok"],
        "seconds": result["seconds"],
        "breaks": result["breaks"][:5],
        "load_average": os.getloadavg()[0],
    }
    if profile or result["seconds"] >= VERIFY_TARGET_S:
        prof = cProfile.Profile()
        prof.runcall(audit_service.verify, who)
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(15)
        out["profile"] = buf.getvalue()
    return out


def db_size(db_engine: Engine, sqlite_file: Path | None) -> int:
    if sqlite_file is not None:  # fold the WAL into the file first (outside a transaction)
        with closing(sqlite3.connect(sqlite_file)) as raw:
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return sum(p.stat().st_size for p in sqlite_file.parent.glob(sqlite_file.name + "*"))
    with db_engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())


# One engine ---------------------------------------------------------------------------------------


@contextmanager
def database_url(engine: str, work: Path) -> Iterator[tuple[str, Path | None, dict[str, str]]]:
    if engine == "sqlite":
        path = work / "sqlite" / "landcon.db"
        yield f"sqlite:///{path}", path, {}
        return
    with pg_throwaway.throwaway_cluster(PG_SETTINGS) as cluster:
        with psycopg.connect(cluster.conninfo, autocommit=True) as conn:
            conn.execute("CREATE DATABASE landcon_bench")
        yield cluster.url("landcon_bench"), None, PG_SETTINGS


def run_engine(engine: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    rng = random.Random(args.seed)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    saved = {k: os.environ.get(k) for k in ("LANDCON_DATABASE_URL", "LANDCON_DATA_DIR")}
    result: dict[str, Any] = {"engine": engine}
    with database_url(engine, work) as (url, sqlite_file, settings):
        os.environ["LANDCON_DATABASE_URL"] = url
        os.environ["LANDCON_DATA_DIR"] = str(work / engine)
        try:
            log(f"{engine}: creating and seeding {url}")
            t0 = time.perf_counter()
            db = records.database(url)
            system = records.system_actor()
            org.seed_yunnan(system)
            result["seed_seconds"] = time.perf_counter() - t0
            ids = read_org(db.engine)

            t0 = time.perf_counter()
            data = generate(rng, ids, args, now)
            per_county = data.projects_by_county
            county = max(per_county, key=lambda c: (per_county[c], c))
            prefecture = county[:4] + "00"
            org.add_user(system, "bench_county", password=PASSWORD, unit=county, roles=["author"], department="zrzy")
            org.add_user(system, "bench_pref", password=PASSWORD, unit=prefecture, roles=["author"], department="zrzy")
            result["counts"] = load(db.engine, data, args.audit, rng, now)
            result["projects_in_county"] = per_county[county]
            del data  # measure without the generated rows alive (they would slow the garbage collector)
            gc.collect()
            if db.dialect == "postgresql":
                with db.engine.connect() as conn:
                    conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
            result["load_seconds"] = time.perf_counter() - t0
            result["db_bytes"] = db_size(db.engine, sqlite_file)
            result["server_settings"] = settings
            log(f"{engine}: loaded in {result['load_seconds']:.1f} s, {result['db_bytes'] / 2**20:.0f} MiB")

            listings = {}
            for scope, user, code in (
                (f"county {county}", "bench_county", county),
                (f"prefecture {prefecture}", "bench_pref", None),
                ("province (system)", None, None),
            ):
                who = records.actor(user) if user else system
                listings[scope] = measure_listing(db.engine, who, code, args.repeat, args.explain)
                log(f"{engine}: {scope}: {listings[scope]['rows']} rows, {listings[scope]['median_ms']:.1f} ms median")
            result["listings"] = listings
            result["county"] = county
            log(f"{engine}: verifying the audit chain")
            result["verify"] = measure_verify(args.profile)
            log(f"{engine}: verify {result['verify']['entries']:,} entries in {result['verify']['seconds']:.1f} s")
        finally:
            records.close_all()
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    return result


# Report -------------------------------------------------------------------------------------------


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [
        f"records benchmark: {args.counties} counties × {args.townships} townships, {args.projects:,} projects, "
        f"{args.opinions:,} opinions (target), {args.tasks:,} tasks, {args.audit:,} audit entries, seed {args.seed}",
        "",
        f"{'engine':<11} {'listing':<20} {'rows':>5} {'overdue':>7} {'median ms':>9} {'p95 ms':>8} {'sql ms':>7}"
        f" {'load':>5}  target",
    ]
    for r in results:
        for i, (scope, m) in enumerate(r["listings"].items()):
            target = ("PASS" if m["median_ms"] < LIST_TARGET_MS else "MISS") + f" < {LIST_TARGET_MS:.0f} ms"
            lines.append(
                f"{r['engine']:<11} {scope:<20} {m['rows']:>5} {m['overdue_tasks']:>7} {m['median_ms']:>9.1f} "
                f"{m['p95_ms']:>8.1f} {m['sql_median_ms']:>7.1f} {m['load_average']:>5.1f}  "
                + (target if i == 0 else "(info)")
            )
    lines += [
        "",
        f"{'engine':<11} {'entries':>9} {'verify s':>9} {'ok':>5} {'load':>5} {'load s':>7} {'size MiB':>9}  target",
    ]
    for r in results:
        v = r["verify"]
        target = ("PASS" if v["seconds"] < VERIFY_TARGET_S and v["ok"] else "MISS") + f" < {VERIFY_TARGET_S:.0f} s"
        lines.append(
            f"{r['engine']:<11} {v['entries']:>9,} {v['seconds']:>9.2f} {v['ok']!s:>5} {v['load_average']:>5.1f} "
            f"{r['load_seconds']:>7.1f} "
            f"{r['db_bytes'] / 2**20:>9.0f}  {target}"
        )
    lines += [
        "",
        f"load: the 1-minute load average when measured ({os.cpu_count()} CPUs; a busy machine inflates the times);"
        " sql ms: the listing's main statement alone; load s: bulk generation + loading after seeding",
    ]
    for r in results:
        c = r["counts"]
        lines.append(
            f"{r['engine']}: loaded {c['projects']:,} projects, {c['stage_events']:,} stage events, "
            f"{c['review_rounds']:,} rounds, {c['review_opinions']:,} opinions, {c['tasks']:,} tasks, "
            f"{c['audit_log']:,} audit entries ({c['audit_log_added']:,} bulk); seed {r['seed_seconds']:.1f} s"
            + (f"; server settings {r['server_settings']}" if r["server_settings"] else "")
        )
    for r in results:
        for scope, m in r["listings"].items():
            if "plan" in m:
                lines += ["", f"{r['engine']} {scope}: plan of the listing's statement", m["plan"]]
        if "profile" in r["verify"]:
            lines += ["", f"{r['engine']} audit verify profile", r["verify"]["profile"]]
        if not r["verify"]["ok"]:
            lines += ["", f"{r['engine']} audit verify found breaks: {r['verify']['breaks']}"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"])
    parser.add_argument("--counties", type=int, default=129, help="counties that get projects (of the 129 seeded)")
    parser.add_argument("--townships", type=int, default=3, help="townships per county")
    parser.add_argument("--projects", type=int, default=2_000)
    parser.add_argument("--opinions", type=int, default=50_000, help="review opinions in all")
    parser.add_argument("--tasks", type=int, default=20_000)
    parser.add_argument("--audit", type=int, default=500_000, help="audit entries in all (seeding's included)")
    parser.add_argument("--repeat", type=int, default=20, help="timed calls per listing (after one warm-up)")
    parser.add_argument("--seed", type=int, default=20_261_129)
    parser.add_argument("--explain", action="store_true", help="print every listing's query plan")
    parser.add_argument("--profile", action="store_true", help="profile audit verify (cProfile)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of the table")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (SQLite file)")
    args = parser.parse_args()
    if not 1 <= args.counties <= 129:
        parser.error("--counties must be between 1 and 129")

    work = Path(tempfile.mkdtemp(prefix="landcon-bench-records-"))
    try:
        results = [run_engine(engine, args, work) for engine in args.engines]
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    doc = {
        "settings": {k: v for k, v in vars(args).items() if k not in ("json", "keep")},
        "targets": {"county_listing_ms": LIST_TARGET_MS, "verify_seconds": VERIFY_TARGET_S},
        "results": results,
    }
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "records.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str))
    print(json.dumps(doc, indent=2, ensure_ascii=False, default=str) if args.json else report(results, args))


if __name__ == "__main__":
    main()

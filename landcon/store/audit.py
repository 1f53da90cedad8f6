"""The audit trail, written by the database session itself.

Every flush of a session that has an ``actor`` in ``session.info`` appends one entry per created,
changed or deleted row to ``audit_log`` — on the same connection, so in the same transaction as the
change: a rollback removes both. A flush with changes but no actor is a programming error and is
refused. ``session.info["action"]`` (e.g. ``project.advance``) labels the entries.

Writers are serialised by locking the ``audit_head`` row (``SELECT … FOR UPDATE`` on PostgreSQL;
SQLite transactions are ``BEGIN IMMEDIATE`` already), so the chain has no forks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import event, insert, inspect, select, update
from sqlalchemy.orm import Session

from landcon.engine.audit import GENESIS, Break, ChainState, canonical, entry_hash, verify_stored
from landcon.store.models import AuditEntry, AuditHead, Base

_SKIP = {AuditEntry.__tablename__, AuditHead.__tablename__}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def _identity(obj: Any) -> str:
    """Primary key as text (``3``, or ``3:plan.gpkg`` for composite keys); set for new rows too."""
    state = inspect(obj)
    ident = state.identity or state.mapper.primary_key_from_instance(obj)
    return ":".join(str(v) for v in ident)


def _changes(obj: Any, op: str) -> dict[str, Any]:
    state = inspect(obj)
    out: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        hist = state.attrs[key].history
        if op == "create":
            out[key] = _plain(getattr(obj, key))
        elif op == "delete":
            values = hist.unchanged or hist.deleted or ()
            out[key] = _plain(values[0]) if values else None
        elif hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if old != new:
                out[key] = [_plain(old), _plain(new)]
    return out


def _collect(session: Session) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    rows = []
    for op, objs in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objs:
            if not isinstance(obj, Base) or obj.__tablename__ in _SKIP:
                continue
            if op == "update" and not session.is_modified(obj, include_collections=False):
                continue
            changes = _changes(obj, op)
            if op == "update" and not changes:
                continue
            rows.append((obj.__tablename__, _identity(obj), op, changes))
    order = {"create": 0, "update": 1, "delete": 2}
    rows.sort(key=lambda r: (order[r[2]], r[0], r[1]))
    for table, ident, op, changes in rows:
        yield table, ident, op, changes


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def append(session: Session, entries: list[dict[str, Any]]) -> None:
    """Append entries (``actor``, ``action``, ``object_type``, ``object_id``, ``changes``) to the chain."""
    if not entries:
        return
    conn = session.connection()
    head = conn.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()).first()
    seq, prev = (int(head[0]), str(head[1])) if head else (0, GENESIS)
    at = now_iso()
    rows = []
    for e in entries:
        seq += 1
        row = {
            "seq": seq,
            "at": at,
            "actor": e["actor"],
            "action": e["action"],
            "object_type": e["object_type"],
            "object_id": e["object_id"],
            "changes": e["changes"],
        }
        row["prev_hash"] = prev
        row["hash"] = prev = entry_hash(prev, row)
        row["changes"] = canonical(row["changes"])
        rows.append(row)
    conn.execute(insert(AuditEntry), rows)
    if head:
        conn.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=prev))
    else:
        conn.execute(insert(AuditHead).values(id=1, seq=seq, hash=prev))


def _after_flush(session: Session, _context: Any) -> None:
    collected = list(_collect(session))
    if not collected:
        return
    actor = session.info.get("actor")
    if not actor:
        raise RuntimeError("a session that changes records must name its actor (session.info['actor'])")
    label = session.info.get("action")
    append(
        session,
        [
            {
                "actor": str(actor),
                "action": f"{label}/{op}" if label else op,
                "object_type": table,
                "object_id": ident,
                "changes": changes,
            }
            for table, ident, op, changes in collected
        ],
    )


def _refuse_bulk(state: Any) -> None:
    """ORM bulk INSERT/UPDATE/DELETE statements skip the flush, hence the audit trail: refused."""
    if (state.is_insert or state.is_update or state.is_delete) and state.session.info.get("actor"):
        if not state.session.info.get("unaudited_bulk"):
            raise RuntimeError("bulk INSERT/UPDATE/DELETE in an audited session would bypass the audit trail")


def install(sessionmaker_or_session: Any) -> None:
    """Write the audit trail on every flush of sessions made by this factory; refuse unaudited bulk writes."""
    event.listen(sessionmaker_or_session, "after_flush", _after_flush)
    event.listen(sessionmaker_or_session, "do_orm_execute", _refuse_bulk)


def verify(session: Session, *, batch: int = 50_000) -> dict[str, Any]:
    """Recompute the whole chain; report every break (edited, deleted or reordered entries)."""
    state = ChainState()
    breaks: list[Break] = []
    conn = session.connection()
    cols = (
        AuditEntry.seq,
        AuditEntry.at,
        AuditEntry.actor,
        AuditEntry.action,
        AuditEntry.object_type,
        AuditEntry.object_id,
        AuditEntry.changes,
        AuditEntry.prev_hash,
        AuditEntry.hash,
    )
    last = 0
    while True:
        result = conn.execute(select(*cols).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(batch))
        rows = result.all()
        if not rows:
            break
        verify_stored(state, rows, breaks)
        last = int(rows[-1][0])
    head = conn.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    head_seq, head_hash = (int(head[0]), str(head[1])) if head else (0, GENESIS)
    if head_seq != state.prev_seq or head_hash != state.prev_hash:
        breaks.append(
            Break(
                head_seq,
                f"日志末尾与记录头不符：记录头为第 {head_seq} 条，日志止于第 {state.prev_seq} 条"
                "（末尾记录被删除或修改）",
            )
        )
    return {
        "entries": state.count,
        "head_seq": head_seq,
        "head_hash": head_hash,
        "ok": not breaks,
        "breaks": [{"seq": b.seq, "problem": b.problem} for b in breaks],
    }

"""The audit trail, written by the database session itself.

Every flush of a session that has an ``actor`` in ``session.info`` appends one entry per created,
changed or deleted row to ``audit_log`` — on the same connection, so in the same transaction as the
change: a rollback removes both. A flush with changes but no actor is a programming error and is
refused. ``session.info["action"]`` (e.g. ``project.advance``) labels the entries.

Writers are serialised by locking the ``audit_head`` row (``SELECT … FOR UPDATE`` on PostgreSQL;
SQLite transactions are ``BEGIN IMMEDIATE`` already), so the chain has no forks.

Hashes are keyed (HMAC, ``engine.audit``) with the key of ``store.audit_key``; the first write after
the key exists appends the marker entry ``audit.key`` (with the key's fingerprint) from which on
every entry is keyed. Older entries keep their plain SHA-256 hashes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import event, insert, inspect, select, update
from sqlalchemy.orm import Session

from landcon.engine.audit import (
    GENESIS,
    KEY_MARKER,
    Break,
    ChainState,
    canonical,
    entry_hash,
    key_id,
    verify_stored,
)
from landcon.store import audit_key
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


def _marker_seq(conn: Any) -> int | None:
    """Sequence number of the marker entry from which the chain is keyed, if any."""
    found = conn.execute(
        select(AuditEntry.seq)
        .where(AuditEntry.object_type == "audit_log", AuditEntry.object_id == "key", AuditEntry.action == KEY_MARKER)
        .order_by(AuditEntry.seq)
        .limit(1)
    ).first()
    return int(found[0]) if found else None


def append(session: Session, entries: list[dict[str, Any]]) -> None:
    """Append entries (``actor``, ``action``, ``object_type``, ``object_id``, ``changes``) to the chain.

    Creates the key on first use; the first keyed append is preceded by the marker entry."""
    if not entries:
        return
    _append(session, entries)


def ensure_keyed(session: Session, actor: str) -> None:
    """Append the key marker if the chain has none yet (e.g. a database from before the key)."""
    _append(session, [], marker_actor=actor)


def _append(session: Session, entries: list[dict[str, Any]], marker_actor: str | None = None) -> None:
    key = audit_key.load(create=True)
    conn = session.connection()
    head = conn.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()).first()
    seq, prev = (int(head[0]), str(head[1])) if head else (0, GENESIS)
    at = now_iso()
    if _marker_seq(conn) is None:
        marker = {
            "actor": marker_actor or entries[0]["actor"],
            "action": KEY_MARKER,
            "object_type": "audit_log",
            "object_id": "key",
            "changes": {"key_id": key_id(key)} if key else {},
        }
        entries = [marker, *entries]
    if not entries:
        return
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
        row["hash"] = prev = entry_hash(prev, row, key)
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


def head(session: Session) -> tuple[int, str]:
    """The chain's newest entry ``(seq, hash)``; ``(0, GENESIS)`` when empty."""
    row = session.connection().execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS)


def verify(session: Session, *, batch: int = 50_000, anchor: tuple[int, str] | None = None) -> dict[str, Any]:
    """Recompute the whole chain; report every break (edited, deleted or reordered entries).

    Entries from the marker on are checked as HMACs with the key; a chain with entries but no marker
    while a key exists is a break (its keyed part may have been rewritten without the key). ``anchor``
    ``(seq, hash)``, a head exported earlier by ``audit anchor``, must still be in the chain."""
    key = audit_key.load(create=False)
    state = ChainState(key=key)
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
    if state.keyed_from is None and key is not None and state.count:
        breaks.append(
            Break(
                state.prev_seq,
                "日志中没有密钥标记（audit.key）：带密钥的记录可能被删除或改写为无密钥的哈希；"
                "若刚启用密钥、其后尚无写入，运行 landcon audit anchor 写入标记",
            )
        )
    if state.keyed_from is not None and key is not None:
        stored = conn.execute(select(AuditEntry.changes).where(AuditEntry.seq == state.keyed_from)).scalar_one()
        try:
            marked = json.loads(stored).get("key_id")
        except (ValueError, AttributeError):
            marked = None  # an edited marker: its hash check has already reported it
        if marked != key_id(key):
            breaks.append(Break(state.keyed_from, "审计密钥与标记中的密钥指纹不符（密钥被更换或丢失）"))
    if anchor is not None:
        a_seq, a_hash = anchor
        found = conn.execute(select(AuditEntry.hash).where(AuditEntry.seq == a_seq)).scalar_one_or_none()
        if found is None:
            breaks.append(Break(a_seq, f"锚点所记的第 {a_seq} 条不在日志中（日志被截断或删除）"))
        elif found != a_hash:
            breaks.append(Break(a_seq, f"第 {a_seq} 条的哈希与锚点不符（锚点之前的日志被改写）"))
    return {
        "entries": state.count,
        "keyed_from": state.keyed_from,
        "head_seq": head_seq,
        "head_hash": head_hash,
        "ok": not breaks,
        "breaks": [{"seq": b.seq, "problem": b.problem} for b in breaks],
    }

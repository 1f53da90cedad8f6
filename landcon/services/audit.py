"""Audit trail use cases: verify the hash chain, list entries of an object.

``verify`` recomputes every entry's hash from its content and its predecessor's hash
(``engine.audit``) and compares the end of the chain with the head record, so an edited,
deleted, inserted or truncated entry is found and named by its sequence number. From the key
marker on the hashes are HMACs with a key kept outside the database (``store.audit_key``).

``anchor`` exports the head (sequence number, hash, time) to be kept elsewhere; ``verify`` given an
anchor also checks that the chain still contains that head (catches rewriting or truncating the
whole keyed part, which needs no key).
"""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import select

from landcon.errors import LandconError
from landcon.services import records
from landcon.services.records import Actor
from landcon.store import audit as store_audit
from landcon.store.models import AuditEntry


class BadAnchor(LandconError):
    """An anchor file that cannot be read."""


def verify(who: Actor, anchor: dict[str, Any] | None = None) -> dict[str, Any]:
    """Check the whole chain (and that it still holds ``anchor``'s head); ``ok`` is false and ``breaks``
    lists each problem when it was tampered with."""
    records.require_province(who, "audit.verify")
    start = time.perf_counter()
    with records.read() as session:
        result = store_audit.verify(session, anchor=_anchor_head(anchor) if anchor is not None else None)
    result["seconds"] = round(time.perf_counter() - start, 3)
    return result


def anchor(who: Actor) -> dict[str, Any]:
    """The head of the chain with the time, to store outside the server (writes the key marker first
    when the chain has none yet)."""
    records.require_province(who, "audit.verify")
    with records.write(who, "audit.anchor") as session:
        store_audit.ensure_keyed(session, who.username)
    with records.read() as session:
        seq, hash_ = store_audit.head(session)
    return {"seq": seq, "hash": hash_, "at": store_audit.now_iso()}


def load_anchor(text: str, source: str) -> dict[str, Any]:
    """Parse an anchor exported by ``anchor`` (JSON with ``seq`` and ``hash``)."""
    try:
        value = json.loads(text)
        _anchor_head(value)
    except (ValueError, TypeError, KeyError):
        raise BadAnchor("不是 landcon audit anchor 导出的锚点（需要 JSON 的 seq 与 hash）", path=source) from None
    return dict(value)


def _anchor_head(value: dict[str, Any]) -> tuple[int, str]:
    seq, hash_ = value["seq"], value["hash"]
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0 or not isinstance(hash_, str):
        raise ValueError("bad anchor")
    if len(hash_) != 64 or any(c not in "0123456789abcdef" for c in hash_):
        raise ValueError("bad anchor")
    return seq, hash_


def history(who: Actor, object_type: str, object_id: str, *, limit: int = 200) -> list[dict[str, Any]]:
    """Entries about one record (e.g. ``projects``, ``3``), newest first."""
    records.require_province(who, "audit.verify")
    with records.read() as session:
        rows = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == object_type, AuditEntry.object_id == object_id)
            .order_by(AuditEntry.seq.desc())
            .limit(limit)
        )
        return [
            {
                "seq": e.seq,
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "changes": json.loads(e.changes),
                "hash": e.hash,
            }
            for e in rows
        ]

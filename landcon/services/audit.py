"""Audit trail use cases: verify the hash chain, list entries of an object.

``verify`` recomputes every entry's hash from its content and its predecessor's hash
(``engine.audit``) and compares the end of the chain with the head record, so an edited,
deleted, inserted or truncated entry is found and named by its sequence number.
"""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import select

from landcon.services import records
from landcon.services.records import Actor
from landcon.store import audit as store_audit
from landcon.store.models import AuditEntry


def verify(who: Actor) -> dict[str, Any]:
    """Check the whole chain; ``ok`` is false and ``breaks`` lists each problem when it was tampered with."""
    records.require_province(who, "audit.verify")
    start = time.perf_counter()
    with records.read() as session:
        result = store_audit.verify(session)
    result["seconds"] = round(time.perf_counter() - start, 3)
    return result


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

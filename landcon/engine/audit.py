"""Audit trail hash chain.

Each entry's hash is ``SHA-256(prev_hash ‖ canonical JSON of the entry)`` where the canonical JSON
has sorted keys, no whitespace and UTF-8 text::

    hash_n = sha256(hash_{n-1} + "\\n" + json({seq, at, actor, action, object_type, object_id, changes}))

with ``hash_0 = GENESIS``. Editing any field of an entry changes its hash; deleting an entry breaks
the link of the next one (its ``prev_hash`` no longer matches) and leaves a gap in ``seq``; deleting
the newest entries is caught by the head record (count and last hash) kept beside the log.

Keyed chain: from the marker entry (action ``audit.key``) on, every hash is an HMAC with a key kept
outside the database, ``hash_n = HMAC-SHA256(key, hash_{n-1} + "\\n" + json(...))`` (RFC 2104), so
entries cannot be edited and re-hashed without the key. Entries before the marker (written before
the key existed) keep plain SHA-256; the first keyed entry's hash covers them all through the chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
KEY_MARKER = "audit.key"  # action of the entry from which the chain is keyed


def key_id(key: bytes) -> str:
    """Public fingerprint of a key (first 16 hex digits of its SHA-256), stored in the marker entry."""
    return hashlib.sha256(key).hexdigest()[:16]


def _digest(text: str, key: bytes | None) -> str:
    data = text.encode("utf-8")
    return hmac.new(key, data, hashlib.sha256).hexdigest() if key else hashlib.sha256(data).hexdigest()


def canonical(value: Any) -> str:
    """Canonical JSON: sorted keys, compact separators, Chinese kept as UTF-8, no NaN."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=str)


def entry_hash(prev_hash: str, entry: Mapping[str, Any], key: bytes | None = None) -> str:
    """Hash of one entry given the previous entry's hash (fields: see module docstring); HMAC when keyed."""
    body = {k: entry[k] for k in ("seq", "at", "actor", "action", "object_type", "object_id", "changes")}
    return _digest(prev_hash + "\n" + canonical(body), key)


_string = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


def stored_entry_hash(
    prev_hash: str,
    seq: int,
    at: str,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    changes_text: str,
    key: bytes | None = None,
) -> str:
    """``entry_hash`` computed from the stored canonical ``changes`` text without parsing it.

    The canonical body has its keys in sorted order (action, actor, at, changes, object_id,
    object_type, seq), so it can be assembled from the columns; equal to ``entry_hash`` whenever
    ``changes_text == canonical(changes)``, which is how entries are written.
    """
    body = (
        '{"action":' + _string(action) + ',"actor":' + _string(actor) + ',"at":' + _string(at)
        + ',"changes":' + changes_text + ',"object_id":' + _string(object_id)
        + ',"object_type":' + _string(object_type) + ',"seq":' + str(int(seq)) + "}"
    )  # fmt: skip
    return _digest(prev_hash + "\n" + body, key)


@dataclass(frozen=True)
class Break:
    seq: int
    problem: str


@dataclass
class ChainState:
    """Running verification state, so a long log is checked in batches."""

    prev_hash: str = GENESIS
    prev_seq: int = 0
    count: int = 0
    key: bytes | None = None  # the HMAC key, when available
    keyed_from: int | None = None  # seq of the marker entry, once seen


def _check_links(state: ChainState, seq: int, prev_hash: str, breaks: list[Break]) -> None:
    if seq != state.prev_seq + 1:
        breaks.append(Break(seq, f"序号不连续：第 {state.prev_seq} 条之后是第 {seq} 条（有记录被删除）"))
    if prev_hash != state.prev_hash:
        breaks.append(Break(seq, "前一条哈希不符（前面的记录被修改或删除）"))


def verify_batch(state: ChainState, entries: Iterable[Mapping[str, Any]], breaks: list[Break]) -> None:
    """Check entries (in ``seq`` order, each with ``prev_hash`` and ``hash``) and append any break found."""
    for e in entries:
        seq = int(e["seq"])
        _check_links(state, seq, str(e["prev_hash"]), breaks)
        if e["hash"] != entry_hash(str(e["prev_hash"]), e):
            breaks.append(Break(seq, "内容与哈希不符（本条记录被修改）"))
        state.prev_hash = str(e["hash"])
        state.prev_seq = seq
        state.count += 1


def verify_stored(state: ChainState, rows: Iterable[Sequence[Any]], breaks: list[Break]) -> None:
    """Check stored rows ``(seq, at, actor, action, object_type, object_id, changes_text, prev_hash, hash)``.

    Hashes the stored text directly (``stored_entry_hash``); a row whose text is not in canonical
    form is parsed and hashed as ``entry_hash`` does before it is called edited.
    """
    for seq, at, actor, action, object_type, object_id, changes_text, prev_hash, hash_ in rows:
        seq = int(seq)
        _check_links(state, seq, prev_hash, breaks)
        if action == KEY_MARKER and state.keyed_from is None:
            state.keyed_from = seq
        key = state.key if state.keyed_from is not None else None
        if state.keyed_from is not None and key is None:
            if state.keyed_from == seq:
                breaks.append(Break(seq, "缺少审计密钥：本条起的记录无法核验"))
        elif hash_ != stored_entry_hash(prev_hash, seq, at, actor, action, object_type, object_id, changes_text, key):
            try:
                changes = json.loads(changes_text)
            except ValueError:
                breaks.append(Break(seq, "变更内容不是有效的 JSON（本条记录被修改）"))
            else:
                entry = {
                    "seq": seq,
                    "at": at,
                    "actor": actor,
                    "action": action,
                    "object_type": object_type,
                    "object_id": object_id,
                    "changes": changes,
                }
                if hash_ != entry_hash(prev_hash, entry, key):
                    breaks.append(Break(seq, "内容与哈希不符（本条记录被修改）"))
        state.prev_hash = str(hash_)
        state.prev_seq = seq
        state.count += 1

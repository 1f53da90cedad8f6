"""Read models: balances, history, 调剂 contracts and 周转指标 status, in the actor's scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from landcon.engine import ledger as L
from landcon.engine.org import COUNTY, PROVINCE
from landcon.errors import InvalidRecord
from landcon.services import records
from landcon.services.clock import today
from landcon.services.ledger._accounts import _readable, _sums, _unit_names
from landcon.services.ledger._posting import _lines_of, _posting_dict
from landcon.services.ledger.parsing import _kind
from landcon.services.profile import province_code
from landcon.services.records import Actor
from landcon.store.models import (
    LedgerAccount,
    LedgerEntry,
    LedgerPosting,
    LedgerTransfer,
    Unit,
)


def balance(who: Actor, unit: str | None = None, *, kind: str | None = None) -> dict[str, Any]:
    """Balances of a unit's accounts (sums of entries) — for a province also every county's 可用."""
    if kind is not None:
        _kind(kind)
    with records.read() as session:
        u = _readable(session, who, unit or who.unit_code or province_code())
        q = (
            select(
                LedgerAccount.id,
                Unit.code,
                Unit.name,
                Unit.level,
                LedgerAccount.kind,
                LedgerAccount.bucket,
                LedgerAccount.area_code,
            )
            .join(Unit, Unit.id == LedgerAccount.unit_id)
            .order_by(Unit.code, LedgerAccount.kind, LedgerAccount.bucket, LedgerAccount.area_code)
        )
        q = q.where(Unit.path.startswith(u.path)) if u.level == PROVINCE else q.where(LedgerAccount.unit_id == u.id)
        if kind is not None:
            q = q.where(LedgerAccount.kind == kind)
        rows = session.execute(q).all()
        # Σ per account first (the covering index (account_id, area, paddy, grain)), then labelled.
        sums = _sums(session, [r[0] for r in rows])
    accounts = []
    totals: dict[tuple[str, str], L.Qty] = {}
    available: dict[tuple[str, str, str], L.Qty] = {}
    for account_id, code, name, level, k, bucket, area_code in rows:
        if account_id not in sums:
            continue
        qty = sums[account_id]
        if code == u.code or u.level != PROVINCE:
            accounts.append(
                {
                    "unit": code,
                    "unit_name": name,
                    "kind": k,
                    "kind_name": L.KINDS[k],
                    "bucket": bucket,
                    "bucket_name": L.BUCKETS[bucket],
                    "area_code": area_code,
                    **qty.as_dict(),
                }
            )
        if bucket in L.HOLDING:
            totals[(k, bucket)] = totals.get((k, bucket), L.ZERO) + qty
        if u.level == PROVINCE and level == COUNTY and bucket == L.AVAIL:
            available[(code, name, k)] = available.get((code, name, k), L.ZERO) + qty
    counties = [
        {"unit": c, "unit_name": n, "kind": k, "kind_name": L.KINDS[k], **v.as_dict()}
        for (c, n, k), v in sorted(available.items())
    ]
    summary = [
        {"kind": k, "kind_name": L.KINDS[k], "bucket": b, "bucket_name": L.BUCKETS[b], **v.as_dict()}
        for (k, b), v in sorted(totals.items())
    ]
    return {
        "unit": u.code,
        "unit_name": u.name,
        "level": u.level,
        "accounts": accounts,
        "summary": summary,
        "counties": counties,
    }


def history(
    who: Actor,
    unit: str | None = None,
    *,
    kind: str | None = None,
    doc_type: str | None = None,
    limit: int = 100,
    before: int | None = None,
) -> list[dict[str, Any]]:
    """Postings whose lines touch the unit's accounts (a province: every unit below it), newest first."""
    if doc_type is not None and doc_type not in L.DOC_TYPES:
        raise InvalidRecord(f"未知记账类型 {doc_type}", field="doc_type")
    with records.read() as session:
        u = _readable(session, who, unit or who.unit_code or province_code())
        touching = (
            select(LedgerEntry.posting_id)
            .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
            .join(Unit, Unit.id == LedgerAccount.unit_id)
            .where(Unit.path.startswith(u.path))
        )
        q = select(LedgerPosting).where(LedgerPosting.id.in_(touching)).order_by(LedgerPosting.id.desc()).limit(limit)
        if kind:
            q = q.where(LedgerPosting.kind == kind)
        if doc_type:
            q = q.where(LedgerPosting.doc_type == doc_type)
        if before:
            q = q.where(LedgerPosting.id < before)
        postings = list(session.scalars(q))
        out = []
        for p in postings:
            lines = _lines_of(session, p)
            item = _posting_dict(p, lines, _unit_names(session, {ln.account.unit for ln in lines}))
            t = session.get(LedgerTransfer, p.id)
            if t is not None:
                item["transfer"] = _transfer_dict(session, t)
            out.append(item)
        return out


def _transfer_dict(session: Session, t: LedgerTransfer) -> dict[str, Any]:
    def name(uid: int | None) -> str | None:
        if uid is None:
            return None
        unit = session.get(Unit, uid)
        return f"{unit.name}（{unit.code}）" if unit else None

    return {
        "seller": name(t.seller_unit_id) or t.counterparty,
        "buyer": name(t.buyer_unit_id) or t.counterparty,
        "cross_province": t.cross_province,
        "area_mu": L.mu(t.area),
        "price_yuan_per_mu": L.yuan(t.price_fen_per_mu),
        "total_yuan": L.yuan(t.total_fen),
        "received_yuan": L.yuan(t.received_fen),
        "outstanding_yuan": L.yuan(t.total_fen - t.received_fen),
    }


def transfers(who: Actor, unit: str | None = None) -> list[dict[str, Any]]:
    """调剂 contracts where the unit (or a unit below it) sells or buys, newest first."""
    with records.read() as session:
        u = _readable(session, who, unit or who.unit_code or province_code())
        ids = select(Unit.id).where(Unit.path.startswith(u.path))
        rows = session.execute(
            select(LedgerTransfer, LedgerPosting)
            .join(LedgerPosting, LedgerPosting.id == LedgerTransfer.posting_id)
            .where((LedgerTransfer.seller_unit_id.in_(ids)) | (LedgerTransfer.buyer_unit_id.in_(ids)))
            .order_by(LedgerPosting.id.desc())
        ).all()
        return [
            {
                "posting": p.id,
                "contract_no": p.doc_no,
                "signed_on": p.posted_on.isoformat(),
                "kind": p.kind,
                "kind_name": L.KINDS[p.kind],
                **_transfer_dict(session, t),
            }
            for t, p in rows
        ]


def revolving(who: Actor, unit: str | None = None) -> list[dict[str, Any]]:
    """周转指标 per issue: issued, returned (first in, first out), outstanding, deadline, overdue."""
    with records.read() as session:
        u = _readable(session, who, unit or who.unit_code or province_code())
        e, postings = _frames(session, where_path=u.path, kinds=(L.ZZ,))
        names = _unit_names(session, set(e["unit"]))
    due = {int(i): d for i, d in zip(postings["id"], postings["due_date"], strict=True) if d is not None}
    out = L.revolving_status(e, due, today())
    for item in out:
        item["unit_name"] = names.get(item["unit"], item["unit"])
        item["state"] = "逾期" if item["overdue"] else ("未到期" if item["outstanding"] > 0 else "已归还")
        for key in ("issued", "returned", "outstanding"):
            item[f"{key}_mu"] = L.mu(item[key])
    return out


def _frames(
    session: Session, *, where_path: str | None = None, kinds: Sequence[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Entries joined with their accounts (posting order) and the postings, as frames."""
    conn = session.connection()
    q = (
        select(
            LedgerEntry.posting_id,
            LedgerEntry.account_id,
            LedgerEntry.area,
            LedgerEntry.paddy,
            LedgerEntry.grain,
        )
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .join(Unit, Unit.id == LedgerAccount.unit_id)
        .order_by(LedgerEntry.posting_id, LedgerEntry.id)
    )
    a = select(
        LedgerAccount.id, Unit.code.label("unit"), LedgerAccount.kind, LedgerAccount.bucket, LedgerAccount.area_code
    ).join(Unit, Unit.id == LedgerAccount.unit_id)
    p = select(
        LedgerPosting.id, LedgerPosting.doc_type, LedgerPosting.doc_no, LedgerPosting.due_date, LedgerPosting.project_id
    )
    if where_path:
        q = q.where(Unit.path.startswith(where_path))
        a = a.where(Unit.path.startswith(where_path))
    if kinds:
        q = q.where(LedgerAccount.kind.in_(kinds))
        a = a.where(LedgerAccount.kind.in_(kinds))
    entries = pd.DataFrame(conn.execute(q).all(), columns=["posting_id", "account_id", "area", "paddy", "grain"])
    accounts = pd.DataFrame(conn.execute(a).all(), columns=["id", "unit", "kind", "bucket", "area_code"])
    postings = pd.DataFrame(conn.execute(p).all(), columns=["id", "doc_type", "doc_no", "due_date", "project_id"])
    for col in ("area", "paddy", "grain", "posting_id", "account_id"):
        entries[col] = entries[col].astype("int64")
    postings["due_date"] = [_as_date(d) for d in postings["due_date"]]
    return entries.merge(accounts.rename(columns={"id": "account_id"}), on="account_id", how="left"), postings


def _as_date(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])

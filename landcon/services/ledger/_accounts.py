"""Units, accounts and balances under lock: the plumbing every posting and reading goes through.

Accounts are locked in id order (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite transactions are
``BEGIN IMMEDIATE``) and balances are summed from the entries inside that lock."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landcon.engine import ledger as L
from landcon.engine.org import COUNTY, PROVINCE
from landcon.errors import InvalidRecord, NotFound
from landcon.services import records
from landcon.services.records import Actor
from landcon.store.db import Database
from landcon.store.models import (
    LedgerAccount,
    LedgerEntry,
    LedgerPosting,
    Unit,
)


def _unit(session: Session, code: str) -> Unit:
    unit = session.scalars(select(Unit).where(Unit.code == code)).first()
    if unit is None:
        raise NotFound(f"行政单位 {code} 不存在", feature=code)
    return unit


#: Unit ids by code per open database (a unit's id and code never change).
_UNIT_IDS: weakref.WeakKeyDictionary[Database, dict[str, int]] = weakref.WeakKeyDictionary()


def _unit_id(session: Session, code: str) -> int:
    cache = _UNIT_IDS.setdefault(records.database(), {})
    if code not in cache:
        cache[code] = _unit(session, code).id
    return cache[code]


def _holder(session: Session, who: Actor, code: str, action: str) -> Unit:
    """A unit that may hold quota (a county or the province), in the actor's scope for ``action``."""
    unit = _unit(session, code)
    if unit.level not in (COUNTY, PROVINCE):
        raise InvalidRecord(f"{unit.name}（{code}）不是县级或省级单位，不能持有指标", feature=code)
    records.visible(who, unit, f"{unit.name} 的指标账户")
    records.require(who, action, unit)
    return unit


def _readable(session: Session, who: Actor, code: str) -> Unit:
    unit = _unit(session, code)
    records.visible(who, unit, f"{unit.name} 的指标台账")
    records.require(who, "ledger.read", unit)
    return unit


def _province_code(code: str) -> str:
    return code[:2] + "0000"


#: Account ids per open database (a restored or reopened database gets a new ``Database`` and a new cache).
_ACCOUNT_IDS: weakref.WeakKeyDictionary[Database, dict[L.AccountKey, int]] = weakref.WeakKeyDictionary()


def _account_ids(who: Actor, keys: Sequence[L.AccountKey]) -> dict[L.AccountKey, int]:
    """Ids of the accounts, created (audited, in their own transaction) when missing. Accounts are
    never deleted, so ids are cached per open database."""
    cache = _ACCOUNT_IDS.setdefault(records.database(), {})
    out = {k: cache[k] for k in keys if k in cache}
    missing = [k for k in dict.fromkeys(keys) if k not in out]
    for attempt in range(3):
        if not missing:
            break
        with records.read() as session:
            units = {
                u.code: u.id for u in session.scalars(select(Unit).where(Unit.code.in_({k.unit for k in missing})))
            }
            for k in list(missing):
                row = session.scalars(
                    select(LedgerAccount.id).where(
                        LedgerAccount.unit_id == units[k.unit],
                        LedgerAccount.kind == k.kind,
                        LedgerAccount.bucket == k.bucket,
                        LedgerAccount.area_code == k.area,
                    )
                ).first()
                if row is not None:
                    out[k] = row
                    missing.remove(k)
        if not missing:
            break
        try:
            with records.write(who, "ledger.account") as session:
                for k in missing:
                    session.add(LedgerAccount(unit_id=units[k.unit], kind=k.kind, bucket=k.bucket, area_code=k.area))
        except InvalidRecord:
            if attempt == 2:
                raise  # pragma: no cover - three concurrent creations in a row
    cache.update(out)
    return out


def _sums(session: Session, ids: Sequence[int]) -> dict[int, L.Qty]:
    rows = session.execute(
        select(
            LedgerEntry.account_id,
            func.coalesce(func.sum(LedgerEntry.area), 0),
            func.coalesce(func.sum(LedgerEntry.paddy), 0),
            func.coalesce(func.sum(LedgerEntry.grain), 0),
        )
        .where(LedgerEntry.account_id.in_(list(ids)))
        .group_by(LedgerEntry.account_id)
    )
    return {int(a): L.Qty(int(x), int(p), int(g)) for a, x, p, g in rows}


def _lock(session: Session, ids: Sequence[int]) -> None:
    """Row locks on the accounts a posting touches, in id order (no deadlock between two postings)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            select(LedgerAccount.id)
            .where(LedgerAccount.id.in_(sorted(ids)))
            .order_by(LedgerAccount.id)
            .with_for_update()
        ).all()


def _for_update(session: Session, stmt: Any) -> Any:
    """``stmt`` with ``FOR UPDATE`` on PostgreSQL: 项目区 postings queue on the 项目区 row (every rule of a
    项目区 — cap, one reclamation, 建新 ≤ 拆旧 — is then checked on committed figures)."""
    return stmt.with_for_update() if session.get_bind().dialect.name == "postgresql" else stmt


def _reclaimed(session: Session, county: str, area_code: str) -> LedgerPosting | None:
    """The 拆旧复垦验收 posting of a 项目区, if it has been posted."""
    return session.scalars(
        select(LedgerPosting)
        .join(Unit, Unit.id == LedgerPosting.unit_id)
        .where(LedgerPosting.doc_type == L.RECLAIM, Unit.code == county, LedgerPosting.area_code == area_code)
    ).first()


def _unit_names(session: Session, codes: set[str]) -> dict[str, str]:
    return {u.code: u.name for u in session.scalars(select(Unit).where(Unit.code.in_(codes)))}


def _read_balances(
    session: Session,
    keys: Sequence[L.AccountKey],
    *,
    ids: dict[L.AccountKey, int] | None = None,
) -> dict[L.AccountKey, L.Qty]:
    """Balances of the accounts (zero for accounts that do not exist yet)."""
    if ids is None:
        found: dict[L.AccountKey, int] = {}
        for k in keys:
            row = session.execute(
                select(LedgerAccount.id)
                .join(Unit, Unit.id == LedgerAccount.unit_id)
                .where(
                    Unit.code == k.unit,
                    LedgerAccount.kind == k.kind,
                    LedgerAccount.bucket == k.bucket,
                    LedgerAccount.area_code == k.area,
                )
            ).first()
            if row is not None:
                found[k] = int(row[0])
        ids = found
    known = {k: ids[k] for k in keys if k in ids}
    sums = _sums(session, list(known.values()))
    return {k: sums.get(known[k], L.ZERO) if k in known else L.ZERO for k in keys}

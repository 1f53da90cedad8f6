"""Writing one posting: the source document, idempotence on (doc_type, doc_no), the engine's check on
balances read under the accounts' locks, and the posting as shown to users."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec

from sqlalchemy import select
from sqlalchemy.orm import Session

from landcon.engine import ledger as L
from landcon.engine.ledger import BASIS_NAMES
from landcon.errors import InvalidRecord
from landcon.services import records
from landcon.services.clock import today
from landcon.services.ledger._accounts import _account_ids, _lock, _read_balances, _unit_id, _unit_names
from landcon.services.records import Actor
from landcon.store.models import (
    LedgerAccount,
    LedgerEntry,
    LedgerPosting,
    LedgerTransfer,
    Unit,
)


@dataclass(frozen=True)
class Doc:
    """What every posting records about its source document."""

    doc_type: str
    doc_no: str
    holder: str  # unit code the posting is for
    kind: str
    area_code: str = ""
    project_id: int | None = None
    corrects_id: int | None = None
    posted_on: dt.date | None = None
    due_date: dt.date | None = None
    memo: str = ""
    #: The lines when they follow from the request alone (use, transfer, freeze, 核减): a repeat of the
    #: document must carry the same lines; issuing documents are compared by holder and 项目区 only.
    expected: tuple[L.Line, ...] | None = None
    basis: str = ""  # LedgerPosting.basis (services.ledger.areas.ASBUILT / PLAN) of an issuing posting

    def __post_init__(self) -> None:
        # One document typed two ways (full-width digits, [2027] for 〔2027〕, spaces) is one document.
        object.__setattr__(self, "doc_no", L.normalise_doc_no(self.doc_no))


Builder = Callable[[Session, Callable[[Sequence[L.AccountKey]], dict[L.AccountKey, L.Qty]]], list[L.Line]]


def _lines_of(session: Session, posting: LedgerPosting) -> list[L.Line]:
    ids = {e.account_id for e in posting.entries}
    accounts = {a.id: a for a in session.scalars(select(LedgerAccount).where(LedgerAccount.id.in_(ids)))}
    codes = {
        a.id: u
        for a, u in session.execute(
            select(LedgerAccount, Unit.code)
            .join(Unit, Unit.id == LedgerAccount.unit_id)
            .where(LedgerAccount.id.in_(ids))
        )
    }
    out = []
    for e in sorted(posting.entries, key=lambda x: x.id):
        a = accounts[e.account_id]
        out.append(L.Line(L.AccountKey(codes[a.id], a.kind, a.bucket, a.area_code), L.Qty(e.area, e.paddy, e.grain)))
    return out


def _existing(session: Session, doc: Doc) -> LedgerPosting | None:
    found = session.scalar(
        select(LedgerPosting.id).where(LedgerPosting.doc_type == doc.doc_type, LedgerPosting.doc_no == doc.doc_no)
    )
    return None if found is None else session.get(LedgerPosting, found)


def _post(
    who: Actor,
    action: str,
    doc: Doc,
    build: Builder,
    *,
    extra: Callable[[Session, LedgerPosting], None] | None = None,
    attempt: int = 0,
) -> dict[str, Any]:
    """Write one posting: idempotent on (doc_type, doc_no). Inside the transaction the accounts are locked
    first, then the lines are built and checked by the engine on balances read under that lock."""
    if not doc.doc_no.strip():
        raise InvalidRecord("须填写来源文件编号（文号、合同号或验收文件号）", field="doc_no")
    if doc.expected:  # the lines follow from the request: no draft needed to know the accounts
        draft = list(doc.expected)
    else:
        with records.read() as session:
            if (old := _existing(session, doc)) is not None:
                return _duplicate(session, old, doc)
            # Which accounts the lines will touch: built once on the current balances, outside the lock.
            draft = build(session, lambda keys: _read_balances(session, keys))
    ids = _account_ids(who, [ln.account for ln in draft])
    try:
        with records.write(who, action) as session:
            if (old := _existing(session, doc)) is not None:
                return _duplicate(session, old, doc)
            holder_id = _unit_id(session, doc.holder)
            _lock(session, list(ids.values()))
            # Someone may have posted the same document while this one waited for the locks (PostgreSQL,
            # READ COMMITTED): it is a duplicate, not a posting to check against the balance it left.
            if (old := _existing(session, doc)) is not None:
                return _duplicate(session, old, doc)

            def balances(keys: Sequence[L.AccountKey]) -> dict[L.AccountKey, L.Qty]:
                return _read_balances(session, keys, ids=ids)

            lines = build(session, balances)
            missing = [ln.account for ln in lines if ln.account not in ids]
            if missing:  # the balances moved between the draft and the lock: rare, so just retry
                raise _Retry
            current = balances([ln.account for ln in lines])
            names = _unit_names(session, {ln.account.unit for ln in lines})
            L.apply(lines, current, names)
            posting = _new_posting(who, doc, holder_id, lines, ids)
            session.add(posting)
            session.flush()
            if extra is not None:
                extra(session, posting)
            result = _posting_dict(posting, lines, names)
    except _Retry:
        return _post(who, action, doc, build, extra=extra, attempt=attempt + 1)
    except InvalidRecord:
        with records.read() as session:  # the same document posted by someone else at the same moment
            if (old := _existing(session, doc)) is not None:
                return _duplicate(session, old, doc)
        if attempt < 2:  # another posting stored the same 项目区 snapshot at the same moment
            return _post(who, action, doc, build, extra=extra, attempt=attempt + 1)
        raise
    result["duplicate"] = False
    return result


class _Retry(Exception):
    pass


def _new_posting(
    who: Actor, doc: Doc, holder_id: int, lines: Sequence[L.Line], ids: dict[L.AccountKey, int]
) -> LedgerPosting:
    posting = LedgerPosting(
        doc_type=doc.doc_type,
        doc_no=doc.doc_no,
        unit_id=holder_id,
        kind=doc.kind,
        area_code=doc.area_code,
        project_id=doc.project_id,
        corrects_id=doc.corrects_id,
        posted_on=doc.posted_on or today(),
        due_date=doc.due_date,
        memo=doc.memo,
        basis=doc.basis,
        created_by=who.username,
    )
    posting.entries = [
        LedgerEntry(account_id=ids[ln.account], area=ln.qty.area, paddy=ln.qty.paddy, grain=ln.qty.grain)
        for ln in lines
    ]
    return posting


@dataclass(frozen=True)
class Prepared:
    """A posting request checked for permission and input, ready to be written (alone or in a batch)."""

    action: str
    doc: Doc
    build: Builder
    extra: Callable[[Session, LedgerPosting], None] | None = None
    #: 调剂 contract terms a repeated contract must carry unchanged: (price, received, counterparty).
    terms: tuple[int, int, str] | None = None
    #: The contract as shown with the posting (调剂 only).
    transfer: dict[str, Any] | None = None


P = ParamSpec("P")


def _posting(
    prepare: Callable[Concatenate[Session, Actor, P], Prepared],
) -> Callable[Concatenate[Actor, P], dict[str, Any]]:
    """The use case posting one document: ``prepare`` checks it in a read transaction, ``_post`` writes it;
    a repeated 调剂 contract must carry the stored terms."""

    def post(who: Actor, /, *args: P.args, **kwargs: P.kwargs) -> dict[str, Any]:
        with records.read() as session:
            p = prepare(session, who, *args, **kwargs)
        result = _post(who, p.action, p.doc, p.build, extra=p.extra)
        if result["duplicate"] and p.terms is not None:
            with records.read() as session:
                _same_terms(session, result["id"], p)
        if p.transfer is not None:
            result["transfer"] = p.transfer
        return result

    post.__doc__ = prepare.__doc__
    return post


def _duplicate(session: Session, old: LedgerPosting, doc: Doc) -> dict[str, Any]:
    """A document already posted: the same posting again is a no-op; a different one is refused."""
    holder = session.get(Unit, old.unit_id)
    if holder is None or holder.code != doc.holder or old.kind != doc.kind or old.area_code != doc.area_code:
        raise L.LedgerRefused(
            f"{L.DOC_TYPES[doc.doc_type]} {doc.doc_no} 已于 {old.posted_on.isoformat()} 记账（记账号 {old.id}），"
            "内容与本次不同：同一来源文件只能记账一次，更正请用核减"
        )
    lines = _lines_of(session, old)
    if doc.expected is not None and tuple(lines) != doc.expected:
        raise L.LedgerRefused(
            f"{L.DOC_TYPES[doc.doc_type]} {doc.doc_no} 已于 {old.posted_on.isoformat()} 记账（记账号 {old.id}），"
            "数量或账户与本次不同：同一来源文件只能记账一次，更正请用核减"
        )
    result = _posting_dict(old, lines, _unit_names(session, {ln.account.unit for ln in lines}))
    result["duplicate"] = True
    return result


def _same_terms(session: Session, posting_id: int, p: Prepared) -> None:
    """A repeated 调剂 contract must carry the stored price, money received and counterparty."""
    t = session.get(LedgerTransfer, posting_id)
    if t is None or (t.price_fen_per_mu, t.received_fen, t.counterparty) != p.terms:
        raise L.LedgerRefused(
            f"调剂合同 {p.doc.doc_no} 已记账（记账号 {posting_id}），单价、已收款或省外对方与本次不同："
            "同一合同只能记账一次"
        )


def _posting_dict(p: LedgerPosting, lines: Sequence[L.Line], names: dict[str, str]) -> dict[str, Any]:
    return {
        "id": p.id,
        "doc_type": p.doc_type,
        "doc_type_name": L.DOC_TYPES[p.doc_type],
        "doc_no": p.doc_no,
        "kind": p.kind,
        "kind_name": L.KINDS[p.kind],
        "area_code": p.area_code,
        "posted_on": p.posted_on.isoformat(),
        "due_date": p.due_date.isoformat() if p.due_date else None,
        "memo": p.memo,
        "basis": p.basis,
        "basis_name": BASIS_NAMES.get(p.basis, ""),
        "created_by": p.created_by,
        "lines": [
            {
                "unit": ln.account.unit,
                "unit_name": names.get(ln.account.unit, ln.account.unit),
                "kind": ln.account.kind,
                "bucket": ln.account.bucket,
                "bucket_name": L.BUCKETS[ln.account.bucket],
                "area_code": ln.account.area,
                "account": L.account_label(ln.account, names),
                **ln.qty.as_dict(),
            }
            for ln in lines
        ],
    }

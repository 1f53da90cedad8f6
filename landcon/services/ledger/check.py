"""The integrity check: every balance recomputed from the entries and every invariant verified."""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from landcon.engine import ledger as L
from landcon.engine import workflow as wf
from landcon.services import records
from landcon.services.clock import today
from landcon.services.ledger._accounts import _readable
from landcon.services.ledger.areas import (
    PLAN,
    _approved_version,
    _stage_reached,
    asbuilt_demolished,
    asbuilt_farmland,
    farmland_quantity,
)
from landcon.services.ledger.rules import load_rules
from landcon.services.ledger.views import _as_date
from landcon.services.profile import province_code
from landcon.services.records import Actor
from landcon.store.models import (
    LedgerAccount,
    LedgerArea,
    LedgerEntry,
    LedgerPosting,
    LedgerTransfer,
    MarketDeal,
    Project,
    Unit,
)


def check(who: Actor) -> dict[str, Any]:
    """Recompute every balance from the entries and verify every invariant (engine.ledger.check_ledger).

    The check covers the whole province's ledger, so it is a provincial user's command."""
    records.require_province(who, "ledger.read")
    start = time.perf_counter()
    rules = load_rules()
    with records.read() as session:
        u = _readable(session, who, who.unit_code or province_code())
        conn = session.connection()
        entries = pd.DataFrame(
            conn.execute(
                select(
                    LedgerEntry.posting_id,
                    LedgerEntry.account_id,
                    LedgerEntry.area,
                    LedgerEntry.paddy,
                    LedgerEntry.grain,
                ).order_by(LedgerEntry.posting_id, LedgerEntry.id)
            ).all(),
            columns=["posting_id", "account_id", "area", "paddy", "grain"],
        ).astype("int64")
        accounts = pd.DataFrame(
            conn.execute(
                select(
                    LedgerAccount.id, Unit.code, LedgerAccount.kind, LedgerAccount.bucket, LedgerAccount.area_code
                ).join(Unit, Unit.id == LedgerAccount.unit_id)
            ).all(),
            columns=["id", "unit", "kind", "bucket", "area_code"],
        )
        postings = pd.DataFrame(
            conn.execute(
                select(
                    LedgerPosting.id,
                    LedgerPosting.doc_type,
                    LedgerPosting.doc_no,
                    LedgerPosting.due_date,
                    LedgerPosting.project_id,
                    LedgerPosting.area_code,
                    LedgerPosting.unit_id,
                    LedgerPosting.corrects_id,
                    LedgerPosting.basis,
                )
            ).all(),
            columns=[
                "id",
                "doc_type",
                "doc_no",
                "due_date",
                "project_id",
                "area_code",
                "unit_id",
                "corrects_id",
                "basis",
            ],
        )
        postings["due_date"] = [_as_date(d) for d in postings["due_date"]]
        expected = _expected_issues(session, postings, rules)
        demolished = {
            (code, a.code): L.units_from_dm2(a.demolished_dm2)
            for a, code in session.execute(select(LedgerArea, Unit.code).join(Unit, Unit.id == LedgerArea.unit_id))
        }
        transfers_df = pd.DataFrame(
            conn.execute(
                select(
                    LedgerTransfer.posting_id,
                    LedgerTransfer.area,
                    LedgerTransfer.price_fen_per_mu,
                    LedgerTransfer.total_fen,
                )
            ).all(),
            columns=["posting_id", "area", "price_fen_per_mu", "total_fen"],
        )
        deals_df = pd.DataFrame(
            conn.execute(
                select(
                    MarketDeal.contract_no,
                    MarketDeal.price_fen,
                    MarketDeal.cost_fen,
                    MarketDeal.rate,
                    MarketDeal.levy_fen,
                    MarketDeal.collective_fen,
                    MarketDeal.members_fen,
                )
            ).all(),
            columns=["contract_no", "price_fen", "cost_fen", "rate", "levy_fen", "collective_fen", "members_fen"],
        )
    on_plan = [int(i) for i in postings.loc[postings["basis"] == PLAN, "id"]]
    findings, balances = L.check_ledger(
        entries,
        accounts,
        postings,
        expected_issue=expected,
        demolished=demolished,
        today=today(),
        plan_basis=on_plan,
    )
    findings += L.check_contracts(transfers_df, deals_df, rules)
    errors = sum(1 for f in findings if f.severity == "error")
    return {
        "unit": u.code,
        "ok": errors == 0,
        "errors": errors,
        "warnings": sum(1 for f in findings if f.severity == "warning"),
        "issued_on_plan": len(on_plan),
        "postings": len(postings),
        "entries": len(entries),
        "accounts": len(balances),
        "findings": [f.as_dict() for f in findings],
        "seconds": round(time.perf_counter() - start, 3),
    }


def _expected_issues(session: Session, postings: pd.DataFrame, rules: L.LedgerRules) -> dict[int, L.Qty]:
    """What each issuing posting should have issued, recomputed from what it was based on: the accepted
    as-built indicators (``areas.asbuilt_farmland`` / ``asbuilt_demolished``, the functions the issue
    uses) or, for a posting of basis ``plan``, the approved plan's indicators and 项目区 snapshot."""
    issuing = postings[postings["doc_type"].isin([L.RECLAIM, L.BCGD_ISSUE])].dropna(subset=["project_id"])
    ids = {int(p) for p in issuing["project_id"]}
    accepted = {
        p.id: p for p in session.scalars(select(Project).where(Project.id.in_(ids))) if _stage_reached(p, wf.ACCEPTED)
    }
    demolished = {
        (a.project_id, a.code): L.units_from_dm2(a.demolished_dm2)
        for a in session.scalars(select(LedgerArea).where(LedgerArea.project_id.in_(list(accepted))))
    }
    farmland: dict[tuple[int, bool], L.Qty | None] = {}
    out: dict[int, L.Qty] = {}
    for pid, doc_type, project_id, area_code, basis in zip(
        issuing["id"], issuing["doc_type"], issuing["project_id"], issuing["area_code"], issuing["basis"], strict=True
    ):
        project = accepted.get(int(project_id))
        if project is None:
            continue
        on_plan = basis == PLAN
        if doc_type == L.RECLAIM:
            built = None if on_plan else asbuilt_demolished(session, project, area_code)
            if built is not None:
                out[int(pid)] = L.Qty(built)
            elif (project.id, area_code) in demolished:
                out[int(pid)] = L.Qty(demolished[(project.id, area_code)])
            continue
        key = (project.id, on_plan)
        if key not in farmland:
            try:
                farmland[key] = (
                    farmland_quantity(_approved_version(session, project).indicators, rules)
                    if on_plan
                    else asbuilt_farmland(session, project, rules)[0]
                )
            except L.LedgerRefused:
                farmland[key] = None
        if (q := farmland[key]) is not None:
            out[int(pid)] = q
    return out

"""Quota ledgers end to end on SQLite and PostgreSQL: issue from engine-computed acceptance records,
use, transfer, freeze, correct, idempotent documents, every refusal with its message, and ``check``."""

from __future__ import annotations

import datetime as dt

import pytest
from ledger_fixtures import AREA, CODE, DEMOLISHED_M2, FARMLAND_M2, GRAIN_KG, project_to
from sqlalchemy import func, select

from landcon.errors import InvalidRecord, NotFound, PermissionDenied
from landcon.services import audit, ledger, records
from landcon.services.ledger import L
from landcon.store.models import LedgerEntry, LedgerPosting

COUNTY, OTHER = "530124", "530102"
MU = 10000 / 15


def who(name: str) -> records.Actor:
    return records.actor(name)


def count(model) -> int:
    with records.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def avail(unit: str, kind: str) -> dict:
    rows = [a for a in ledger.balance(who("yn_sup"), unit)["accounts"] if a["kind"] == kind and a["bucket"] == "avail"]
    return rows[0] if rows else {"area_m2": 0.0, "paddy_m2": 0.0, "grain_kg": 0}


def test_farmland_quota_from_the_accepted_project(records_world, tmp_path):
    project_to(tmp_path, "acceptance")
    sup = who("yn_sup")
    with pytest.raises(L.LedgerRefused, match="通过验收"):
        ledger.issue_farmland(sup, CODE, "云自然资核〔2027〕1号")
    project_to_done(tmp_path)
    r = ledger.issue_farmland(sup, CODE, "云自然资核〔2027〕1号")
    assert r["duplicate"] is False
    assert [(ln["bucket"], ln["area_m2"], ln["grain_kg"]) for ln in r["lines"]] == [
        ("source", -FARMLAND_M2, -GRAIN_KG),
        ("avail", FARMLAND_M2, GRAIN_KG),
    ]
    assert avail(COUNTY, "bcgd")["area_mu"] == 15.0
    # The same document again is a no-op; another document for the same project is refused.
    again = ledger.issue_farmland(sup, CODE, "云自然资核〔2027〕1号")
    assert again["duplicate"] is True and again["id"] == r["id"]
    with pytest.raises(L.LedgerRefused, match="已由 云自然资核〔2027〕1号 核定"):
        ledger.issue_farmland(sup, CODE, "云自然资核〔2027〕2号")
    assert count(LedgerPosting) == 1 and count(LedgerEntry) == 2
    assert ledger.check(sup)["ok"]


def project_to_done(tmp_path) -> None:
    from landcon.services import projects

    projects.advance(who("km_sup"), CODE)

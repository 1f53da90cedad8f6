"""Migration 0012 on SQLite and PostgreSQL: issuing postings already in a database (拆旧复垦验收,
补充耕地指标核定) are kept and marked basis ``plan`` (验收前按方案核定), other postings get ""; entries
are untouched; downgrading drops the column."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import psycopg
import pytest
import sqlalchemy as sa

from landcon.store import db as store_db

_counter = itertools.count()


@pytest.fixture(params=("sqlite", "postgresql"))
def empty_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    cluster = request.getfixturevalue("pg_cluster")
    name = f"mig12_{os.getpid()}_{next(_counter)}"
    with psycopg.connect(cluster.conninfo, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield cluster.url(name)
    finally:
        with psycopg.connect(cluster.conninfo, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_0012_marks_existing_issues_as_made_from_the_plan(empty_url) -> None:
    engine = store_db.make_engine(empty_url)
    try:
        store_db.upgrade(engine, "0010")
        with engine.begin() as conn:
            for statement in (
                "INSERT INTO units (id, code, name, level, path, created_at) VALUES "
                "(1, '530124', '富民县', 'county', '/530000/530100/530124/', '2027-01-01')",
                "INSERT INTO ledger_accounts (id, unit_id, kind, bucket, area_code) VALUES "
                "(1, 1, 'bcgd', 'source', ''), (2, 1, 'bcgd', 'avail', '')",
                "INSERT INTO ledger_postings (id, doc_type, doc_no, unit_id, kind, area_code, posted_on, memo, "
                "created_by, created_at) VALUES "
                "(1, 'bcgd_issue', '云自然资核〔2027〕1号', 1, 'bcgd', '', '2027-01-01', '', 'x', '2027-01-01'), "
                "(2, 'reclaim', '云自然资复〔2027〕1号', 1, 'jsjg', 'G1', '2027-01-01', '', 'x', '2027-01-01'), "
                "(3, 'use', '富政批〔2027〕1号', 1, 'bcgd', '', '2027-01-01', '', 'x', '2027-01-01')",
                "INSERT INTO ledger_entries (id, posting_id, account_id, area, paddy, grain) VALUES "
                "(1, 1, 1, -3000000, 0, -10575), (2, 1, 2, 3000000, 0, 10575)",
            ):
                conn.exec_driver_sql(statement)
        store_db.upgrade(engine, "0012")
        with engine.connect() as conn:
            basis = conn.execute(sa.text("SELECT id, basis FROM ledger_postings ORDER BY id")).all()
            entries = conn.execute(sa.text("SELECT area, grain FROM ledger_entries ORDER BY id")).all()
        assert [tuple(b) for b in basis] == [(1, "plan"), (2, "plan"), (3, "")]
        assert [tuple(e) for e in entries] == [(-3_000_000, -10_575), (3_000_000, 10_575)]
        store_db.downgrade(engine, "0010")
        with engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("ledger_postings")}
        assert "basis" not in columns and "memo" in columns
    finally:
        engine.dispose()

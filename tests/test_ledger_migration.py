"""Migration 0005 on a database with ledger rows written at 0004 (dm²): areas become 1/300 m² exactly
(×3), document numbers their normalised form; downgrading goes back to dm²."""

from __future__ import annotations

import sqlalchemy as sa

from landcon.store import db as store_db


def test_0005_converts_areas_and_normalises_document_numbers(tmp_path) -> None:
    engine = store_db.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        store_db.upgrade(engine, "0004")
        with engine.begin() as conn:
            sql = [
                "INSERT INTO units (id, code, name, level, path, created_at) VALUES "
                "(1, '530124', '富民县', 'county', '/530000/530100/530124/', '2027-01-01')",
                "INSERT INTO ledger_accounts (id, unit_id, kind, bucket, area_code) VALUES "
                "(1, 1, 'jsjg', 'avail', ''), (2, 1, 'jsjg', 'used', '')",
                # two postings whose numbers normalise to the same 富政批〔2027〕1号: the second is left as it is
                "INSERT INTO ledger_postings (id, doc_type, doc_no, unit_id, kind, area_code, posted_on, memo, "
                "created_by, created_at) VALUES "
                "(1, 'use', '富政批[2027]1号', 1, 'jsjg', '', '2027-01-01', '', 'x', '2027-01-01'), "
                "(2, 'use', '富政批 〔2027〕1号', 1, 'jsjg', '', '2027-01-01', '', 'x', '2027-01-01'), "
                "(3, 'use', '富政批（２０２７）２号', 1, 'jsjg', '', '2027-01-01', '', 'x', '2027-01-01')",
                # 100 亩 in dm² (6,666,667) and 0.5 亩 of 水田 (33,333)
                "INSERT INTO ledger_entries (id, posting_id, account_id, area, paddy, grain) VALUES "
                "(1, 1, 1, -6666667, -33333, -7), (2, 1, 2, 6666667, 33333, 7)",
            ]
            for statement in sql:
                conn.exec_driver_sql(statement)
        store_db.upgrade(engine, "0005")
        with engine.connect() as conn:
            entries = conn.execute(sa.text("SELECT area, paddy, grain FROM ledger_entries ORDER BY id")).all()
            numbers = conn.execute(sa.text("SELECT doc_no FROM ledger_postings ORDER BY id")).scalars().all()
        assert [tuple(e) for e in entries] == [(-20_000_001, -99_999, -7), (20_000_001, 99_999, 7)]
        assert numbers == ["富政批〔2027〕1号", "富政批 〔2027〕1号", "富政批〔2027〕2号"]
        store_db.downgrade(engine, "0004")
        with engine.connect() as conn:
            areas = conn.execute(sa.text("SELECT area, paddy FROM ledger_entries ORDER BY id")).all()
        assert [tuple(a) for a in areas] == [(-6_666_667, -33_333), (6_666_667, 33_333)]
    finally:
        engine.dispose()

"""ledger basis: what an issuing posting was computed from

``ledger_postings.basis`` says whether a 拆旧复垦验收 or 补充耕地指标核定 was issued from the accepted
as-built indicators (``asbuilt``) or from the approved plan (``plan``). Issuing postings already in
the database were computed from the plan: they are kept as they are and marked ``plan`` (验收前按方案
核定); every other posting gets "".

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-07 08:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

#: engine.ledger.RECLAIM and BCGD_ISSUE as stored when this migration was written.
_ISSUING = ("reclaim", "bcgd_issue")


def upgrade() -> None:
    op.add_column("ledger_postings", sa.Column("basis", sa.String(length=8), nullable=False, server_default=""))
    op.get_bind().execute(
        sa.text("UPDATE ledger_postings SET basis = 'plan' WHERE doc_type IN (:a, :b)"),
        {"a": _ISSUING[0], "b": _ISSUING[1]},
    )


def downgrade() -> None:
    op.drop_column("ledger_postings", "basis")  # SQLite ≥ 3.35 drops a column in place

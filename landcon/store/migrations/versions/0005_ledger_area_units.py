"""ledger areas in 1/300 m² so that amounts stated in 亩 or m² are exact

Entries and 调剂 contracts stored area and 水田 in dm² (0.01 m²); 1 亩 = 66,666.67 dm² is not a whole
number, so 100 + 100 + 93 亩 did not add up to 293 亩. The ledger unit is now 1/300 m² (0.01 m² = 3,
1 亩 = 200,000); existing values are multiplied by 3, which is exact. 项目区 snapshots and 入市 parcel
areas stay in dm² (their columns say so).

Document and contract numbers are rewritten in their normalised form (engine.ledger.normalise_doc_no:
full-width digits, [2027] → 〔2027〕, spaces), so a document typed another way after the upgrade is
recognised; a number whose normalised form another row already has is left as it is.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 02:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from landcon.engine.ledger import normalise_doc_no

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE ledger_entries SET area = area * 3, paddy = paddy * 3")
    op.execute("UPDATE ledger_transfers SET area = area * 3")
    _normalise("ledger_postings", "doc_no", "doc_type")
    _normalise("market_deals", "contract_no", None)


def _normalise(table: str, column: str, scope: str | None) -> None:
    conn = op.get_bind()
    kind = f", {scope}" if scope else ", ''"
    rows = conn.execute(sa.text(f"SELECT id, {column}{kind} FROM {table} ORDER BY id")).all()
    taken = {(str(k), str(n)) for _, n, k in rows}
    for row_id, number, k in rows:
        new = normalise_doc_no(str(number))
        if new != number and (str(k), new) not in taken:
            conn.execute(sa.text(f"UPDATE {table} SET {column} = :new WHERE id = :id"), {"new": new, "id": row_id})
            taken.discard((str(k), str(number)))
            taken.add((str(k), new))


def downgrade() -> None:
    # To the nearest dm² (integer division truncates towards zero on both databases, hence the sign):
    # amounts stated in 亩 lose their exactness again.
    def nearest(column: str) -> str:
        return f"CASE WHEN {column} >= 0 THEN ({column} + 1) / 3 ELSE ({column} - 1) / 3 END"

    op.execute(f"UPDATE ledger_entries SET area = {nearest('area')}, paddy = {nearest('paddy')}")
    op.execute(f"UPDATE ledger_transfers SET area = {nearest('area')}")

"""ledger areas in 1/300 m² so that amounts stated in 亩 or m² are exact

Entries and 调剂 contracts stored area and 水田 in dm² (0.01 m²); 1 亩 = 66,666.67 dm² is not a whole
number, so 100 + 100 + 93 亩 did not add up to 293 亩. The ledger unit is now 1/300 m² (0.01 m² = 3,
1 亩 = 200,000); existing values are multiplied by 3, which is exact. 项目区 snapshots and 入市 parcel
areas stay in dm² (their columns say so).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 02:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE ledger_entries SET area = area * 3, paddy = paddy * 3")
    op.execute("UPDATE ledger_transfers SET area = area * 3")


def downgrade() -> None:
    # Rounds to the nearest dm²: amounts stated in 亩 lose their exactness again.
    op.execute("UPDATE ledger_entries SET area = (area + 1) / 3, paddy = (paddy + 1) / 3")
    op.execute("UPDATE ledger_transfers SET area = (area + 1) / 3")

"""acceptance review: a 复核 whole-project acceptance after the project was accepted

``acceptances.review`` marks a whole-project record made after the chain's ``accepted`` milestone on a
new as-built / verification computation (复核); the latest passing record, review or not, is what the
补充耕地指标 and its 核减 follow. Records already in the database are not reviews.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 13:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("acceptances", sa.Column("review", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("acceptances", "review")  # SQLite ≥ 3.35 drops a column in place

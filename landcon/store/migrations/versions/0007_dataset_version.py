"""plan versions record the dataset version they were checked against

A replaced dataset is kept as an earlier version (store.datasets), so a stored plan version, its
diff and its report keep reading the data it was checked against. ``plan_versions.dataset_version``
holds that number; existing rows stay NULL, read as "the version current at migration": every
dataset then had no version number, which counts as version 1, so NULL reads version 1 (or the
current version where version 1 is no longer stored).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 04:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dataset_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("plan_versions", schema=None) as batch_op:
        batch_op.drop_column("dataset_version")

"""realloc adoption: households' confirmations of a 权属调整 version, and when it was adopted

``realloc_versions`` gains ``adopted_at`` / ``adopted_by`` (empty: not adopted); ``realloc_confirmations``
holds one household's 签字确认 (date, optional signed sheet) or the explained absence of one.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 10:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("realloc_versions", sa.Column("adopted_at", sa.DateTime(), nullable=True))
    op.add_column("realloc_versions", sa.Column("adopted_by", sa.String(length=64), nullable=True))
    op.create_table(
        "realloc_confirmations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("realloc_versions.id"), nullable=False),
        sa.Column("household", sa.String(length=32), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("absence", sa.Text(), nullable=False, server_default=""),
        sa.Column("blob_sha", sa.String(length=64), sa.ForeignKey("blobs.sha256"), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False, server_default=""),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("version_id", "household"),
    )
    op.create_index("ix_realloc_confirmations_version_id", "realloc_confirmations", ["version_id"])


def downgrade() -> None:
    op.drop_index("ix_realloc_confirmations_version_id", table_name="realloc_confirmations")
    op.drop_table("realloc_confirmations")
    op.drop_column("realloc_versions", "adopted_by")
    op.drop_column("realloc_versions", "adopted_at")

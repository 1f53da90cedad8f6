"""tenure adjustment (权属调整) results stored with projects

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 16:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "realloc_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("solver", sa.JSON(), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.Column("violations", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "number"),
    )
    with op.batch_alter_table("realloc_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_realloc_versions_project_id"), ["project_id"], unique=False)
    op.create_table(
        "realloc_files",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("blob_sha", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["blob_sha"], ["blobs.sha256"]),
        sa.ForeignKeyConstraint(["version_id"], ["realloc_versions.id"]),
        sa.PrimaryKeyConstraint("version_id", "path"),
    )


def downgrade() -> None:
    op.drop_table("realloc_files")
    with op.batch_alter_table("realloc_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_realloc_versions_project_id"))
    op.drop_table("realloc_versions")

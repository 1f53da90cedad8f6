"""acceptance records

``acceptances`` holds the 验收记录 of a project: a sub-project's or the whole project's, the accepting
unit, 验收意见, conditions and the tasks opened for them, date, members and the computation
(acceptance.json) it was based on; ``acceptance_attachments`` its files (blobs).

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-07 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "acceptances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("sub_project_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("opinion", sa.String(length=16), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("task_ids", sa.JSON(), nullable=False),
        sa.Column("accepted_on", sa.Date(), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("computation", sa.JSON(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"]),
        sa.ForeignKeyConstraint(["sub_project_id"], ["sub_projects.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("acceptances", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_acceptances_project_id"), ["project_id"], unique=False)
    op.create_table(
        "acceptance_attachments",
        sa.Column("acceptance_id", sa.Integer(), nullable=False),
        sa.Column("blob_sha", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["acceptance_id"], ["acceptances.id"]),
        sa.ForeignKeyConstraint(["blob_sha"], ["blobs.sha256"]),
        sa.PrimaryKeyConstraint("acceptance_id", "blob_sha"),
    )


def downgrade() -> None:
    op.drop_table("acceptance_attachments")
    with op.batch_alter_table("acceptances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_acceptances_project_id"))
    op.drop_table("acceptances")

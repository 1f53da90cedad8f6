"""village votes and consent records

``village_votes`` holds the 村民会议 / 村民代表会议 表决 of a project's villages (kind, date, motion and its
kind, roster, attendance, votes, signed record); ``consent_records`` the households' and meetings'
consent to demolition, reallocation or 入市 over plan parcels or a whole village.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "village_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("motion", sa.Text(), nullable=False),
        sa.Column("motion_kind", sa.String(length=20), nullable=False),
        sa.Column("eligible", sa.Integer(), nullable=False),
        sa.Column("roster", sa.JSON(), nullable=False),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("votes_for", sa.Integer(), nullable=False),
        sa.Column("votes_against", sa.Integer(), nullable=False),
        sa.Column("votes_abstain", sa.Integer(), nullable=False),
        sa.Column("parcels", sa.JSON(), nullable=False),
        sa.Column("blob_sha", sa.String(length=64), nullable=True),
        sa.Column("attachment_name", sa.String(length=255), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["blob_sha"], ["blobs.sha256"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("village_votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_village_votes_project_id"), ["project_id"], unique=False)
    op.create_table(
        "consent_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("household_code", sa.String(length=40), nullable=False),
        sa.Column("household_name", sa.String(length=100), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=True),
        sa.Column("parcels", sa.JSON(), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("blob_sha", sa.String(length=64), nullable=True),
        sa.Column("attachment_name", sa.String(length=255), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["vote_id"], ["village_votes.id"]),
        sa.ForeignKeyConstraint(["blob_sha"], ["blobs.sha256"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("consent_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_records_project_id"), ["project_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("consent_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_records_project_id"))
    op.drop_table("consent_records")
    with op.batch_alter_table("village_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_village_votes_project_id"))
    op.drop_table("village_votes")

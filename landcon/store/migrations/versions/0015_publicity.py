"""publicity

``publicities`` holds a project's 公示 (subject kind and reference, place, period, notice text, issuing
unit, the 公示 it replaces after an upheld objection, an attached table); ``publicity_objections`` the
objections received within the period and their answers (text, by, on, outcome).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publicities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_ref", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("notice", sa.Text(), nullable=False),
        sa.Column("place", sa.String(length=100), nullable=False),
        sa.Column("place_unit_id", sa.Integer(), nullable=True),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.Column("table_sha", sa.String(length=64), nullable=True),
        sa.Column("table_name", sa.String(length=255), nullable=True),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"]),
        sa.ForeignKeyConstraint(["place_unit_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["replaces_id"], ["publicities.id"]),
        sa.ForeignKeyConstraint(["table_sha"], ["blobs.sha256"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "number"),
    )
    with op.batch_alter_table("publicities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_publicities_project_id"), ["project_id"], unique=False)
    op.create_table(
        "publicity_objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("publicity_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("household", sa.String(length=40), nullable=False),
        sa.Column("contact", sa.String(length=100), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["publicity_id"], ["publicities.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("publicity_objections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_publicity_objections_publicity_id"), ["publicity_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("publicity_objections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publicity_objections_publicity_id"))
    op.drop_table("publicity_objections")
    with op.batch_alter_table("publicities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publicities_project_id"))
    op.drop_table("publicities")

"""aftercare

``care_agreements`` holds the 后期管护 agreements of accepted projects (parcel group, caretaker,
duties, period, funds); ``care_inspections`` their inspections (result, findings, rectification
task); ``care_photos`` the inspections' geotagged photos (blobs, EXIF position and its check).

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "care_agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("caretaker_kind", sa.String(length=8), nullable=False),
        sa.Column("caretaker", sa.String(length=200), nullable=False),
        sa.Column("contact", sa.String(length=100), nullable=False),
        sa.Column("duties", sa.Text(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("funds_per_year", sa.Float(), nullable=False),
        sa.Column("funds_source", sa.String(length=100), nullable=False),
        sa.Column("parcels", sa.JSON(), nullable=False),
        sa.Column("area_m2", sa.Float(), nullable=False),
        sa.Column("geometry", sa.JSON(), nullable=False),
        sa.Column("epsg", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "code"),
    )
    with op.batch_alter_table("care_agreements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_agreements_project_id"), ["project_id"], unique=False)
    op.create_table(
        "care_inspections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("inspected_on", sa.Date(), nullable=False),
        sa.Column("inspector", sa.String(length=100), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("result", sa.String(length=8), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["agreement_id"], ["care_agreements.id"]),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("care_inspections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_inspections_agreement_id"), ["agreement_id"], unique=False)
    op.create_table(
        "care_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("blob_sha", sa.String(length=64), nullable=False),
        sa.Column("thumb_sha", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("distance_m", sa.Float(), nullable=True),
        sa.Column("buffer_m", sa.Float(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["inspection_id"], ["care_inspections.id"]),
        sa.ForeignKeyConstraint(["blob_sha"], ["blobs.sha256"]),
        sa.ForeignKeyConstraint(["thumb_sha"], ["blobs.sha256"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("care_photos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_photos_inspection_id"), ["inspection_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("care_photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_photos_inspection_id"))
    op.drop_table("care_photos")
    with op.batch_alter_table("care_inspections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_inspections_agreement_id"))
    op.drop_table("care_inspections")
    with op.batch_alter_table("care_agreements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_agreements_project_id"))
    op.drop_table("care_agreements")

"""implementation supervision: sub-projects and their progress reports

``sub_projects`` holds the 子项目 of a project under implementation (type, responsible department and
unit, planned dates, budget by fund source, planned 工程量, outline as GeoJSON with its EPSG);
``progress_reports`` the 进度填报 of each (period, percent complete, 工程量 done, funds disbursed);
``site_photos`` their site photos (JPEG and thumbnail blobs, EXIF position and time, position check).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sub_projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("investment", sa.Float(), nullable=False),
        sa.Column("budget", sa.JSON(), nullable=False),
        sa.Column("quantities", sa.JSON(), nullable=False),
        sa.Column("geometry", sa.JSON(), nullable=True),
        sa.Column("epsg", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "code"),
    )
    with op.batch_alter_table("sub_projects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sub_projects_project_id"), ["project_id"], unique=False)
    op.create_table(
        "progress_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sub_project_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("percent", sa.Float(), nullable=False),
        sa.Column("quantities", sa.JSON(), nullable=False),
        sa.Column("disbursed", sa.JSON(), nullable=False),
        sa.Column("issues", sa.Text(), nullable=False),
        sa.Column("reporter", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["sub_project_id"], ["sub_projects.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("progress_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_progress_reports_sub_project_id"), ["sub_project_id"], unique=False)
    op.create_table(
        "site_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sub_project_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
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
        sa.ForeignKeyConstraint(["sub_project_id"], ["sub_projects.id"]),
        sa.ForeignKeyConstraint(["report_id"], ["progress_reports.id"]),
        sa.ForeignKeyConstraint(["blob_sha"], ["blobs.sha256"]),
        sa.ForeignKeyConstraint(["thumb_sha"], ["blobs.sha256"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("site_photos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_photos_sub_project_id"), ["sub_project_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("site_photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_photos_sub_project_id"))
    op.drop_table("site_photos")
    with op.batch_alter_table("progress_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_progress_reports_sub_project_id"))
    op.drop_table("progress_reports")
    with op.batch_alter_table("sub_projects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sub_projects_project_id"))
    op.drop_table("sub_projects")

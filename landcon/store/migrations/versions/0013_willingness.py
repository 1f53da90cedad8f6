"""willingness surveys

``questionnaires`` holds a project's 意愿调查 questionnaire (title, questions as JSON);
``survey_households`` the households it asks (承包方编码, 户主, village, 村民小组, 人口, homestead BSM or
coordinates, where the row came from); ``survey_responses`` one response per household (answers,
source web/xlsx/paper, who entered it and when).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 10:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "questionnaires",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id"),
    )
    op.create_table(
        "survey_households",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("head", sa.String(length=100), nullable=False),
        sa.Column("village_code", sa.String(length=12), nullable=False),
        sa.Column("village_name", sa.String(length=100), nullable=False),
        sa.Column("group_name", sa.String(length=100), nullable=False),
        sa.Column("people", sa.Integer(), nullable=True),
        sa.Column("homestead_bsm", sa.String(length=40), nullable=False),
        sa.Column("x", sa.Float(), nullable=True),
        sa.Column("y", sa.Float(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["questionnaire_id"], ["questionnaires.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("questionnaire_id", "code"),
    )
    op.create_index("ix_survey_households_questionnaire_id", "survey_households", ["questionnaire_id"])
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("respondent", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("entered_by", sa.String(length=64), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["household_id"], ["survey_households.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("household_id"),
    )


def downgrade() -> None:
    op.drop_table("survey_responses")
    op.drop_index("ix_survey_households_questionnaire_id", table_name="survey_households")
    op.drop_table("survey_households")
    op.drop_table("questionnaires")

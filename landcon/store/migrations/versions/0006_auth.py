"""sign-in failures counted per user name and address instead of one row (and audit entry) per attempt;
web sessions no longer store a CSRF token

``login_attempts`` kept a row per attempt, and each was audited, so anyone could fill the audit log and,
with 5 failures in 15 minutes, lock any account. ``login_failures`` holds one counter per
(user name, client address), written without audit entries; services.webauth derives the backoff from it.
``web_sessions.csrf_token`` went into the audit log with every sign-in; the CSRF token is now derived
from the cookie token (services.webauth.csrf_for). Open sessions stay valid.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 03:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("username", "address"),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_failures_address"), ["address"], unique=False)
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempts_addr_at")
        batch_op.drop_index("ix_login_attempts_user_at")
    op.drop_table("login_attempts")
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_column("csrf_token")


def downgrade() -> None:
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("csrf_token", sa.String(length=64), nullable=False, server_default=""))
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_login_attempts_addr_at", ["address", "at"], unique=False)
        batch_op.create_index("ix_login_attempts_user_at", ["username", "at"], unique=False)
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_failures_address"))
    op.drop_table("login_failures")

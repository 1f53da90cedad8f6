"""quota ledgers and market deals

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 18:02:36.512573
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "ledger_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("bucket", sa.String(length=12), nullable=False),
        sa.Column("area_code", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "kind", "bucket", "area_code"),
    )
    with op.batch_alter_table("ledger_accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_accounts_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "market_deals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=True),
        sa.Column("contract_no", sa.String(length=120), nullable=False),
        sa.Column("parcel_code", sa.String(length=40), nullable=False),
        sa.Column("collective", sa.String(length=200), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("use", sa.String(length=40), nullable=False),
        sa.Column("area_dm2", sa.BigInteger(), nullable=False),
        sa.Column("term_years", sa.Integer(), nullable=False),
        sa.Column("price_fen", sa.BigInteger(), nullable=False),
        sa.Column("cost_fen", sa.BigInteger(), nullable=False),
        sa.Column("rate", sa.Float(), nullable=False),
        sa.Column("levy_fen", sa.BigInteger(), nullable=False),
        sa.Column("collective_fen", sa.BigInteger(), nullable=False),
        sa.Column("members_fen", sa.BigInteger(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
        ),
        sa.ForeignKeyConstraint(
            ["village_id"],
            ["units.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("contract_no"),
    )
    with op.batch_alter_table("market_deals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_market_deals_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "ledger_postings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("doc_type", sa.String(length=16), nullable=False),
        sa.Column("doc_no", sa.String(length=120), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("area_code", sa.String(length=40), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("posted_on", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["corrects_id"],
            ["ledger_postings.id"],
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("doc_type", "doc_no"),
    )
    with op.batch_alter_table("ledger_postings", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_postings_unit", ["unit_id", "id"], unique=False)

    op.create_table(
        "ledger_areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("plan_version_id", sa.Integer(), nullable=False),
        sa.Column("demolished_dm2", sa.BigInteger(), nullable=False),
        sa.Column("reclaimed_cultivated_dm2", sa.BigInteger(), nullable=False),
        sa.Column("new_construction_dm2", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_version_id"],
            ["plan_versions.id"],
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "code"),
    )
    with op.batch_alter_table("ledger_areas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_areas_project_id"), ["project_id"], unique=False)

    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.BigInteger(), nullable=False),
        sa.Column("paddy", sa.BigInteger(), nullable=False),
        sa.Column("grain", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_accounts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["posting_id"],
            ["ledger_postings.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ledger_entries_account_amounts", ["account_id", "area", "paddy", "grain"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ledger_entries_posting_id"), ["posting_id"], unique=False)

    op.create_table(
        "ledger_transfers",
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("seller_unit_id", sa.Integer(), nullable=True),
        sa.Column("buyer_unit_id", sa.Integer(), nullable=True),
        sa.Column("counterparty", sa.String(length=200), nullable=False),
        sa.Column("cross_province", sa.Boolean(), nullable=False),
        sa.Column("area", sa.BigInteger(), nullable=False),
        sa.Column("price_fen_per_mu", sa.BigInteger(), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("received_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_unit_id"],
            ["units.id"],
        ),
        sa.ForeignKeyConstraint(
            ["posting_id"],
            ["ledger_postings.id"],
        ),
        sa.ForeignKeyConstraint(
            ["seller_unit_id"],
            ["units.id"],
        ),
        sa.PrimaryKeyConstraint("posting_id"),
    )


def downgrade() -> None:

    op.drop_table("ledger_transfers")
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entries_posting_id"))
        batch_op.drop_index("ix_ledger_entries_account_amounts")

    op.drop_table("ledger_entries")
    with op.batch_alter_table("ledger_areas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_areas_project_id"))

    op.drop_table("ledger_areas")
    with op.batch_alter_table("ledger_postings", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_postings_unit")

    op.drop_table("ledger_postings")
    with op.batch_alter_table("market_deals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_market_deals_unit_id"))

    op.drop_table("market_deals")
    with op.batch_alter_table("ledger_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_accounts_unit_id"))

    op.drop_table("ledger_accounts")

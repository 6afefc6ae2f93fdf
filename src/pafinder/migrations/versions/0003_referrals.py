"""Referrals: the referral record, and equality monitoring kept apart from it.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ref", sa.String(16), nullable=False, unique=True),
        sa.Column("form_key", sa.String(64), nullable=False, unique=True),
        sa.Column("service", sa.String(100), nullable=False, index=True),
        sa.Column("status", sa.String(20), nullable=False, server_default="received"),
        sa.Column("received_at", sa.DateTime, nullable=False, index=True),
        sa.Column("respond_by", sa.Date, nullable=False, index=True),
        sa.Column("referrer_type", sa.String(20), nullable=False),
        sa.Column("urgency", sa.String(40), nullable=False, server_default=""),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("date_of_birth", sa.Date, nullable=False),
        sa.Column("email", sa.String(254), nullable=False, server_default=""),
        sa.Column("phone", sa.String(20), nullable=False, server_default=""),
        sa.Column("postcode", sa.String(10), nullable=False, server_default=""),
        sa.Column("address", sa.Text, nullable=False, server_default=""),
        sa.Column("preferred_contact", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("consent", sa.String(10), nullable=False),
        sa.Column("consent_override_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("safeguarding_override", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("referrer_name", sa.String(100), nullable=False, server_default=""),
        sa.Column("referrer_role", sa.String(200), nullable=False, server_default=""),
        sa.Column("referrer_organisation", sa.String(200), nullable=False, server_default=""),
        sa.Column("referrer_email", sa.String(254), nullable=False, server_default=""),
        sa.Column("referrer_phone", sa.String(20), nullable=False, server_default=""),
        sa.Column("referrer_relationship", sa.String(200), nullable=False, server_default=""),
        sa.Column("answers", sa.Text, nullable=False, server_default="{}"),
        sa.Column("flags", sa.Text, nullable=False, server_default="[]"),
    )
    # No reference, no timestamp, no rowid: nothing links an answer back to a referral.
    op.create_table(
        "referral_equality",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("service", sa.String(100), nullable=False, index=True),
        sa.Column("quarter", sa.String(7), nullable=False, index=True),
        sa.Column("age_band", sa.String(40), nullable=False, server_default=""),
        sa.Column("gender", sa.String(40), nullable=False, server_default=""),
        sa.Column("ethnicity", sa.String(40), nullable=False, server_default=""),
        sa.Column("disability", sa.String(40), nullable=False, server_default=""),
        sa.Column("sexual_orientation", sa.String(40), nullable=False, server_default=""),
        sa.Column("religion", sa.String(40), nullable=False, server_default=""),
        sa.Column("carer", sa.String(40), nullable=False, server_default=""),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("referral_equality")
    op.drop_table("referrals")

"""Referral case work (issue 9): priority, assignee, first contact, reasons and an optimistic
version on the referral, and the timeline of every change.

Mirrors pafinder/referrals/store.py (the referral columns) and pafinder/referrals/casework.py.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: SQLite cannot add a foreign key to an existing table in place.
    with op.batch_alter_table("referrals") as batch:
        batch.add_column(
            sa.Column("priority", sa.String(10), nullable=False, server_default="normal")
        )
        batch.add_column(sa.Column("assigned_to", sa.Integer, nullable=True))
        batch.add_column(sa.Column("first_contact_at", sa.DateTime, nullable=True))
        batch.add_column(
            sa.Column("refusal_reason", sa.String(40), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("delay_reason", sa.String(40), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("signposted_to", sa.String(500), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="1"))
        batch.create_foreign_key("fk_referrals_assigned_to_staff", "staff", ["assigned_to"], ["id"])
        batch.create_index("ix_referrals_assigned_to", ["assigned_to"])
    op.create_table(
        "referral_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "referral_id",
            sa.Integer,
            sa.ForeignKey(
                "referrals.id",
                name="fk_referral_changes_referral_id_referrals",
                ondelete="CASCADE",
            ),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column(
            "staff_id",
            sa.Integer,
            sa.ForeignKey("staff.id", name="fk_referral_changes_staff_id_staff"),
            nullable=True,
        ),
        sa.Column("what", sa.String(20), nullable=False),
        sa.Column("from_value", sa.String(40), nullable=False, server_default=""),
        sa.Column("to_value", sa.String(40), nullable=False, server_default=""),
        sa.Column("reason", sa.String(40), nullable=False, server_default=""),
        sa.Column("signposted_to", sa.String(500), nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_referral_changes_referral_id", "referral_changes", ["referral_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_referral_changes_referral_id", table_name="referral_changes")
    op.drop_table("referral_changes")
    with op.batch_alter_table("referrals") as batch:
        batch.drop_index("ix_referrals_assigned_to")
        batch.drop_constraint("fk_referrals_assigned_to_staff", type_="foreignkey")
        for name in (
            "version",
            "signposted_to",
            "delay_reason",
            "refusal_reason",
            "first_contact_at",
            "assigned_to",
            "priority",
        ):
            batch.drop_column(name)

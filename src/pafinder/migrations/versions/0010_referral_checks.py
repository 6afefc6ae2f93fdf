"""Checks on referrals as tasks with due dates (issue 9, point 3), and what the daily digest has
already flagged so a second run the same day sends nothing twice.

Mirrors pafinder/referrals/checks.py (referral_checks) and pafinder/referrals/digest.py
(digest_sent).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "referral_checks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "referral_id",
            sa.Integer,
            sa.ForeignKey(
                "referrals.id",
                name="fk_referral_checks_referral_id_referrals",
                ondelete="CASCADE",
            ),
            nullable=False,
        ),
        sa.Column("check_id", sa.String(60), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False, server_default="1"),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("done_at", sa.DateTime, nullable=True),
        sa.Column(
            "done_by",
            sa.Integer,
            sa.ForeignKey("staff.id", name="fk_referral_checks_done_by_staff"),
            nullable=True,
        ),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("rescheduled_from", sa.Date, nullable=True),
        sa.Column("reschedule_reason", sa.Text, nullable=False, server_default=""),
        sa.Column(
            "rescheduled_by",
            sa.Integer,
            sa.ForeignKey("staff.id", name="fk_referral_checks_rescheduled_by_staff"),
            nullable=True,
        ),
        sa.UniqueConstraint("referral_id", "check_id", "seq", name="uq_referral_checks_occurrence"),
    )
    op.create_index("ix_referral_checks_due", "referral_checks", ["done_at", "due_on"])
    op.create_index("ix_referral_checks_referral_id", "referral_checks", ["referral_id"])
    op.create_table(
        "digest_sent",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("sent_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("kind", "subject", "day", name="uq_digest_sent_once"),
    )


def downgrade() -> None:
    op.drop_table("digest_sent")
    op.drop_index("ix_referral_checks_referral_id", table_name="referral_checks")
    op.drop_index("ix_referral_checks_due", table_name="referral_checks")
    op.drop_table("referral_checks")

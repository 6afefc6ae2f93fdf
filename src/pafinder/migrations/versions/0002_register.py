"""Personal Assistant Finder register: PA listings and employer contact messages.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pas",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ref", sa.String(16), nullable=False, unique=True),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("email", sa.String(254), nullable=False, index=True),
        sa.Column("phone", sa.String(30), nullable=False, server_default=""),
        sa.Column("postcode", sa.String(10), nullable=False, server_default=""),
        sa.Column("gender", sa.String(40), nullable=False, server_default=""),
        sa.Column("areas", sa.Text, nullable=False, server_default="[]"),
        sa.Column("languages", sa.Text, nullable=False, server_default="[]"),
        sa.Column("tasks", sa.Text, nullable=False, server_default="[]"),
        sa.Column("client_groups", sa.Text, nullable=False, server_default="[]"),
        sa.Column("age_groups", sa.Text, nullable=False, server_default="[]"),
        sa.Column("availability", sa.Text, nullable=False, server_default="[]"),
        sa.Column("qualifications", sa.Text, nullable=False, server_default="[]"),
        sa.Column("hours_wanted", sa.Integer, nullable=True),
        sa.Column("live_in", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("nights", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("emergency_cover", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("dbs", sa.String(20), nullable=False, server_default="none"),
        sa.Column("dbs_certificate_date", sa.Date, nullable=True),
        sa.Column("dbs_update_service", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("dbs_checked", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("dbs_checked_at", sa.DateTime, nullable=True),
        sa.Column("dbs_check_method", sa.String(20), nullable=True),
        sa.Column(
            "dbs_checked_by",
            sa.Integer,
            sa.ForeignKey("staff.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("driving", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("own_car", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("smoker", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("experience_years", sa.Integer, nullable=False, server_default="0"),
        sa.Column("experience", sa.Text, nullable=False, server_default=""),
        sa.Column("about", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
        sa.Column("email_verified_at", sa.DateTime, nullable=True),
        sa.Column("published_at", sa.DateTime, nullable=True),
        sa.Column("confirmed_at", sa.DateTime, nullable=True),
        sa.Column("reminder_sent_at", sa.DateTime, nullable=True),
        sa.Column("rejection_reason", sa.Text, nullable=True),
    )
    op.create_table(
        "pa_contacts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "pa_id",
            sa.Integer,
            sa.ForeignKey("pas.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("created_at", sa.DateTime, nullable=False, index=True),
        sa.Column("sender_name", sa.String(200), nullable=False),
        sa.Column("sender_email", sa.String(254), nullable=False, server_default=""),
        sa.Column("sender_phone", sa.String(30), nullable=False, server_default=""),
        sa.Column("message", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("pa_contacts")
    op.drop_table("pas")

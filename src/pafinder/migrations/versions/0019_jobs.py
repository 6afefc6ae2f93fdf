"""Job adverts and the replies PAs send to them (issue 13, points 1 and 2).

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ref", sa.String(16), nullable=False, unique=True),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("email", sa.String(254), nullable=False, index=True),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("tasks", sa.Text, nullable=False),
        sa.Column("tasks_other", sa.Text, nullable=False),
        sa.Column("availability", sa.Text, nullable=False),
        sa.Column("hours_per_week", sa.Integer, nullable=False),
        sa.Column("pay_pence", sa.Integer, nullable=False),
        sa.Column("areas", sa.Text, nullable=False),
        sa.Column("postcode", sa.String(10), nullable=False),
        sa.Column("gender_requirement", sa.String(10), nullable=False),
        sa.Column("gender_reason", sa.Text, nullable=False),
        sa.Column("dbs", sa.String(20), nullable=False),
        sa.Column("driving", sa.Boolean, nullable=False),
        sa.Column("starts", sa.Date, nullable=False),
        sa.Column("closes", sa.Date, nullable=False, index=True),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("confirmed_at", sa.DateTime, nullable=True),
        sa.Column("published_at", sa.DateTime, nullable=True, index=True),
        sa.Column(
            "published_by",
            sa.Integer,
            sa.ForeignKey("staff.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("returned_reason", sa.Text, nullable=False),
        sa.Column("closed_at", sa.DateTime, nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "job_replies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "job_id",
            sa.Integer,
            sa.ForeignKey("jobs.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("sender_hash", sa.String(64), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime, nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("job_replies")
    op.drop_table("jobs")

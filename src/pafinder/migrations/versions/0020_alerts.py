"""Job alerts for PAs and saved PA searches for employers (issue 13, points 3, 4 and 6).

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_alerts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, index=True),
        sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
        sa.Column("areas", sa.Text, nullable=False),
        sa.Column("tasks", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False, index=True),
        sa.Column("confirmed_at", sa.DateTime, nullable=True),
        sa.Column("watermark", sa.DateTime, nullable=True),
        sa.Column("last_sent_at", sa.DateTime, nullable=True),
        # Signed links carry the id: SQLite must never reuse a deleted row's id.
        sqlite_autoincrement=True,
    )
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, index=True),
        sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False, index=True),
        sa.Column("confirmed_at", sa.DateTime, nullable=True),
        sa.Column("renewed_at", sa.DateTime, nullable=True, index=True),
        sa.Column("watermark", sa.DateTime, nullable=True),
        sa.Column("last_sent_at", sa.DateTime, nullable=True),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("saved_searches")
    op.drop_table("job_alerts")

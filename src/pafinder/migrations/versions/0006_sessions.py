"""Server-side sessions and sign-in throttling (issue 8).

Mirrors pafinder/web/sessions.py and pafinder/staff/store.py. The hard lock (failed_attempts,
locked_until) gives way to throttling in sign_in_throttle; staff accounts can be disabled.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("staff", sa.Column("disabled_at", sa.DateTime, nullable=True))
    # Plain DROP COLUMN: PostgreSQL and SQLite 3.35+ both have it, and no table copy is needed.
    op.drop_column("staff", "failed_attempts")
    op.drop_column("staff", "locked_until")
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column(
            "staff_id",
            sa.Integer,
            sa.ForeignKey("staff.id", ondelete="CASCADE"),
            nullable=True,
            index=True,
        ),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_seen_at", sa.DateTime, nullable=False, index=True),
        sa.Column("revoked_at", sa.DateTime, nullable=True),
    )
    op.create_table(
        "sign_in_throttle",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("window_started_at", sa.DateTime, nullable=False, index=True),
        sa.Column("blocks", sa.Integer, nullable=False, server_default="0"),
        sa.Column("blocked_until", sa.DateTime, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("sign_in_throttle")
    op.drop_table("web_sessions")
    op.add_column("staff", sa.Column("locked_until", sa.DateTime, nullable=True))
    op.add_column(
        "staff", sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0")
    )
    op.drop_column("staff", "disabled_at")

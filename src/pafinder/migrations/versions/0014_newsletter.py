"""The newsletter list: double opt-in sign-ups and unsubscribes (issue 10, point 3).

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "newsletter_subscribers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False, index=True),
        sa.Column("confirmed_at", sa.DateTime, nullable=True),
        sa.Column("unsubscribed_at", sa.DateTime, nullable=True),
        # Signed links carry the id: SQLite must never reuse a deleted row's id.
        sqlite_autoincrement=True,
    )
    op.create_table(
        "newsletter_issues",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False, index=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("sent_at", sa.DateTime, nullable=False),
        sa.Column("recipients", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("newsletter_issues")
    op.drop_table("newsletter_subscribers")

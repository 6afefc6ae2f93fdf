"""Day counters of PA register searches and contacts, for the quarterly return (issue 10, point 4).

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "register_activity",
        # The Europe/London day and "search" or "contact": no personal data.
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("register_activity")

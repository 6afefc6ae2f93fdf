"""The services each staff account works on (issue 9): none means every service.

Mirrors pafinder/staff/store.py (staff_services).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_services",
        sa.Column(
            "staff_id",
            sa.Integer,
            sa.ForeignKey("staff.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("service", sa.String(100), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("staff_services")

"""Requests for information in accessible formats (issue 14, point 4).

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "format_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ref", sa.String(16), nullable=False, unique=True),
        sa.Column("form_key", sa.String(64), nullable=False, unique=True),
        sa.Column("received_at", sa.DateTime, nullable=False, index=True),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("format_detail", sa.Text, nullable=False, server_default=""),
        sa.Column("page", sa.String(200), nullable=False, server_default=""),
        sa.Column("information", sa.Text, nullable=False, server_default=""),
        sa.Column("delivery", sa.String(10), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("email", sa.String(254), nullable=False, server_default="", index=True),
        sa.Column("phone", sa.String(20), nullable=False, server_default=""),
        sa.Column("address", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(10), nullable=False, server_default="open", index=True),
        sa.Column("done_at", sa.DateTime, nullable=True, index=True),
        sa.Column("done_by", sa.String(40), nullable=False, server_default=""),
        sa.Column("done_note", sa.Text, nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("format_requests")

"""Complaints, compliments and comments, and what staff did about them (issue 10, point 2).

Mirrors pafinder/complaints/store.py (complaints).

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ref", sa.String(16), nullable=False, unique=True),
        sa.Column("form_key", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(20), nullable=False, index=True),
        sa.Column("service", sa.String(100), nullable=False, index=True),
        sa.Column("received_at", sa.DateTime, nullable=False, index=True),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("name", sa.String(100), nullable=False, server_default=""),
        sa.Column("email", sa.String(254), nullable=False, server_default=""),
        sa.Column("phone", sa.String(20), nullable=False, server_default=""),
        sa.Column("status", sa.String(10), nullable=False, server_default="open"),
        sa.Column("theme", sa.String(40), nullable=False, server_default=""),
        sa.Column("action_taken", sa.Text, nullable=False, server_default=""),
        sa.Column("outcome", sa.String(40), nullable=False, server_default=""),
        sa.Column("acknowledged_on", sa.Date, nullable=True),
        sa.Column("responded_on", sa.Date, nullable=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    )


def downgrade() -> None:
    op.drop_table("complaints")

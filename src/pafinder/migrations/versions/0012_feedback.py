"""Anonymous feedback against each service's outcome statements (issue 10, point 1).

Mirrors pafinder/feedback/store.py (feedback_responses, feedback_answers, feedback_form_keys).

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback_responses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("service", sa.String(100), nullable=False, index=True),
        sa.Column("given_on", sa.Date, nullable=False, index=True),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "feedback_answers",
        sa.Column(
            "response_id",
            sa.Integer,
            sa.ForeignKey("feedback_responses.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("statement_id", sa.String(100), primary_key=True),
        sa.Column("answer", sa.String(10), nullable=False),
    )
    op.create_table(
        "feedback_form_keys",
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("used_on", sa.Date, nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("feedback_form_keys")
    op.drop_table("feedback_answers")
    op.drop_table("feedback_responses")

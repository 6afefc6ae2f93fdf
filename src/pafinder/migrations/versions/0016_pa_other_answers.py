"""'Other' languages and qualifications a PA types, moderated by staff (issue 11, point 6).

Mirrors pafinder/register/tables.py (pa_other_answers).

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pa_other_answers",
        sa.Column(
            "pa_id",
            sa.Integer,
            sa.ForeignKey("pas.id", name="fk_pa_other_answers_pa_id_pas", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("reviewed_at", sa.DateTime, nullable=True),
        sa.Column(
            "reviewed_by",
            sa.Integer,
            sa.ForeignKey(
                "staff.id", name="fk_pa_other_answers_reviewed_by_staff", ondelete="SET NULL"
            ),
            nullable=True,
        ),
    )
    op.create_index("ix_pa_other_answers_state", "pa_other_answers", ["state"])


def downgrade() -> None:
    op.drop_index("ix_pa_other_answers_state", table_name="pa_other_answers")
    op.drop_table("pa_other_answers")

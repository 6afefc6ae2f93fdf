"""PA register management (issue 9, point 7): internal notes on a listing. (Taking a listing
down is the status 'taken_down' in the existing pas.status column: no schema change.)

Mirrors pafinder/register/admin/store.py (pa_notes).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pa_notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "pa_id",
            sa.Integer,
            sa.ForeignKey("pas.id", name="fk_pa_notes_pa_id_pas", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "author_id",
            sa.Integer,
            sa.ForeignKey("staff.id", name="fk_pa_notes_author_id_staff", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index("ix_pa_notes_pa_id", "pa_notes", ["pa_id"])


def downgrade() -> None:
    op.drop_index("ix_pa_notes_pa_id", table_name="pa_notes")
    op.drop_table("pa_notes")

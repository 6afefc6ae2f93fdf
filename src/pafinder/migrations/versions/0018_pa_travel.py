"""How far a PA will travel to work, in miles (issue 13, point 5): optional, asked on the
"where you work" page; a search within a distance leaves out PAs who will not travel that far.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("pas", sa.Column("travel_miles", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pas") as batch:
        batch.drop_column("travel_miles")

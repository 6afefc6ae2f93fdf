"""Events: workshops, groups, courses and activities; date exceptions; bookings and attendance.

Mirrors pafinder/events/tables.py.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("service", sa.String(100), nullable=False, index=True),
        sa.Column("audience", sa.String(300), nullable=False, server_default=""),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("starts_at", sa.DateTime, nullable=False),
        sa.Column("ends_at", sa.DateTime, nullable=False),
        sa.Column("repeat", sa.String(20), nullable=False, server_default="none"),
        sa.Column("repeat_until", sa.Date, nullable=True),
        sa.Column("repeat_count", sa.Integer, nullable=True),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("venue_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("address", sa.Text, nullable=False, server_default=""),
        sa.Column("postcode", sa.String(10), nullable=False, server_default=""),
        sa.Column("area", sa.String(60), nullable=False, server_default=""),
        sa.Column("access", sa.Text, nullable=False, server_default="[]"),
        sa.Column("transport_notes", sa.Text, nullable=False, server_default=""),
        sa.Column("joining_details", sa.Text, nullable=False, server_default=""),
        sa.Column("cost", sa.String(20), nullable=False, server_default="free"),
        sa.Column("cost_text", sa.String(200), nullable=False, server_default=""),
        sa.Column("capacity", sa.Integer, nullable=True),
        sa.Column("booking_required", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "event_exceptions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "event_id",
            sa.Integer,
            sa.ForeignKey("events.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("original_date", sa.Date, nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("starts_at", sa.DateTime, nullable=True),
        sa.Column("ends_at", sa.DateTime, nullable=True),
        sa.Column("reason", sa.String(300), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("event_id", "original_date", name="uq_event_exceptions_event_date"),
    )
    op.create_table(
        "event_bookings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "event_id",
            sa.Integer,
            sa.ForeignKey("events.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("occurrence_date", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=False, server_default=""),
        sa.Column("phone", sa.String(30), nullable=False, server_default=""),
        sa.Column("access_needs", sa.Text, nullable=False, server_default=""),
        sa.Column("person_key", sa.String(254), nullable=False, index=True),
        sa.Column("phone_key", sa.String(30), nullable=False, server_default="", index=True),
        sa.Column("staff_override", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_by", sa.String(100), nullable=False, server_default="public"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("booked_at", sa.DateTime, nullable=True),
        sa.Column("cancelled_at", sa.DateTime, nullable=True),
        sa.Column("reminder_sent_at", sa.DateTime, nullable=True),
        sa.Column("attendance", sa.String(20), nullable=True),
        sa.Column("attendance_at", sa.DateTime, nullable=True),
    )
    op.create_index(
        "ix_event_bookings_occurrence",
        "event_bookings",
        ["event_id", "occurrence_date", "status"],
    )


def downgrade() -> None:
    op.drop_index("ix_event_bookings_occurrence", table_name="event_bookings")
    op.drop_table("event_bookings")
    op.drop_table("event_exceptions")
    op.drop_table("events")

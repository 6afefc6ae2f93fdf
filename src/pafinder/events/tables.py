"""The events feature's tables. Only events/ modules touch them (other features call functions
in store.py and bookings.py).

Times are naive UTC (pafinder.db.utcnow). An occurrence of a repeating event is identified by
its ORIGINAL local (Europe/London) date, so a moved date keeps its bookings and attendance.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from pafinder.db import metadata

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("status", String(20), nullable=False, index=True),  # published | cancelled
    Column("title", String(200), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("service", String(100), nullable=False, index=True),
    Column("audience", String(300), nullable=False, default=""),
    Column("description", Text, nullable=False, default=""),
    # The first occurrence; later ones keep its Europe/London wall-clock time.
    Column("starts_at", DateTime, nullable=False),
    Column("ends_at", DateTime, nullable=False),
    Column("repeat", String(20), nullable=False, default="none"),
    Column("repeat_until", Date, nullable=True),
    Column("repeat_count", Integer, nullable=True),
    Column("format", String(20), nullable=False),  # in-person | online | phone
    Column("venue_name", String(200), nullable=False, default=""),
    Column("address", Text, nullable=False, default=""),
    Column("postcode", String(10), nullable=False, default=""),
    Column("area", String(60), nullable=False, default=""),
    Column("access", Text, nullable=False, default="[]"),  # JSON list of ACCESS slugs
    Column("transport_notes", Text, nullable=False, default=""),
    # Private: only ever sent to people who booked (never in site/, the feed or the API).
    Column("joining_details", Text, nullable=False, default=""),
    Column("cost", String(20), nullable=False, default="free"),  # free | contribution
    Column("cost_text", String(200), nullable=False, default=""),
    Column("capacity", Integer, nullable=True),
    Column("booking_required", Boolean, nullable=False, default=True),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

event_exceptions = Table(
    "event_exceptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", Integer, ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    Column("original_date", Date, nullable=False),
    Column("action", String(20), nullable=False),  # cancelled | moved
    Column("starts_at", DateTime, nullable=True),
    Column("ends_at", DateTime, nullable=True),
    Column("reason", String(300), nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("event_id", "original_date", name="uq_event_exceptions_event_date"),
)

event_bookings = Table(
    "event_bookings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", Integer, ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    Column("occurrence_date", Date, nullable=False),
    Column("status", String(20), nullable=False),  # booked | waiting | cancelled
    Column("name", String(200), nullable=False),
    Column("email", String(254), nullable=False, default=""),
    Column("phone", String(30), nullable=False, default=""),
    Column("access_needs", Text, nullable=False, default=""),
    # Who this is, for the carers training limit and unique-attendee counts: the lower-cased
    # email, or the phone's digits when there is no email.
    Column("person_key", String(254), nullable=False, index=True),
    Column("phone_key", String(30), nullable=False, default="", index=True),
    Column("staff_override", Boolean, nullable=False, default=False),
    Column("created_by", String(100), nullable=False, default="public"),
    Column("created_at", DateTime, nullable=False),
    Column("booked_at", DateTime, nullable=True),
    Column("cancelled_at", DateTime, nullable=True),
    Column("reminder_sent_at", DateTime, nullable=True),
    Column("attendance", String(20), nullable=True),  # attended | did-not-attend | cancelled
    Column("attendance_at", DateTime, nullable=True),
    Index("ix_event_bookings_occurrence", "event_id", "occurrence_date", "status"),
)

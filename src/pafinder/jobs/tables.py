"""The job adverts' tables. Only jobs/ modules touch them (other features call functions).

List fields (areas, tasks, availability) are JSON arrays of taxonomy slugs, as on the PA register.
The employer's email and full postcode are private: never in the public view, /api/jobs or site/.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
)

from pafinder.db import metadata

# Advert lifecycle: unconfirmed (the employer has not opened the email link) -> pending (staff
# queue) -> published; or returned (staff sent it back with a reason: the employer edits and it
# goes back to pending), closed (the employer closed it early), deleted rows are removed outright.
# A published advert whose closing date has passed drops off /jobs at query time (`closes` < today)
# and is deleted RETAIN_AFTER_CLOSE after it.
STATUSES = ("unconfirmed", "pending", "published", "returned", "closed")
LIST_FIELDS = ("areas", "tasks", "availability")

jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    # Public reference, e.g. "J7K2M9QX": what /jobs/{ref} and /api/jobs show.
    Column("ref", String(16), nullable=False, unique=True),
    Column("status", String(20), nullable=False, index=True),
    # Private: the employer's email (replies and the management link go here).
    Column("email", String(254), nullable=False, index=True),
    # Public advert
    Column("title", String(120), nullable=False),
    Column("tasks", Text, nullable=False, default="[]"),
    Column("tasks_other", Text, nullable=False, default=""),  # free text beside the taxonomy
    Column("availability", Text, nullable=False, default="[]"),
    Column("hours_per_week", Integer, nullable=False),
    # Pay in pence per hour, so there is never a float near money.
    Column("pay_pence", Integer, nullable=False),
    Column("areas", Text, nullable=False, default="[]"),
    # Postcode district (e.g. "DE1") or full postcode as typed, normalised; the public view and
    # distance use the district/sector only.
    Column("postcode", String(10), nullable=False, default=""),
    # "" (anyone), "man" or "woman"; the reason is required with either and shown on the advert.
    Column("gender_requirement", String(10), nullable=False, default=""),
    Column("gender_reason", Text, nullable=False, default=""),
    Column("dbs", String(20), nullable=False, default="enhanced"),
    Column("driving", Boolean, nullable=False, default=False),
    Column("starts", Date, nullable=False),
    Column("closes", Date, nullable=False, index=True),
    Column("summary", Text, nullable=False, default=""),
    # Lifecycle
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("confirmed_at", DateTime, nullable=True),
    Column("published_at", DateTime, nullable=True, index=True),
    Column("published_by", Integer, ForeignKey("staff.id", ondelete="SET NULL"), nullable=True),
    Column("returned_reason", Text, nullable=False, default=""),
    Column("closed_at", DateTime, nullable=True),
    # Signed management links carry the row id: SQLite must never hand a deleted advert's id to a
    # new one, or an old link would manage someone else's advert (PostgreSQL never reuses one).
    sqlite_autoincrement=True,
)

# One row per reply a PA sends through the site: kept only to rate-limit and for staff to see
# abuse; the message itself goes to the employer by email and is not stored.
job_replies = Table(
    "job_replies",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "job_id", Integer, ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    # sha256 of the replier's lower-cased email, for the rate limit (not the address itself).
    Column("sender_hash", String(64), nullable=False, index=True),
    Column("created_at", DateTime, nullable=False, index=True),
)

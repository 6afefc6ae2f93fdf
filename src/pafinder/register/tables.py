"""The PA register's tables. Only register/ modules touch them (other features call functions).

List fields (areas, tasks ...) are JSON arrays of taxonomy slugs; qualifications are a JSON array
of {"slug", "date", "expires"} objects (ISO dates, expires may be null).
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

# Listing lifecycle: unverified (email not confirmed) -> pending (staff queue) -> published;
# or rejected / withdrawn; a published listing staff take down (with a reason emailed to the PA)
# is taken_down until the PA sends it back to be checked. `paused` is a separate flag ("not
# taking new work").
STATUSES = ("unverified", "pending", "published", "rejected", "withdrawn", "taken_down")
DBS_LEVELS = ("none", "basic", "standard", "enhanced", "enhanced_barred")
LIST_FIELDS = (
    "areas",
    "languages",
    "tasks",
    "client_groups",
    "age_groups",
    "availability",
)

pas = Table(
    "pas",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ref", String(16), nullable=False, unique=True),
    Column("status", String(20), nullable=False, index=True),
    Column("paused", Boolean, nullable=False, default=False),
    # Private: never in the public view, the API, the index or site/.
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("email", String(254), nullable=False, index=True),
    Column("phone", String(30), nullable=False, default=""),
    Column("postcode", String(10), nullable=False, default=""),
    # Public listing
    Column("gender", String(40), nullable=False, default=""),
    Column("areas", Text, nullable=False, default="[]"),
    Column("languages", Text, nullable=False, default="[]"),
    Column("tasks", Text, nullable=False, default="[]"),
    Column("client_groups", Text, nullable=False, default="[]"),
    Column("age_groups", Text, nullable=False, default="[]"),
    Column("availability", Text, nullable=False, default="[]"),
    Column("qualifications", Text, nullable=False, default="[]"),
    Column("hours_wanted", Integer, nullable=True),
    # How far the PA will travel to work, in miles (one of models.WITHIN_MILES); None: not said.
    Column("travel_miles", Integer, nullable=True),
    Column("live_in", Boolean, nullable=False, default=False),
    Column("nights", Boolean, nullable=False, default=False),
    Column("emergency_cover", Boolean, nullable=False, default=False),
    Column("dbs", String(20), nullable=False, default="none"),
    Column("dbs_certificate_date", Date, nullable=True),
    Column("dbs_update_service", Boolean, nullable=False, default=False),
    Column("dbs_checked", Boolean, nullable=False, default=False),
    Column("dbs_checked_at", DateTime, nullable=True),
    Column("dbs_check_method", String(20), nullable=True),  # certificate | update_service
    Column("dbs_checked_by", Integer, ForeignKey("staff.id", ondelete="SET NULL"), nullable=True),
    Column("driving", Boolean, nullable=False, default=False),
    Column("own_car", Boolean, nullable=False, default=False),
    Column("smoker", Boolean, nullable=False, default=False),
    Column("experience_years", Integer, nullable=False, default=0),
    Column("experience", Text, nullable=False, default=""),
    Column("about", Text, nullable=False, default=""),
    # Lifecycle
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False, index=True),
    Column("email_verified_at", DateTime, nullable=True),
    Column("published_at", DateTime, nullable=True),
    Column("confirmed_at", DateTime, nullable=True),  # last "still available" (freshness clock)
    Column("reminder_sent_at", DateTime, nullable=True),
    Column("rejection_reason", Text, nullable=True),
)

# Messages from employers to PAs, kept 90 days for safeguarding, then deleted.
pa_contacts = Table(
    "pa_contacts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("pa_id", Integer, ForeignKey("pas.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", DateTime, nullable=False, index=True),
    Column("sender_name", String(200), nullable=False),
    Column("sender_email", String(254), nullable=False, default=""),
    Column("sender_phone", String(30), nullable=False, default=""),
    Column("message", Text, nullable=False),
)

# What a PA typed beside "Other" for languages or qualifications (issue 11, point 6): free text,
# so never a slug. Kept out of the pas row on purpose: nothing that builds the public view, the
# search index, the facets or the /api/pas JSON reads this table; only the profile does, and
# only an approved answer (see register/other_answers.py). Erased with the listing (CASCADE).
pa_other_answers = Table(
    "pa_other_answers",
    metadata,
    Column("pa_id", Integer, ForeignKey("pas.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(20), primary_key=True),  # language | qualification
    Column("text", Text, nullable=False),
    Column("state", String(20), nullable=False, index=True),  # pending | approved | rejected
    Column("updated_at", DateTime, nullable=False),  # when the PA last changed the text
    Column("reviewed_at", DateTime, nullable=True),
    Column("reviewed_by", Integer, ForeignKey("staff.id", ondelete="SET NULL"), nullable=True),
)

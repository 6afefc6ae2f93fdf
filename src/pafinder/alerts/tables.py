"""The alerts' tables. Only alerts/ modules touch them.

Each row holds the least it can: an email address and what to match, never a name or anything
else typed. ``watermark`` is the publication time up to which the alert has been answered: a
digest covers what was published after it and moves it on in the transaction that queues the
email, so a crash sends a digest whole or not at all, and nothing is sent twice. Unsubscribing
deletes the row (nothing is kept that is not needed to send the alert).
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, String, Table, Text

from pafinder.db import metadata

# A PA's alert for new job adverts: JSON arrays of area and task slugs (tasks may be empty: any).
job_alerts = Table(
    "job_alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(254), nullable=False, index=True),  # lower case
    # sha256 of the address and what it matches: one row per alert, however often it is sent.
    Column("fingerprint", String(64), nullable=False, unique=True),
    Column("areas", Text, nullable=False, default="[]"),
    Column("tasks", Text, nullable=False, default="[]"),
    # When the sign-up was asked for: an unconfirmed one is deleted when its link has expired.
    Column("created_at", DateTime, nullable=False, index=True),
    Column("confirmed_at", DateTime, nullable=True),
    Column("watermark", DateTime, nullable=True),
    Column("last_sent_at", DateTime, nullable=True),
    # Signed links carry the row id: SQLite must never hand a deleted row's id to someone new,
    # or an old link would act on another person's alert (PostgreSQL never reuses one).
    sqlite_autoincrement=True,
)

# An employer's saved /find-a-pa search: `params` is the search's normalised query pairs
# (SearchParams.query_items, page and per_page left out) as a JSON array, and nothing else.
saved_searches = Table(
    "saved_searches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(254), nullable=False, index=True),  # lower case
    # sha256 of the address and what it matches: one row per alert, however often it is sent.
    Column("fingerprint", String(64), nullable=False, unique=True),
    Column("params", Text, nullable=False, default="[]"),
    Column("created_at", DateTime, nullable=False, index=True),
    Column("confirmed_at", DateTime, nullable=True),
    # Start of the alert's 6 months (confirmation, or the latest "keep this alert").
    Column("renewed_at", DateTime, nullable=True, index=True),
    Column("watermark", DateTime, nullable=True),
    Column("last_sent_at", DateTime, nullable=True),
    sqlite_autoincrement=True,
)

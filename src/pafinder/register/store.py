"""The register's read SQL, bulk inserts (import, seed) and employer contact messages.

Write-side lifecycle SQL (registration, moderation, withdrawal) lives in lifecycle_store.py.
A listing is *searchable* only while it is published, not paused and re-confirmed within the last
FRESH_DAYS days; the freshness rule is applied at read time, because time passes without writes.
"""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping, and_, delete, func, insert, select
from sqlalchemy.sql.elements import ColumnElement

from pafinder import outbox
from pafinder.db import read_only, utcnow
from pafinder.register import activity, other_answers
from pafinder.register.models import PublicListing, display_name
from pafinder.register.tables import LIST_FIELDS, pa_contacts, pas

FRESH_DAYS = 120
RowLike = Mapping[str, Any] | RowMapping
CONTACT_RETENTION_DAYS = 90
DBS_CERTIFICATE_MAX_AGE_DAYS = 3 * 365
REF_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ23456789"  # no vowels (no words), no 0/O or 1/I

# Columns the public view and the profile are built from: never the private ones.
PUBLIC_COLUMNS = (
    pas.c.id,
    pas.c.ref,
    pas.c.first_name,
    pas.c.last_name,
    pas.c.gender,
    *(pas.c[name] for name in LIST_FIELDS),
    pas.c.qualifications,
    pas.c.dbs,
    pas.c.dbs_checked,
    pas.c.dbs_checked_at,
    pas.c.dbs_certificate_date,
    pas.c.dbs_update_service,
    pas.c.driving,
    pas.c.smoker,
    pas.c.hours_wanted,
    pas.c.travel_miles,
    pas.c.own_car,
    pas.c.live_in,
    pas.c.nights,
    pas.c.emergency_cover,
    pas.c.experience_years,
    pas.c.experience,
    pas.c.about,
    pas.c.updated_at,
    pas.c.status,
    pas.c.paused,
    pas.c.confirmed_at,
)


def fresh_cutoff(now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(days=FRESH_DAYS)


def searchable_clause(now: datetime | None = None) -> ColumnElement[bool]:
    return and_(
        pas.c.status == "published",
        pas.c.paused.is_(False),
        pas.c.confirmed_at >= fresh_cutoff(now),
    )


def is_searchable(row: RowLike, now: datetime | None = None) -> bool:
    confirmed = row["confirmed_at"]
    return bool(
        row["status"] == "published"
        and not row["paused"]
        and confirmed is not None
        and confirmed >= fresh_cutoff(now)
    )


def new_ref(rng: random.Random | None = None) -> str:
    """A public reference such as PA-7K3M9Q (in URLs; not personal data)."""
    pick = rng.choice if rng else secrets.choice
    return "PA-" + "".join(pick(REF_ALPHABET) for _ in range(6))


def qualification_slugs(raw: str) -> list[str]:
    return [q["slug"] for q in json.loads(raw or "[]")]


def public_view(row: RowLike) -> PublicListing:
    return PublicListing(
        ref=row["ref"],
        display_name=display_name(row["first_name"], row["last_name"]),
        areas=json.loads(row["areas"]),
        gender=row["gender"],
        tasks=json.loads(row["tasks"]),
        client_groups=json.loads(row["client_groups"]),
        age_groups=json.loads(row["age_groups"]),
        languages=json.loads(row["languages"]),
        availability=json.loads(row["availability"]),
        qualifications=qualification_slugs(row["qualifications"]),
        dbs=row["dbs"],
        dbs_checked=bool(row["dbs_checked"]),
        driving=bool(row["driving"]),
        smoker=bool(row["smoker"]),
        experience_years=int(row["experience_years"]),
        about=row["about"],
        updated=row["updated_at"].date().isoformat(),
    )


@dataclass(frozen=True)
class Training:
    slug: str
    achieved: date | None
    expires: date | None
    expired: bool


@dataclass(frozen=True)
class Profile:
    """What the profile page shows: the public view plus public facts about checks."""

    id: int
    listing: PublicListing
    experience: str
    dbs_checked_on: datetime | None  # UTC; shown as a Europe/London date
    dbs_certificate_old: bool  # over 3 years old and not on the Update Service
    training: list[Training]
    # Collected by the registration journey; shown on the profile and filtered on /find-a-pa,
    # but not in the CONTRACT's public view (its keys are fixed).
    hours_wanted: int | None = None
    travel_miles: int | None = None
    own_car: bool = False
    live_in: bool = False
    nights: bool = False
    emergency_cover: bool = False
    # What the PA typed beside "Other", once staff approved it (never in the public view,
    # the index or the facets: register/other_answers.py).
    other_language: str | None = None
    other_qualification: str | None = None


def _profile(row: RowLike, today: date, others: Mapping[str, str] | None = None) -> Profile:
    cert = row["dbs_certificate_date"]
    training = []
    for q in json.loads(row["qualifications"] or "[]"):
        expires = date.fromisoformat(q["expires"]) if q.get("expires") else None
        achieved = date.fromisoformat(q["date"]) if q.get("date") else None
        training.append(Training(q["slug"], achieved, expires, bool(expires and expires < today)))
    return Profile(
        id=row["id"],
        listing=public_view(row),
        experience=row["experience"],
        dbs_checked_on=row["dbs_checked_at"] if row["dbs_checked"] else None,
        dbs_certificate_old=bool(
            row["dbs"] != "none"
            and cert is not None
            and (today - cert).days > DBS_CERTIFICATE_MAX_AGE_DAYS
            and not row["dbs_update_service"]
        ),
        training=training,
        hours_wanted=row["hours_wanted"],
        travel_miles=row["travel_miles"],
        own_car=bool(row["own_car"]),
        live_in=bool(row["live_in"]),
        nights=bool(row["nights"]),
        emergency_cover=bool(row["emergency_cover"]),
        other_language=(others or {}).get("language"),
        other_qualification=(others or {}).get("qualification"),
    )


def get_profile(engine: Engine, ref: str, now: datetime | None = None) -> Profile | None:
    """The profile of a searchable listing, or None (unknown, unpublished, paused, stale)."""
    now = now or utcnow()
    with read_only(engine) as conn:  # a page view: never SQLite's write lock
        row = (
            conn.execute(select(*PUBLIC_COLUMNS).where(pas.c.ref == ref, searchable_clause(now)))
            .mappings()
            .first()
        )
        others = other_answers.approved(conn, row["id"]) if row else {}
    return _profile(row, now.date(), others) if row else None


def get_public(engine: Engine, ref: str, now: datetime | None = None) -> PublicListing | None:
    profile = get_profile(engine, ref, now)
    return profile.listing if profile else None


def public_views(engine: Engine, ids: Sequence[int]) -> list[PublicListing]:
    """Public views of these listings, in the order given (the page of a search result).
    Re-checks searchability, so a listing withdrawn a moment ago is left out."""
    if not ids:
        return []
    with read_only(engine) as conn:  # every search's page: never SQLite's write lock
        rows = (
            conn.execute(
                select(*PUBLIC_COLUMNS).where(pas.c.id.in_(list(ids)), searchable_clause())
            )
            .mappings()
            .all()
        )
    by_id = {r["id"]: r for r in rows}
    return [public_view(by_id[i]) for i in ids if i in by_id]


def get_pa_row(engine: Engine, pa_id: int) -> RowMapping | None:
    """The public columns of one PA (any status) for the index; None when erased."""
    with engine.connect() as conn:
        return conn.execute(select(*PUBLIC_COLUMNS).where(pas.c.id == pa_id)).mappings().first()


FACET_COLUMNS = (
    pas.c.id,
    pas.c.updated_at,
    pas.c.confirmed_at,
    pas.c.gender,
    *(pas.c[name] for name in LIST_FIELDS),
    pas.c.dbs,
    pas.c.dbs_checked,
    pas.c.driving,
    pas.c.smoker,
    # 14 on: the filters beyond the CONTRACT's (models.EXTRA_FLAGS and HOURS_BANDS)
    pas.c.hours_wanted,
    pas.c.own_car,
    pas.c.live_in,
    pas.c.nights,
    pas.c.emergency_cover,
    # 19: the private postcode, read only for its sector (pafinder.geo); never shown
    pas.c.postcode,
    pas.c.travel_miles,  # 20
)


def facet_rows(engine: Engine) -> Iterator[tuple[Any, ...]]:
    """Every published, unpaused listing (fresh or not: freshness is applied per query), most
    recently updated first, with just the columns filters and facets need."""
    query = (
        select(*FACET_COLUMNS)
        .where(
            pas.c.status == "published", pas.c.paused.is_(False), pas.c.confirmed_at.is_not(None)
        )
        .order_by(pas.c.updated_at.desc(), pas.c.id.desc())
    )
    with read_only(engine) as conn:  # a long read: a writer must not wait for it
        result = conn.execute(query)
        while chunk := result.fetchmany(5000):
            yield from (tuple(r) for r in chunk)


def index_rows(engine: Engine, now: datetime | None = None) -> Iterator[RowMapping]:
    """Every searchable listing, for a full rebuild of the text index."""
    with engine.connect() as conn:
        result = conn.execute(
            select(*PUBLIC_COLUMNS).where(searchable_clause(now)).order_by(pas.c.id)
        ).mappings()
        while chunk := result.fetchmany(2000):
            yield from chunk


def count_searchable(engine: Engine, now: datetime | None = None) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(pas).where(searchable_clause(now))
            ).scalar_one()
        )


def count_pas(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(pas)).scalar_one())


def existing_refs(conn: Connection) -> set[str]:
    return set(conn.execute(select(pas.c.ref)).scalars())


def insert_pas(conn: Connection, rows: Iterable[dict[str, Any]], chunk: int = 5000) -> int:
    """Bulk insert listing rows (already validated, lists as JSON text) in chunks."""
    batch: list[dict[str, Any]] = []
    count = 0
    for row in rows:
        batch.append(row)
        if len(batch) >= chunk:
            conn.execute(insert(pas), batch)
            count += len(batch)
            batch = []
    if batch:
        conn.execute(insert(pas), batch)
        count += len(batch)
    return count


# --- Employer contact messages --------------------------------------------------------------


def add_contact(
    engine: Engine,
    pa_id: int,
    sender_name: str,
    sender_email: str,
    sender_phone: str,
    message: str,
    email_to_pa: EmailMessage,
) -> int:
    """Keep the message, count it for the returns and queue its email to the PA together;
    returns the outbox id."""
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            insert(pa_contacts).values(
                pa_id=pa_id,
                created_at=now,
                sender_name=sender_name,
                sender_email=sender_email,
                sender_phone=sender_phone,
                message=message,
            )
        )
        # Counted apart from the row, which is purged after 90 days (returns must not drift).
        activity.count(conn, "contact", now)
        return outbox.queue(conn, email_to_pa, "PA contact message")


def pa_contact_details(engine: Engine, pa_id: int) -> tuple[str, str]:
    """The PA's own address and first name: only to send them an employer's message."""
    with engine.connect() as conn:
        row = conn.execute(select(pas.c.email, pas.c.first_name).where(pas.c.id == pa_id)).one()
    return str(row.email), str(row.first_name)


def recent_duplicate(
    engine: Engine, pa_id: int, sender_name: str, message: str, minutes: int = 10
) -> bool:
    """The same message to the same PA within a few minutes (a double submit)."""
    since = utcnow() - timedelta(minutes=minutes)
    query = select(pa_contacts.c.id).where(
        pa_contacts.c.pa_id == pa_id,
        pa_contacts.c.sender_name == sender_name,
        pa_contacts.c.message == message,
        pa_contacts.c.created_at >= since,
    )
    with engine.connect() as conn:
        return conn.execute(query.limit(1)).first() is not None


def purge_contacts(engine: Engine, now: datetime | None = None) -> int:
    """Delete employer messages older than CONTACT_RETENTION_DAYS (the safeguarding window)."""
    cutoff = (now or utcnow()) - timedelta(days=CONTACT_RETENTION_DAYS)
    with engine.begin() as conn:
        result = conn.execute(delete(pa_contacts).where(pa_contacts.c.created_at < cutoff))
        return int(result.rowcount)


def count_contacts(engine: Engine, pa_id: int | None = None) -> int:
    query = select(func.count()).select_from(pa_contacts)
    if pa_id is not None:
        query = query.where(pa_contacts.c.pa_id == pa_id)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())

"""All SQL for referrals. Nothing else touches these tables.

``referrals`` holds the record staff work from. ``referral_equality`` holds the optional
equality-monitoring answers with no way back to a person: a random key, the service and the
quarter only (no reference, no timestamp, and WITHOUT ROWID in SQLite so not even insertion order
links a row to a referral), so reports can count them without opening case records.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError

from pafinder import crypto
from pafinder.db import metadata
from pafinder.referrals.validation import Submission
from pafinder.staff import store as staff_store
from pafinder.web.drafts import claim_draft
from pafinder.workdays import london_date

referrals = Table(
    "referrals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ref", String(16), nullable=False, unique=True),
    Column("form_key", String(64), nullable=False, unique=True),
    Column("service", String(100), nullable=False, index=True),
    Column("status", String(20), nullable=False, server_default="received"),
    Column("received_at", DateTime, nullable=False, index=True),
    Column("respond_by", Date, nullable=False, index=True),
    Column("referrer_type", String(20), nullable=False),
    Column("urgency", String(40), nullable=False, server_default=""),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("date_of_birth", Date, nullable=False),
    Column("email", String(254), nullable=False, server_default=""),
    Column("phone", String(20), nullable=False, server_default=""),
    Column("postcode", String(10), nullable=False, server_default=""),
    Column("address", Text, nullable=False, server_default=""),
    Column("preferred_contact", String(10), nullable=False),
    Column("reason", Text, nullable=False),
    Column("consent", String(10), nullable=False),
    Column("consent_override_reason", Text, nullable=False, server_default=""),
    Column("safeguarding_override", Boolean, nullable=False, server_default="0"),
    Column("referrer_name", String(100), nullable=False, server_default=""),
    Column("referrer_role", String(200), nullable=False, server_default=""),
    Column("referrer_organisation", String(200), nullable=False, server_default=""),
    Column("referrer_email", String(254), nullable=False, server_default=""),
    Column("referrer_phone", String(20), nullable=False, server_default=""),
    Column("referrer_relationship", String(200), nullable=False, server_default=""),
    Column("answers", Text, nullable=False, server_default="{}"),
    Column("flags", Text, nullable=False, server_default="[]"),
    # Case work (migration 0008; the SQL that changes these is in casework.py).
    Column("priority", String(10), nullable=False, server_default="normal"),
    Column("assigned_to", Integer, ForeignKey("staff.id"), nullable=True, index=True),
    Column("first_contact_at", DateTime, nullable=True),
    Column("refusal_reason", String(40), nullable=False, server_default=""),
    Column("delay_reason", String(40), nullable=False, server_default=""),
    Column("signposted_to", String(500), nullable=False, server_default=""),
    Column("version", Integer, nullable=False, server_default="1"),
)

referral_equality = Table(
    "referral_equality",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("service", String(100), nullable=False, index=True),
    Column("quarter", String(7), nullable=False, index=True),
    Column("age_band", String(40), nullable=False, server_default=""),
    Column("gender", String(40), nullable=False, server_default=""),
    Column("ethnicity", String(40), nullable=False, server_default=""),
    Column("disability", String(40), nullable=False, server_default=""),
    Column("sexual_orientation", String(40), nullable=False, server_default=""),
    Column("religion", String(40), nullable=False, server_default=""),
    Column("carer", String(40), nullable=False, server_default=""),
    sqlite_with_rowid=False,
)

# Crockford-like: no 0/O, 1/I/L or U, so a reference read out on the phone is not misheard.
REF_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


@dataclass(frozen=True)
class Referral:
    ref: str
    service: str
    status: str
    received_at: datetime
    respond_by: date
    referrer_type: str
    urgency: str
    first_name: str
    last_name: str
    date_of_birth: date
    email: str
    phone: str
    postcode: str
    address: str
    preferred_contact: str
    reason: str
    consent: str
    consent_override_reason: str
    safeguarding_override: bool
    referrer_name: str
    referrer_role: str
    referrer_organisation: str
    referrer_email: str
    referrer_phone: str
    referrer_relationship: str
    answers: dict[str, Any]
    flags: list[str]
    priority: str = "normal"
    assigned_to: int | None = None
    first_contact_at: datetime | None = None
    refusal_reason: str = ""
    delay_reason: str = ""
    signposted_to: str = ""
    version: int = 1

    def overdue(self, today: date) -> bool:
        return self.status == "received" and self.respond_by < today


def new_ref() -> str:
    chars = "".join(secrets.choice(REF_ALPHABET) for _ in range(8))
    return f"R-{chars[:4]}-{chars[4:]}"


def quarter_of(moment: datetime) -> str:
    day = london_date(moment)
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def create(
    engine: Engine,
    service: str,
    sub: Submission,
    form_key: str,
    received_at: datetime,
    respond_by: date,
    draft_id: str | None = None,
    on_created: Callable[[Connection, Referral], object] | None = None,
) -> tuple[str, bool]:
    """Record a referral in one transaction. Returns (reference, created).

    ``on_created`` runs inside that transaction with the new referral (to queue its emails).
    A second submission with the same form key (a double click, a resubmitted page) or of the
    same draft returns the first one's reference and writes nothing."""
    try:
        with engine.begin() as conn:
            ref, created = _create(conn, service, sub, form_key, received_at, respond_by, draft_id)
            if created and on_created is not None:
                row = conn.execute(select(referrals).where(referrals.c.ref == ref)).one()
                on_created(conn, _referral(row, engine))
            return ref, created
    except IntegrityError:
        # Only reachable where two writers race past the check (PostgreSQL; SQLite's BEGIN
        # IMMEDIATE serialises them): the other one won, so answer with its reference.
        existing = find_by_form_key(engine, form_key)
        if existing is None:
            raise
        return existing, False


def _create(
    conn: Connection,
    service: str,
    sub: Submission,
    form_key: str,
    received_at: datetime,
    respond_by: date,
    draft_id: str | None,
) -> tuple[str, bool]:
    existing = conn.execute(
        select(referrals.c.ref).where(referrals.c.form_key == form_key)
    ).scalar()
    if existing:
        return str(existing), False
    ref = new_ref()
    while conn.execute(select(referrals.c.id).where(referrals.c.ref == ref)).first():
        ref = new_ref()
    if draft_id:
        earlier = claim_draft(conn, draft_id, ref)
        if earlier:
            return earlier, False
    conn.execute(
        referrals.insert().values(
            ref=ref,
            form_key=form_key,
            service=service,
            status="received",
            received_at=received_at,
            respond_by=respond_by,
            referrer_type=sub.referrer_type,
            urgency=sub.urgency,
            first_name=sub.first_name,
            last_name=sub.last_name,
            date_of_birth=sub.date_of_birth,
            email=sub.email,
            phone=sub.phone,
            postcode=sub.postcode,
            address=sub.address,
            preferred_contact=sub.preferred_contact,
            # Free text that may hold health and safeguarding details: encrypted at rest.
            reason=crypto.encrypt(conn.engine, sub.reason),
            consent=sub.consent,
            consent_override_reason=crypto.encrypt(conn.engine, sub.consent_override_reason),
            safeguarding_override=sub.consent == "override",
            referrer_name=sub.referrer_name,
            referrer_role=sub.referrer_role,
            referrer_organisation=sub.referrer_organisation,
            referrer_email=sub.referrer_email,
            referrer_phone=sub.referrer_phone,
            referrer_relationship=sub.referrer_relationship,
            answers=crypto.encrypt(
                conn.engine, json.dumps(sub.answers, ensure_ascii=False, sort_keys=True)
            ),
            flags=json.dumps(sub.flags),
        )
    )
    eq = sub.equality
    conn.execute(
        referral_equality.insert().values(
            id=uuid.uuid4().hex,
            service=service,
            quarter=quarter_of(received_at),
            age_band=eq.get("eq_age_band", ""),
            gender=eq.get("eq_gender", ""),
            ethnicity=eq.get("eq_ethnicity", ""),
            disability=eq.get("eq_disability", ""),
            sexual_orientation=eq.get("eq_sexual_orientation", ""),
            religion=eq.get("eq_religion", ""),
            carer=eq.get("eq_carer", ""),
        )
    )
    # No personal data in the audit detail: it outlives erasure of the record.
    staff_store.record(
        conn,
        "public",
        "referral.received",
        "referral",
        ref,
        {"service": service, "route": sub.referrer_type, "flags": sub.flags},
    )
    return ref, True


def find_by_form_key(engine: Engine, form_key: str) -> str | None:
    with engine.connect() as conn:
        found = conn.execute(
            select(referrals.c.ref).where(referrals.c.form_key == form_key)
        ).scalar()
    return str(found) if found else None


# The columns pafinder.crypto encrypts (rotate-data-key rewrites them).
ENCRYPTED = ("reason", "consent_override_reason", "answers")


def _referral(row: Any, engine: Engine) -> Referral:
    data = dict(row._mapping)
    for key in ("id", "form_key"):
        data.pop(key, None)
    for key in ENCRYPTED:
        data[key] = crypto.decrypt(engine, data[key])
    data["answers"] = json.loads(data["answers"] or "{}")
    data["flags"] = json.loads(data["flags"] or "[]")
    data["safeguarding_override"] = bool(data["safeguarding_override"])
    return Referral(**data)


def get(engine: Engine, ref: str) -> Referral | None:
    with engine.connect() as conn:
        row = conn.execute(select(referrals).where(referrals.c.ref == ref)).first()
    return _referral(row, engine) if row else None


def list_referrals(
    engine: Engine,
    service: str | None = None,
    limit: int | None = None,
    within: frozenset[str] | None = None,
) -> list[Referral]:
    """Oldest first; ``within``: only these services (a staff reader's, see referrals.access)."""
    query = select(referrals).order_by(referrals.c.received_at, referrals.c.id)
    if service:
        query = query.where(referrals.c.service == service)
    if within is not None:
        query = query.where(referrals.c.service.in_(sorted(within)))
    if limit:
        query = query.limit(limit)
    with engine.connect() as conn:
        return [_referral(r, engine) for r in conn.execute(query)]


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(referrals)).scalar() or 0)


def equality_counts(engine: Engine, service: str | None = None) -> dict[str, dict[str, int]]:
    """{question: {answer: count}} for reports; answers left blank count as ''."""
    columns = (
        "age_band",
        "gender",
        "ethnicity",
        "disability",
        "sexual_orientation",
        "religion",
        "carer",
    )
    result: dict[str, dict[str, int]] = {}
    with engine.connect() as conn:
        for name in columns:
            col = referral_equality.c[name]
            query = select(col, func.count()).group_by(col)
            if service:
                query = query.where(referral_equality.c.service == service)
            result[name] = {str(v): int(n) for v, n in conn.execute(query)}
    return result

"""All write SQL for a listing's life: registration, email verification, self-service edits,
pause, withdraw, erasure, export, 'still available', and staff approval or rejection.

Every change is one transaction that also appends to the audit log (never with personal data in
the detail), and once it has committed the PA search index is refreshed for that listing, so a
paused, withdrawn, stale or erased PA leaves search at once.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, Engine, and_, delete, or_, select

from pafinder import outbox
from pafinder.db import utcnow
from pafinder.register import index, lifecycle_mail, other_answers
from pafinder.register.tables import DBS_LEVELS, LIST_FIELDS, pa_contacts, pas
from pafinder.settings import Settings
from pafinder.staff import store as staff_store
from pafinder.web.drafts import form_drafts

# Unambiguous characters: no 0/O, 1/I/L, so a reference read over the phone is never misheard.
REF_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
REMIND_AFTER = timedelta(days=90)
STALE_AFTER = timedelta(days=120)
DBS_STALE_AFTER = timedelta(days=3 * 365)
TRAINING_WARNING = timedelta(days=30)
EXPIRY_REMINDER_EVERY = timedelta(days=90)
CHECK_METHODS = ("certificate", "update_service")
# Staff may publish a listing waiting for a check, or one they rejected or took down before.
APPROVABLE = ("pending", "rejected", "taken_down")
DBS_FIELDS = ("dbs", "dbs_certificate_date", "dbs_update_service")
EDITABLE = frozenset(
    {
        "first_name",
        "last_name",
        "phone",
        "postcode",
        "gender",
        *LIST_FIELDS,
        "qualifications",
        "hours_wanted",
        "travel_miles",
        "live_in",
        "nights",
        "emergency_cover",
        *DBS_FIELDS,
        "driving",
        "own_car",
        "smoker",
        "experience_years",
        "experience",
        "about",
        *other_answers.FIELDS.values(),  # kept in their own table, moderated (other_answers.py)
    }
)
SELF = "pa"  # audit actor for the PA's own actions (who they are is not logged)


class NotFound(LookupError):
    """No listing with that reference (erased, or never existed)."""


def new_ref() -> str:
    return "PA" + "".join(secrets.choice(REF_ALPHABET) for _ in range(6))


def _encode(values: Mapping[str, Any]) -> dict[str, Any]:
    row = dict(values)
    for key in LIST_FIELDS:
        if key in row:
            row[key] = json.dumps(list(row[key]))
    if "qualifications" in row:
        row["qualifications"] = json.dumps(
            [
                {
                    "slug": q["slug"],
                    "date": _iso(q.get("date")),
                    "expires": _iso(q.get("expires")),
                }
                for q in row["qualifications"]
            ]
        )
    return row


def _iso(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value.isoformat() if isinstance(value, date) else str(value)[:10]


def decode(row: Any) -> dict[str, Any]:
    """A pas row as a dict, JSON lists decoded."""
    listing = dict(row._mapping)
    for key in (*LIST_FIELDS, "qualifications"):
        listing[key] = json.loads(listing[key] or "[]")
    return listing


def searchable(listing: Mapping[str, Any], now: datetime | None = None) -> bool:
    now = now or utcnow()
    confirmed = listing.get("confirmed_at")
    return bool(
        listing.get("status") == "published"
        and not listing.get("paused")
        and confirmed is not None
        and confirmed > now - STALE_AFTER
    )


def flags(listing: Mapping[str, Any], today: date | None = None) -> list[str]:
    """What staff (and the profile) should warn about: old DBS certificates not kept up to date
    on the Update Service, and training past its expiry date."""
    today = today or utcnow().date()
    found: list[str] = []
    certificate = listing.get("dbs_certificate_date")
    if (
        listing.get("dbs", "none") != "none"
        and certificate is not None
        and not listing.get("dbs_update_service")
        and certificate < today - DBS_STALE_AFTER
    ):
        found.append("DBS certificate over 3 years old and not on the Update Service")
    for q in listing.get("qualifications", []):
        if q.get("expires") and date.fromisoformat(q["expires"]) < today:
            found.append(f"Training expired: {q['slug']} on {q['expires']}")
    return found


def expiring_training(listing: Mapping[str, Any], today: date) -> list[dict[str, Any]]:
    """Training past its expiry or within TRAINING_WARNING of it (for reminders)."""
    return [
        q
        for q in listing.get("qualifications", [])
        if q.get("expires") and date.fromisoformat(q["expires"]) <= today + TRAINING_WARNING
    ]


def _refresh(engine: Engine, settings: Settings, pa_id: int | None) -> None:
    if pa_id is not None:
        index.refresh_pa(engine, settings, pa_id)


def _row(conn: Connection, ref: str) -> dict[str, Any]:
    row = conn.execute(select(pas).where(pas.c.ref == ref)).first()
    if row is None:
        raise NotFound(ref)
    return _with_others(conn, decode(row))


def _with_others(conn: Connection, listing: dict[str, Any]) -> dict[str, Any]:
    """The listing with its typed "Other" answers and their moderation state."""
    listing.update(other_answers.for_listing(conn, int(listing["id"])))
    return listing


# --- Reading ------------------------------------------------------------------------------


def get(engine: Engine, ref: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(pas).where(pas.c.ref == ref)).first()
        return _with_others(conn, decode(row)) if row else None


def for_email(
    engine: Engine, email: str, statuses: tuple[str, ...] | None = None
) -> list[dict[str, Any]]:
    query = select(pas).where(pas.c.email == email.strip().lower())
    if statuses:
        query = query.where(pas.c.status.in_(statuses))
    with engine.connect() as conn:
        return [decode(r) for r in conn.execute(query.order_by(pas.c.id))]


def queue(engine: Engine) -> list[dict[str, Any]]:
    """Listings waiting for staff, oldest first (by when the email was confirmed)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(pas).where(pas.c.status == "pending").order_by(pas.c.email_verified_at, pas.c.id)
        )
        return [decode(r) for r in rows]


def export(engine: Engine, ref: str) -> dict[str, Any]:
    """Everything held about one PA: the listing, messages sent to them, and the audit trail."""
    with engine.connect() as conn:
        listing = _row(conn, ref)
        contacts = [
            dict(r._mapping)
            for r in conn.execute(
                select(pa_contacts)
                .where(pa_contacts.c.pa_id == listing["id"])
                .order_by(pa_contacts.c.id)
            )
        ]
        audit = [
            {"at": r.at, "action": r.action, "by": r.actor}
            for r in conn.execute(
                select(staff_store.audit_log)
                .where(
                    staff_store.audit_log.c.subject_type == "pa",
                    staff_store.audit_log.c.subject_id == ref,
                )
                .order_by(staff_store.audit_log.c.id)
            )
        ]
    for contact in contacts:
        contact.pop("pa_id", None)
    listing.pop("dbs_checked_by", None)  # a staff id means nothing to the PA
    return {
        "exported_at": utcnow(),
        "listing": listing,
        "messages_from_employers": contacts,
        "history": audit,
    }


# --- The PA's own actions -----------------------------------------------------------------


def create_unverified(conn: Connection, ref: str, values: Mapping[str, Any]) -> int:
    """Inside the caller's transaction (with claim_draft, so a double submit creates one)."""
    now = utcnow()
    columns, others = other_answers.split(values)
    result = conn.execute(
        pas.insert().values(
            ref=ref,
            status="unverified",
            paused=False,
            created_at=now,
            updated_at=now,
            dbs_checked=False,
            **_encode(columns),
        )
    )
    pa_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    other_answers.save(conn, pa_id, others, now)
    staff_store.record(conn, SELF, "pa.registered", "pa", ref)
    return pa_id


@dataclass(frozen=True)
class Verified:
    ref: str
    already: bool


def verify_email(engine: Engine, settings: Settings, ref: str) -> Verified:
    with engine.begin() as conn:
        listing = _row(conn, ref)
        if listing["status"] != "unverified":
            return Verified(ref, already=True)
        now = utcnow()
        conn.execute(
            pas.update()
            .where(pas.c.id == listing["id"])
            .values(status="pending", email_verified_at=now, updated_at=now)
        )
        staff_store.record(conn, SELF, "pa.email_verified", "pa", ref)
    _refresh(engine, settings, listing["id"])
    return Verified(ref, already=False)


def needs_dbs_check(listing: Mapping[str, Any], changes: Mapping[str, Any]) -> bool:
    """Whether these changes claim more than staff have checked: a higher DBS level, a new
    certificate (another issue date), or the Update Service newly claimed. Claiming less (a
    lower level, no certificate, leaving the Update Service) needs no check: what staff saw
    still covers it, so it must not hide a published listing."""
    level = changes.get("dbs", listing.get("dbs", "none"))
    if level == "none":
        return False
    old_level = listing.get("dbs", "none")
    if DBS_LEVELS.index(level) > DBS_LEVELS.index(old_level):
        return True
    old_date = _iso(listing.get("dbs_certificate_date"))
    new_date = _iso(changes.get("dbs_certificate_date", listing.get("dbs_certificate_date")))
    if new_date is not None and new_date != old_date:
        return True
    return bool(changes.get("dbs_update_service")) and not listing.get("dbs_update_service")


# What an edit did to the listing: still showing as it was (or as unpublished as it was);
# hidden from employers until staff check it (the PA is emailed); or sent to staff to check
# (a rejected or taken-down listing, which was not showing anyway).
EditOutcome = Literal["saved", "hidden", "to_staff"]
BACK_TO_STAFF_FROM = ("rejected", "taken_down")


def edit(engine: Engine, settings: Settings, ref: str, changes: Mapping[str, Any]) -> EditOutcome:
    """Save the PA's changes.

    Only a change that needs a new DBS check (see needs_dbs_check) takes a published listing
    out of search: it goes back to 'pending', loses its 'checked' mark, and the PA is emailed,
    in the same transaction, that it is hidden until staff check it. A downgrade or any other
    edit of a published listing shows at once (a downgrade to no DBS drops the 'checked' mark,
    as there is nothing left to have checked). An edit of a rejected or taken-down listing
    sends it back to staff. A new or changed typed "Other" answer waits for staff on its own
    (other_answers.save): the listing stays as it was, and is not shown until approved.
    """
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    with engine.begin() as conn:
        listing = _row(conn, ref)
        changed = sorted(
            k for k, v in changes.items() if _comparable(k, listing.get(k)) != _comparable(k, v)
        )
        if not changed:
            return "saved"
        columns, others = other_answers.split({k: changes[k] for k in changed})
        # A new or changed typed answer waits for staff on its own (other_answers.save); the
        # listing itself stays as it is, and its "updated" date moves only for what shows.
        other_answers.save(conn, listing["id"], others, utcnow())
        values = _encode(columns)
        if columns:
            values["updated_at"] = utcnow()
        check = needs_dbs_check(listing, columns)
        if check or changes.get("dbs", listing["dbs"]) == "none":
            values.update(
                dbs_checked=False, dbs_checked_at=None, dbs_check_method=None, dbs_checked_by=None
            )
        outcome: EditOutcome = "saved"
        if listing["status"] == "published" and check:
            outcome = "hidden"
        elif listing["status"] in BACK_TO_STAFF_FROM:
            outcome = "to_staff"
        queued: list[int] = []
        if outcome != "saved":
            values.update(status="pending", rejection_reason=None, updated_at=utcnow())
        if outcome == "hidden":
            message = lifecycle_mail.hidden_for_check(
                settings, listing["email"], listing["first_name"], ref
            )
            queued.append(outbox.queue(conn, message, "PA listing hidden for a check"))
        if values:
            conn.execute(pas.update().where(pas.c.id == listing["id"]).values(**values))
        staff_store.record(
            conn,
            SELF,
            "pa.edited",
            "pa",
            ref,
            {"fields": changed, "back_to_staff": outcome != "saved"},
        )
    _refresh(engine, settings, listing["id"])
    if queued:
        outbox.deliver(engine, settings, queued)
    return outcome


def _comparable(key: str, value: Any) -> Any:
    if key == "qualifications":
        return [(q["slug"], _iso(q.get("date")), _iso(q.get("expires"))) for q in value or []]
    if key == "dbs_certificate_date":
        return _iso(value)
    return value


def set_paused(engine: Engine, settings: Settings, ref: str, paused: bool) -> None:
    with engine.begin() as conn:
        listing = _row(conn, ref)
        conn.execute(
            pas.update().where(pas.c.id == listing["id"]).values(paused=paused, updated_at=utcnow())
        )
        staff_store.record(conn, SELF, "pa.paused" if paused else "pa.unpaused", "pa", ref)
    _refresh(engine, settings, listing["id"])


def withdraw(engine: Engine, settings: Settings, ref: str) -> None:
    with engine.begin() as conn:
        listing = _row(conn, ref)
        conn.execute(
            pas.update()
            .where(pas.c.id == listing["id"])
            .values(status="withdrawn", updated_at=utcnow())
        )
        staff_store.record(
            conn, SELF, "pa.withdrawn", "pa", ref, {"from_status": listing["status"]}
        )
    _refresh(engine, settings, listing["id"])


def restore(engine: Engine, settings: Settings, ref: str) -> None:
    """A withdrawn listing asks to come back: staff check it again before it is published."""
    with engine.begin() as conn:
        listing = _row(conn, ref)
        if listing["status"] != "withdrawn":
            return
        conn.execute(
            pas.update()
            .where(pas.c.id == listing["id"])
            .values(status="pending", updated_at=utcnow())
        )
        staff_store.record(conn, SELF, "pa.restored", "pa", ref)
    _refresh(engine, settings, listing["id"])


def erase(engine: Engine, settings: Settings, ref: str, actor: str = SELF) -> None:
    """Right to erasure: the listing, its messages and its unfinished drafts are deleted at once;
    the audit log keeps only that a listing with this (random) reference was erased."""
    with engine.begin() as conn:
        listing = _row(conn, ref)
        conn.execute(delete(pa_contacts).where(pa_contacts.c.pa_id == listing["id"]))
        other_answers.erase(conn, listing["id"])
        conn.execute(delete(pas).where(pas.c.id == listing["id"]))
        conn.execute(delete(form_drafts).where(form_drafts.c.submitted_ref == ref))
        last = not conn.execute(select(pas.c.id).where(pas.c.email == listing["email"])).first()
        if last:
            outbox.forget(conn, listing["email"])  # no other listing of theirs still needs it
        staff_store.record(conn, actor, "pa.erased", "pa", ref)
    if last:
        outbox.forget_files(settings, listing["email"])
    _refresh(engine, settings, listing["id"])


def confirm_available(engine: Engine, settings: Settings, ref: str) -> bool:
    """'Still available': restarts the freshness clock. False unless the listing is published."""
    with engine.begin() as conn:
        listing = _row(conn, ref)
        if listing["status"] != "published":
            return False
        now = utcnow()
        conn.execute(
            pas.update().where(pas.c.id == listing["id"]).values(confirmed_at=now, updated_at=now)
        )
        staff_store.record(conn, SELF, "pa.confirmed_available", "pa", ref)
    _refresh(engine, settings, listing["id"])
    return True


# --- Staff moderation ---------------------------------------------------------------------


def approve(
    engine: Engine,
    settings: Settings,
    ref: str,
    staff_id: int,
    dbs_level: str | None,
    method: str | None,
    checked_on: date | None,
) -> None:
    """Publish, recording the DBS check staff made (None for a PA who declared no DBS)."""
    with engine.begin() as conn:
        listing = _row(conn, ref)
        if listing["status"] not in APPROVABLE:
            raise ValueError(f"cannot approve a listing that is {listing['status']}")
        now = utcnow()
        values: dict[str, Any] = {
            "status": "published",
            "confirmed_at": now,
            "updated_at": now,
            "rejection_reason": None,
            "reminder_sent_at": None,
            "published_at": listing["published_at"] or now,
        }
        detail: dict[str, Any] = {"dbs_checked": dbs_level is not None}
        if dbs_level is not None:
            if dbs_level not in DBS_LEVELS or method not in CHECK_METHODS or checked_on is None:
                raise ValueError("incomplete DBS check")
            values.update(
                dbs=dbs_level,
                dbs_checked=True,
                dbs_check_method=method,
                dbs_checked_at=datetime.combine(checked_on, datetime.min.time()),
                dbs_checked_by=staff_id,
            )
            detail.update(level=dbs_level, method=method, checked_on=checked_on.isoformat())
        conn.execute(pas.update().where(pas.c.id == listing["id"]).values(**values))
        staff_store.record(conn, f"staff:{staff_id}", "pa.approved", "pa", ref, detail)
    _refresh(engine, settings, listing["id"])


def reject(engine: Engine, settings: Settings, ref: str, staff_id: int, reason: str) -> None:
    with engine.begin() as conn:
        listing = _row(conn, ref)
        conn.execute(
            pas.update()
            .where(pas.c.id == listing["id"])
            .values(status="rejected", rejection_reason=reason, updated_at=utcnow())
        )
        # The reason may name the person, so it stays on the listing, not in the log.
        staff_store.record(conn, f"staff:{staff_id}", "pa.rejected", "pa", ref)
    _refresh(engine, settings, listing["id"])


# --- Freshness ----------------------------------------------------------------------------


def due_for_reminder(engine: Engine, now: datetime) -> list[dict[str, Any]]:
    """Published listings last confirmed 90+ days ago and not reminded since."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(pas)
            .where(
                pas.c.status == "published",
                pas.c.confirmed_at <= now - REMIND_AFTER,
                or_(pas.c.reminder_sent_at.is_(None), pas.c.reminder_sent_at < pas.c.confirmed_at),
            )
            .order_by(pas.c.id)
        )
        return [decode(r) for r in rows]


def note(engine: Engine, ref: str, action: str, actor: str = SELF) -> None:
    """An audit entry for something done with a listing that changes no row (a link sent, a
    download of the PA's own data)."""
    with engine.begin() as conn:
        staff_store.record(conn, actor, action, "pa", ref)


def mark_reminded(engine: Engine, ref: str, action: str = "pa.reminder_sent") -> None:
    with engine.begin() as conn:
        listing = _row(conn, ref)
        if action == "pa.reminder_sent":
            conn.execute(
                pas.update().where(pas.c.id == listing["id"]).values(reminder_sent_at=utcnow())
            )
        staff_store.record(conn, "system", action, "pa", ref)


def stale_ids(engine: Engine, now: datetime) -> list[int]:
    """Published listings past 120 days without confirmation (they must be out of search)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(pas.c.id).where(
                pas.c.status == "published",
                or_(pas.c.confirmed_at.is_(None), pas.c.confirmed_at <= now - STALE_AFTER),
            )
        )
        return [int(r.id) for r in rows]


def expiry_candidates(engine: Engine, now: datetime) -> list[dict[str, Any]]:
    """Published or pending listings not sent an expiry reminder in the last 90 days."""
    log = staff_store.audit_log
    recent = select(log.c.subject_id).where(
        and_(
            log.c.action == "pa.expiry_reminder_sent",
            log.c.subject_type == "pa",
            log.c.at > now - EXPIRY_REMINDER_EVERY,
        )
    )
    with engine.connect() as conn:
        rows = conn.execute(
            select(pas)
            .where(pas.c.status.in_(("published", "pending")), pas.c.ref.not_in(recent))
            .order_by(pas.c.id)
        )
        return [decode(r) for r in rows]

"""Subject access, erasure and retention across every feature, each through its own privacy
module (features keep their SQL; this only puts the answers together).

Every record about a person is found by their email (and, when given, their phone, or their
name with their date of birth). What each feature deletes and what it anonymises, and why, is
said in its privacy module and in docs/data-protection.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from pafinder import outbox
from pafinder.alerts import privacy as alerts
from pafinder.complaints import privacy as complaints
from pafinder.db import utcnow
from pafinder.events import privacy as events
from pafinder.feedback import privacy as feedback
from pafinder.formats import privacy as formats
from pafinder.jobs import privacy as jobs
from pafinder.jobs import signing as job_signing
from pafinder.jobs import store as jobs_store
from pafinder.jobs.find import privacy as job_replies
from pafinder.newsletter import privacy as newsletter
from pafinder.referrals import privacy as referrals
from pafinder.register import lifecycle_store
from pafinder.register import privacy as register
from pafinder.settings import Settings
from pafinder.staff import store as staff_store
from pafinder.subject import Subject
from pafinder.workdays import london_date

AUDIT_NOTE = (
    "The audit log holds no personal data by design: the entries listed name this person's "
    "records by their reference only, and stay after erasure (an erasure leaves one entry with "
    "counts and no personal data)."
)


def subject_access(engine: Engine, subject: Subject) -> dict[str, Any]:
    """Every record held about the person, table by table, free text decrypted."""
    with engine.connect() as conn:
        found: dict[str, Any] = {"generated_at": utcnow().isoformat() + "Z"}
        found.update(referrals.find(conn, subject))
        found.update(events.find(conn, subject))
        found.update(register.find(conn, subject))
        found.update(complaints.find(conn, subject))
        found.update(newsletter.find(conn, subject))
        found.update(feedback.find(conn, subject))
        found.update(jobs.find(conn, subject))
        found.update(job_replies.find(conn, subject))
        found.update(alerts.find(conn, subject))
        found.update(formats.find(conn, subject))
        found["mail_outbox"] = outbox.for_address(conn, subject.email) if subject.email else []
        named = [("referral", r) for r in referrals.refs(conn, subject)]
        named += [("complaint", r) for r in complaints.refs(conn, subject)]
        named += [("pa", r) for r in register.listing_refs(conn, subject)]
        named += [("format_request", r) for r in formats.refs(conn, subject)]
        found["audit_log"] = staff_store.audit_about(conn, named)
        found["audit_note"] = AUDIT_NOTE
    return found


def preview(engine: Engine, subject: Subject) -> dict[str, int]:
    """What an erasure would touch, as counts per kind of record (nothing is changed)."""
    found = subject_access(engine, subject)
    return {
        "referrals": len(found["referrals"]),
        "referrals_made_for_others": len(found["referrals_made_for_others"]),
        "event_bookings": len(found["event_bookings"]),
        "pa_listings": len(found["pa_listings"]),
        "messages_sent_to_pas": len(found["messages_sent_to_pas"]),
        "complaints": len(found["complaints"]),
        "newsletter_subscribers": len(found["newsletter_subscribers"]),
        "feedback_comments": len(found["feedback_responses"]),
        "mail_outbox": len(found["mail_outbox"]),
        "job_adverts": len(found["job_adverts"]),
        "job_replies_sent": len(found["job_replies_sent"]),
        "job_alerts": len(found["job_alerts"]),
        "saved_searches": len(found["saved_searches"]),
        "format_requests": len(found["format_requests"]),
    }


def erase(engine: Engine, settings: Settings, subject: Subject, actor: str) -> dict[str, int]:
    """Delete or anonymise every record of the person; one audit entry with the counts."""
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        listings = register.listing_refs(conn, subject)
    # A PA listing goes through the register's own erasure, which also takes it out of the
    # search index and the snapshot at once (its audit entry names the random reference only).
    for ref in listings:
        lifecycle_store.erase(engine, settings, ref, actor)
    counts["pa_listings"] = len(listings)
    with engine.begin() as conn:
        for part in (
            referrals.erase(conn, subject),
            events.erase(conn, subject),
            register.erase_sent(conn, subject),
            complaints.erase(conn, subject),
            newsletter.erase(conn, subject),
            feedback.erase(conn, subject),
            job_replies.erase(conn, subject),
            jobs.erase(conn, subject),
            alerts.erase(conn, subject),
            formats.erase(conn, subject),
        ):
            counts.update(part)
        if subject.email:
            counts["mail_outbox"] = len(outbox.for_address(conn, subject.email))
            outbox.forget(conn, subject.email)
        # Counts only: the audit log outlives the records and must not name the person.
        staff_store.record(conn, actor, "person.erased", "person", "-", counts)
    if subject.email:
        outbox.forget_files(settings, subject.email)
    return counts


@dataclass(frozen=True)
class Purged:
    referrals: int
    bookings: int
    pa_messages: int
    emails: int
    feedback: int
    jobs: int = 0  # unconfirmed adverts past their link, and adverts 90 days after closing
    format_requests: int = 0  # requests for other formats 90 days after they were done


def purge(engine: Engine, settings: Settings) -> Purged:
    """Delete everything past its retention period, in one transaction, audited with counts."""
    now = utcnow()
    today = london_date(now)
    with engine.begin() as conn:
        purged = Purged(
            referrals=referrals.purge(conn, settings.retain_closed_referrals_days, now),
            bookings=events.purge(conn, settings.retain_bookings_days, today),
            pa_messages=register.purge_messages(conn, settings.retain_messages_days, now),
            emails=outbox.purge_older(conn, now - timedelta(days=settings.retain_messages_days)),
            feedback=feedback.purge(conn, settings.retain_feedback_days, today),
            jobs=jobs_store.purge(conn, job_signing.CONFIRM_FOR, now, today),
            format_requests=formats.purge(conn, now),
        )
        staff_store.record(conn, "cli", "data.purged", "retention", "-", purged.__dict__)
    return purged

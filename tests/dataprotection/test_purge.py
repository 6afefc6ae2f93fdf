"""`pafinder purge` (issue 12, point 9; CONTRACT.md "Data protection"): each retention period
removes exactly what is past it, with a record a day either side of every boundary, honours its
setting, and prints how many of each it removed."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import func, select, update

from pafinder import outbox
from pafinder.db import make_engine, utcnow
from pafinder.events import bookings
from pafinder.events.models import BookingInput
from pafinder.events.recurrence import occurrence
from pafinder.events.store import get_event
from pafinder.events.tables import event_bookings
from pafinder.feedback import store as feedback
from pafinder.feedback.store import feedback_responses
from pafinder.referrals import casework, store
from pafinder.referrals.casework import referral_changes
from pafinder.register import store as register
from pafinder.register.tables import pa_contacts, pas
from pafinder.settings import Settings
from tests.dataprotection.helpers import run
from tests.dataprotection.seed import days_ago, staff
from tests.events.conftest import add_event
from tests.referrals.helpers import make_referral
from tests.register.lifecycle_helpers import pa_settings, published_listing


def _closed(settings: Settings, worker: int, status: str, changed_days_ago: int) -> str:
    """A referral moved to ``status``, that change backdated."""
    ref = make_referral(settings)
    engine = make_engine(settings.database_url)
    values = {"status": status}
    if status == "refused":
        values["refusal_reason"] = "declined"
    change = casework.Change(what="status", to_value=status, values=values)
    casework.apply(engine, ref, 1, worker, change)
    with engine.begin() as conn:
        rid = conn.execute(select(store.referrals.c.id).where(store.referrals.c.ref == ref))
        conn.execute(
            update(referral_changes)
            .where(referral_changes.c.referral_id == rid.scalar_one())
            .values(at=utcnow() - timedelta(days=changed_days_ago))
        )
    return ref


def _old_received(settings: Settings, days: int) -> str:
    ref = make_referral(settings)
    with make_engine(settings.database_url).begin() as conn:
        conn.execute(
            update(store.referrals)
            .where(store.referrals.c.ref == ref)
            .values(received_at=utcnow() - timedelta(days=days))
        )
    return ref


def _booking(settings: Settings, n: int, days: int) -> None:
    engine = make_engine(settings.database_url)
    event = get_event(engine, add_event(settings, repeat="none"))
    assert event is not None
    occ = occurrence(event, event.local_start.date())
    assert occ is not None
    who = BookingInput(date="", name=f"P{n}", email=f"p{n}@example.org")
    result = bookings.book(engine, occ, who)
    assert result.booking is not None
    with engine.begin() as conn:
        conn.execute(
            update(event_bookings)
            .where(event_bookings.c.id == result.booking.id)
            .values(occurrence_date=days_ago(days))
        )


def _message(settings: Settings, pa_id: int, days: int) -> None:
    engine = make_engine(settings.database_url)
    email = EmailMessage()
    email["To"], email["Subject"] = "pa@example.org", f"Message {days}"
    email.set_content("Hello")
    register.add_contact(engine, pa_id, "Erin", "erin@example.org", "", f"Hi {days}", email)
    old = utcnow() - timedelta(days=days)
    with engine.begin() as conn:
        conn.execute(
            update(pa_contacts).where(pa_contacts.c.message == f"Hi {days}").values(created_at=old)
        )
        conn.execute(
            update(outbox.mail_outbox)
            .where(
                outbox.mail_outbox.c.id
                == func.max(outbox.mail_outbox.c.id).select().scalar_subquery()
            )
            .values(created_at=old)
        )


def _count(settings: Settings, table: object) -> int:
    with make_engine(settings.database_url).connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_purge_removes_exactly_what_is_past_each_period(tmp_path: Path) -> None:
    settings = pa_settings(tmp_path)
    engine = make_engine(settings.database_url)
    worker = staff(settings)
    # Referrals: closed, refused or signposted with the last change past 2190 days go.
    gone = [
        _closed(settings, worker, "closed", 2191),
        _closed(settings, worker, "signposted", 2200),
        _closed(settings, worker, "refused", 2191),
    ]
    kept = [
        _closed(settings, worker, "closed", 2189),
        _closed(settings, worker, "active", 3000),  # still open: kept however old
        _old_received(settings, 3000),  # never changed, still received
    ]
    # Bookings by date booked, 730 days; messages to PAs and emails, 90; feedback, 1095.
    for n, days in enumerate((731, 729)):
        _booking(settings, n, days)
    ref = published_listing(settings, "pa@example.org")
    with engine.connect() as conn:
        pa_id = int(conn.execute(select(pas.c.id).where(pas.c.ref == ref)).scalar_one())
    with engine.begin() as conn:
        conn.execute(outbox.mail_outbox.delete())  # the listing's own emails: not under test
    for days in (91, 89):
        _message(settings, pa_id, days)
    for days in (1096, 1094):
        feedback.record(engine, "carers", days_ago(days), {}, f"Comment {days}", None)

    result = run(settings, "purge")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Deleted 3 closed referrals" in out
    assert "Deleted 1 event bookings" in out
    assert "Deleted 1 messages to PAs and 1 queued emails" in out
    assert "Deleted 1 feedback responses" in out

    for ref in gone:
        assert store.get(engine, ref) is None
    for ref in kept:
        assert store.get(engine, ref) is not None
    with engine.connect() as conn:
        dates = set(conn.execute(select(event_bookings.c.occurrence_date)).scalars())
        assert dates == {days_ago(729)}
        messages = set(conn.execute(select(pa_contacts.c.message)).scalars())
        assert messages == {"Hi 89"}
        subjects = [outbox.for_address(conn, "pa@example.org")[0]["subject"]]
        assert subjects == ["Message 89"]
        comments = set(conn.execute(select(feedback_responses.c.comment)).scalars())
        assert comments == {"Comment 1094"}
    # The timeline of a purged referral went with it.
    assert _count(settings, referral_changes) == 2

    # Run again: nothing more.
    again = run(settings, "purge")
    assert "Deleted 0 closed referrals" in again.output


def test_purge_follows_the_retention_settings(tmp_path: Path) -> None:
    settings = pa_settings(tmp_path)
    for n, days in enumerate((11, 9)):
        _booking(settings, n, days)
    feedback.record(make_engine(settings.database_url), "carers", days_ago(40), {}, "", None)
    result = run(settings, "purge", retain_bookings_days="10", retain_feedback_days="30")
    assert result.exit_code == 0, result.output
    assert "Deleted 1 event bookings for dates over 10 days ago." in result.output
    assert "Deleted 1 feedback responses older than 30 days." in result.output
    assert _count(settings, event_bookings) == 1
    bad = run(settings, "purge", catch=True, retain_bookings_days="soon")
    assert bad.exit_code != 0

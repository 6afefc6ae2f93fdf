"""One person in every table that can hold them, and a second person who must stay untouched
(issue 12, point 9). Everything goes in through each feature's own store functions."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage

from pafinder import outbox
from pafinder.complaints import store as complaints
from pafinder.db import make_engine, utcnow
from pafinder.events import bookings
from pafinder.events.models import BookingInput
from pafinder.events.recurrence import occurrence
from pafinder.events.store import get_event
from pafinder.feedback import store as feedback
from pafinder.newsletter import store as newsletter
from pafinder.referrals import casework
from pafinder.referrals.models import EQUALITY
from pafinder.register import store as register
from pafinder.settings import Settings
from pafinder.staff import store as staff_store
from tests.conftest import add_staff
from tests.events.conftest import add_event, london_today
from tests.referrals.helpers import make_referral
from tests.register.lifecycle_helpers import published_listing


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    email: str
    phone: str
    dob: str
    words: tuple[str, ...]  # free text only they typed (or staff wrote about them)

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


ADA = Person(
    "Adelheid",
    "Quarrington",
    "adelheid.q@example.org",
    "07700 900 982",
    "1990-12-10",
    ("Tangerinequill", "Wombatramp", "Ocelotstair", "Marzipanic", "Heronfeather", "Lanternwick"),
)
GRACE = Person(
    "Gracelyn",
    "Hopperton",
    "gracelyn.h@example.org",
    "07700 900 111",
    "1985-03-04",
    ("Cobaltmoth", "Juniperlock", "Saffronkite", "Pewterfinch", "Umberglade"),
)
# Someone Ada referred (she is the referrer on their referral): not erased with her.
BOB = Person("Bartholomew", "Buildwell", "bart.b@example.org", "07700 900 333", "1970-01-01", ())


def _email(to: str, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["To"], message["From"], message["Subject"] = to, "portal@example.org", subject
    message.set_content("Hello")
    return message


def seed_person(settings: Settings, p: Person, staff_id: int) -> dict[str, str]:
    """Every kind of record for ``p``; returns their references by kind."""
    engine = make_engine(settings.database_url)
    gender = EQUALITY["eq_gender"][1][0][0]
    ref = make_referral(
        settings,
        first_name=p.first,
        last_name=p.last,
        email=p.email,
        phone=p.phone,
        date_of_birth=p.dob,
        reason=f"{p.words[0]} worries every night",
        eq_gender=gender,
    )
    casework.apply(
        engine, ref, 1, staff_id, casework.Change(what="note", note=f"Rang: {p.words[1]}")
    )
    # A booking, with access needs only they typed.
    event = get_event(engine, add_event(settings, title=f"Group {p.words[0][:3]}", repeat="none"))
    assert event is not None
    occ = occurrence(event, event.local_start.date())
    assert occ is not None
    booked = bookings.book(
        engine,
        occ,
        BookingInput(
            date="", name=p.name, email=p.email, phone=p.phone, access_needs=f"{p.words[2]} please"
        ),
    )
    assert booked.outcome == "booked"
    # Their own PA listing, and an employer's message to it.
    pa_ref = published_listing(
        settings, p.email, first_name=p.first, last_name=p.last, phone=p.phone
    )
    listing = register.get_profile(engine, pa_ref)
    assert listing is not None
    pa_id = _pa_id(settings, pa_ref)
    register.add_contact(
        engine,
        pa_id,
        "Erin Employer",
        "erin@example.org",
        "",
        "Are you free on Tuesdays?",
        _email(p.email, "A message through the PA finder"),
    )
    ref_complaint, _ = complaints.create(
        engine,
        complaints.Submission(
            "complaint", "carers", f"{p.words[3]} was rude", p.name, p.email, p.phone
        ),
        secrets.token_hex(16),
        utcnow(),
    )
    with engine.begin() as conn:
        _, subscriber = newsletter.sign_up(conn, p.email)
        outbox.queue(conn, _email(p.email, "Please confirm"), "newsletter confirmation")
    newsletter.confirm(engine, subscriber, utcnow())
    feedback.record(engine, "carers", london_today(), {}, f"{p.words[4]}: write to {p.email}", None)
    return {"referral": ref, "pa": pa_ref, "complaint": ref_complaint}


def seed_referrer(settings: Settings, referrer: Person, person: Person) -> str:
    """A referral about ``person`` made by ``referrer`` (a family member)."""
    return make_referral(
        settings,
        route="family_or_carer",
        first_name=person.first,
        last_name=person.last,
        email=person.email,
        phone=person.phone,
        date_of_birth=person.dob,
        referrer_name=referrer.name,
        referrer_email=referrer.email,
        referrer_phone=referrer.phone,
        referrer_relationship="Neighbour",
    )


def seed_message(settings: Settings, sender: Person, to: Person) -> str:
    """``sender`` writes to ``to``'s PA listing through the site; the listing's reference."""
    pa_ref = published_listing(
        settings, to.email, first_name=to.first, last_name=to.last, phone=to.phone
    )
    register.add_contact(
        make_engine(settings.database_url),
        _pa_id(settings, pa_ref),
        sender.name,
        sender.email,
        sender.phone,
        f"{sender.words[5]}: could you help my mother?",
        _email(to.email, "A message through the PA finder"),
    )
    return pa_ref


def _pa_id(settings: Settings, ref: str) -> int:
    from sqlalchemy import select

    from pafinder.register.tables import pas

    with make_engine(settings.database_url).connect() as conn:
        return int(conn.execute(select(pas.c.id).where(pas.c.ref == ref)).scalar_one())


def staff(settings: Settings) -> int:
    email = add_staff(settings, "caseworker@example.org")
    member = staff_store.get_by_email(make_engine(settings.database_url), email)
    assert member is not None
    return member.id


def days_ago(n: int) -> date:
    return london_today() - timedelta(days=n)

"""Demo referrals: a few per service, made through the same store as the form, so the staff
queue has something to show. Does nothing if any referral exists."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine

from pafinder.content import Content
from pafinder.db import utcnow
from pafinder.referrals import store
from pafinder.referrals.journey import new_form_key
from pafinder.referrals.models import referral_config
from pafinder.referrals.validation import Submission
from pafinder.settings import Settings
from pafinder.workdays import respond_by

PEOPLE = [
    ("Amira", "Haddad", date(1988, 4, 12), "DE1 2AB", "self", ""),
    ("Jan", "Kowalski", date(1961, 9, 30), "DE22 3CD", "family_or_carer", ""),
    ("Siobhán", "O'Neill", date(2008, 1, 5), "DE23 6EF", "professional", "urgent"),
    ("Tomasz", "Nowak", date(1975, 7, 21), "CW1 2GH", "self", ""),
    ("Priya", "Shah", date(2011, 3, 3), "DE24 8JK", "professional", ""),
]


def seed_demo(engine: Engine, settings: Settings, content: Content) -> str:
    if store.count(engine):
        return "Referrals: already present, nothing added."
    made = 0
    now = utcnow()
    for days_ago, service in zip((9, 4, 1, 0, 0), content.services, strict=False):
        config = referral_config(service)
        if config is None:
            continue
        first, last, born, postcode, route, urgency = PEOPLE[made % len(PEOPLE)]
        if route not in config.routes:
            route = config.routes[0]
        professional = route == "professional"
        answers = {
            q.id: q.options[0].value if q.options else ""
            for q in config.questions_for(route)
            if q.type == "one_of"
        }
        urgency_q = config.urgency_question
        if urgency_q:
            answers[urgency_q.id] = urgency or urgency_q.options[0].value
        sub = Submission(
            referrer_type=route,
            first_name=first,
            last_name=last,
            date_of_birth=born,
            email=f"{first.lower()}.demo@example.org".replace("á", "a"),
            phone="07700 900 982",
            postcode=postcode,
            address="",
            preferred_contact="email",
            reason="Demo referral: would like to talk about support.",
            consent="yes",
            referrer_name="Sam Worker" if route != "self" else "",
            referrer_role="Social worker" if professional else "",
            referrer_organisation="Derby City Council" if professional else "",
            referrer_email="sam.worker@example.org" if route != "self" else "",
            answers=answers,
            urgency=answers.get(urgency_q.id, "") if urgency_q else "",
        )
        received = now - timedelta(days=days_ago)
        store.create(
            engine,
            service.slug,
            sub,
            new_form_key(),
            received,
            respond_by(received, service.respond_within_working_days),
        )
        made += 1
    return f"Referrals: added {made} demo referrals."

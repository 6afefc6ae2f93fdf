"""Property tests over every public form (issue 12, point 7): hypothesis fills each form's fields
with a mix of good answers and hostile ones (any unicode, NUL, emoji, script tags, huge text,
repeated fields, odd dates and numbers, unknown fields, tampered hidden fields), and for each:

- the answer is never a 5xx;
- a refused submission (anything but the 303 to the confirmation) stores nothing: every record
  table has the rows it had before (drafts, sessions and rate-limit counters are not records);
- an accepted one adds at most one record to the form's own table, and touches only the tables
  the form owns (its record, its emails in the outbox).

Forms: the referral single POST of CONTRACT.md and the referral journey's question pages, the PA
registration's question pages and its final send, event booking, feedback, complaints,
newsletter sign-up and the message to a PA. In-process (TestClient) on the sample deployment
with its demo data; bounded (derandomized, 20-30 examples a form) so the file runs in seconds.
The minimum fill times are set to 0 here (they are tested on their own), and the rate limits
are reset before each example, so the examples reach the forms' own checks.
"""

from __future__ import annotations

import html
import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from pafinder.app import create_app
from pafinder.db import make_engine, metadata, migrate
from pafinder.events import store as events_store
from pafinder.events.views import now_utc, upcoming
from pafinder.features import all_features
from pafinder.settings import Settings
from tests.conftest import REAL_CONTENT, PageClient, make_settings, prepare
from tests.referrals.helpers import answers_for, service
from tests.register.lifecycle_helpers import BASE as REGISTER
from tests.register.lifecycle_helpers import valid_answers

# Tables that change on any visit or hold unsent answers, not records of a submission.
NOT_RECORDS = {
    "web_sessions",
    "rate_limits",
    "sign_in_throttle",
    "generations",
    "job_leases",
    "form_drafts",
}
BOUNDED = settings(
    max_examples=int(os.environ.get("PAFINDER_PROPERTY_EXAMPLES", "15")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

ODD = [
    "",
    " ",
    "\r\n",
    "\x00",
    "a\x00b",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "😀" * 40,
    "\u202e\u0644\u0627",  # right-to-left override, Arabic
    "x" * 5000,
    "-1",
    "0",
    "²",
    "99999999999999999999",
    "1e9",
    "2026-02-30",
    "0000-01-01",
    "31/12/2026",
    "yes",
    "no",
    "on",
    "true",
    "general",
    "a@b",
    "ada@example.org",
    "%00",
    "../../etc/passwd",
]
HOSTILE = st.one_of(st.sampled_from(ODD), st.text(max_size=60))


def value_for(good: Any) -> st.SearchStrategy[Any]:
    """A field's value: mostly the good answer, else hostile text, a repeated field or a list."""
    hostile: st.SearchStrategy[Any] = st.one_of(HOSTILE, st.lists(HOSTILE, min_size=2, max_size=3))
    if isinstance(good, list):
        hostile = st.one_of(hostile, st.lists(st.sampled_from([*good, *ODD[:6]]), max_size=4))
    return st.one_of(st.just(good), st.just(good), hostile)


def form_data(good: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Every good field (each maybe replaced or left out) plus a few unknown ones."""
    fields = {name: st.one_of(value_for(v), st.none()) for name, v in good.items()}
    extra = st.dictionaries(
        st.one_of(st.sampled_from(ODD[:8]), st.text(max_size=20)), HOSTILE, max_size=2
    )

    def build(chosen: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
        data = {k: v for k, v in chosen.items() if v is not None}
        for k, v in more.items():
            data.setdefault(k, v)
        return data

    return st.builds(build, st.fixed_dictionaries(fields), extra)


@dataclass
class Portal:
    settings: Settings
    engine: Engine
    client: PageClient
    occurrence: str
    pa_ref: str


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    from pafinder.cli import seed_demo_if_empty
    from pafinder.complaints import public_routes as complaints_routes
    from pafinder.feedback import forms as feedback_forms
    from pafinder.newsletter import routes as newsletter_routes
    from pafinder.referrals.journey import routes as referral_journey
    from pafinder.register import journey_routes as register_journey

    base = tmp_path_factory.mktemp("properties")
    s = make_settings(base, REAL_CONTENT)
    migrate(make_engine(s.database_url))
    seed_demo_if_empty(s)
    prepare(s)
    engine = make_engine(s.database_url)
    now = now_utc()
    dates = upcoming(events_store.all_events(engine, "published"), now, now + timedelta(days=92))
    bookable = next(o for o in dates if o.event.booking_required)
    with pytest.MonkeyPatch.context() as mp:
        for module in (
            complaints_routes,
            feedback_forms,
            newsletter_routes,
            referral_journey,
            register_journey,
        ):
            mp.setattr(module, "MIN_FILL_SECONDS", 0.0)
        app = create_app(s)
        with PageClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
            pa_ref = client.get("/api/pas?per_page=1").json()["results"][0]["ref"]
            yield Portal(s, engine, client, bookable.id, pa_ref)


def record_counts(engine: Engine) -> dict[str, int]:
    all_features()  # every feature's tables are on the metadata
    with engine.connect() as conn:
        return {
            name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            for name, table in metadata.tables.items()
            if name not in NOT_RECORDS
        }


HIDDEN = re.compile(r"<input[^>]*type=\"hidden\"[^>]*>")
ATTR = re.compile(r'(name|value)="([^"]*)"')


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden fields of a page's forms (CSRF token, form key, started-at): as a browser
    would send them back."""
    found = {}
    for tag in HIDDEN.findall(page):
        attrs = dict(ATTR.findall(tag))
        if "name" in attrs:
            found[html.unescape(attrs["name"])] = html.unescape(attrs.get("value", ""))
    return found


def check_submission(
    portal: Portal, path: str, data: dict[str, Any], own: set[str], primary: str
) -> int:
    """POST ``data`` (after the page's own hidden fields) and check the three properties."""
    portal.client.app.state.limiter.reset()  # type: ignore[attr-defined]
    page = portal.client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    hidden = hidden_fields(page.text)
    body = {**hidden, **data, "csrftoken": hidden["csrftoken"]}
    before = record_counts(portal.engine)
    response = portal.client.post(path, data=body, follow_redirects=False)
    after = record_counts(portal.engine)
    changed = {t for t in after if after[t] != before[t]}
    assert response.status_code < 500, (response.status_code, body)
    if response.status_code != 303:
        assert not changed, (response.status_code, changed, body)
    else:  # what the public forms record is audited (a booking, a complaint), nothing else
        assert changed <= own | {"audit_log"}, (changed - own, body)
        assert after[primary] - before[primary] in (0, 1), body
    return int(response.status_code)


COMPLAINT = {
    "kind": "complaint",
    "service": "carers",
    "details": "Nobody rang me back.",
    "name": "Ada Lovelace",
    "email": "ada@example.org",
    "phone": "07700 900 982",
}


@BOUNDED
@given(data=form_data(COMPLAINT))
def test_complaints(portal: Portal, data: dict[str, Any]) -> None:
    check_submission(portal, "/complaints", data, {"complaints", "mail_outbox"}, "complaints")


FEEDBACK = {
    "statement-information-i-need": "agree",
    "statement-able-to-keep-caring": "disagree",
    "comment": "Thank you.",
}


@BOUNDED
@given(data=form_data(FEEDBACK))
def test_feedback(portal: Portal, data: dict[str, Any]) -> None:
    own = {"feedback_responses", "feedback_answers", "feedback_form_keys"}
    check_submission(portal, "/feedback/carers", data, own, "feedback_responses")


@BOUNDED
@given(data=form_data({"email": "reader@example.org"}))
def test_newsletter(portal: Portal, data: dict[str, Any]) -> None:
    own = {"newsletter_subscribers", "mail_outbox"}
    check_submission(portal, "/newsletter", data, own, "newsletter_subscribers")


BOOKING = {
    "name": "Ada Lovelace",
    "email": "ada@example.org",
    "phone": "07700 900 982",
    "access_needs": "A chair near the door",
}


@BOUNDED
@given(data=form_data(BOOKING))
def test_event_booking(portal: Portal, data: dict[str, Any]) -> None:
    path = f"/events/{portal.occurrence}/book"
    check_submission(portal, path, data, {"event_bookings", "mail_outbox"}, "event_bookings")


CONTACT = {
    "name": "Sam Employer",
    "email": "sam@example.org",
    "phone": "07700 900 123",
    "message": "Are you free on Tuesday mornings?",
}


@BOUNDED
@given(data=form_data(CONTACT))
def test_message_to_a_pa(portal: Portal, data: dict[str, Any]) -> None:
    path = f"/find-a-pa/{portal.pa_ref}/contact"
    own = {"pa_contacts", "mail_outbox", "register_activity"}  # the day's count of contacts
    check_submission(portal, path, data, own, "pa_contacts")


REFERRAL_TABLES = {
    "referrals",
    "referral_equality",
    "referral_checks",
    "referral_changes",
    "mail_outbox",
}


@BOUNDED
@given(st.data())
def test_the_referral_single_post(portal: Portal, data: st.DataObject) -> None:
    good = answers_for(service(portal.settings, "mentoring"))
    fields = data.draw(form_data(good))
    check_submission(portal, "/refer/mentoring", fields, REFERRAL_TABLES, "referrals")


FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', re.S)
NAMES = re.compile(r'name="([^"]+)"')


def question_form(page: str) -> tuple[str, list[str]]:
    """The page's question form (not 'Delete my answers'): its action and field names."""
    for action, body in FORM.findall(page):
        if "delete-answers" not in action and "search" not in action:
            names = [html.unescape(n) for n in dict.fromkeys(NAMES.findall(body))]
            return html.unescape(action), names
    raise AssertionError("no question form")


def good_value(answers: dict[str, Any], name: str) -> Any:
    base, _, part = name.rpartition("-")
    if part in ("day", "month", "year") and base in answers:
        year, month, day = str(answers[base]).split("-")
        return {"day": day, "month": month, "year": year}[part]
    return answers.get(name, "")


def date_parts(answers: dict[str, Any]) -> dict[str, Any]:
    """The answers as the pages ask them: an ISO date as its day, month and year boxes too."""
    expanded = dict(answers)
    for name, value in answers.items():
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            for part in ("day", "month", "year"):
                expanded[f"{name}-{part}"] = good_value(answers, f"{name}-{part}")
    return expanded


def walk(
    client: PageClient,
    portal: Portal,
    fields: dict[str, Any],
    start: str,
    own: set[str],
    primary: str,
) -> None:
    """Answer a journey page by page from ``start`` with ``fields`` (drawn once for the whole
    journey, so hypothesis can replay an example whatever path it takes): each page gets the
    fields it asks, the first page also the unknown ones. Until a page is refused, the journey
    ends, or 12 pages; every answer checked as in check_submission."""
    response = client.get(start)
    for n in range(12):
        if response.status_code != 200:
            break
        action, names = question_form(response.text)
        hidden = hidden_fields(response.text)
        asked = {k: v for k, v in fields.items() if k in names or (n == 0 and k not in hidden)}
        client.app.state.limiter.reset()  # type: ignore[attr-defined]
        before = record_counts(portal.engine)
        sent = client.post(action, data={**hidden, **asked}, follow_redirects=False)
        after = record_counts(portal.engine)
        changed = {t for t in after if after[t] != before[t]}
        assert sent.status_code < 500, (action, asked)
        if sent.status_code != 303:
            assert not changed, (action, sent.status_code, changed, asked)
            break
        assert changed <= own | {"audit_log"}, (action, changed - own)
        assert after[primary] - before[primary] in (0, 1)
        location = sent.headers["location"]
        if "/confirmation/" in location or "check-your-email" in location:
            break
        response = client.get(location)


def fresh_client(portal: Portal) -> PageClient:
    """A new browser (no cookies, so no draft): each example walks from the same start."""
    app = portal.client.app
    return PageClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False)


CARER = date_parts(
    answers_for(service(make_settings(Path("/nonexistent"), REAL_CONTENT), "carers"))
)


@BOUNDED
@given(fields=form_data(CARER))
def test_the_referral_journey_pages(portal: Portal, fields: dict[str, Any]) -> None:
    walk(fresh_client(portal), portal, fields, "/refer/carers", REFERRAL_TABLES, "referrals")


PA = date_parts({k: v for step in valid_answers().values() for k, v in step.items()})
EMAILS = itertools.count()


@BOUNDED
@given(fields=form_data(PA))
def test_the_pa_registration_pages(portal: Portal, fields: dict[str, Any]) -> None:
    client = fresh_client(portal)
    started = client.post(
        REGISTER, data={"csrftoken": client.csrf(REGISTER)}, follow_redirects=False
    )
    assert started.status_code == 303
    if fields.get("email") == PA["email"]:
        # A new address each time: one already registered takes another path (and is told so).
        fields = {**fields, "email": f"pa{next(EMAILS)}@example.org"}
    own = {"pas", "pa_changes", "pa_other_answers", "register_activity", "mail_outbox"}
    walk(client, portal, fields, started.headers["location"], own, "pas")

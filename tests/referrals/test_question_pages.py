"""The referral journey as GOV.UK question pages (issue 11, points 1 to 3): every route of every
real service walked page by page to a referral; errors per page; change links; delete my
answers; 60-minute expiry; the confirmation and the acknowledgement email."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from pafinder.app import create_app
from pafinder.content import load_content
from pafinder.db import make_engine, utcnow
from pafinder.referrals import store
from pafinder.referrals.journey import routes as journey_routes
from pafinder.referrals.models import referral_config
from pafinder.settings import Settings
from pafinder.web.drafts import form_drafts
from pafinder.workdays import london_date, respond_by
from tests.conftest import REAL_CONTENT, Inbox, PageClient, body_text
from tests.referrals.helpers import REF, RESPOND_BY, answers_for, errors_of, portal, service

FORM = re.compile(r'<form method="post" action="([^"]+)" novalidate>(.*?)</form>', re.S)
NAMES = re.compile(r'name="([a-z_][a-z0-9_-]*)"')
H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)
TAG = re.compile(r"<[^>]+>")
EXIT = 'class="govuk-exit-this-page"'


@pytest.fixture(autouse=True)
def no_fill_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # The minimum fill time is tested on its own below; the walks would otherwise wait 5 s.
    monkeypatch.setattr(journey_routes, "MIN_FILL_SECONDS", 0.0)


def _all_routes() -> list[tuple[str, str]]:
    content = load_content(REAL_CONTENT)
    found = []
    for svc in content.services:
        config = referral_config(svc)
        if config is not None:
            found += [(svc.slug, route) for route in config.routes]
    return found


def question_form(html: str) -> tuple[str, list[str]]:
    """The page's question form (not 'Delete my answers'): its action and field names."""
    for action, body in FORM.findall(html):
        if "delete-answers" not in action:
            names = [n for n in dict.fromkeys(NAMES.findall(body)) if n != "website"]
            return action.replace("&amp;", "&"), names
    raise AssertionError("no question form")


def _value(answers: dict[str, Any], name: str) -> Any:
    base, _, part = name.rpartition("-")
    if part in ("day", "month", "year") and base in answers:
        year, month, day = str(answers[base]).split("-")
        return {"day": day, "month": month, "year": year}[part]
    return answers.get(name, "")


def post_page(client: PageClient, html: str, answers: dict[str, Any], **extra: Any) -> Any:
    action, names = question_form(html)
    data: dict[str, Any] = {n: _value(answers, n) for n in names if n != "csrftoken"}
    data["csrftoken"] = re.search(r'name="csrftoken" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    data.update(extra)
    return client.post(action, data=data, follow_redirects=False)


def walk(client: PageClient, slug: str, answers: dict[str, Any]) -> tuple[list[str], Any]:
    """Answer every page from GET /refer/{slug} to check your answers; (page titles, check)."""
    response = client.get(f"/refer/{slug}")
    titles: list[str] = []
    for _ in range(30):
        assert response.status_code == 200, response.text[:2000]
        html = response.text
        heading = H1.search(html).group(1)  # type: ignore[union-attr]
        titles.append(TAG.sub("", heading).strip().replace("&#39;", "'"))
        assert 'class="govuk-back-link"' in html
        assert "/delete-answers" in html
        assert "&lt;" not in html  # no markup of ours shown as text
        sent = post_page(client, html, answers)
        assert sent.status_code == 303, errors_of(sent.text)
        location = sent.headers["location"]
        response = client.get(location)
        if location == f"/refer/{slug}/check":
            return titles, response
    raise AssertionError("the journey did not reach check your answers")


def send(client: PageClient, slug: str, check_html: str) -> Any:
    token = re.search(r'name="csrftoken" value="([^"]+)"', check_html).group(1)  # type: ignore[union-attr]
    return client.post(f"/refer/{slug}/check", data={"csrftoken": token}, follow_redirects=False)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return portal(tmp_path)


@pytest.fixture
def client(settings: Settings) -> Iterator[PageClient]:
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as c:
        yield c


@pytest.mark.parametrize(("slug", "route"), _all_routes())
def test_every_route_of_every_service_walks_to_a_referral(
    settings: Settings, client: PageClient, slug: str, route: str
) -> None:
    svc = service(settings, slug)
    config = referral_config(svc)
    assert config is not None
    answers = answers_for(svc, route, reason=f"Walked as {route}", phone="07700 900 123")
    titles, check = walk(client, slug, answers)
    # Only the pages this route needs, one thing each.
    assert ("Who is filling in this form?" in titles) == (len(config.routes) > 1)
    assert ("Your details" in titles) == (route == "professional")
    assert "Equality monitoring (optional)" in titles
    if route != "family_or_carer":
        assert "How do you know the person? (optional)" not in check.text
    engine = make_engine(settings.database_url)
    assert store.count(engine) == 0  # nothing recorded before the final send
    assert "Check your answers before sending" in check.text
    assert f"Walked as {route}" in check.text

    sent = send(client, slug, check.text)
    assert sent.status_code == 303
    page = client.get(sent.headers["location"]).text
    ref = REF.search(page)
    due = RESPOND_BY.search(page)
    assert ref and due
    assert due.group(1) == respond_by(utcnow(), svc.respond_within_working_days).isoformat()
    referral = store.get(engine, ref.group(1))
    assert referral is not None
    assert referral.service == slug and referral.referrer_type == route
    assert referral.first_name == "Ada" and referral.last_name == "Lovelace"
    assert referral.phone == "07700 900 123" and referral.reason == f"Walked as {route}"
    assert referral.date_of_birth.isoformat() == answers["date_of_birth"]
    if route == "professional":
        assert referral.referrer_role == "Social worker"
    # Every one of the service's questions for this route was asked on some page.
    assert referral.answers == {q.id: answers[q.id] for q in config.questions_for(route)}
    # The confirmation gives the service's own phone number and never the answers.
    assert config.phone and config.phone in page
    assert f"Walked as {route}" not in page and "Lovelace" not in page
    assert (EXIT in page) == config.exit_this_page


def test_exit_this_page_on_every_page_of_the_sensitive_journeys(
    settings: Settings, client: PageClient
) -> None:
    flagged = {
        s.slug
        for s in load_content(REAL_CONTENT).services
        if (c := referral_config(s)) is not None and c.exit_this_page
    }
    assert flagged == {"peer-support-recovery", "carers", "mentoring"}
    slug = "peer-support-recovery"
    response = client.get(f"/refer/{slug}")
    answers = answers_for(service(settings, slug), "self")
    for _ in range(20):
        html = response.text
        assert EXIT in html
        # Without JavaScript it is a plain link to a neutral site.
        assert 'href="https://www.bbc.co.uk/weather"' in html
        location = post_page(client, html, answers).headers["location"]
        response = client.get(location)
        if location.endswith("/check"):
            break
    assert EXIT in response.text
    assert EXIT not in client.get("/refer/supported-accommodation").text


def test_errors_on_a_page_keep_what_was_typed_and_save_nothing(
    settings: Settings, client: PageClient
) -> None:
    slug = "carers"
    answers = answers_for(service(settings, slug), "self")
    first = client.get(f"/refer/{slug}").text
    assert post_page(client, first, {}).status_code == 400  # nothing chosen
    assert errors_of(post_page(client, first, {}).text) == ["Select who is making this referral"]
    post_page(client, first, answers)
    person = client.get(f"/refer/{slug}/person").text
    bad = {**answers, "first_name": "Ada<script>", "date_of_birth": "2999-02-31"}
    response = post_page(client, person, bad, postcode="not a postcode 😀")
    assert response.status_code == 400
    errors = errors_of(response.text)
    assert len(errors) == 3, errors
    assert "Error: About you" in response.text  # the title says there is a problem
    assert 'value="Ada&lt;script&gt;"' in response.text
    assert 'value="not a postcode 😀"' in response.text
    assert 'href="#date_of_birth-day"' in response.text
    assert store.count(make_engine(settings.database_url)) == 0
    # Refresh: the answers come back from the draft.
    assert 'value="Ada&lt;script&gt;"' in client.get(f"/refer/{slug}/person").text


def test_a_later_page_without_a_draft_goes_to_the_start(client: PageClient) -> None:
    for path in ("/refer/carers/reason", "/refer/carers/check", "/refer/carers/nonsense"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/refer/carers"
    assert client.get("/refer/nope/person").status_code == 404


def test_change_links_return_to_check_answers(settings: Settings, client: PageClient) -> None:
    slug = "peer-support-recovery"
    answers = answers_for(service(settings, slug), "family_or_carer")
    _titles, check = walk(client, slug, answers)
    assert f'href="/refer/{slug}/person?change=1#first_name"' in check.text
    assert f'href="/refer/{slug}/about-you?change=1#referrer_name"' in check.text
    change = client.get(f"/refer/{slug}/person?change=1")
    assert f'href="/refer/{slug}/check"' in change.text  # the back link
    done = post_page(client, change.text, {**answers, "first_name": "Grace"})
    assert done.headers["location"] == f"/refer/{slug}/check"
    assert "Grace Lovelace" in client.get(f"/refer/{slug}/check").text
    # Changing the route goes through the new route's pages before check answers again.
    who = client.get(f"/refer/{slug}/who?change=1").text
    moved = post_page(client, who, {"referrer_type": "professional"})
    assert moved.headers["location"] == f"/refer/{slug}/your-details"
    # Check answers sends back to the first page with a missing answer, showing the error.
    check_again = client.get(f"/refer/{slug}/check", follow_redirects=False)
    assert check_again.headers["location"] == f"/refer/{slug}/your-details?check=1"
    assert errors_of(client.get(check_again.headers["location"]).text)


def test_delete_my_answers(settings: Settings, client: PageClient) -> None:
    slug = "carers"
    answers = answers_for(service(settings, slug), "self")
    first = client.get(f"/refer/{slug}").text
    post_page(client, first, answers)
    person = client.get(f"/refer/{slug}/person").text
    post_page(client, person, answers)
    engine = make_engine(settings.database_url)
    with engine.connect() as conn:
        assert conn.execute(form_drafts.select()).first() is not None
    token = re.search(r'name="csrftoken" value="([^"]+)"', person).group(1)  # type: ignore[union-attr]
    assert client.post(f"/refer/{slug}/delete-answers", data={}).status_code == 403
    deleted = client.post(f"/refer/{slug}/delete-answers", data={"csrftoken": token})
    assert deleted.status_code == 200
    assert "Your answers have been deleted" in deleted.text
    with engine.connect() as conn:
        assert conn.execute(form_drafts.select()).first() is None
    # A new start, empty.
    assert 'value="Ada"' not in client.get(f"/refer/{slug}/person").text
    assert store.count(engine) == 0


def test_drafts_expire_after_60_minutes_without_activity(
    settings: Settings, client: PageClient
) -> None:
    slug = "peer-support-recovery"
    answers = answers_for(service(settings, slug), "self")
    post_page(client, client.get(f"/refer/{slug}").text, answers)
    engine = make_engine(settings.database_url)

    def age(minutes: int) -> None:
        with engine.begin() as conn:
            conn.execute(
                update(form_drafts).values(updated_at=utcnow() - timedelta(minutes=minutes))
            )

    # 59 minutes without activity: still there, and the view refreshes it.
    age(59)
    assert client.get(f"/refer/{slug}/person").status_code == 200
    with engine.connect() as conn:
        row = conn.execute(form_drafts.select()).one()
    assert row.updated_at > utcnow() - timedelta(minutes=1)
    age(61)
    for path in (f"/refer/{slug}/person", f"/refer/{slug}/check", f"/refer/{slug}"):
        expired = client.get(path)
        assert expired.status_code == 200
        assert "Your answers have been deleted" in expired.text
        assert "60 minutes" in expired.text and f'href="/refer/{slug}"' in expired.text
        age(61)
        # The page is shown once; then a fresh start (the session forgot the old draft).
        post_page(client, client.get(f"/refer/{slug}").text, answers)
        age(61)
    # Other drafts (a PA registration) keep 24 hours.
    from pafinder.web import drafts

    assert drafts.ttl_for("pa-registration") == timedelta(hours=24)
    assert drafts.ttl_for(f"referral:{slug}") == timedelta(minutes=60)
    pa_draft = drafts.new_draft(engine, "pa-registration", {"answers": {}})
    with engine.begin() as conn:
        conn.execute(update(form_drafts).values(updated_at=utcnow() - timedelta(hours=2)))
    assert drafts.purge_expired(engine) == 4  # the four referral drafts of this walk
    with engine.connect() as conn:
        assert [r.id for r in conn.execute(form_drafts.select())] == [pa_draft]


def test_double_submit_of_the_final_page_records_once(
    settings: Settings, client: PageClient
) -> None:
    slug = "carers"
    _titles, check = walk(client, slug, answers_for(service(settings, slug), "self"))
    first = send(client, slug, check.text)
    second = send(client, slug, check.text)
    assert first.status_code == second.status_code == 303
    refs = {REF.search(client.get(r.headers["location"]).text).group(1) for r in (first, second)}  # type: ignore[union-attr]
    assert len(refs) == 1
    assert store.count(make_engine(settings.database_url)) == 1


def test_minimum_fill_time_and_honeypot(
    settings: Settings, client: PageClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    slug = "carers"
    answers = answers_for(service(settings, slug), "self")
    monkeypatch.setattr(journey_routes, "MIN_FILL_SECONDS", 3600.0)
    _titles, check = walk(client, slug, answers)
    too_fast = send(client, slug, check.text)
    assert too_fast.status_code == 400
    assert errors_of(too_fast.text) == ["Please check your answers and send the referral again"]
    engine = make_engine(settings.database_url)
    assert store.count(engine) == 0
    monkeypatch.setattr(journey_routes, "MIN_FILL_SECONDS", 0.0)
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as robot:
        first = robot.get(f"/refer/{slug}").text
        post_page(robot, first, answers, website="http://spam.example")
        _t, check = walk(robot, slug, answers)
        assert "Your answers have been deleted" in send(robot, slug, check.text).text
    assert store.count(engine) == 0


def test_the_single_post_still_works(settings: Settings, client: PageClient) -> None:
    slug = "peer-support-recovery"
    token = client.csrf(f"/refer/{slug}")
    data = {**answers_for(service(settings, slug)), "csrftoken": token}
    response = client.post(f"/refer/{slug}", data=data, follow_redirects=False)
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert REF.search(page) and RESPOND_BY.search(page)
    bad = client.post(f"/refer/{slug}", data={**data, "last_name": ""}, follow_redirects=False)
    assert bad.status_code == 400 and "Enter a last name" in errors_of(bad.text)
    assert 'value="Ada"' in bad.text  # the one-page form re-filled


@pytest.mark.parametrize(
    ("overrides", "emailed", "says"),
    [
        ({"preferred_contact": "email"}, True, None),
        ({"preferred_contact": "text"}, False, "get in touch by a text message"),
        ({"preferred_contact": "letter", "address": "1 Road, Derby"}, False, "by a letter"),
        ({"preferred_contact": "phone", "email": ""}, False, "No email address was given"),
    ],
)
def test_confirmation_says_when_no_acknowledgement_is_sent(
    tmp_path: Path,
    smtp: tuple[str, Inbox],
    overrides: dict[str, Any],
    emailed: bool,
    says: str | None,
) -> None:
    url, inbox = smtp
    settings = portal(tmp_path, smtp_url=url)
    slug = "peer-support-recovery"
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        answers = answers_for(service(settings, slug), "self", **overrides)
        _titles, check = walk(client, slug, answers)
        page = client.get(send(client, slug, check.text).headers["location"]).text
    assert "0115 496 0140" in page
    if says:
        assert 'id="no-acknowledgement"' in page and says in page
        assert 'id="acknowledgement"' not in page
    else:
        assert 'id="acknowledgement"' in page and 'id="no-acknowledgement"' not in page
    messages = inbox.wait_for(2 if emailed else 1)
    to = sorted(str(m["To"]) for m in messages)
    assert ("ada@example.org" in to) == emailed
    if emailed:
        ack = next(m for m in messages if m["To"] == "ada@example.org")
        text = body_text(ack)
        assert "Phone the Peer support and recovery service on 0115 496 0140" in text
        assert str(london_date(utcnow()).year) in text or "We will get in touch by" in text


@pytest.mark.parametrize(
    "junk",
    ["\x00\x01", "<script>alert(1)</script>", "😀" * 3000, "x" * 20000, "ǅ\u202e\ufeff"],
)
def test_no_input_on_any_page_gives_a_500(
    settings: Settings, client: PageClient, junk: str
) -> None:
    slug = "supported-accommodation"  # one route: the journey starts on the second kind of page
    answers = answers_for(service(settings, slug))
    html = client.get(f"/refer/{slug}").text
    for _ in range(20):
        action, names = question_form(html)
        token = re.search(r'name="csrftoken" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
        # Every field twice (a repeated parameter), first with junk, then unknown fields too.
        data: dict[str, Any] = {n: [junk, junk] for n in names if n != "csrftoken"}
        data.update(csrftoken=token, nope=junk)
        bad = client.post(action, data=data, follow_redirects=False)
        assert bad.status_code in (303, 400), bad.status_code
        good = post_page(client, client.get(action).text, answers)
        assert good.status_code == 303, errors_of(good.text)
        if good.headers["location"].endswith("/check"):
            break
        html = client.get(good.headers["location"]).text
    assert client.get(f"/refer/{slug}/check").status_code == 200

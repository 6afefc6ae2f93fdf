"""The people's journey: form, check your answers with change links, send; drafts that survive
refresh and errors; double submits that give one referral; emails read from a real SMTP server."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from pafinder.app import create_app
from pafinder.db import make_engine
from pafinder.referrals import store
from pafinder.settings import Settings
from pafinder.web.drafts import form_drafts
from tests.conftest import FIXTURE_CONTENT, Inbox, PageClient, body_text
from tests.referrals.helpers import (
    REF,
    RESPOND_BY,
    answers_for,
    errors_of,
    hidden,
    portal,
    service,
    submit,
)

SLUG = "peer-support-recovery"


def test_check_your_answers_then_send(ref_client: PageClient, ref_settings: Settings) -> None:
    data = answers_for(service(ref_settings, SLUG), interests=["groups", "courses"])
    response = submit(ref_client, SLUG, {**data, "action": "check"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/refer/{SLUG}/check"
    check = ref_client.get(f"/refer/{SLUG}/check").text
    assert "Check your answers before sending" in check
    assert "Ada Lovelace" in check and "10 December 1990" in check
    assert "Self-help groups, Recovery courses" in check
    assert f'href="/refer/{SLUG}/person?change=1#first_name"' in check
    assert f'href="/refer/{SLUG}/person?change=1#date_of_birth-day"' in check
    # A change link goes back to that question page, re-filled from the draft.
    form = ref_client.get(f"/refer/{SLUG}/person?change=1").text
    assert 'value="Ada"' in form and 'value="10"' in form
    token = hidden(check, "csrftoken")
    sent = ref_client.post(
        f"/refer/{SLUG}/check", data={"csrftoken": token}, follow_redirects=False
    )
    assert sent.status_code == 303
    page = ref_client.get(sent.headers["location"]).text
    ref = REF.search(page)
    assert ref and RESPOND_BY.search(page)
    # The same draft sent again (back button, double click): the same reference, one referral.
    again = ref_client.post(
        f"/refer/{SLUG}/check", data={"csrftoken": token}, follow_redirects=False
    )
    assert again.status_code == 303
    assert REF.search(ref_client.get(again.headers["location"]).text).group(1) == ref.group(1)  # type: ignore[union-attr]
    engine = make_engine(ref_settings.database_url)
    assert store.count(engine) == 1
    with engine.connect() as conn:
        claimed = conn.execute(select(form_drafts.c.submitted_ref)).scalars().all()
    assert claimed == [ref.group(1)]
    # After sending, the form starts empty again.
    assert 'value="Ada"' not in ref_client.get(f"/refer/{SLUG}/person").text


def test_draft_survives_errors_and_refresh(ref_client: PageClient, ref_settings: Settings) -> None:
    data = answers_for(service(ref_settings, SLUG), last_name="", reason="Still here after refresh")
    assert submit(ref_client, SLUG, data).status_code == 400
    assert "Still here after refresh" in ref_client.get(f"/refer/{SLUG}/reason").text
    assert 'value="Ada"' in ref_client.get(f"/refer/{SLUG}/person").text


def test_the_same_form_posted_twice_is_one_referral(
    ref_client: PageClient, ref_settings: Settings
) -> None:
    html = ref_client.get(f"/refer/{SLUG}").text
    data = {
        **answers_for(service(ref_settings, SLUG)),
        "csrftoken": hidden(html, "csrftoken"),
        "form_key": hidden(html, "form_key"),
    }
    first = ref_client.post(f"/refer/{SLUG}", data=data, follow_redirects=False)
    second = ref_client.post(f"/refer/{SLUG}", data=data, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    # The confirmation links are signed with a time, so compare the references they show.
    refs = {
        REF.search(ref_client.get(r.headers["location"]).text).group(1)  # type: ignore[union-attr]
        for r in (first, second)
    }
    assert len(refs) == 1
    assert store.count(make_engine(ref_settings.database_url)) == 1
    # A new visit to the form gets a new key, so a second, different referral is possible.
    assert hidden(ref_client.get(f"/refer/{SLUG}").text, "form_key") != data["form_key"]


def test_check_page_without_a_draft_goes_back_to_the_form(ref_client: PageClient) -> None:
    response = ref_client.get(f"/refer/{SLUG}/check", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/refer/{SLUG}"


def test_signpost_outcome_sends_nothing_and_keeps_answers(tmp_path: Path) -> None:
    # The fixture service sends people with no postcode to signposting (not_sure: signpost).
    settings = portal(tmp_path, FIXTURE_CONTENT)
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        data = answers_for(service(settings, "peer-support"), postcode="")
        response = submit(client, "peer-support", data)
        assert response.status_code == 200
        assert "may not be able to help" in response.text
        assert "Call NHS 111 for advice" in response.text
        assert store.count(make_engine(settings.database_url)) == 0
        assert 'value="Ada"' in client.get("/refer/peer-support/person").text
        # Outside the area is 'review' there: accepted and flagged.
        assert submit(client, "peer-support", {**data, "postcode": "M1 1AE"}).status_code == 303


def test_emails_say_the_reference_and_date_and_nothing_personal(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    settings = portal(tmp_path, smtp_url=url, base_url="https://portal.example.org")
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        svc = service(settings, SLUG)
        data = answers_for(
            svc, "family_or_carer", reason="Private: feeling very low", access_needs="Needs BSL"
        )
        response = submit(client, SLUG, data)
        assert response.status_code == 303
        page = client.get(response.headers["location"]).text
    ref = REF.search(page).group(1)  # type: ignore[union-attr]
    due = RESPOND_BY.search(page).group(1)  # type: ignore[union-attr]
    inbox.wait_for(3)
    (ack,) = inbox.to("ada@example.org")
    (referrer_ack,) = inbox.to("sam@example.org")
    (staff,) = inbox.to("peer-support@example.org")
    ack_text = body_text(ack)
    assert ref in ack["Subject"] and ref in ack_text
    day = int(due[8:10])
    assert f" {day} " in ack_text  # e.g. "Wednesday 25 November 2026"
    assert "116 123" in ack_text  # the crisis lines: a mental health service
    assert body_text(referrer_ack) == ack_text.replace("ada@example.org", "sam@example.org")
    staff_text = body_text(staff)
    assert f"https://portal.example.org/staff/referrals/{ref}" in staff_text
    for message in (ack, referrer_ack, staff):
        text = str(message["Subject"]) + body_text(message)
        for personal in (
            "Private",
            "feeling",
            "BSL",
            "Ada",
            "Lovelace",
            "1990",
            "07700",
            "DE1",
            "Sam Referrer",
        ):
            assert personal not in text, (personal, text)


def test_no_email_given_means_no_acknowledgement(tmp_path: Path, smtp: tuple[str, Inbox]) -> None:
    url, inbox = smtp
    settings = portal(tmp_path, smtp_url=url)
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        data = answers_for(service(settings, "carers"), email="", preferred_contact="phone")
        response = submit(client, "carers", data)
        assert response.status_code == 303, errors_of(response.text)
    inbox.wait_for(1)
    assert [str(m["To"]) for m in inbox.messages] == ["carers@example.org"]


def test_equality_answers_are_stored_apart(ref_client: PageClient, ref_settings: Settings) -> None:
    svc = service(ref_settings, SLUG)
    submit(ref_client, SLUG, answers_for(svc, eq_gender="woman", eq_ethnicity="prefer_not_to_say"))
    submit(ref_client, SLUG, answers_for(svc, eq_gender="woman"))
    submit(ref_client, "carers", answers_for(service(ref_settings, "carers")))
    engine = make_engine(ref_settings.database_url)
    counts = store.equality_counts(engine, SLUG)
    assert counts["gender"] == {"woman": 2}
    assert counts["ethnicity"] == {"prefer_not_to_say": 1, "": 1}
    columns = set(store.referral_equality.c.keys())
    assert columns.isdisjoint({"ref", "referral_id", "received_at", "first_name", "form_key"})
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(store.referral_equality)).scalar() == 3
        if conn.dialect.name == "sqlite":  # SQLite only: no rowid, so no insertion order either
            ddl = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'referral_equality'"
            ).scalar()
            assert "WITHOUT ROWID" in str(ddl)

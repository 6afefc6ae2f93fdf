"""Registering as a PA through the real HTTP layer: the whole journey, drafts, spam defences,
double submits and email verification (emails read from a real SMTP server)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from pafinder.app import create_app
from pafinder.register import lifecycle_mail
from pafinder.settings import Settings
from tests.conftest import Inbox, PageClient, body_text
from tests.register.lifecycle_helpers import (
    BASE,
    audit,
    backdate_drafts,
    fill_all,
    link_in,
    pa_settings,
    post_step,
    register,
    rows,
    send,
    start,
    valid_answers,
)


@pytest.fixture
def portal(tmp_path: Path, smtp: tuple[str, Inbox]) -> Iterator[tuple[Settings, PageClient, Inbox]]:
    url, inbox = smtp
    s = pa_settings(tmp_path, smtp_url=url)
    with PageClient(create_app(s), base_url="http://127.0.0.1") as c:
        yield s, c, inbox


def test_start_page_says_what_is_asked_what_is_public_and_what_is_never_shown(portal) -> None:
    _, client, _ = portal
    html = client.get(BASE).text
    for words in (
        "We will ask",
        "What people will see",
        "What we never show",
        "email address, phone number and postcode are never shown",
    ):
        assert words in html


def test_question_page_without_a_draft_goes_back_to_the_start(portal) -> None:
    _, client, _ = portal
    response = client.get(f"{BASE}/about-you", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"{BASE}?expired=1"
    assert "We could not find your answers" in client.get(response.headers["location"]).text


def test_whole_journey_then_verification_puts_the_listing_in_the_staff_queue(portal) -> None:
    settings, client, inbox = portal
    fill_all(client)
    check = client.get(f"{BASE}/check-answers")
    assert check.status_code == 200
    for shown in (
        "Amara Okafor",
        "SK11 6AB",
        "Macclesfield",
        "British Sign Language (BSL)",
        "Emergency first aid, March",
        "Monday morning",
        "20 hours",
        "Enhanced",
        "Night shifts",
        "I love gardening",
        f'href="{BASE}/about-you?change=1"',
    ):
        assert shown in check.text, shown

    backdate_drafts(settings)
    response = send(client)
    assert response.headers["location"] == f"{BASE}/check-your-email"
    confirmation = client.get(f"{BASE}/check-your-email").text
    assert "amara@example.org" in confirmation

    [listing] = rows(settings)
    assert listing["status"] == "unverified" and listing["email_verified_at"] is None
    assert listing["ref"].startswith("PA") and len(listing["ref"]) == 8
    assert listing["ref"] in confirmation

    [message] = inbox.wait_for(1)
    assert message["To"] == "amara@example.org"
    assert listing["ref"] in body_text(message)
    verify = client.get(link_in(message, "/become-a-pa/verify/"))
    assert verify.status_code == 200 and "Email address confirmed" in verify.text
    [listing] = rows(settings)
    assert listing["status"] == "pending" and listing["email_verified_at"] is not None
    # Opening the link again is harmless.
    again = client.get(link_in(message, "/become-a-pa/verify/"))
    assert "already confirmed" in again.text
    actions = [a["action"] for a in audit(settings) if a["subject_type"] == "pa"]
    assert actions == ["pa.registered", "pa.email_verified"]


def test_answers_survive_refresh_back_button_and_errors(portal) -> None:
    _, client, _ = portal
    answers = valid_answers()
    start(client)
    assert post_step(client, "about-you", answers["about-you"]).status_code == 303
    assert post_step(client, "where-and-who", answers["where-and-who"]).status_code == 303
    # Back button: the earlier page shows what was typed.
    back = client.get(f"{BASE}/about-you").text
    assert 'value="Okafor"' in back and 'value="07700 900982"' in back
    again = client.get(f"{BASE}/where-and-who").text
    assert 'value="congleton" checked' in again
    # An error keeps everything typed, and so does a refresh after it.
    bad = {**answers["what-you-can-do"], "experience_years": "lots"}
    response = post_step(client, "what-you-can-do", bad)
    assert response.status_code == 400
    assert 'value="lots"' in response.text and "Four years caring" in response.text
    refreshed = client.get(f"{BASE}/what-you-can-do").text
    assert 'value="lots"' in refreshed and 'value="shopping" checked' in refreshed


def test_check_answers_with_a_missing_page_sends_the_person_to_it(portal) -> None:
    _, client, _ = portal
    start(client)
    post_step(client, "about-you", valid_answers()["about-you"])
    response = client.get(f"{BASE}/check-answers", follow_redirects=False)
    assert response.headers["location"] == f"{BASE}/where-and-who?check=1"
    page = client.get(response.headers["location"])
    assert "Select at least one area where you can work" in page.text


def test_change_link_returns_to_check_answers(portal) -> None:
    _, client, _ = portal
    fill_all(client)
    data = {**valid_answers()["about-me"], "about": "Changed my mind about the words."}
    response = post_step(client, "about-me", data, "?change=1")
    assert response.headers["location"] == f"{BASE}/check-answers"
    assert "Changed my mind" in client.get(f"{BASE}/check-answers").text


def test_honeypot_creates_nothing_and_sends_nothing(portal) -> None:
    settings, client, inbox = portal
    fill_all(client)
    backdate_drafts(settings)
    form = {"csrftoken": client.csrf(f"{BASE}/check-answers"), "website": "http://spam.example"}
    response = client.post(f"{BASE}/check-answers", data=form, follow_redirects=False)
    assert response.headers["location"] == f"{BASE}/check-your-email"
    assert client.get(f"{BASE}/check-your-email").status_code == 200
    assert rows(settings) == []
    assert inbox.messages == []


def test_honeypot_on_the_first_page_also_counts(portal) -> None:
    settings, client, inbox = portal
    answers = valid_answers()
    start(client)
    post_step(client, "about-you", {**answers["about-you"], "website": "x"})
    for step in list(answers)[1:]:
        post_step(client, step, answers[step])
    backdate_drafts(settings)
    send(client)
    assert rows(settings) == [] and inbox.messages == []


def test_too_fast_a_submission_is_asked_to_send_again(portal) -> None:
    settings, client, _ = portal
    fill_all(client)
    response = send(client)
    assert response.status_code == 400
    assert "Please check your answers and send your registration again" in response.text
    assert rows(settings) == []
    backdate_drafts(settings)
    assert send(client).status_code == 303
    assert len(rows(settings)) == 1


def test_double_submit_gives_one_listing_and_one_email(portal) -> None:
    settings, client, inbox = portal
    fill_all(client)
    backdate_drafts(settings)
    token = client.csrf(f"{BASE}/check-answers")
    first = client.post(f"{BASE}/check-answers", data={"csrftoken": token}, follow_redirects=False)
    second = client.post(f"{BASE}/check-answers", data={"csrftoken": token}, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert len(rows(settings)) == 1
    inbox.wait_for(1)
    assert len(inbox.messages) == 1


def test_rate_limit_per_email_address(portal) -> None:
    settings, client, _ = portal
    for _ in range(3):
        register(client, settings, "busy@example.org")
    fill_all(client, valid_answers("BUSY@example.org"))
    backdate_drafts(settings)
    response = send(client)
    assert response.status_code == 429
    assert "several registrations for this email address" in response.text
    assert len(rows(settings)) == 3
    # Someone else is not affected.
    register(client, settings, "other@example.org")
    assert len(rows(settings)) == 4


def test_post_without_csrf_token_is_refused(portal) -> None:
    _, client, _ = portal
    start(client)
    response = client.post(f"{BASE}/about-you", data=valid_answers()["about-you"])
    assert response.status_code == 403


class _OldSigner(TimestampSigner):
    def get_timestamp(self) -> int:
        return int((datetime.now(UTC) - timedelta(hours=49)).timestamp())


def test_expired_link_offers_a_new_one_which_works(portal) -> None:
    settings, client, inbox = portal
    register(client, settings)
    inbox.wait_for(1)
    ref = rows(settings)[0]["ref"]
    old = URLSafeTimedSerializer(
        str(settings.secret_key), salt="pa-verify-email", signer=_OldSigner
    ).dumps({"ref": ref})
    page = client.get(f"/become-a-pa/verify/{old}")
    assert page.status_code == 400 and "This link has expired" in page.text
    assert rows(settings)[0]["status"] == "unverified"

    token = client.csrf(f"/become-a-pa/verify/{old}")
    sent = client.post(
        f"{BASE}/resend-link", data={"csrftoken": token, "email": "Amara@Example.org"}
    )
    assert "we have sent a new link" in sent.text
    inbox.wait_for(2)
    client.get(link_in(inbox.messages[1], "/become-a-pa/verify/"))
    assert rows(settings)[0]["status"] == "pending"


def test_tampered_and_wrong_purpose_links_do_not_work(portal) -> None:
    settings, client, inbox = portal
    register(client, settings)
    [message] = inbox.wait_for(1)
    path = link_in(message, "/become-a-pa/verify/")
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    page = client.get(tampered)
    assert page.status_code == 400 and "This link does not work" in page.text
    ref = rows(settings)[0]["ref"]
    manage_token = lifecycle_mail.make_token(settings, lifecycle_mail.MANAGE, ref)
    assert client.get(f"/become-a-pa/verify/{manage_token}").status_code == 400
    assert rows(settings)[0]["status"] == "unverified"


def test_resend_does_not_reveal_who_is_registered(portal) -> None:
    _, client, inbox = portal
    token = client.csrf(f"{BASE}/resend-link")
    page = client.post(
        f"{BASE}/resend-link", data={"csrftoken": token, "email": "nobody@example.org"}
    )
    assert page.status_code == 200 and "If you have a registration waiting" in page.text
    assert inbox.messages == []
    bad = client.post(f"{BASE}/resend-link", data={"csrftoken": token, "email": "nope"})
    assert bad.status_code == 400 and 'value="nope"' in bad.text


def test_how_far_a_pa_will_travel_is_optional_kept_and_checked(portal) -> None:
    settings, client, _ = portal
    answers = valid_answers()
    start(client)
    post_step(client, "about-you", answers["about-you"])
    wrong = post_step(client, "where-and-who", {**answers["where-and-who"], "travel_miles": "7"})
    assert wrong.status_code == 400
    assert "Select how far you will travel, or leave it out" in wrong.text
    assert 'href="#travel_miles"' in wrong.text
    answers["where-and-who"] = {**answers["where-and-who"], "travel_miles": "5"}
    fill_all(client, answers)
    check = client.get(f"{BASE}/check-answers").text
    assert "How far you will travel" in check and "Up to 5 miles" in check
    backdate_drafts(settings)
    assert send(client).status_code == 303
    [listing] = rows(settings)
    assert listing["travel_miles"] == 5
    # Left out, it is stored as not given.
    other = valid_answers("other@example.org")
    fill_all(client, other)
    assert "Not given" in client.get(f"{BASE}/check-answers").text

"""Posting a job advert through the real HTTP layer: the whole journey, the draft, the email
confirmation (read from a real SMTP server), staff publishing, spam defences and double
submits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pafinder.app import create_app
from pafinder.jobs import signing
from pafinder.settings import Settings
from tests.conftest import Inbox, PageClient, add_staff, body_text, sign_in
from tests.jobs.post_helpers import (
    BASE,
    backdate_drafts,
    fill_all,
    job,
    job_settings,
    link_in,
    post_job,
    post_step,
    rows,
    send,
    start,
    valid_answers,
)


@pytest.fixture
def portal(tmp_path: Path, smtp: tuple[str, Inbox]) -> Iterator[tuple[Settings, PageClient, Inbox]]:
    url, inbox = smtp
    s = job_settings(tmp_path, smtp_url=url)
    with PageClient(create_app(s), base_url="http://127.0.0.1") as c:
        yield s, c, inbox


def test_start_page_says_what_is_asked_and_what_is_never_shown(portal) -> None:
    _, client, _ = portal
    page = client.get(BASE)
    assert page.status_code == 200
    assert "Post a job advert for a personal assistant" in page.text
    assert "We never show your name, address, email address or phone number" in page.text
    assert "at least 14 days" in page.text


def test_question_page_without_a_draft_goes_back_to_the_start(portal) -> None:
    _, client, _ = portal
    response = client.get(f"{BASE}/title", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"{BASE}?expired=1"
    assert "We could not find your answers" in client.get(f"{BASE}?expired=1").text
    assert client.get(f"{BASE}/not-a-step").status_code == 404


def test_whole_journey_confirm_publish(portal) -> None:
    settings, client, inbox = portal
    fill_all(client)
    check = client.get(f"{BASE}/check-answers")
    assert check.status_code == 200
    for shown in (
        "PA for a young man who loves football",
        "Personal care (washing, dressing, going to the toilet)",
        "Going to matches",
        "16 hours",
        "Monday morning",
        "£15.50",
        "Macclesfield",
        "SK11 6AB",
        "Yes, it must be a man",
        "Intimate personal care",
        "Enhanced (recommended)",
        "employer@example.org",
        f'href="{BASE}/pay?change=1"',
    ):
        assert shown in check.text, shown
    backdate_drafts(settings)
    sent = send(client)
    assert sent.status_code == 303 and sent.headers["location"] == f"{BASE}/check-your-email"
    page = client.get(f"{BASE}/check-your-email")
    assert page.status_code == 200 and "Check your email" in page.text
    [row] = rows(settings)
    assert row["status"] == "unconfirmed" and row["pay_pence"] == 1550
    assert row["postcode"] == "SK11 6AB" and row["email"] == "employer@example.org"
    assert row["ref"].startswith("J") and len(row["ref"]) == 8
    assert row["ref"] in page.text

    [message] = inbox.wait_for(1)
    assert message["To"] == "employer@example.org"
    assert message["Subject"] == "Confirm your job advert"
    assert "football" not in body_text(message)  # the advert's words stay on the site
    confirmed = client.get(link_in(message, "/jobs/post/confirm/"))
    assert confirmed.status_code == 200 and "Email address confirmed" in confirmed.text
    assert job(settings, row["ref"])["status"] == "pending"
    again = client.get(link_in(message, "/jobs/post/confirm/"))
    assert again.status_code == 200 and "You have already confirmed" in again.text

    # The management link in the email shows the status.
    manage = client.get(link_in(message, "/jobs/manage/"))
    assert manage.status_code == 200 and "Waiting for our team to check it" in manage.text

    add_staff(settings, "checker@example.org")
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as staff:
        sign_in(staff, "checker@example.org")
        queue = staff.get("/staff/jobs")
        assert queue.status_code == 200 and row["ref"] in queue.text
        token = staff.csrf(f"/staff/jobs/{row['ref']}")
        done = staff.post(
            f"/staff/jobs/{row['ref']}/publish", data={"csrftoken": token}, follow_redirects=False
        )
        assert done.status_code == 303
        assert "The advert is published" in staff.get(done.headers["location"]).text
        assert row["ref"] not in staff.get("/staff/jobs").text
    assert job(settings, row["ref"])["status"] == "published"
    [_, published] = inbox.wait_for(2)
    assert published["Subject"] == "Your job advert is published"
    assert "/jobs/manage/" in body_text(published)


def test_draft_survives_refresh_and_errors_keep_what_was_typed(portal) -> None:
    settings, client, _ = portal
    start(client)
    assert post_step(client, "title", {"title": "Gardening PA 🌻"}).status_code == 303
    assert 'value="Gardening PA 🌻"' in client.get(f"{BASE}/title").text
    bad = post_step(client, "hours", {"hours_per_week": "lots", "availability": ["tue-pm"]})
    assert bad.status_code == 400
    assert "There is a problem" in bad.text and 'href="#hours_per_week"' in bad.text
    assert 'value="lots"' in bad.text
    assert 'value="tue-pm" checked' in client.get(f"{BASE}/hours").text
    assert rows(settings) == []


def test_double_submit_records_one_advert(portal) -> None:
    settings, client, inbox = portal
    fill_all(client)
    backdate_drafts(settings)
    token = client.csrf(f"{BASE}/check-answers")
    first = client.post(f"{BASE}/check-answers", data={"csrftoken": token}, follow_redirects=False)
    second = client.post(f"{BASE}/check-answers", data={"csrftoken": token}, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert second.headers["location"] == f"{BASE}/check-your-email"
    assert len(rows(settings)) == 1
    assert len(inbox.wait_for(1)) == 1


def test_honeypot_looks_like_success_and_stores_nothing(portal) -> None:
    settings, client, _ = portal
    start(client)
    answers = valid_answers()
    post_step(client, "title", {**answers["title"], "website": "http://spam.example"})
    for step in list(answers)[1:]:
        post_step(client, step, answers[step])
    backdate_drafts(settings)
    response = send(client)
    assert (
        response.status_code == 303 and response.headers["location"] == f"{BASE}/check-your-email"
    )
    assert rows(settings) == []


def test_too_quick_is_asked_to_send_again(portal) -> None:
    settings, client, _ = portal
    fill_all(client)
    response = send(client)
    assert response.status_code == 400 and "send your advert again" in response.text
    assert rows(settings) == []


def test_the_eleventh_advert_from_one_address_in_an_hour_is_refused(portal) -> None:
    settings, client, _ = portal
    for _ in range(10):
        assert post_job(client, settings).status_code == 303
    refused = post_job(client, settings)
    assert refused.status_code == 429
    assert "You have sent 10 job adverts from this email address in the last hour" in refused.text
    assert len(rows(settings)) == 10
    # Another address from the same connection still gets through (until the 11th).


def test_the_eleventh_advert_from_one_connection_in_an_hour_is_refused(portal) -> None:
    settings, client, _ = portal
    for n in range(10):
        assert post_job(client, settings, f"employer{n}@example.org").status_code == 303
    refused = post_job(client, settings, "someone.else@example.org")
    assert refused.status_code == 429
    assert "from your internet connection in the last hour" in refused.text
    assert len(rows(settings)) == 10


def test_tampered_and_expired_confirmation_links(portal) -> None:
    settings, client, _ = portal
    bad = client.get("/jobs/post/confirm/not-a-token")
    assert bad.status_code == 400 and "This link does not work" in bad.text
    from itsdangerous import TimestampSigner, URLSafeTimedSerializer

    serializer = URLSafeTimedSerializer(str(settings.secret_key), salt=signing.CONFIRM_SALT)
    old = TimestampSigner(str(settings.secret_key), salt=signing.CONFIRM_SALT)
    old.get_timestamp = lambda: 1_000_000_000  # type: ignore[method-assign]
    serializer.signer = lambda *a, **k: old  # type: ignore[method-assign,assignment]
    expired = client.get(f"/jobs/post/confirm/{serializer.dumps({'id': 1})}")
    assert expired.status_code == 400 and "This link has expired" in expired.text
    gone = client.get(f"/jobs/post/confirm/{signing.confirm_token(settings, 999)}")
    assert gone.status_code == 404 and "This link does not work" in gone.text
    # A management link cannot confirm, nor a confirmation link manage.
    assert client.get(f"/jobs/post/confirm/{signing.manage_token(settings, 1)}").status_code == 400
    assert client.get(f"/jobs/manage/{signing.confirm_token(settings, 1)}").status_code == 400

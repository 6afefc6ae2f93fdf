"""The public complaints form (issue 10, point 2; CONTRACT "Feedback, complaints, newsletter"):
each kind with and without contact details, the acknowledgement read from a real SMTP server and
the mailbox's email without personal details, every bad input a 400 with its message and nothing
saved (never a 500), the honeypot and the minimum fill time, and a double submit recorded once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pafinder.app import create_app
from pafinder.db import make_engine
from pafinder.staff import store as staff_store
from tests.complaints.helpers import GOOD, aged_key, portal, reference, rows, send
from tests.conftest import Inbox, PageClient, body_text
from tests.referrals.helpers import errors_of


@pytest.fixture
def site(tmp_path: Path) -> Any:
    settings = portal(tmp_path)
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        yield settings, client


def test_the_form_offers_every_kind_and_every_service(site: Any) -> None:
    _settings, client = site
    html = client.get("/complaints").text
    for value in ("complaint", "compliment", "comment"):
        assert f'name="kind" type="radio" value="{value}"' in html
    assert "Comment or suggestion" in html
    for slug, name in (
        ("carers", "Carers support service"),
        ("direct-payment-support", "Direct payment support"),
        ("general", "Not about one service"),
    ):
        assert f'value="{slug}"' in html
        assert name.split()[0] in html
    assert 'name="website"' in html  # the honeypot


@pytest.mark.parametrize("kind", ["complaint", "compliment", "comment"])
def test_each_kind_without_contact_details_gets_a_reference(
    tmp_path: Path, kind: str, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    settings = portal(tmp_path, smtp_url=url)
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        response = send(client, settings, {**GOOD, "kind": kind, "service": "general"})
        ref = reference(client, response)
        page = client.get(response.headers["location"]).text
    assert "What happens next" in page
    if kind == "complaint":
        assert "within 3 working days" in page and "within 20 working days" in page
    assert "confirmation email" not in page
    [row] = rows(settings)
    assert (row.ref, row.kind, row.service, row.status) == (ref, kind, "general", "open")
    # Only the mailbox is told (the site's contact address for a general item), by reference.
    [message] = inbox.wait_for(1)
    assert message["To"] == "help@example.org"
    assert ref in body_text(message) and "/staff/complaints/" + ref in body_text(message)
    assert GOOD["details"] not in body_text(message)


def test_a_complaint_with_contact_details_is_acknowledged_by_email(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    settings = portal(tmp_path, smtp_url=url)
    data = {
        **GOOD,
        "name": "Ada Lovelace",
        "email": "ada@example.org",
        "phone": "07700 900 982",
        "details": "The worker was late three times. Secret words.",
    }
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        response = send(client, settings, data)
        ref = reference(client, response)
        assert "We have sent a confirmation email" in client.get(response.headers["location"]).text
    inbox.wait_for(2)
    [ack] = inbox.to("ada@example.org")
    text = body_text(ack)
    assert ref in ack["Subject"] and ref in text
    assert "within 3 working days" in text and "within 20 working days" in text
    assert "Secret words" not in text
    [mailbox] = inbox.to("carers@example.org")  # the service's referral.staff_email
    text = body_text(mailbox)
    assert ref in text
    for personal in ("Ada", "Lovelace", "ada@example.org", "07700", "Secret words"):
        assert personal not in text and personal not in str(mailbox["Subject"])
    [row] = rows(settings)
    assert (row.name, row.email, row.phone) == ("Ada Lovelace", "ada@example.org", "07700 900 982")
    audit = staff_store.recent_audit(make_engine(settings.database_url), 10)
    received = [e for e in audit if e["action"] == "complaint.received"]
    assert received and received[0]["subject_id"] == ref
    assert "Ada" not in str(received[0]) and "ada@" not in str(received[0])


def test_a_compliment_with_an_email_is_acknowledged(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    settings = portal(tmp_path, smtp_url=url)
    data = {**GOOD, "kind": "compliment", "service": "mentoring", "email": "sam@example.org"}
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        ref = reference(client, send(client, settings, data))
    inbox.wait_for(2)
    [ack] = inbox.to("sam@example.org")
    assert ref in body_text(ack) and "compliment" in ack["Subject"]
    assert inbox.to("mentoring@example.org")


def test_emoji_and_other_scripts_are_kept(site: Any) -> None:
    settings, client = site
    details = "Thank you 🙏🏽 — شكرا — 谢谢. <b>great</b>"
    ref = reference(client, send(client, settings, {**GOOD, "details": details, "name": "Zoë"}))
    [row] = rows(settings)
    assert row.ref == ref and row.details == details and row.name == "Zoë"


BAD: list[tuple[dict[str, Any], str, str]] = [
    ({"details": ""}, "details", "Enter what you want to tell us"),
    ({"details": "   \n  "}, "details", "Enter what you want to tell us"),
    ({"details": "x" * 5001}, "details", "5,000 characters or fewer"),
    ({"details": "bad\x01control"}, "details", "special control characters"),
    ({"kind": ""}, "kind", "Select whether this is a complaint"),
    ({"kind": "rant"}, "kind", "Select whether this is a complaint"),
    ({"service": ""}, "service", "Select the service"),
    ({"service": "no-such-service"}, "service", "Select the service"),
    ({"email": "not-an-email"}, "email", "correct format"),
    ({"email": "a@b"}, "email", "correct format"),
    ({"email": "x" * 250 + "@example.org"}, "email", "characters or fewer"),
    ({"phone": "call me"}, "phone", "correct format"),
    ({"name": "R2D2 🤖"}, "name", "must only include letters"),
    ({"name": "n" * 101}, "name", "100 characters or fewer"),
    ({"kind": ["complaint", "compliment"]}, "kind", "Select only one"),
    ({"service": ["carers", "mentoring"]}, "service", "Select only one service"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD)
def test_bad_input_is_a_400_with_its_message_and_nothing_saved(
    site: Any, change: dict[str, Any], field: str, message: str
) -> None:
    settings, client = site
    response = send(client, settings, {**GOOD, **change})
    assert response.status_code == 400
    assert any(message in e for e in errors_of(response.text)), errors_of(response.text)
    assert f'href="#{field}' in response.text
    assert rows(settings) == []
    # What was typed comes back (the details' good part at least).
    if field != "details":
        assert "Nobody rang me back." in response.text


def test_script_tags_are_kept_as_text_and_escaped_when_shown_again(site: Any) -> None:
    settings, client = site
    script = "<script>alert(1)</script>"
    response = send(client, settings, {**GOOD, "details": script, "email": "bad"})
    assert response.status_code == 400
    assert script not in response.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_a_huge_body_never_answers_500(site: Any) -> None:
    settings, client = site
    response = send(client, settings, {**GOOD, "details": "é" * 200_000})
    assert response.status_code in (400, 413)
    assert rows(settings) == []


def test_a_tampered_form_key_is_refused_and_nothing_saved(site: Any) -> None:
    settings, client = site
    response = send(client, settings, GOOD, form_key="not-a-signed-key")
    assert response.status_code == 400
    assert any("could not be checked" in e for e in errors_of(response.text))
    assert rows(settings) == []


def test_the_contract_fields_alone_are_accepted(site: Any) -> None:
    """Another system may send only the CONTRACT's fields (no form key)."""
    settings, client = site
    token = client.csrf("/complaints")
    response = client.post("/complaints", data={"csrftoken": token, **GOOD}, follow_redirects=False)
    assert response.status_code == 303
    assert len(rows(settings)) == 1


def test_a_double_submit_records_once(site: Any) -> None:
    settings, client = site
    key = aged_key(settings)
    first = send(client, settings, GOOD, form_key=key)
    second = send(client, settings, GOOD, form_key=key)
    assert first.status_code == second.status_code == 303
    assert reference(client, first) == reference(client, second)
    assert len(rows(settings)) == 1


def test_a_form_sent_too_fast_is_shown_again_and_nothing_saved(site: Any) -> None:
    settings, client = site
    response = send(client, settings, GOOD, form_key=aged_key(settings, seconds_ago=1))
    assert response.status_code == 400
    assert any("send the form again" in e for e in errors_of(response.text))
    assert rows(settings) == []


def test_the_page_as_served_is_too_fast_when_sent_at_once(site: Any) -> None:
    settings, client = site
    html = client.get("/complaints").text
    import re

    key = re.search(r'name="form_key" value="([^"]+)"', html)
    assert key
    response = send(client, settings, GOOD, form_key=key.group(1))
    assert response.status_code == 400 and rows(settings) == []


def test_a_filled_honeypot_looks_like_success_and_keeps_nothing(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    settings = portal(tmp_path, smtp_url=url)
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        response = send(client, settings, {**GOOD, "website": "http://spam.example"})
        assert response.status_code == 303
        assert reference(client, response).startswith("C-")
    assert rows(settings) == []
    assert inbox.messages == []


def test_a_tampered_confirmation_link_is_not_found(site: Any) -> None:
    _settings, client = site
    assert client.get("/complaints/sent/nonsense").status_code == 404


def test_the_rate_limit_refuses_a_flood_and_keeps_the_words(site: Any) -> None:
    settings, client = site
    from pafinder.complaints import public_routes

    for _ in range(20):
        assert send(client, settings, GOOD).status_code == 303
    response = send(client, settings, {**GOOD, "details": "One more."})
    assert response.status_code == 429
    assert "One more." in response.text
    assert len(rows(settings)) == 20
    assert public_routes.RATE_ADDRESS == "20/hour"

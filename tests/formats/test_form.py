"""The public accessible-formats request form (issue 14, point 4): every format, each way to
send it with the contact details it needs, the acknowledgement read from a real SMTP server,
every bad input a 400 with its message by the field and in the summary, everything typed kept
and nothing saved (never a 500), the honeypot, the minimum fill time, the rate limit, and a
double submit recorded once. Free text is encrypted at rest."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from pafinder.app import create_app
from pafinder.db import make_engine
from pafinder.formats import public_routes
from pafinder.formats.models import FORMATS
from pafinder.staff import store as staff_store
from tests.conftest import Inbox, PageClient, body_text
from tests.formats.helpers import FORM, GOOD, aged_key, portal, reference, rows, send
from tests.referrals.helpers import errors_of


@pytest.fixture
def site(tmp_path: Path) -> Any:
    settings = portal(tmp_path)
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        yield settings, client


def test_the_form_offers_every_format_way_and_page(site: Any) -> None:
    _settings, client = site
    html = client.get(FORM).text
    assert html.count("<h1") == 1 and "Ask for information in another format</h1>" in html
    for value in FORMATS:
        assert f'name="format" type="radio" value="{value}"' in html
    for value in ("email", "post", "phone"):
        assert f'name="delivery" type="radio" value="{value}"' in html
    assert "British Sign Language (BSL) video or interpreter" in html
    assert 'value="/about/how-to-complain/"' in html and 'value="other"' in html
    # The revealed boxes are GOV.UK conditional radios, in the page without JavaScript too.
    assert 'data-app-reveal="conditional-format-6"' in html and "data-aria-controls" not in html
    for box in ('id="language"', 'id="format_other"', 'id="address"'):
        assert box in html
    assert 'name="website"' in html and 'name="csrftoken"' in html
    assert "90 days" in html  # the privacy line says how long the request is kept


def test_the_reveal_script_is_served_same_origin(site: Any) -> None:
    _settings, client = site
    script = client.get("/accessible-formats/reveal.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "data-app-reveal" in script.text
    assert '<script type="module" src="/accessible-formats/reveal.js">' in client.get(FORM).text


def test_the_accessible_formats_page_links_to_the_form(real_client: PageClient) -> None:
    page = real_client.get("/about/accessible-formats/")
    assert page.status_code == 200
    assert 'href="/accessible-formats/request"' in page.text
    assert real_client.get(FORM).status_code == 200


def test_a_braille_request_by_post_is_recorded_with_its_text_encrypted(site: Any) -> None:
    settings, client = site
    response = send(client, settings, GOOD)
    ref = reference(client, response)
    page = client.get(response.headers["location"]).text
    assert "What happens next" in page and "10 working days" in page
    assert "confirmation email" not in page
    [row] = rows(settings)
    assert (row.ref, row.format, row.delivery, row.status) == (ref, "braille", "post", "open")
    assert row.page == "/about/how-to-complain/" and row.name == "Ada Lovelace"
    assert "High Street" not in row.address and row.address.startswith("gAAAAA")
    audit = staff_store.recent_audit(make_engine(settings.database_url), 10)
    [received] = [e for e in audit if e["action"] == "format_request.received"]
    assert received["subject_id"] == ref and received["actor"] == "public"
    assert "Ada" not in str(received) and "High Street" not in str(received)


def test_an_email_request_is_acknowledged_without_what_was_asked(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    settings = portal(tmp_path, smtp_url=url)
    data = {
        "format": "language",
        "language": "Polish",
        "page": "other",
        "information": "The letter about my direct payment. Secret words.",
        "delivery": "email",
        "name": "Zoë Nowak",
        "email": "zoe@example.org",
    }
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        response = send(client, settings, data)
        ref = reference(client, response)
        assert "We have sent a confirmation email" in client.get(response.headers["location"]).text
    [ack] = inbox.wait_for(1)
    assert ack["To"] == "zoe@example.org"
    text = body_text(ack)
    assert ref in ack["Subject"] and ref in text and "10 working days" in text
    assert "Secret words" not in text and "Polish" not in text
    [row] = rows(settings)
    assert row.format == "language" and row.email == "zoe@example.org"
    assert "Polish" not in row.format_detail and "Secret" not in row.information


def test_a_phone_request_needs_only_a_phone_number(tmp_path: Path, smtp: tuple[str, Inbox]) -> None:
    url, inbox = smtp
    settings = portal(tmp_path, smtp_url=url)
    data = {
        "format": "bsl",
        "page": "/about/contact-us/",
        "delivery": "phone",
        "name": "Sam",
        "phone": "07700 900 982",
    }
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        reference(client, send(client, settings, data))
    [row] = rows(settings)
    assert (row.delivery, row.phone, row.email) == ("phone", "07700 900 982", "")
    assert inbox.messages == []  # no email address, no acknowledgement


def test_something_else_keeps_its_words(site: Any) -> None:
    settings, client = site
    data = {**GOOD, "format": "other", "format_other": "Moon type 🌙 <b>please</b>"}
    ref = reference(client, send(client, settings, data))
    [row] = rows(settings)
    assert row.ref == ref and row.format == "other"


BAD: list[tuple[dict[str, Any], str, str]] = [
    ({"format": ""}, "format", "Select the format you need"),
    ({"format": "smoke-signals"}, "format", "Select the format you need"),
    ({"format": "language", "language": ""}, "language", "Enter the language you need"),
    ({"format": "language", "language": "x" * 201}, "language", "200 characters or fewer"),
    ({"format": "other", "format_other": " "}, "format_other", "Enter the format you need"),
    ({"page": ""}, "page", "Choose the information you need"),
    ({"page": "/no/such-page/"}, "page", "Choose the information you need"),
    ({"page": "other", "information": ""}, "information", "Tell us what information you need"),
    ({"information": "x" * 2001}, "information", "2,000 characters or fewer"),
    ({"information": "bad\x01control"}, "information", "special control characters"),
    ({"delivery": ""}, "delivery", "Select how you want to get it"),
    ({"delivery": "pigeon"}, "delivery", "Select how you want to get it"),
    ({"address": ""}, "address", "Enter your postal address"),
    ({"delivery": "email"}, "email", "Enter your email address"),
    ({"delivery": "email", "email": "not-an-email"}, "email", "correct format"),
    ({"delivery": "phone"}, "phone", "Enter your phone number"),
    ({"phone": "call me"}, "phone", "correct format"),
    ({"name": ""}, "name", "Enter your name"),
    ({"name": "R2D2 🤖"}, "name", "must only include letters"),
    ({"format": ["braille", "audio"]}, "format", "Select only one format"),
    ({"delivery": ["post", "email"]}, "delivery", "Select only one way"),
    ({"page": ["/about/contact-us/", "other"]}, "page", "Choose only one page"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD)
def test_bad_input_is_a_400_with_its_message_and_nothing_saved(
    site: Any, change: dict[str, Any], field: str, message: str
) -> None:
    settings, client = site
    response = send(client, settings, {**GOOD, **change})
    assert response.status_code == 400
    assert any(message in e for e in errors_of(response.text)), errors_of(response.text)
    assert f'href="#{field}"' in response.text
    assert f'id="{field}-error"' in response.text  # the message by the field too
    assert rows(settings) == []
    if field not in ("name",):
        assert "Ada Lovelace" in response.text  # what was typed comes back
    if field != "address":
        assert "1 High Street" in response.text


def test_script_tags_are_kept_as_text_and_escaped_when_shown_again(site: Any) -> None:
    settings, client = site
    script = "<script>alert(1)</script>"
    response = send(client, settings, {**GOOD, "information": script, "name": ""})
    assert response.status_code == 400
    assert script not in response.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_a_huge_body_never_answers_500(site: Any) -> None:
    settings, client = site
    response = send(client, settings, {**GOOD, "information": "é" * 200_000})
    assert response.status_code in (400, 413)
    assert rows(settings) == []


def test_wrong_types_and_odd_fields_never_answer_500(site: Any) -> None:
    settings, client = site
    for data in (
        {"format": "\x00", "delivery": "\ufeff", "page": "🙂" * 50},
        {"unknown": "x", "form_key": ""},
        {**GOOD, "form_key": "x" * 5000},
    ):
        response = send(client, settings, data)
        assert response.status_code == 400, data
    assert rows(settings) == []


def test_a_tampered_form_key_is_refused_and_nothing_saved(site: Any) -> None:
    settings, client = site
    response = send(client, settings, GOOD, form_key="not-a-signed-key")
    assert response.status_code == 400
    assert any("could not be checked" in e for e in errors_of(response.text))
    assert rows(settings) == []


def test_a_double_submit_records_once(site: Any) -> None:
    settings, client = site
    key = aged_key(settings)
    first = send(client, settings, GOOD, form_key=key)
    second = send(client, settings, GOOD, form_key=key)
    assert first.status_code == second.status_code == 303
    assert reference(client, first) == reference(client, second)
    assert len(rows(settings)) == 1


def test_the_page_as_served_is_too_fast_when_sent_at_once(site: Any) -> None:
    settings, client = site
    html = client.get(FORM).text
    key = re.search(r'name="form_key" value="([^"]+)"', html)
    assert key
    response = send(client, settings, GOOD, form_key=key.group(1))
    assert response.status_code == 400
    assert any("send the request again" in e for e in errors_of(response.text))
    assert rows(settings) == []


def test_a_filled_honeypot_looks_like_success_and_keeps_nothing(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    settings = portal(tmp_path, smtp_url=url)
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        data = {**GOOD, "delivery": "email", "email": "x@example.org", "website": "spam"}
        response = send(client, settings, data)
        assert reference(client, response).startswith("F-")
    assert rows(settings) == []
    assert inbox.messages == []


def test_a_post_without_a_csrf_token_is_refused_and_keeps_the_words(site: Any) -> None:
    settings, client = site
    client.get(FORM)
    data = {"form_key": aged_key(settings), **GOOD}
    response = client.post(FORM, data=data, follow_redirects=False)
    assert response.status_code == 403
    assert "1 High Street" in response.text
    assert rows(settings) == []


def test_a_tampered_confirmation_link_is_not_found(site: Any) -> None:
    _settings, client = site
    assert client.get(f"{FORM}/sent/nonsense").status_code == 404


def test_the_rate_limit_refuses_a_flood_and_keeps_the_words(site: Any) -> None:
    settings, client = site
    for _ in range(20):
        assert send(client, settings, GOOD).status_code == 303
    response = send(client, settings, {**GOOD, "information": "One more."})
    assert response.status_code == 429
    assert "One more." in response.text and "Wait an hour" in response.text
    assert len(rows(settings)) == 20
    assert public_routes.RATE_ADDRESS == "20/hour"

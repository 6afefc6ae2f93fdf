"""'Already exists' paths on the PA side answer exactly as a first time does: registering an
email that already has a listing, and asking for a manage link for an address we do not hold."""

from __future__ import annotations

import re
from pathlib import Path

from pafinder.app import create_app
from tests.conftest import Inbox, PageClient
from tests.register.lifecycle_helpers import BASE, pa_settings, published_listing, register

M = "/become-a-pa/manage"


def _page(client: PageClient, path: str) -> str:
    return client.get(path).text


def _without(text: str, *parts: str) -> str:
    text = re.sub(r'name="csrftoken" value="[^"]+"', "", text)
    for part in parts:
        text = text.replace(part, "")
    return text


def test_registering_an_email_that_already_has_a_listing_answers_as_a_first_time(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    settings = pa_settings(tmp_path, smtp_url=url)
    taken = published_listing(settings, email="amara@example.org")
    pages: dict[str, str] = {}
    for email in ("new@example.org", "amara@example.org"):
        with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
            response = register(client, settings, email)
            assert response.headers["location"] == f"{BASE}/check-your-email"
            page = _page(client, response.headers["location"])
            ref = re.search(r'id="reference">([^<]+)<', page)
            assert ref and ref.group(1) != taken
            pages[email] = _without(page, email, ref.group(1))
    assert pages["new@example.org"] == pages["amara@example.org"]
    assert taken not in pages["amara@example.org"]
    inbox.wait_for(2)


def test_manage_link_answers_the_same_for_a_registered_and_an_unknown_address(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    settings = pa_settings(tmp_path, smtp_url=url)
    published_listing(settings, email="pub@example.org")
    answers = {}
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        for email in ("pub@example.org", "nobody@example.org"):
            token = client.csrf(M)
            response = client.post(M, data={"csrftoken": token, "email": email})
            answers[email] = (response.status_code, _without(response.text, email))
    assert answers["pub@example.org"] == answers["nobody@example.org"]
    assert [m["To"] for m in inbox.wait_for(1)] == ["pub@example.org"]

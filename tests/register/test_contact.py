"""'Contact this PA': the message reaches the PA at a real SMTP server, the PA's details stay
private, errors keep what was typed, double submits send once, limits hold, old messages go."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from pafinder.app import create_app
from pafinder.cli import main
from pafinder.content import load_content
from pafinder.db import make_engine, utcnow
from pafinder.register.commands import import_file
from pafinder.settings import Settings
from tests.conftest import REAL_CONTENT, Inbox, PageClient, body_text, make_settings, prepare
from tests.register import pa_rows
from tests.register.test_api import env_of

ROW = dict(pa_rows.make_rows(load_content(REAL_CONTENT), 1, seed=9)[0], status="published")


@pytest.fixture
def portal(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> Iterator[tuple[Settings, PageClient, str, Inbox]]:
    url, inbox = smtp
    settings = make_settings(tmp_path, REAL_CONTENT, smtp_url=url)
    prepare(settings)
    import_file(settings, pa_rows.write_csv(tmp_path / "pa.csv", [ROW]))
    with make_engine(settings.database_url).connect() as conn:
        ref = str(conn.execute(text("SELECT ref FROM pas")).scalar_one())
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        yield settings, client, ref, inbox


def send(client: PageClient, ref: str, **fields: str) -> Any:
    token = client.csrf(f"/find-a-pa/{ref}/contact")
    data = {"name": "Sam Employer", "email": "sam@example.com", "phone": "", "message": "Hello"}
    data.update(fields)
    return client.post(
        f"/find-a-pa/{ref}/contact", data={**data, "csrftoken": token}, follow_redirects=False
    )


def contacts(settings: Settings) -> int:
    with make_engine(settings.database_url).connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM pa_contacts")).scalar_one())


def test_message_is_emailed_to_the_pa_who_stays_private(portal: Any) -> None:
    settings, client, ref, inbox = portal
    form = client.get(f"/find-a-pa/{ref}/contact")
    assert form.status_code == 200 and form.headers["cache-control"] == "no-store"
    response = send(
        client,
        ref,
        name="Zoë Ōkafor-مرحبا",
        phone="07700 900123",
        message="Can you help on Tuesdays?\nWe live in Crewe 🙂",
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/find-a-pa/{ref}/contact/sent"
    sent = client.get(response.headers["location"])
    assert "Message sent" in sent.text and "What happens next" in sent.text
    (message,) = inbox.wait_for(1)
    assert ROW["email"] in str(message["To"])
    assert str(message["Reply-To"]) == "sam@example.com"
    body = body_text(message)
    assert "Can you help on Tuesdays?" in body and "We live in Crewe 🙂" in body
    assert "sam@example.com" in body and "07700 900123" in body and "Zoë Ōkafor-مرحبا" in body
    assert f"Hello {ROW['first_name']}" in body
    for page in (form.text, sent.text, client.get(f"/find-a-pa/{ref}").text):
        assert ROW["email"] not in page and ROW["phone"] not in page
        assert ROW["last_name"] not in page and ROW["postcode"] not in page
    assert contacts(settings) == 1


def test_errors_keep_what_was_typed_and_send_nothing(portal: Any) -> None:
    settings, client, ref, inbox = portal
    response = send(client, ref, name="", email="", message="")
    assert response.status_code == 400
    html = response.text
    assert "There is a problem" in html
    for anchor in ("#name", "#email", "#message"):
        assert f'href="{anchor}"' in html
    response = send(
        client, ref, name="<script>alert(1)</script>", email="not-an-email", message="x" * 2001
    )
    assert response.status_code == 400
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "<script>alert(1)" not in response.text
    assert "2000 characters or fewer" in response.text
    assert "correct format" in response.text and 'value="not-an-email"' in response.text
    response = send(client, ref, email="", phone="12")
    assert response.status_code == 400 and "UK phone number" in response.text
    response = send(client, ref, email="", phone="")
    assert "Enter an email address or a phone number" in response.text
    assert contacts(settings) == 0 and not inbox.messages


def test_double_submit_sends_once(portal: Any) -> None:
    settings, client, ref, inbox = portal
    assert send(client, ref, message="Same words").status_code == 303
    assert send(client, ref, message="Same words").status_code == 303
    inbox.wait_for(1)
    assert len(inbox.messages) == 1 and contacts(settings) == 1


def test_rate_limited_per_sender(portal: Any) -> None:
    settings, client, ref, inbox = portal
    for i in range(10):
        assert send(client, ref, message=f"Message {i}").status_code == 303
    response = send(client, ref, message="One too many")
    assert response.status_code == 429 and "too many messages" in response.text
    inbox.wait_for(10)
    assert contacts(settings) == 10


def test_post_without_csrf_token_is_refused(portal: Any) -> None:
    settings, client, ref, _inbox = portal
    response = client.post(
        f"/find-a-pa/{ref}/contact", data={"name": "A", "email": "a@example.com", "message": "Hi"}
    )
    assert response.status_code == 403 and contacts(settings) == 0


def test_messages_older_than_90_days_are_purged(portal: Any) -> None:
    settings, client, ref, _inbox = portal
    assert send(client, ref, message="Recent").status_code == 303
    engine = make_engine(settings.database_url)
    with engine.begin() as conn:
        pa_id = conn.execute(text("SELECT id FROM pas")).scalar_one()
        conn.execute(
            text(
                "INSERT INTO pa_contacts (pa_id, created_at, sender_name, message) "
                "VALUES (:p, :c, 'Old', 'Old message')"
            ),
            {"p": pa_id, "c": utcnow() - timedelta(days=91)},
        )
    assert contacts(settings) == 2
    result = CliRunner().invoke(main, ["purge-pa-contacts"], env=env_of(settings))
    assert result.exit_code == 0, result.output
    assert "Deleted 1 message" in result.output
    with engine.connect() as conn:
        assert conn.execute(text("SELECT message FROM pa_contacts")).scalars().all() == ["Recent"]

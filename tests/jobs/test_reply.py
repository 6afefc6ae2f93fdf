"""A PA's reply to an advert: it reaches the employer at a real SMTP server with Reply-To the
PA's address; the employer's address is never shown; only a hashed-sender row is kept; errors
keep what was typed and save nothing; robots, double submits and floods are held back."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from pafinder.app import create_app
from pafinder.db import make_engine
from pafinder.jobs.find import reply
from pafinder.jobs.tables import job_replies
from pafinder.settings import Settings
from tests.conftest import REAL_CONTENT, Inbox, PageClient, body_text, make_settings, prepare
from tests.jobs.factory import add_job, days_from_today

EMPLOYER = "family.employer@example.org"


@pytest.fixture
def portal(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> Iterator[tuple[Settings, Engine, PageClient, str, Inbox]]:
    url, inbox = smtp
    settings = make_settings(tmp_path, REAL_CONTENT, smtp_url=url)
    prepare(settings)
    engine = make_engine(settings.database_url)
    ref = add_job(engine, email=EMPLOYER, title="Morning help in Macclesfield")
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        yield settings, engine, client, ref, inbox


def send(client: PageClient, settings: Settings, ref: str, **fields: str) -> Any:
    token = client.csrf(f"/jobs/{ref}/reply")
    data = {
        "name": "Pat Assistant",
        "email": "pat.pa@example.com",
        "phone": "",
        "message": "I would love to help",
        # Shown a minute ago: a person's pace (the minimum fill time has its own test).
        "form-started": reply.started_field(settings, time.time() - 60),
        "website": "",
    }
    data.update(fields)
    return client.post(
        f"/jobs/{ref}/reply", data={**data, "csrftoken": token}, follow_redirects=False
    )


def rows(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(job_replies)))


def test_reply_reaches_the_employer_with_the_pas_reply_to(portal: Any) -> None:
    settings, engine, client, ref, inbox = portal
    form = client.get(f"/jobs/{ref}/reply")
    assert form.status_code == 200 and form.headers["cache-control"] == "no-store"
    assert EMPLOYER not in form.text
    response = send(
        client,
        settings,
        ref,
        name="Zoë Ōkafor-مرحبا",
        phone="07700 900123",
        message="I can do Mondays <script>alert(1)</script>\nAnd drive 🙂",
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/jobs/{ref}/reply/sent"
    sent = client.get(response.headers["location"])
    assert sent.status_code == 200 and "Reply sent" in sent.text
    assert EMPLOYER not in sent.text
    (message,) = inbox.wait_for(1)
    assert EMPLOYER in str(message["To"])
    assert str(message["Reply-To"]) == "pat.pa@example.com"
    body = body_text(message)
    assert "I can do Mondays <script>alert(1)</script>" in body and "And drive 🙂" in body
    assert "Zoë Ōkafor-مرحبا" in body and "07700 900123" in body and ref in body
    assert "never shows your email address" in body
    (row,) = rows(engine)
    assert row.sender_hash == hashlib.sha256(b"pat.pa@example.com").hexdigest()
    assert set(row._mapping) == {"id", "job_id", "sender_hash", "created_at"}


def test_errors_keep_what_was_typed_and_save_nothing(portal: Any) -> None:
    settings, engine, client, ref, inbox = portal
    long = "é" * 2500
    response = send(client, settings, ref, name="", email="not-an-email", message=long)
    assert response.status_code == 400
    text = response.text
    assert "There is a problem" in text
    for field in ("name", "email", "message"):
        assert f'href="#{field}"' in text
    assert "not-an-email" in text and long in text
    missing = send(client, settings, ref, email="")
    assert missing.status_code == 400 and "so the employer can reply" in missing.text
    assert "Pat Assistant" in missing.text
    assert rows(engine) == [] and inbox.messages == []


def test_robots_are_sent_nothing(portal: Any) -> None:
    settings, engine, client, ref, inbox = portal
    trapped = send(client, settings, ref, website="http://spam.example")
    assert trapped.status_code == 303  # looks like success
    fast = send(client, settings, ref, **{"form-started": reply.started_field(settings)})
    assert fast.status_code == 400 and reply.SLOW_DOWN in fast.text
    forged = send(client, settings, ref, **{"form-started": "12345.forged"})
    assert forged.status_code == 400
    assert rows(engine) == [] and inbox.messages == []


def test_without_the_csrf_token_nothing_is_sent(portal: Any) -> None:
    _settings, engine, client, ref, inbox = portal
    client.get(f"/jobs/{ref}/reply")
    response = client.post(
        f"/jobs/{ref}/reply",
        data={"name": "A", "email": "a@example.com", "message": "Hi"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "This form had expired" in response.text and "a@example.com" in response.text
    assert rows(engine) == [] and inbox.messages == []


def test_a_double_submit_sends_once(portal: Any) -> None:
    settings, engine, client, ref, inbox = portal
    assert send(client, settings, ref).status_code == 303
    assert send(client, settings, ref).status_code == 303
    inbox.wait_for(1)
    assert len(rows(engine)) == 1 and len(inbox.messages) == 1


def test_closed_or_unknown_adverts_take_no_reply(portal: Any) -> None:
    settings, engine, client, _ref, inbox = portal
    closed = add_job(engine, closes=days_from_today(-1))
    assert client.get(f"/jobs/{closed}/reply").status_code == 404
    assert client.get("/jobs/NOPE/reply").status_code == 404
    assert client.get(f"/jobs/{closed}/reply/sent").status_code == 404
    assert rows(engine) == [] and inbox.messages == []
    assert settings


def test_one_sender_is_rate_limited_across_adverts(portal: Any) -> None:
    settings, engine, client, ref, inbox = portal
    others = [ref] + [add_job(engine) for _ in range(10)]
    for advert in others[:10]:
        assert send(client, settings, advert).status_code == 303
    refused = send(client, settings, others[10], message="One more")
    assert refused.status_code == 429
    assert "too many replies" in refused.text and "One more" in refused.text
    inbox.wait_for(10)
    assert len(rows(engine)) == 10


def test_one_connection_is_rate_limited(portal: Any) -> None:
    settings, engine, client, ref, inbox = portal
    for i in range(20):
        assert send(client, settings, ref, email=f"pa{i}@example.com").status_code == 303
    refused = send(client, settings, ref, email="pa99@example.com")
    assert refused.status_code == 429 and "internet connection" in refused.text
    inbox.wait_for(20)
    assert len(rows(engine)) == 20


def test_subject_access_finds_and_erasure_deletes_a_pas_replies(portal: Any) -> None:
    from pafinder.dataprotection import service
    from pafinder.subject import Subject

    settings, engine, client, ref, inbox = portal
    assert send(client, settings, ref, email="Pat.PA@example.com").status_code == 303
    inbox.wait_for(1)
    pat = Subject(email="pat.pa@example.com")
    found = service.subject_access(engine, pat)["job_replies_sent"]
    assert [r["advert"] for r in found] == [ref]
    assert service.preview(engine, pat)["job_replies_sent"] == 1
    assert service.subject_access(engine, Subject(email="x@example.com"))["job_replies_sent"] == []
    counts = service.erase(engine, settings, pat, "cli")
    assert counts["job_replies_sent"] == 1 and rows(engine) == []

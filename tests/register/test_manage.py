"""'Manage my listing': a fresh signed link by email, then an hour of self-service: edit (DBS
changes go back to staff), pause, withdraw, download everything, delete everything. The public
view is checked through the real search API and index."""

from __future__ import annotations

import json
from base64 import b64encode
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import inspect, text

from pafinder import outbox
from pafinder.app import SESSION_COOKIE, create_app
from pafinder.mail import build_message
from pafinder.register import lifecycle_mail
from pafinder.register.tables import pa_contacts
from pafinder.settings import Settings
from tests.conftest import Inbox, PageClient
from tests.register.lifecycle_helpers import (
    audit,
    engine_of,
    link_in,
    pa_settings,
    published_listing,
    register,
    rows,
)

M = "/become-a-pa/manage"


@pytest.fixture
def portal(tmp_path: Path, smtp: tuple[str, Inbox]) -> Iterator[tuple[Settings, PageClient, Inbox]]:
    url, inbox = smtp
    s = pa_settings(tmp_path, smtp_url=url)
    with PageClient(create_app(s), base_url="http://127.0.0.1") as c:
        yield s, c, inbox


def ask(client: PageClient, email: str) -> Any:
    return client.post(M, data={"csrftoken": client.csrf(M), "email": email})


def signed_in(settings: Settings, client: PageClient, inbox: Inbox, email: str) -> str:
    before = len(inbox.messages)
    assert "If we have a listing for" in ask(client, email).text
    message = inbox.wait_for(before + 1)[before]
    response = client.get(link_in(message, f"{M}/"), follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"{M}/listing"
    return str(message["To"])


def in_search(client: PageClient, ref: str) -> bool:
    refs = [r["ref"] for r in client.get("/api/pas?per_page=100").json()["results"]]
    return ref in refs


def test_link_for_an_unknown_address_says_the_same_and_sends_nothing(portal) -> None:
    _, client, inbox = portal
    page = ask(client, "nobody@example.org")
    assert page.status_code == 200 and "If we have a listing for" in page.text
    assert inbox.messages == []
    assert ask(client, "not-an-email").status_code == 400
    assert ask(client, "").status_code == 400


def test_link_opens_the_listing_for_one_hour_only(portal) -> None:
    settings, client, inbox = portal
    ref = published_listing(settings)
    signed_in(settings, client, inbox, "Pub@Example.org")
    page = client.get(f"{M}/listing")
    assert page.status_code == 200 and ref in page.text and "Published" in page.text
    assert {"pa.manage_link_sent", "pa.manage_opened"} <= {a["action"] for a in audit(settings)}
    # The session ends: pretend the hour is over with a session cookie signed like Starlette's.
    stale = {"pa_manage": {"ref": ref, "until": int(datetime.now(UTC).timestamp()) - 1}}
    cookie = TimestampSigner(str(settings.secret_key)).sign(b64encode(json.dumps(stale).encode()))
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, cookie.decode())
    response = client.get(f"{M}/listing", follow_redirects=False)
    assert response.headers["location"] == f"{M}?expired=1"
    assert "1 hour after opening the link" in client.get(response.headers["location"]).text


class _HourOld(TimestampSigner):
    def get_timestamp(self) -> int:
        return int((datetime.now(UTC) - timedelta(minutes=61)).timestamp())


def test_expired_tampered_and_wrong_purpose_links_are_refused(portal) -> None:
    settings, client, _ = portal
    ref = published_listing(settings)
    old = URLSafeTimedSerializer(str(settings.secret_key), salt="pa-manage", signer=_HourOld).dumps(
        {"ref": ref}
    )
    page = client.get(f"{M}/{old}")
    assert page.status_code == 400 and "That link has expired" in page.text
    good = lifecycle_mail.make_token(settings, lifecycle_mail.MANAGE, ref)
    assert client.get(f"{M}/{good[:-2]}xx").status_code == 400
    verify = lifecycle_mail.make_token(settings, lifecycle_mail.VERIFY, ref)
    assert client.get(f"{M}/{verify}").status_code == 400
    assert client.get(f"{M}/listing", follow_redirects=False).status_code == 303


def test_rate_limited_per_address(portal) -> None:
    settings, client, inbox = portal
    published_listing(settings)
    for _ in range(5):
        ask(client, "pub@example.org")
    inbox.wait_for(3)
    assert len(inbox.messages) == 3


def test_edit_other_than_dbs_shows_at_once(portal) -> None:
    settings, client, inbox = portal
    ref = published_listing(settings)
    signed_in(settings, client, inbox, "pub@example.org")
    before = rows(settings)[0]["updated_at"]
    form = client.get(f"{M}/edit/about-me")
    assert "I am patient and cheerful" in form.text and "Save changes" in form.text
    token = client.csrf(f"{M}/edit/about-me")
    bad = client.post(f"{M}/edit/about-me", data={"csrftoken": token, "about": "x" * 1001})
    assert bad.status_code == 400 and "x" * 1001 in bad.text
    response = client.post(
        f"{M}/edit/about-me",
        data={"csrftoken": token, "about": "Now also fluent in Makaton and keen on swimming."},
        follow_redirects=False,
    )
    assert response.headers["location"] == f"{M}/listing?saved=yes"
    [row] = rows(settings)
    assert row["status"] == "published" and row["dbs_checked"] is True
    assert row["about"].startswith("Now also fluent") and row["updated_at"] >= before
    assert in_search(client, ref)
    assert client.get("/api/pas?q=swimming").json()["total"] == 1
    edited = [a for a in audit(settings) if a["action"] == "pa.edited"]
    assert json.loads(edited[0]["detail"]) == {"fields": ["about"], "back_to_staff": False}


def test_dbs_change_sends_a_published_listing_back_to_staff(portal) -> None:
    settings, client, inbox = portal
    ref = published_listing(settings)
    signed_in(settings, client, inbox, "pub@example.org")
    token = client.csrf(f"{M}/edit/dbs-and-driving")
    page = client.get(f"{M}/edit/dbs-and-driving").text
    assert 'value="enhanced" checked' in page
    d = date.today() - timedelta(days=10)
    response = client.post(
        f"{M}/edit/dbs-and-driving",
        data={
            "csrftoken": token,
            "dbs": "enhanced_barred",
            "dbs_certificate_date-day": str(d.day),
            "dbs_certificate_date-month": str(d.month),
            "dbs_certificate_date-year": str(d.year),
            "dbs_update_service": "yes",
            "driving": "yes",
            "own_car": "no",
            "smoker": "no",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == f"{M}/listing?saved=checking"
    [row] = rows(settings)
    assert row["status"] == "pending" and row["dbs_checked"] is False
    assert row["dbs_check_method"] is None and row["dbs"] == "enhanced_barred"
    assert not in_search(client, ref)
    assert "check your DBS details" in client.get(response.headers["location"]).text


def test_email_cannot_be_changed_by_the_edit_page(portal) -> None:
    settings, client, inbox = portal
    published_listing(settings)
    signed_in(settings, client, inbox, "pub@example.org")
    token = client.csrf(f"{M}/edit/about-you")
    client.post(
        f"{M}/edit/about-you",
        data={
            "csrftoken": token,
            "first_name": "Ama",
            "last_name": "Okafor",
            "email": "attacker@example.org",
            "phone": "07700 900982",
            "postcode": "CW1 2AB",
        },
    )
    [row] = rows(settings)
    assert row["email"] == "pub@example.org" and row["first_name"] == "Ama"
    assert row["postcode"] == "CW1 2AB"


def test_pause_unpause_withdraw_and_restore(portal) -> None:
    settings, client, inbox = portal
    ref = published_listing(settings)
    signed_in(settings, client, inbox, "pub@example.org")
    assert in_search(client, ref)
    token = client.csrf(f"{M}/listing")
    client.post(f"{M}/pause", data={"csrftoken": token})
    assert rows(settings)[0]["paused"] is True and not in_search(client, ref)
    assert "not taking new work" in client.get(f"{M}/listing?saved=pause").text.lower()
    client.post(f"{M}/unpause", data={"csrftoken": token})
    assert rows(settings)[0]["paused"] is False and in_search(client, ref)
    assert "Are you sure" in client.get(f"{M}/withdraw").text
    client.post(f"{M}/withdraw", data={"csrftoken": token})
    assert rows(settings)[0]["status"] == "withdrawn" and not in_search(client, ref)
    client.post(f"{M}/restore", data={"csrftoken": token})
    assert rows(settings)[0]["status"] == "pending" and not in_search(client, ref)
    actions = [a["action"] for a in audit(settings) if a["actor"] == "pa"]
    for action in ("pa.paused", "pa.unpaused", "pa.withdrawn", "pa.restored"):
        assert action in actions


def _add_message(settings: Settings, pa_id: int) -> None:
    with engine_of(settings).begin() as conn:
        conn.execute(
            pa_contacts.insert().values(
                pa_id=pa_id,
                created_at=datetime(2026, 1, 2, 3, 4, 5),
                sender_name="Employer Erin",
                sender_email="erin@example.org",
                sender_phone="01632 960001",
                message="Could you help on Tuesdays?",
            )
        )
        # ... and its email to the PA still waiting, as if the mail server had refused it.
        to_pa = build_message(
            settings,
            "pub@example.org",
            "Employer Erin wants to contact you",
            "Could you help on Tuesdays?",
            reply_to="erin@example.org",
        )
        outbox.queue(conn, to_pa, "PA contact message")


def test_download_holds_everything_we_hold(portal) -> None:
    settings, client, inbox = portal
    ref = published_listing(settings)
    [row] = rows(settings)
    _add_message(settings, row["id"])
    signed_in(settings, client, inbox, "pub@example.org")
    response = client.get(f"{M}/download")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "attachment" in response.headers["content-disposition"]
    data = response.json()
    listing = data["listing"]
    for column, value in row.items():
        if column == "dbs_checked_by":
            continue
        assert column in listing, f"export misses {column}"
        if isinstance(value, str) and column not in (
            "areas",
            "languages",
            "tasks",
            "client_groups",
            "age_groups",
            "availability",
            "qualifications",
        ):
            assert listing[column] == value
    assert listing["areas"] == json.loads(row["areas"])
    assert listing["qualifications"] == json.loads(row["qualifications"])
    [message] = data["messages_from_employers"]
    assert message["message"] == "Could you help on Tuesdays?"
    assert message["sender_name"] == "Employer Erin"
    assert "pa.approved" in [h["action"] for h in data["history"]]
    assert ref == listing["ref"]


def test_delete_removes_everything_personal_at_once(portal) -> None:
    settings, client, inbox = portal
    register(client, settings, "pub@example.org")  # leaves a draft holding personal data
    client.get(link_in(inbox.wait_for(1)[0], "/become-a-pa/verify/"))
    from pafinder.register import lifecycle_store

    [row] = rows(settings)
    lifecycle_store.approve(
        engine_of(settings),
        settings,
        row["ref"],
        _staff(settings),
        "enhanced",
        "certificate",
        date.today(),
    )
    ref = row["ref"]
    _add_message(settings, row["id"])
    assert in_search(client, ref)
    signed_in(settings, client, inbox, "pub@example.org")
    assert "cannot be undone" in client.get(f"{M}/delete").text
    token = client.csrf(f"{M}/delete")
    response = client.post(f"{M}/delete", data={"csrftoken": token}, follow_redirects=False)
    assert response.headers["location"] == f"{M}/deleted"
    assert client.get(f"{M}/deleted").status_code == 200
    assert not in_search(client, ref)
    assert client.get(f"/api/pas/{ref}").status_code == 404
    assert client.get(f"{M}/listing", follow_redirects=False).status_code == 303

    # Query every table directly: nothing personal remains anywhere.
    personal = (
        "Amara",
        "Okafor",
        "pub@example.org",
        "07700 900982",
        "SK11 6AB",
        "Employer Erin",
        "erin@example.org",
        "Tuesdays",
        "gardening",
    )
    with engine_of(settings).connect() as conn:
        tables = inspect(conn).get_table_names()  # every table, on SQLite and PostgreSQL
        dump = "\n".join(
            repr(tuple(r)) for t in tables for r in conn.execute(text(f'SELECT * FROM "{t}"'))
        )
    for value in personal:
        assert value not in dump, f"{value!r} survived erasure"
    assert rows(settings) == []
    erased = [a for a in audit(settings) if a["action"] == "pa.erased"]
    assert len(erased) == 1 and erased[0]["subject_id"] == ref and erased[0]["detail"] == "{}"


def _staff(settings: Settings) -> int:
    from tests.register.lifecycle_helpers import staff_id

    return staff_id(settings)

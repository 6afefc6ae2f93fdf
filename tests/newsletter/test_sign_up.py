"""The public journey: sign up, the confirmation email (read from a real SMTP server), confirm,
on the list and in the export; bad addresses, repeats, robots, rate limits, and links that
have expired or been tampered with."""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import update

from pafinder.app import create_app
from pafinder.db import make_engine, utcnow
from pafinder.newsletter import signing, store
from pafinder.settings import Settings
from tests.conftest import Inbox, PageClient
from tests.newsletter.helpers import cli, link_in, portal, rows, sign_up

SAME_ANSWER = "If that email address is not on our newsletter list yet"


@pytest.fixture
def mailbox(tmp_path: Path, smtp: tuple[str, Inbox]) -> tuple[Settings, Inbox]:
    url, inbox = smtp
    return portal(tmp_path, smtp_url=url), inbox


def client_for(settings: Settings) -> PageClient:
    return PageClient(create_app(settings), base_url="http://127.0.0.1")


def test_sign_up_confirm_and_export(mailbox: tuple[Settings, Inbox]) -> None:
    settings, inbox = mailbox
    with client_for(settings) as client:
        form = client.get("/newsletter")
        assert form.status_code == 200
        assert 'autocomplete="email"' in form.text and 'spellcheck="false"' in form.text
        assert 'type="email"' in form.text and 'name="website"' in form.text
        sent = sign_up(client, settings, "  Ann.Example@Example.COM ")
        assert sent.status_code == 303
        assert sent.headers["location"] == "/newsletter/check-your-email"
        page = client.get(sent.headers["location"])
        assert page.status_code == 200 and "<h1" in page.text and SAME_ANSWER in page.text
        assert "example.com" not in page.text.lower()  # names no address
        [message] = inbox.wait_for(1)
        assert message["To"] == "ann.example@example.com"
        assert message["Subject"] == "Confirm you want the newsletter"
        assert not rows(settings)["ann.example@example.com"].subscribed  # not on the list yet
        empty = cli(settings, "newsletter", "export")
        assert empty.exit_code == 0 and empty.stdout.splitlines() == ["email,confirmed_at"]

        link = link_in(message, "confirm")
        confirmed = client.get(link)
        assert confirmed.status_code == 200
        assert "You have signed up for our newsletter" in confirmed.text
        again = client.get(link)  # idempotent: the same row, a kind page
        assert again.status_code == 200
        assert "You are already signed up for our newsletter" in again.text
    subscriber = rows(settings)["ann.example@example.com"]
    assert subscriber.subscribed

    result = cli(settings, "newsletter", "export")
    assert result.exit_code == 0, result.output
    [row] = list(csv.DictReader(io.StringIO(result.stdout)))
    assert row["email"] == "ann.example@example.com"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row["confirmed_at"])
    assert subscriber.confirmed_at is not None
    assert row["confirmed_at"] == subscriber.confirmed_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_unconfirmed_addresses_are_never_exported_and_are_purged(
    mailbox: tuple[Settings, Inbox],
) -> None:
    settings, inbox = mailbox
    with client_for(settings) as client:
        sign_up(client, settings, "confirms@example.com")
        sign_up(client, settings, "never@example.com")
        inbox.wait_for(2)
        client.get(link_in(inbox.to("confirms@example.com")[0], "confirm"))
    result = cli(settings, "newsletter", "export")
    assert "confirms@example.com" in result.stdout and "never@example.com" not in result.stdout
    engine = make_engine(settings.database_url)
    assert store.counts(engine) == store.Counts(confirmed=1, pending=1)

    # Eight days on, the unconfirmed sign-up goes at the daily purge; the confirmed one stays.
    with engine.begin() as conn:
        conn.execute(
            update(store.newsletter_subscribers).values(created_at=utcnow() - timedelta(days=8))
        )
    purged = cli(settings, "purge-drafts")
    assert purged.exit_code == 0, purged.output
    assert "Deleted 1 newsletter sign-ups not confirmed within 7 days" in purged.output
    assert set(rows(settings)) == {"confirms@example.com"}


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter your email address"),
        ("   ", "Enter your email address"),
        ("not-an-email", "Enter an email address in the correct format"),
        ("ann@", "Enter an email address in the correct format"),
        ("ann@example", "Enter an email address in the correct format"),
        ("<script>alert(1)</script>@example.com", "Enter an email address in the correct format"),
        ("🙂🙂@example.com", "Enter an email address in the correct format"),
        ("a" * 250 + "@example.com", "must be 254 characters or fewer"),
        ("x" * 20000, "must be 254 characters or fewer"),
    ],
)
def test_bad_addresses_are_400_with_a_message_and_nothing_saved(
    mailbox: tuple[Settings, Inbox], typed: str, message: str
) -> None:
    settings, inbox = mailbox
    with client_for(settings) as client:
        response = sign_up(client, settings, typed)
    assert response.status_code == 400
    assert message in response.text and "There is a problem" in response.text
    assert 'href="#email"' in response.text
    if typed.strip() and "<" not in typed and len(typed) < 1000:
        assert f'value="{typed.strip()}"' in response.text  # kept as typed
    assert "<script>alert" not in response.text
    assert rows(settings) == {}
    time.sleep(0.2)
    assert inbox.messages == []


def test_repeated_fields_and_odd_input_never_500(mailbox: tuple[Settings, Inbox]) -> None:
    settings, _ = mailbox
    with client_for(settings) as client:
        token = client.csrf("/newsletter")
        started = signing.form_started(settings, time.time() - 60)
        forms: list[dict[str, str | list[str]]] = [
            {
                "csrftoken": token,
                "email": ["a@example.com", "b@example.com"],
                "form-started": started,
            },
            {"csrftoken": token, "form-started": "²", "email": "a@example.com"},
            {"csrftoken": token, "form-started": started + "x", "email": "c@example.com"},
            {"csrftoken": token, "form-started": [started, started], "website": ["", ""]},
            {"csrftoken": token},
        ]
        for data in forms:
            response = client.post("/newsletter", data=data, follow_redirects=False)
            assert response.status_code in (303, 400), data
        for path in ("/newsletter/confirm/%C2%B2", "/newsletter/unsubscribe/" + "x" * 5000):
            assert client.get(path).status_code == 400


def test_a_second_sign_up_gets_the_same_answer_and_no_new_email(
    mailbox: tuple[Settings, Inbox],
) -> None:
    settings, inbox = mailbox
    with client_for(settings) as client:
        first = sign_up(client, settings, "ann@example.com")
        client.get(link_in(inbox.wait_for(1)[0], "confirm"))
        first_page = client.get(first.headers["location"]).text
    with client_for(settings) as stranger:
        second = sign_up(stranger, settings, "ANN@example.com")
        assert second.status_code == 303
        assert second.headers["location"] == first.headers["location"]
        assert stranger.get(second.headers["location"]).text == first_page
    time.sleep(0.5)
    assert len(inbox.messages) == 1  # nothing new to someone already on the list
    assert len(rows(settings)) == 1 and rows(settings)["ann@example.com"].subscribed


def test_honeypot_and_too_fast_sign_ups_are_dropped(mailbox: tuple[Settings, Inbox]) -> None:
    settings, inbox = mailbox
    with client_for(settings) as client:
        robot = sign_up(client, settings, "robot@example.com", website="http://spam.example")
        assert robot.status_code == 303  # looks like success to the robot
        assert robot.headers["location"] == "/newsletter/check-your-email"
        fast = sign_up(client, settings, "fast@example.com", ago=0)
        assert fast.status_code == 400
        assert "Check your email address, then select Sign up again" in fast.text
        assert 'value="fast@example.com"' in fast.text
        token = client.csrf("/newsletter")
        forged = client.post(
            "/newsletter",
            data={"csrftoken": token, "email": "f@example.com", "form-started": "1.abc"},
            follow_redirects=False,
        )
        assert forged.status_code == 400
    assert rows(settings) == {}
    time.sleep(0.5)
    assert inbox.messages == []


def test_sign_ups_are_rate_limited_per_address_and_per_connection(tmp_path: Path) -> None:
    settings = portal(tmp_path)  # the .eml outbox: no SMTP needed here
    with client_for(settings) as client:
        for _ in range(3):
            assert sign_up(client, settings, "ann@example.com").status_code == 303
        limited = sign_up(client, settings, "ann@example.com")
        assert limited.status_code == 429 and "several times in the last hour" in limited.text
        for number in range(16):
            assert sign_up(client, settings, f"p{number}@example.com").status_code == 303
        busy = sign_up(client, settings, "last@example.com")
        assert busy.status_code == 429 and "from your internet connection" in busy.text


class _Backdated(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time() - timedelta(days=8).total_seconds())


def test_expired_and_tampered_links_get_a_clear_400(mailbox: tuple[Settings, Inbox]) -> None:
    settings, inbox = mailbox
    with client_for(settings) as client:
        sign_up(client, settings, "ann@example.com")
        link = link_in(inbox.wait_for(1)[0], "confirm")
        subscriber_id = rows(settings)["ann@example.com"].id
        # A real link of the same row, as it would be made eight days ago.
        old = URLSafeTimedSerializer(
            str(settings.secret_key), salt=signing.CONFIRM_SALT, signer=_Backdated
        ).dumps({"id": subscriber_id})
        expired = client.get(f"/newsletter/confirm/{old}")
        assert expired.status_code == 400 and "This link has expired" in expired.text
        assert 'href="/newsletter"' in expired.text
        token = link.rsplit("/", 1)[1]
        tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
        for bad in (tampered, "x", token + "x", "." * 40):
            response = client.get(f"/newsletter/confirm/{bad}")
            assert response.status_code == 400 and "This link does not work" in response.text
            assert 'href="/newsletter"' in response.text
        # The unsubscribe salt is another: a confirm token is no unsubscribe link.
        assert client.get(f"/newsletter/unsubscribe/{token}").status_code == 400
    assert not rows(settings)["ann@example.com"].subscribed


def test_an_old_confirm_link_does_not_undo_an_unsubscribe(mailbox: tuple[Settings, Inbox]) -> None:
    settings, inbox = mailbox
    with client_for(settings) as client:
        sign_up(client, settings, "ann@example.com")
        link = link_in(inbox.wait_for(1)[0], "confirm")
        client.get(link)
        subscriber_id = rows(settings)["ann@example.com"].id
        time.sleep(1.1)  # the link's timestamp is in whole seconds
        store.unsubscribe(make_engine(settings.database_url), subscriber_id)
        stale = client.get(link)
        assert stale.status_code == 400 and "This link does not work" in stale.text
        assert not rows(settings)["ann@example.com"].subscribed
        # Signing up again sends a new link, which does put the address back.
        sign_up(client, settings, "ann@example.com")
        fresh = link_in(inbox.wait_for(2)[1], "confirm")
        assert client.get(fresh).status_code == 200
    assert rows(settings)["ann@example.com"].subscribed


def test_simultaneous_sign_ups_of_one_address_record_it_once(tmp_path: Path) -> None:
    import threading

    from pafinder.newsletter.routes import _sign_up

    settings = portal(tmp_path)
    engine = make_engine(settings.database_url)
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def one() -> None:
        barrier.wait()
        try:
            _sign_up(engine, settings, "ann@example.com")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert list(rows(settings)) == ["ann@example.com"]


def test_a_refused_csrf_token_shows_the_form_again_with_the_address(tmp_path: Path) -> None:
    settings = portal(tmp_path)
    with client_for(settings) as client:
        client.get("/newsletter")
        response = client.post("/newsletter", data={"csrftoken": "old", "email": "ann@example.com"})
    assert response.status_code == 403
    assert "This form had expired" in response.text
    assert 'value="ann@example.com"' in response.text
    assert rows(settings) == {}

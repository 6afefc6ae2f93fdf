"""Sign-in failures all look the same, and throttling replaces the lock (issue 8, point 6)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from pafinder.app import create_app
from pafinder.db import make_engine, utcnow
from pafinder.settings import Settings
from pafinder.staff import auth, signin, store
from pafinder.staff.store import ACCOUNT_FAILURES, ADDRESS_FAILURES, sign_in_throttle
from tests.conftest import (
    STAFF_PASSWORD,
    Inbox,
    PageClient,
    add_staff,
    body_text,
    make_settings,
    prepare,
    sign_in,
)

EMAIL = "staff@example.org"
WRONG = "wrong password here"


@pytest.fixture
def portal(tmp_path: Path, smtp: tuple[str, Inbox]) -> Iterator[tuple[Settings, PageClient, Inbox]]:
    url, inbox = smtp
    settings = make_settings(tmp_path, smtp_url=url)
    prepare(settings)
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        yield settings, client, inbox


def throttle(settings: Settings, key: str) -> Any:
    with make_engine(settings.database_url).connect() as conn:
        return conn.execute(select(sign_in_throttle).where(sign_in_throttle.c.key == key)).first()


def pause_over(settings: Settings) -> None:
    """Move the clock past every pause (by editing the table, not by sleeping)."""
    with make_engine(settings.database_url).begin() as conn:
        conn.execute(update(sign_in_throttle).values(blocked_until=utcnow() - timedelta(seconds=1)))


def answer(response: Any) -> tuple[int, str]:
    # The CSRF token may differ from page to page; everything else must be byte for byte equal.
    return response.status_code, re.sub(r'value="[^"]{20,}"', 'value="TOKEN"', response.text)


class CountingHasher(PasswordHasher):
    def __init__(self) -> None:
        super().__init__()
        self.verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified += 1
        return super().verify(hash, password)


def test_unknown_disabled_wrong_and_throttled_give_the_same_answer_and_work(
    portal: tuple[Settings, PageClient, Inbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, client, _ = portal
    hasher = CountingHasher()
    monkeypatch.setattr(auth, "_hasher", hasher)
    answers: dict[str, tuple[int, str]] = {}

    def attempt(name: str, password: str = WRONG) -> None:
        before = hasher.verified
        answers[name] = answer(sign_in(client, EMAIL, password))
        assert hasher.verified == before + 1, f"{name}: exactly one argon2 verification"

    attempt("unknown email")  # no account yet: the same address typed each time
    add_staff(settings, EMAIL)
    attempt("wrong password")
    for _ in range(ACCOUNT_FAILURES):
        sign_in(client, EMAIL, WRONG)
    attempt("throttled account, right password", STAFF_PASSWORD)
    pause_over(settings)
    store.disable(make_engine(settings.database_url), EMAIL)
    attempt("disabled account, right password", STAFF_PASSWORD)
    status, body = answers["unknown email"]
    assert status == 400 and "The email address or password is not right" in body
    for name, other in answers.items():
        assert other == answers["unknown email"], f"{name} answers differently"


def test_pauses_grow_1_2_4_minutes_up_to_an_hour_and_success_resets(
    portal: tuple[Settings, PageClient, Inbox],
) -> None:
    settings, client, _ = portal
    add_staff(settings, EMAIL)
    key = signin.account_key(EMAIL)
    lengths = []
    for _ in range(3):
        for _ in range(ACCOUNT_FAILURES):
            sign_in(client, EMAIL, WRONG)
        row = throttle(settings, key)
        lengths.append(round((row.blocked_until - utcnow()).total_seconds() / 60))
        assert sign_in(client, EMAIL).status_code == 400, "refused unchecked while paused"
        pause_over(settings)
    assert lengths == [1, 2, 4]
    assert [store.block_length(n) for n in (1, 6, 7, 20)] == [
        timedelta(minutes=1),
        timedelta(minutes=32),
        timedelta(hours=1),
        timedelta(hours=1),
    ]
    assert sign_in(client, EMAIL).status_code == 303, "the right password works after a pause"
    assert throttle(settings, key) is None, "success resets the account's throttling"


def test_fewer_failures_than_the_limit_or_spread_out_do_not_pause(
    portal: tuple[Settings, PageClient, Inbox],
) -> None:
    settings, client, _ = portal
    add_staff(settings, EMAIL)
    for _ in range(ACCOUNT_FAILURES - 1):
        sign_in(client, EMAIL, WRONG)
    # The 15-minute window passes before the next failure.
    with make_engine(settings.database_url).begin() as conn:
        conn.execute(
            update(sign_in_throttle).values(window_started_at=utcnow() - timedelta(minutes=16))
        )
    sign_in(client, EMAIL, WRONG)
    assert throttle(settings, signin.account_key(EMAIL)).blocked_until is None
    assert sign_in(client, EMAIL).status_code == 303


def test_the_person_is_emailed_once_per_pause(portal: tuple[Settings, PageClient, Inbox]) -> None:
    settings, client, inbox = portal
    add_staff(settings, EMAIL)
    for _ in range(ACCOUNT_FAILURES + 3):  # the extra attempts fall inside the pause
        sign_in(client, EMAIL, WRONG)
    [message] = inbox.wait_for(1)
    assert message["To"] == EMAIL
    assert message["Subject"] == "Someone tried to sign in to your staff account"
    text = body_text(message)
    assert "nobody can sign in to it for 1 minute" in text and "/staff/sign-in" in text
    pause_over(settings)
    for _ in range(ACCOUNT_FAILURES):
        sign_in(client, EMAIL, WRONG)
    inbox.wait_for(2)
    assert "for 2 minutes" in body_text(inbox.messages[1])
    assert len(inbox.messages) == 2


def test_no_email_and_the_same_throttling_for_an_unknown_address(
    portal: tuple[Settings, PageClient, Inbox],
) -> None:
    settings, client, inbox = portal
    for _ in range(ACCOUNT_FAILURES):
        sign_in(client, "nobody@example.org", WRONG)
    assert throttle(settings, signin.account_key("Nobody@Example.org")).blocked_until
    assert inbox.messages == []


def test_one_address_is_paused_after_guessing_at_many_accounts(
    portal: tuple[Settings, PageClient, Inbox],
) -> None:
    settings, client, _ = portal
    add_staff(settings, EMAIL)
    for n in range(ADDRESS_FAILURES):
        sign_in(client, f"guess{n}@example.org", WRONG)
    assert sign_in(client, EMAIL).status_code == 400, "this address is paused"
    engine = make_engine(settings.database_url)
    elsewhere = signin.attempt(engine, settings, EMAIL, STAFF_PASSWORD, "192.0.2.7")
    assert elsewhere.member is not None, "the account itself is not paused"


def test_old_throttling_is_purged(portal: tuple[Settings, PageClient, Inbox]) -> None:
    settings, client, _ = portal
    sign_in(client, "nobody@example.org", WRONG)
    engine = make_engine(settings.database_url)
    assert store.purge_throttle(engine) == 0
    assert store.purge_throttle(engine, utcnow() + timedelta(days=2)) == 2  # account, address
    when: datetime = utcnow()
    assert store.purge_throttle(engine, when) == 0

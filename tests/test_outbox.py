"""The email outbox: a mail server that is down loses nothing, a referral and its emails are
one transaction, retries back off, two senders never send one email twice, and stale emails
(personal data) do not wait for ever. Real SQLite, a real SMTP server (aiosmtpd) and a port with
nothing listening on it for 'the mail server is down'."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from sqlalchemy import func, select, update

from pafinder import outbox
from pafinder.app import create_app
from pafinder.cli import main
from pafinder.db import make_engine, utcnow
from pafinder.mail import build_message
from pafinder.referrals.store import referrals
from pafinder.settings import Settings
from tests.conftest import Inbox, PageClient, add_staff, free_port, sign_in
from tests.referrals.helpers import answers_for, errors_of, portal, service, submit


def rows(settings: Settings) -> list[dict[str, object]]:
    with make_engine(settings.database_url).connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(outbox.mail_outbox))]


def time_passes(settings: Settings, minutes: int) -> None:
    """Move every queued email's clock back, as if ``minutes`` had gone by."""
    with make_engine(settings.database_url).begin() as conn:
        for row in conn.execute(select(outbox.mail_outbox)).all():
            conn.execute(
                update(outbox.mail_outbox)
                .where(outbox.mail_outbox.c.id == row.id)
                .values(
                    created_at=row.created_at - timedelta(minutes=minutes),
                    next_attempt_at=row.next_attempt_at - timedelta(minutes=minutes),
                )
            )


def cli(settings: Settings, *args: str) -> tuple[int, str]:
    env = {
        "PAFINDER_DATA_DIR": str(settings.data_dir),
        "PAFINDER_DATABASE_URL": settings.database_url,
        "PAFINDER_CONTENT_DIR": str(settings.content_dir),
        "PAFINDER_SITE_DIR": str(settings.site_dir),
        "PAFINDER_INDEX_DIR": str(settings.index_dir),
        "PAFINDER_SMTP_URL": settings.smtp_url or "",
        "PAFINDER_SECRET_KEY": str(settings.secret_key),
    }
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.output


def test_a_referral_made_while_the_mail_server_is_down_gets_its_emails_later(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    down = portal(tmp_path, smtp_url=f"smtp://127.0.0.1:{free_port()}")
    with PageClient(create_app(down), base_url="http://127.0.0.1") as client:
        response = submit(client, "carers", answers_for(service(down, "carers")))
        assert response.status_code == 303, errors_of(response.text)
    waiting = rows(down)
    assert sorted(r["purpose"] for r in waiting) == [
        "referral acknowledgement",
        "referral staff notification",
    ]
    # The first failed; the second was left for later, since the server is down.
    assert [(r["attempts"], r["last_error"]) for r in waiting] == [
        (1, "ConnectionRefusedError"),
        (0, ""),
    ]
    assert not inbox.messages

    # The mail server is back: `pafinder send-mail` sends the one never tried at once, and the
    # one that failed once its one-minute pause is over.
    up = replace(down, smtp_url=url)
    code, output = cli(up, "send-mail")
    assert code == 0 and "Sent 1 emails; 1 waiting." in output, output
    assert [str(m["To"]) for m in inbox.wait_for(1)] == ["ada@example.org"]
    time_passes(up, 2)
    code, output = cli(up, "send-mail")
    assert code == 0 and "Sent 1 emails; 0 waiting." in output, output
    assert sorted(str(m["To"]) for m in inbox.wait_for(2)) == [
        "ada@example.org",
        "carers@example.org",
    ]
    assert rows(up) == []  # sent emails, and the personal data in them, are not kept


def test_send_mail_fails_loudly_while_the_mail_server_refuses(tmp_path: Path) -> None:
    settings = portal(tmp_path, smtp_url=f"smtp://127.0.0.1:{free_port()}")
    engine = make_engine(settings.database_url)
    with engine.begin() as conn:
        outbox.queue(conn, build_message(settings, "pa@example.org", "Hello", "Hi"), "test")
    code, output = cli(settings, "send-mail")
    assert code == 1
    assert "1 emails could not be sent and will be tried again" in output
    [row] = rows(settings)
    assert row["attempts"] == 1 and row["last_error"] == "ConnectionRefusedError"
    assert row["next_attempt_at"] > utcnow()


def test_a_referral_and_its_emails_commit_together(tmp_path: Path) -> None:
    """If queueing the emails fails, the referral is not saved either: nothing half-way."""
    settings = portal(tmp_path)
    engine = make_engine(settings.database_url)
    with engine.begin() as conn:  # a broken outbox: every queue() fails
        conn.exec_driver_sql("ALTER TABLE mail_outbox RENAME TO mail_outbox_gone")
    with PageClient(
        create_app(settings), base_url="http://127.0.0.1", raise_server_exceptions=False
    ) as client:
        response = submit(client, "carers", answers_for(service(settings, "carers")))
    assert response.status_code == 500
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(referrals)).scalar() == 0


def test_retry_pauses_grow_to_an_hour() -> None:
    pauses = [outbox.retry_pause(n).total_seconds() / 60 for n in range(1, 10)]
    assert pauses == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_two_senders_never_send_the_same_email(tmp_path: Path, smtp: tuple[str, Inbox]) -> None:
    url, inbox = smtp
    settings = portal(tmp_path, smtp_url=url)
    engine = make_engine(settings.database_url)
    with engine.begin() as conn:
        ids = [
            outbox.queue(conn, build_message(settings, f"p{n}@example.org", "Hi", "Hi"), "test")
            for n in range(3)
        ]
    with engine.begin() as conn:  # another sender holds the first email
        conn.execute(
            update(outbox.mail_outbox)
            .where(outbox.mail_outbox.c.id == ids[0])
            .values(claimed_until=utcnow() + timedelta(minutes=5))
        )
    assert outbox.deliver(engine, settings).sent == 2
    assert outbox.deliver(engine, settings).sent == 0
    assert sorted(str(m["To"]) for m in inbox.wait_for(2)) == ["p1@example.org", "p2@example.org"]
    assert [r["id"] for r in rows(settings)] == [ids[0]]


def test_emails_unsent_for_three_days_are_dropped_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = portal(tmp_path, smtp_url=f"smtp://127.0.0.1:{free_port()}")
    engine = make_engine(settings.database_url)
    with engine.begin() as conn:
        outbox.queue(conn, build_message(settings, "old@example.org", "Hi", "Hi"), "stale test")
    time_passes(settings, 3 * 24 * 60 + 1)
    with caplog.at_level(logging.ERROR, logger="pafinder.outbox"):
        done = outbox.deliver(engine, settings)
    assert (done.sent, done.failed, done.dropped) == (0, 0, 1)
    assert rows(settings) == []
    assert "(stale test) given up" in caplog.text and "old@example.org" not in caplog.text


def test_staff_home_warns_when_emails_are_stuck(tmp_path: Path) -> None:
    settings = portal(tmp_path, smtp_url=f"smtp://127.0.0.1:{free_port()}")
    engine = make_engine(settings.database_url)
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        sign_in(client, add_staff(settings))
        assert "waiting to be sent" not in client.get("/staff/").text
        with engine.begin() as conn:
            outbox.queue(conn, build_message(settings, "a@example.org", "Hi", "Hi"), "test")
        assert "waiting to be sent" not in client.get("/staff/").text  # a moment is normal
        time_passes(settings, 20)
        page = client.get("/staff/").text
    assert "1 email is waiting to be sent" in page
    assert "The mail server may be down" in page


def test_a_mail_server_that_is_down_stops_the_run_and_leaves_the_rest(tmp_path: Path) -> None:
    settings = portal(tmp_path, smtp_url=f"smtp://127.0.0.1:{free_port()}")
    engine = make_engine(settings.database_url)
    with engine.begin() as conn:
        for n in range(3):
            outbox.queue(conn, build_message(settings, f"p{n}@example.org", "Hi", "Hi"), "test")
    done = outbox.deliver(engine, settings)
    assert (done.sent, done.failed) == (0, 1)
    assert [(r["attempts"], r["claimed_until"]) for r in rows(settings)] == [
        (1, None),
        (0, None),  # not tried, and free for the next run at once
        (0, None),
    ]


class RefusesOne(Inbox):
    """A real SMTP server that refuses one mailbox, as a server does for an unknown user."""

    async def handle_RCPT(
        self, server: object, session: object, envelope: Any, address: str, options: object
    ) -> str:
        if address == "gone@example.org":
            return "550 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_one_refused_address_does_not_hold_up_the_others(tmp_path: Path) -> None:
    inbox = RefusesOne()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = portal(tmp_path, smtp_url=f"smtp://127.0.0.1:{port}")
        engine = make_engine(settings.database_url)
        with engine.begin() as conn:
            for to in ("gone@example.org", "here@example.org"):
                outbox.queue(conn, build_message(settings, to, "Hi", "Hi"), "test")
        done = outbox.deliver(engine, settings)
    finally:
        controller.stop()
    assert (done.sent, done.failed) == (1, 1)
    assert [str(m["To"]) for m in inbox.messages] == ["here@example.org"]
    [left] = rows(settings)
    assert left["recipient"] == "gone@example.org"
    assert left["last_error"] == "SMTPRecipientsRefused"

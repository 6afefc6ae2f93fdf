"""Freshness: 'still available' reminders every 90 days with a one-click (POST) confirmation,
listings unconfirmed for 120 days out of search, and DBS and training renewal reminders at most
once every 90 days. Emails read from a real SMTP server; search checked through the real API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import text

from pafinder.app import create_app
from pafinder.cli import main
from pafinder.db import utcnow
from pafinder.register.lifecycle import run_freshness
from pafinder.register.tables import pas
from pafinder.settings import Settings
from tests.conftest import Inbox, PageClient, body_text
from tests.register.lifecycle_helpers import (
    audit,
    engine_of,
    link_in,
    pa_settings,
    published_listing,
    rows,
)

TODAY = date.today()


@pytest.fixture
def portal(tmp_path: Path, smtp: tuple[str, Inbox]) -> Iterator[tuple[Settings, PageClient, Inbox]]:
    url, inbox = smtp
    s = pa_settings(tmp_path, smtp_url=url)
    with PageClient(create_app(s), base_url="http://127.0.0.1") as c:
        yield s, c, inbox


def set_row(settings: Settings, ref: str, **values: object) -> None:
    with engine_of(settings).begin() as conn:
        conn.execute(pas.update().where(pas.c.ref == ref).values(**values))


def in_search(client: PageClient, ref: str) -> bool:
    return ref in [r["ref"] for r in client.get("/api/pas?per_page=100").json()["results"]]


def in_text_index(settings: Settings, ref: str) -> bool:
    from pafinder.search import open_index

    pa_id = {r["ref"]: r["id"] for r in rows(settings)}[ref]
    ix = open_index(settings.index_dir, "pas")
    assert ix is not None
    with ix.searcher() as searcher:
        return searcher.document(pa=str(pa_id)) is not None


def test_reminder_at_90_days_then_one_click_confirmation(portal) -> None:
    settings, client, inbox = portal
    engine = engine_of(settings)
    fresh = published_listing(settings, "fresh@example.org")
    due = published_listing(settings, "due@example.org")
    set_row(settings, due, confirmed_at=utcnow() - timedelta(days=91))
    report = run_freshness(engine, settings)
    assert report.reminded == 1
    [message] = inbox.wait_for(1)
    assert message["To"] == "due@example.org" and due in body_text(message)
    assert run_freshness(engine, settings).reminded == 0, "not reminded twice"
    assert len(inbox.messages) == 1
    assert fresh not in body_text(message)

    path = link_in(message, "/become-a-pa/still-available/")
    before = {r["ref"]: r for r in rows(settings)}[due]
    page = client.get(path)
    assert page.status_code == 200 and "Yes, I am still available" in page.text
    assert {r["ref"]: r for r in rows(settings)}[due]["confirmed_at"] == before["confirmed_at"], (
        "a GET (a link scanner) must not confirm"
    )
    confirmed = client.post(path, data={"csrftoken": client.csrf(path)})
    assert "your listing is up to date" in confirmed.text
    after = {r["ref"]: r for r in rows(settings)}[due]
    assert after["confirmed_at"] > before["confirmed_at"]
    assert "pa.confirmed_available" in [a["action"] for a in audit(settings)]
    # 90 days after that confirmation (the reminder came just before it), the next one goes out.
    set_row(
        settings,
        due,
        confirmed_at=utcnow() - timedelta(days=95),
        reminder_sent_at=utcnow() - timedelta(days=96),
    )
    assert run_freshness(engine, settings).reminded == 1


def test_unconfirmed_for_120_days_leaves_search_until_confirmed(portal) -> None:
    settings, client, _ = portal
    engine = engine_of(settings)
    ref = published_listing(settings, "stale@example.org")
    assert in_search(client, ref)
    set_row(
        settings,
        ref,
        confirmed_at=utcnow() - timedelta(days=121),
        reminder_sent_at=utcnow() - timedelta(days=30),
    )
    assert in_text_index(settings, ref)
    report = run_freshness(engine, settings)
    assert report.out_of_search == 1 and report.reminded == 0
    assert not in_text_index(settings, ref)
    assert client.get(f"/api/pas/{ref}").status_code == 404
    from pafinder.register import lifecycle_mail

    token = lifecycle_mail.make_token(settings, lifecycle_mail.STILL_AVAILABLE, ref)
    path = f"/become-a-pa/still-available/{token}"
    client.post(path, data={"csrftoken": client.csrf(path)})
    assert in_text_index(settings, ref) and in_search(client, ref)
    assert client.get(f"/api/pas/{ref}").status_code == 200


class _OldSigner(TimestampSigner):
    def get_timestamp(self) -> int:
        return int((datetime.now(UTC) - timedelta(days=31)).timestamp())


def test_still_available_link_expires_after_30_days_and_cannot_be_forged(portal) -> None:
    settings, client, _ = portal
    ref = published_listing(settings)
    old = URLSafeTimedSerializer(
        str(settings.secret_key), salt="pa-still-available", signer=_OldSigner
    ).dumps({"ref": ref})
    assert client.get(f"/become-a-pa/still-available/{old}").status_code == 400
    forged = URLSafeTimedSerializer("wrong-key", salt="pa-still-available").dumps({"ref": ref})
    assert client.get(f"/become-a-pa/still-available/{forged}").status_code == 400


def test_renewal_reminders_for_old_dbs_and_expiring_training_at_most_every_90_days(portal) -> None:
    settings, _, inbox = portal
    engine = engine_of(settings)
    published_listing(settings, "fine@example.org")
    old_dbs = published_listing(
        settings,
        "olddbs@example.org",
        dbs_certificate_date=TODAY - timedelta(days=3 * 365 + 10),
        dbs_update_service=False,
    )
    published_listing(
        settings,
        "soon@example.org",
        qualifications=[
            {
                "slug": "emergency-first-aid",
                "date": TODAY - timedelta(days=1000),
                "expires": TODAY + timedelta(days=20),
            }
        ],
    )
    report = run_freshness(engine, settings)
    assert report.expiry_reminded == 2
    inbox.wait_for(2)
    by_address = {str(m["To"]): body_text(m) for m in inbox.messages}
    assert set(by_address) == {"olddbs@example.org", "soon@example.org"}
    assert "over 3 years old" in by_address["olddbs@example.org"]
    assert "Emergency first aid expires on" in by_address["soon@example.org"]
    assert run_freshness(engine, settings).expiry_reminded == 0
    # 91 days later it is sent again if still not renewed.
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE audit_log SET at = :at WHERE action = "
                "'pa.expiry_reminder_sent' AND subject_id = :ref"
            ),
            {"at": utcnow() - timedelta(days=91), "ref": old_dbs},
        )
    assert run_freshness(engine, settings).expiry_reminded == 1


def test_command_line(portal, tmp_path: Path) -> None:
    settings, _, inbox = portal
    ref = published_listing(settings, "cli@example.org")
    set_row(settings, ref, confirmed_at=utcnow() - timedelta(days=100))
    env = {
        "PAFINDER_DATA_DIR": str(settings.data_dir),
        "PAFINDER_DATABASE_URL": settings.database_url,
        "PAFINDER_CONTENT_DIR": str(settings.content_dir),
        "PAFINDER_SITE_DIR": str(settings.site_dir),
        "PAFINDER_INDEX_DIR": str(settings.index_dir),
        "PAFINDER_SECRET_KEY": "test-secret-key-for-pafinder-tests-only",
        "PAFINDER_SMTP_URL": settings.smtp_url or "",
    }
    result = CliRunner().invoke(main, ["pa-freshness"], env=env)
    assert result.exit_code == 0, result.output
    assert "Sent 1 'still available' reminders" in result.output
    inbox.wait_for(1)

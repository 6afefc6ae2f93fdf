"""Staff checking job adverts: the queue (plain labels, Europe/London times), an advert's page
(audited), Publish, Return with a required reason emailed to the employer with their link; and
the retention and data protection of adverts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from pafinder.app import create_app
from pafinder.dataprotection import service
from pafinder.db import utcnow
from pafinder.jobs.tables import jobs
from pafinder.settings import Settings
from pafinder.subject import Subject
from tests.conftest import Inbox, PageClient, add_staff, body_text, sign_in
from tests.jobs.post_helpers import engine_of, job, job_settings, link_in, make_job, rows


@pytest.fixture
def portal(tmp_path: Path, smtp: tuple[str, Inbox]) -> Iterator[tuple[Settings, PageClient, Inbox]]:
    url, inbox = smtp
    s = job_settings(tmp_path, smtp_url=url)
    add_staff(s, "checker@example.org")
    with PageClient(create_app(s), base_url="http://127.0.0.1") as c:
        yield s, c, inbox


def audit(settings: Settings) -> list[tuple[str, str, str]]:
    with engine_of(settings).connect() as conn:
        found = conn.execute(text("SELECT action, subject_id, detail FROM audit_log ORDER BY id"))
        return [(r.action, r.subject_id, str(r.detail)) for r in found]


def test_staff_pages_need_a_signed_in_member(portal) -> None:
    settings, client, _ = portal
    advert = make_job(settings)
    for path in ("/staff/jobs", f"/staff/jobs/{advert['ref']}"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and "/staff/sign-in" in response.headers["location"]


def test_queue_lists_pending_adverts_in_london_time_with_plain_labels(portal) -> None:
    settings, client, _ = portal
    waiting = make_job(settings, "pending")
    with engine_of(settings).begin() as conn:
        # 1 July 2026, 11:30 UTC is 12:30pm in London (summer time).
        conn.execute(
            jobs.update()
            .where(jobs.c.id == waiting["id"])
            .values(confirmed_at=datetime(2026, 7, 1, 11, 30))
        )
    unconfirmed = make_job(settings, "unconfirmed")
    published = make_job(settings, "published")
    sign_in(client, "checker@example.org")
    queue = client.get("/staff/jobs")
    assert queue.status_code == 200
    assert waiting["ref"] in queue.text and "1 July 2026 at 12:30pm" in queue.text
    assert unconfirmed["ref"] not in queue.text and published["ref"] not in queue.text
    page = client.get(f"/staff/jobs/{waiting['ref']}")
    assert page.status_code == 200
    for words in (
        "Waiting for a check",
        "Personal care (washing",
        "Monday morning",
        "Enhanced (recommended)",
        "Yes, it must be a man",
        "Shown postcode",
    ):
        assert words in page.text, words
    assert "personal-care" not in page.text and "mon-am" not in page.text
    assert ("job.viewed", waiting["ref"], "{}") in audit(settings)
    assert client.get("/staff/jobs/JNOTHERE").status_code == 404


def test_publish(portal) -> None:
    settings, client, inbox = portal
    advert = make_job(settings, "pending")
    sign_in(client, "checker@example.org")
    token = client.csrf(f"/staff/jobs/{advert['ref']}")
    done = client.post(
        f"/staff/jobs/{advert['ref']}/publish", data={"csrftoken": token}, follow_redirects=False
    )
    assert done.status_code == 303
    published = job(settings, advert["ref"])
    assert published["status"] == "published" and published["published_at"] is not None
    assert published["published_by"] is not None
    assert ("job.published", advert["ref"], "{}") in audit(settings)
    [message] = inbox.wait_for(1)
    assert message["To"] == "employer@example.org"
    assert "/jobs/manage/" in body_text(message)
    # A second click (or a colleague) changes nothing and sends nothing.
    again = client.post(
        f"/staff/jobs/{advert['ref']}/publish", data={"csrftoken": token}, follow_redirects=False
    )
    assert (
        "Someone else has already dealt with that advert"
        in client.get(again.headers["location"]).text
    )
    assert [a for a, _, _ in audit(settings)].count("job.published") == 1


def test_return_needs_a_reason_then_emails_it_with_the_management_link(portal) -> None:
    settings, client, inbox = portal
    advert = make_job(settings, "pending")
    sign_in(client, "checker@example.org")
    token = client.csrf(f"/staff/jobs/{advert['ref']}")
    empty = client.post(
        f"/staff/jobs/{advert['ref']}/return",
        data={"csrftoken": token, "reason": "   "},
        follow_redirects=False,
    )
    assert empty.status_code == 400 and "There is a problem" in empty.text
    assert 'href="#reason"' in empty.text and "Enter the reason" in empty.text
    huge = client.post(
        f"/staff/jobs/{advert['ref']}/return",
        data={"csrftoken": token, "reason": "x" * 3000},
        follow_redirects=False,
    )
    assert huge.status_code == 400 and "2,000 characters or fewer" in huge.text
    assert job(settings, advert["ref"])["status"] == "pending"
    reason = "Please take out the street name <b>Acacia Avenue</b>"
    sent = client.post(
        f"/staff/jobs/{advert['ref']}/return",
        data={"csrftoken": token, "reason": reason},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    returned = job(settings, advert["ref"])
    assert returned["status"] == "returned" and returned["returned_reason"] == reason
    actions = audit(settings)
    assert ("job.returned", advert["ref"], "{}") in actions
    assert not any("Acacia" in detail for _, _, detail in actions)  # never the words
    [message] = inbox.wait_for(1)
    assert message["Subject"] == "Your job advert needs changes"
    assert reason in body_text(message)
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as employer:
        page = employer.get(link_in(message, "/jobs/manage/"))
        assert page.status_code == 200 and "Acacia Avenue" in page.text
        assert "<b>Acacia" not in page.text


def test_purge_deletes_unconfirmed_after_the_link_and_adverts_90_days_after_closing(portal) -> None:
    settings, _, _ = portal
    today = utcnow().date()
    old_unconfirmed = make_job(settings, "unconfirmed")
    new_unconfirmed = make_job(settings, "unconfirmed")
    long_closed = make_job(settings, "published", closes=today - timedelta(days=91))
    recently_closed = make_job(settings, "published", closes=today - timedelta(days=80))
    closed_early = make_job(settings, "closed", closed_at=utcnow() - timedelta(days=91))
    with engine_of(settings).begin() as conn:
        conn.execute(
            jobs.update()
            .where(jobs.c.id == old_unconfirmed["id"])
            .values(created_at=utcnow() - timedelta(days=8))
        )
    done = service.purge(engine_of(settings), settings)
    assert done.jobs == 3
    left = {r["ref"] for r in rows(settings)}
    assert left == {new_unconfirmed["ref"], recently_closed["ref"]}
    assert long_closed["ref"] not in left and closed_early["ref"] not in left


def test_subject_access_finds_and_erasure_deletes_an_employers_adverts(portal) -> None:
    settings, _, _ = portal
    mine = make_job(settings, "published", email="me@example.org")
    other = make_job(settings, "published", email="someone@example.org")
    found = service.subject_access(engine_of(settings), Subject(email="ME@example.org"))
    assert [j["ref"] for j in found["job_adverts"]] == [mine["ref"]]
    assert service.preview(engine_of(settings), Subject(email="me@example.org"))["job_adverts"] == 1
    counts = service.erase(engine_of(settings), settings, Subject(email="me@example.org"), "cli")
    assert counts["job_adverts"] == 1
    assert [r["ref"] for r in rows(settings)] == [other["ref"]]

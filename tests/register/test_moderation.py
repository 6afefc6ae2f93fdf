"""Staff moderation: the queue, the full record, approving with a DBS check, rejecting with a
reason emailed to the PA; staff-only, and every action in the audit log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from pafinder.app import create_app
from pafinder.register import lifecycle_store
from pafinder.settings import Settings
from tests.conftest import Inbox, PageClient, add_staff, body_text, sign_in
from tests.register.lifecycle_helpers import audit, engine_of, pa_settings, pending_listing, rows

TODAY = date.today()


@pytest.fixture
def portal(tmp_path: Path, smtp: tuple[str, Inbox]) -> Iterator[tuple[Settings, PageClient, Inbox]]:
    url, inbox = smtp
    s = pa_settings(tmp_path, smtp_url=url)
    with PageClient(create_app(s), base_url="http://127.0.0.1") as c:
        yield s, c, inbox


@pytest.fixture
def staff_client(portal):
    settings, client, inbox = portal
    add_staff(settings, "checker@example.org")
    assert sign_in(client, "checker@example.org").status_code == 303
    return settings, client, inbox


def test_staff_pages_need_a_signed_in_member(portal) -> None:
    settings, client, _ = portal
    ref = pending_listing(settings)
    for path in ("/staff/pas", f"/staff/pas/{ref}"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/staff/sign-in")
    token = client.csrf("/staff/sign-in")
    response = client.post(
        f"/staff/pas/{ref}/approve", data={"csrftoken": token}, follow_redirects=False
    )
    assert response.status_code == 303 and rows(settings)[0]["status"] == "pending"


def test_queue_lists_pending_oldest_first_with_flags(staff_client) -> None:
    settings, client, _ = staff_client
    old_dbs = pending_listing(
        settings,
        "old@example.org",
        first_name="Olwen",
        dbs_certificate_date=TODAY - timedelta(days=4 * 365),
        dbs_update_service=False,
    )
    expired = pending_listing(
        settings,
        "exp@example.org",
        first_name="Elif",
        qualifications=[
            {
                "slug": "emergency-first-aid",
                "date": TODAY - timedelta(days=900),
                "expires": TODAY - timedelta(days=30),
            }
        ],
    )
    fine = pending_listing(settings, "fine@example.org", first_name="Fatima")
    on_update = pending_listing(
        settings,
        "upd@example.org",
        first_name="Ursula",
        dbs_certificate_date=TODAY - timedelta(days=4 * 365),
        dbs_update_service=True,
    )
    page = client.get("/staff/pas").text
    positions = [page.index(ref) for ref in (old_dbs, expired, fine, on_update)]
    assert positions == sorted(positions), "oldest first"
    assert page.count("DBS certificate over 3 years old and not on the Update Service") == 1
    assert "Training expired: emergency-first-aid" in page
    unverified_ref = lifecycle_store.new_ref()
    with engine_of(settings).begin() as conn:
        lifecycle_store.create_unverified(
            conn,
            unverified_ref,
            {"first_name": "Una", "last_name": "Verified", "email": "u@example.org"},
        )
    assert unverified_ref not in client.get("/staff/pas").text, "unverified stays out of the queue"


def test_record_shows_private_details_and_access_is_audited(staff_client) -> None:
    settings, client, _ = staff_client
    ref = pending_listing(settings)
    page = client.get(f"/staff/pas/{ref}").text
    for shown in ("Okafor", "pend@example.org", "07700 900982", "SK11 6AB", "No: declared"):
        assert shown in page
    viewed = [a for a in audit(settings) if a["action"] == "pa.viewed"]
    assert len(viewed) == 1 and viewed[0]["actor"].startswith("staff:")
    assert viewed[0]["subject_id"] == ref
    assert client.get("/staff/pas/PANOPE00").status_code == 404


def test_approve_needs_a_complete_dbs_check_and_keeps_what_was_typed(staff_client) -> None:
    settings, client, _ = staff_client
    ref = pending_listing(settings)
    token = client.csrf(f"/staff/pas/{ref}")
    response = client.post(f"/staff/pas/{ref}/approve", data={"csrftoken": token})
    assert response.status_code == 400
    for message in (
        "Select the level shown",
        "Select how you checked",
        "Enter the date you checked",
    ):
        assert message in response.text
    assert 'href="#checked_on-day"' in response.text
    future = TODAY + timedelta(days=2)
    response = client.post(
        f"/staff/pas/{ref}/approve",
        data={
            "csrftoken": token,
            "dbs_level": "enhanced",
            "check_method": "certificate",
            "checked_on-day": str(future.day),
            "checked_on-month": str(future.month),
            "checked_on-year": str(future.year),
        },
    )
    assert response.status_code == 400 and "today or in the past" in response.text
    assert 'value="enhanced" checked' in response.text
    assert 'value="certificate" checked' in response.text
    assert rows(settings)[0]["status"] == "pending"


def test_approve_publishes_records_the_check_and_emails_the_pa(staff_client) -> None:
    settings, client, inbox = staff_client
    ref = pending_listing(settings)
    token = client.csrf(f"/staff/pas/{ref}")
    checked = TODAY - timedelta(days=1)
    response = client.post(
        f"/staff/pas/{ref}/approve",
        data={
            "csrftoken": token,
            "dbs_level": "enhanced_barred",
            "check_method": "update_service",
            "checked_on-day": str(checked.day),
            "checked_on-month": str(checked.month),
            "checked_on-year": str(checked.year),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "approved and published" in client.get(response.headers["location"]).text
    [listing] = rows(settings)
    assert listing["status"] == "published" and listing["published_at"] is not None
    assert listing["confirmed_at"] is not None
    assert listing["dbs"] == "enhanced_barred" and listing["dbs_checked"] is True
    assert listing["dbs_check_method"] == "update_service"
    assert listing["dbs_checked_at"].date() == checked
    assert listing["dbs_checked_by"] is not None
    assert lifecycle_store.searchable(lifecycle_store.get(engine_of(settings), ref) or {})
    [approved] = [a for a in audit(settings) if a["action"] == "pa.approved"]
    assert approved["actor"] == f"staff:{listing['dbs_checked_by']}"
    assert json.loads(approved["detail"]) == {
        "dbs_checked": True,
        "level": "enhanced_barred",
        "method": "update_service",
        "checked_on": checked.isoformat(),
    }
    [message] = inbox.wait_for(1)
    assert message["To"] == "pend@example.org" and "now published" in body_text(message)
    # Approving twice is refused, not repeated.
    again = client.post(f"/staff/pas/{ref}/approve", data={"csrftoken": token})
    assert again.status_code == 409


def test_declared_no_dbs_is_published_without_a_check(staff_client) -> None:
    settings, client, _ = staff_client
    ref = pending_listing(settings, dbs="none", dbs_certificate_date=None, dbs_update_service=False)
    token = client.csrf(f"/staff/pas/{ref}")
    response = client.post(
        f"/staff/pas/{ref}/approve", data={"csrftoken": token}, follow_redirects=False
    )
    assert response.status_code == 303
    [listing] = rows(settings)
    assert listing["status"] == "published" and listing["dbs_checked"] is False


def test_reject_needs_a_reason_and_emails_it_to_the_pa(staff_client) -> None:
    settings, client, inbox = staff_client
    ref = pending_listing(settings)
    token = client.csrf(f"/staff/pas/{ref}")
    empty = client.post(f"/staff/pas/{ref}/reject", data={"csrftoken": token, "reason": "  "})
    assert empty.status_code == 400 and "Enter the reason" in empty.text
    huge = client.post(f"/staff/pas/{ref}/reject", data={"csrftoken": token, "reason": "x" * 2001})
    assert huge.status_code == 400 and "2,000 characters or fewer" in huge.text
    reason = "We could not read the date on your DBS certificate. Please phone us, Amara."
    response = client.post(
        f"/staff/pas/{ref}/reject",
        data={"csrftoken": token, "reason": reason},
        follow_redirects=False,
    )
    assert response.status_code == 303
    [listing] = rows(settings)
    assert listing["status"] == "rejected" and listing["rejection_reason"] == reason
    [message] = inbox.wait_for(1)
    assert reason in body_text(message) and message["To"] == "pend@example.org"
    [rejected] = [a for a in audit(settings) if a["action"] == "pa.rejected"]
    assert "Amara" not in rejected["detail"] and "DBS" not in rejected["detail"]

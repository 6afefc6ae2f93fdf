"""Staff management of the PA register (issue 9, point 7): every listing in any state, filtered,
searched and paged; taking a published listing down with a reason emailed to the PA; internal
notes; a listing's history; and the rule that only a change needing a new DBS check hides a
published listing (a downgrade does not), with the PA told when it does. Through the real HTTP
layer, database, search index and an aiosmtpd server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from pafinder import outbox
from pafinder.app import create_app
from pafinder.register import lifecycle_store
from pafinder.register.admin.store import pa_notes
from pafinder.settings import Settings
from pafinder.web.templating import format_date, format_time
from tests.conftest import Inbox, PageClient, add_staff, body_text, sign_in
from tests.register.lifecycle_helpers import (
    audit,
    engine_of,
    link_in,
    pa_settings,
    pending_listing,
    published_listing,
)

M = "/become-a-pa/manage"
ALL = "/staff/pas/all"


@pytest.fixture
def portal(tmp_path: Path, smtp: tuple[str, Inbox]) -> Iterator[tuple[Settings, PageClient, Inbox]]:
    url, inbox = smtp
    s = pa_settings(tmp_path, smtp_url=url)
    with PageClient(create_app(s), base_url="http://127.0.0.1") as c:
        yield s, c, inbox


@pytest.fixture
def staff_client(portal):
    settings, client, inbox = portal
    add_staff(settings, "registrar@example.org")
    assert sign_in(client, "registrar@example.org").status_code == 303
    return settings, client, inbox


def listing(settings: Settings, ref: str) -> dict[str, Any]:
    found = lifecycle_store.get(engine_of(settings), ref)
    assert found is not None
    return found


def in_search(client: PageClient, ref: str) -> bool:
    return ref in [r["ref"] for r in client.get("/api/pas?per_page=100").json()["results"]]


def unverified(settings: Settings, email: str, first_name: str = "Una") -> str:
    ref = lifecycle_store.new_ref()
    with engine_of(settings).begin() as conn:
        lifecycle_store.create_unverified(
            conn, ref, {"first_name": first_name, "last_name": "Verified", "email": email}
        )
    return ref


def every_state(settings: Settings) -> dict[str, str]:
    """One listing in each state staff can filter by: state -> reference."""
    engine = engine_of(settings)
    refs = {
        "unverified": unverified(settings, "una@example.org"),
        "pending": pending_listing(settings, "pending@example.org", first_name="Penny"),
        "published": published_listing(settings, "published@example.org", first_name="Pablo"),
        "paused": published_listing(settings, "paused@example.org", first_name="Paula"),
        "rejected": pending_listing(settings, "rejected@example.org", first_name="Rhys"),
        "withdrawn": published_listing(settings, "withdrawn@example.org", first_name="Wen"),
        "taken_down": published_listing(settings, "down@example.org", first_name="Dara"),
    }
    lifecycle_store.set_paused(engine, settings, refs["paused"], True)
    lifecycle_store.reject(engine, settings, refs["rejected"], 1, "Your about-me is empty.")
    lifecycle_store.withdraw(engine, settings, refs["withdrawn"])
    from pafinder.register.admin import store

    store.take_down(engine, settings, refs["taken_down"], 1, "Complaint upheld.")
    return refs


# --- The register list --------------------------------------------------------------------


def test_register_needs_a_signed_in_member(portal) -> None:
    settings, client, _ = portal
    ref = published_listing(settings)
    response = client.get(ALL, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/staff/sign-in")
    token = client.csrf("/staff/sign-in")
    for action, field in (("take-down", "reason"), ("notes", "note")):
        response = client.post(
            f"/staff/pas/{ref}/{action}",
            data={"csrftoken": token, field: "Anything"},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"].startswith("/staff/sign-in")
    assert listing(settings, ref)["status"] == "published"
    with engine_of(settings).connect() as conn:
        assert conn.execute(select(func.count()).select_from(pa_notes)).scalar() == 0


def test_register_lists_every_state_with_plain_labels_and_filters_by_state(staff_client) -> None:
    settings, client, _ = staff_client
    refs = every_state(settings)
    page = client.get(ALL)
    assert page.status_code == 200
    for ref in refs.values():
        assert f'href="/staff/pas/{ref}"' in page.text
    assert "7 listings match" in page.text
    for label in (
        "Email address not confirmed",
        "Waiting for a check",
        "Published but paused by the PA",
        "Rejected",
        "Withdrawn by the PA",
        "Taken down",
    ):
        assert label in page.text
    assert "taken_down" not in page.text.replace('value="taken_down"', "")
    for state, ref in refs.items():
        only = client.get(ALL, params={"state": state}).text
        assert "1 listing matches" in only, state
        assert f'href="/staff/pas/{ref}"' in only, state
        assert f'value="{state}" selected' in only
    bad = client.get(ALL, params={"state": "deleted"})
    assert bad.status_code == 400
    assert "There is a problem" in bad.text and 'href="#state"' in bad.text


def test_register_searches_by_reference_name_or_email(staff_client) -> None:
    settings, client, _ = staff_client
    refs = every_state(settings)

    def found(q: str, **extra: str) -> set[str]:
        text = client.get(ALL, params={"q": q, **extra}).text
        return {ref for ref in refs.values() if f'href="/staff/pas/{ref}"' in text}

    assert found(refs["paused"].lower()) == {refs["paused"]}
    assert found("penny") == {refs["pending"]}
    assert found("Pablo Okafor") == {refs["published"]}
    assert found("DOWN@example") == {refs["taken_down"]}
    assert found("okafor", state="withdrawn") == {refs["withdrawn"]}
    assert found("100%_") == set()  # LIKE wildcards typed are literal characters
    page = client.get(ALL, params={"q": "Penny"}).text
    assert 'value="Penny"' in page, "what was typed is kept"
    assert client.get(ALL, params={"q": "x" * 101}).status_code == 400


def test_register_is_paged_fifty_at_a_time(staff_client) -> None:
    settings, client, _ = staff_client
    with engine_of(settings).begin() as conn:
        for n in range(51):
            lifecycle_store.create_unverified(
                conn,
                lifecycle_store.new_ref(),
                {"first_name": f"Person{n}", "last_name": "Paged", "email": f"p{n}@example.org"},
            )
    first = client.get(ALL, params={"q": "paged"}).text
    assert "51 listings match" in first and "Showing 1 to 50" in first
    assert first.count('class="govuk-summary-card"') == 50
    assert 'href="/staff/pas/all?q=paged&amp;page=2"' in first
    second = client.get(ALL, params={"q": "paged", "page": "2"}).text
    assert "Showing 51 to 51" in second
    assert second.count('class="govuk-summary-card"') == 1
    assert "Showing 51 to 51" in client.get(ALL, params={"q": "paged", "page": "99"}).text
    assert "Showing 1 to 50" in client.get(ALL, params={"q": "paged", "page": "x"}).text


def test_existing_staff_urls_still_work_and_the_staff_home_links_the_register(
    staff_client,
) -> None:
    settings, client, _ = staff_client
    ref = pending_listing(settings)
    assert ref in client.get("/staff/pas").text
    assert client.get(f"/staff/pas/{ref}").status_code == 200
    assert f'href="{ALL}"' in client.get("/staff/").text


# --- Taking a listing down ----------------------------------------------------------------


def test_take_down_needs_a_reason_and_keeps_what_was_typed(staff_client) -> None:
    settings, client, inbox = staff_client
    ref = published_listing(settings)
    token = client.csrf(f"/staff/pas/{ref}")
    empty = client.post(f"/staff/pas/{ref}/take-down", data={"csrftoken": token, "reason": " "})
    assert empty.status_code == 400
    assert "Enter the reason for taking the listing down" in empty.text
    assert 'href="#take_down_reason"' in empty.text
    long = "Too long. " * 201
    too_long = client.post(f"/staff/pas/{ref}/take-down", data={"csrftoken": token, "reason": long})
    assert too_long.status_code == 400 and "2,000 characters or fewer" in too_long.text
    assert long.strip() in too_long.text
    assert listing(settings, ref)["status"] == "published" and in_search(client, ref)
    assert not [a for a in audit(settings) if a["action"] == "pa.taken_down"]
    assert inbox.to("pub@example.org") == [], "nothing emailed"


def test_take_down_hides_the_listing_emails_the_reason_and_is_audited(staff_client) -> None:
    settings, client, inbox = staff_client
    ref = published_listing(settings)
    assert in_search(client, ref)
    assert client.get(f"/find-a-pa/{ref}").status_code == 200
    assert client.get("/api/pas", params={"q": "gardening"}).json()["total"] == 1
    before = len(inbox.to("pub@example.org"))
    token = client.csrf(f"/staff/pas/{ref}")
    reason = "A family told us you <b>asked for cash</b>. That is not allowed."
    response = client.post(
        f"/staff/pas/{ref}/take-down",
        data={"csrftoken": token, "reason": reason},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/staff/pas/{ref}?done=taken-down"
    row = listing(settings, ref)
    assert row["status"] == "taken_down" and row["rejection_reason"] == reason
    # Out of search, the API, the text index and the public profile at once.
    assert not in_search(client, ref)
    assert client.get("/api/pas", params={"q": "gardening"}).json()["total"] == 0
    assert client.get(f"/api/pas/{ref}").status_code == 404
    assert client.get(f"/find-a-pa/{ref}").status_code == 404
    # The PA is emailed the reason; the outbox is empty once it has gone.
    messages = [m for m in inbox.wait_for(before + 1) if "pub@example.org" in str(m["To"])]
    sent = messages[-1]
    assert sent["Subject"] == "We have taken down your listing"
    assert reason in body_text(sent) and ref in body_text(sent)
    with engine_of(settings).connect() as conn:
        assert conn.execute(select(func.count()).select_from(outbox.mail_outbox)).scalar() == 0
    [entry] = [a for a in audit(settings) if a["action"] == "pa.taken_down"]
    assert entry["actor"].startswith("staff:") and entry["subject_id"] == ref
    assert "cash" not in entry["detail"], "the reason stays off the audit log"
    page = client.get(response.headers["location"]).text
    assert "Listing taken down. The PA has been emailed the reason." in page
    assert "&lt;b&gt;asked for cash&lt;/b&gt;" in page and "<b>asked" not in page
    assert "Take down and email the PA" not in page


def test_take_down_posted_twice_changes_nothing_twice(staff_client) -> None:
    settings, client, inbox = staff_client
    ref = published_listing(settings)
    token = client.csrf(f"/staff/pas/{ref}")
    data = {"csrftoken": token, "reason": "Duplicate listing."}
    assert client.post(f"/staff/pas/{ref}/take-down", data=data).status_code == 200
    again = client.post(f"/staff/pas/{ref}/take-down", data=data)
    assert again.status_code == 400 and "not published" in again.text
    assert len([a for a in audit(settings) if a["action"] == "pa.taken_down"]) == 1
    inbox.wait_for(1)
    subjects = [m["Subject"] for m in inbox.to("pub@example.org")]
    assert subjects.count("We have taken down your listing") == 1


def test_only_a_published_listing_can_be_taken_down(staff_client) -> None:
    settings, client, _ = staff_client
    ref = pending_listing(settings)
    page = client.get(f"/staff/pas/{ref}").text
    assert "Take down and email the PA" not in page
    token = client.csrf(f"/staff/pas/{ref}")
    response = client.post(
        f"/staff/pas/{ref}/take-down", data={"csrftoken": token, "reason": "Because."}
    )
    assert response.status_code == 400 and "not published" in response.text
    assert listing(settings, ref)["status"] == "pending"
    unknown = client.post("/staff/pas/PANOPE00/take-down", data={"csrftoken": token})
    assert unknown.status_code == 404


def test_a_taken_down_pa_is_told_and_can_send_the_listing_back(staff_client, portal) -> None:
    settings, client, inbox = staff_client
    ref = published_listing(settings)
    from pafinder.register.admin import store

    store.take_down(engine_of(settings), settings, ref, 1, "Your photo was of someone else.")
    pa = PageClient(create_app(settings), base_url="http://127.0.0.1")
    with pa:
        open_manage(pa, inbox, "pub@example.org")
        assert "Taken down by our team" in pa.get(f"{M}/listing").text
        token = pa.csrf(f"{M}/edit/about-me")
        response = pa.post(
            f"{M}/edit/about-me",
            data={"csrftoken": token, "about": "All my own work, and I love gardening."},
            follow_redirects=False,
        )
        assert response.headers["location"] == f"{M}/listing?saved=sent"
        assert "sent your listing to our team" in pa.get(response.headers["location"]).text
    assert listing(settings, ref)["status"] == "pending"
    assert ref in client.get("/staff/pas").text, "back in the moderation queue"


# --- Notes --------------------------------------------------------------------------------


def test_notes_are_validated_escaped_and_signed_with_author_and_london_time(staff_client) -> None:
    settings, client, _ = staff_client
    ref = published_listing(settings)
    token = client.csrf(f"/staff/pas/{ref}")
    empty = client.post(f"/staff/pas/{ref}/notes", data={"csrftoken": token, "note": ""})
    assert empty.status_code == 400 and "Enter the note" in empty.text
    assert 'href="#note"' in empty.text
    long = "n" * 5001
    too_long = client.post(f"/staff/pas/{ref}/notes", data={"csrftoken": token, "note": long})
    assert too_long.status_code == 400 and "5,000 characters or fewer" in too_long.text
    assert long in too_long.text
    note = "Called the PA: <script>alert(1)</script> says references are on the way."
    response = client.post(
        f"/staff/pas/{ref}/notes", data={"csrftoken": token, "note": note}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/staff/pas/{ref}?done=note#notes"
    with engine_of(settings).connect() as conn:
        [stored] = conn.execute(select(pa_notes)).all()
    assert stored.body == note
    page = client.get(f"/staff/pas/{ref}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    stamp = f"registrar@example.org, {format_date(stored.created_at)} at "
    assert stamp + format_time(stored.created_at) in page
    [entry] = [a for a in audit(settings) if a["action"] == "pa.note_added"]
    assert "references" not in entry["detail"] and entry["actor"].startswith("staff:")
    assert client.get(f"/staff/pas/{ref}").text.count("says references are on the way") == 1
    exactly = client.post(f"/staff/pas/{ref}/notes", data={"csrftoken": token, "note": "m" * 5000})
    assert exactly.status_code == 200


def test_notes_are_never_shown_to_the_pa_or_the_public(staff_client) -> None:
    settings, client, inbox = staff_client
    ref = published_listing(settings)
    token = client.csrf(f"/staff/pas/{ref}")
    client.post(f"/staff/pas/{ref}/notes", data={"csrftoken": token, "note": "SECRET-NOTE-42"})
    assert "SECRET-NOTE-42" not in client.get(f"/find-a-pa/{ref}").text
    assert "SECRET-NOTE-42" not in client.get(f"/api/pas/{ref}").text
    pa = PageClient(create_app(settings), base_url="http://127.0.0.1")
    with pa:
        open_manage(pa, inbox, "pub@example.org")
        assert "SECRET-NOTE-42" not in pa.get(f"{M}/listing").text
        assert "SECRET-NOTE-42" not in pa.get(f"{M}/download").text
    lifecycle_store.erase(engine_of(settings), settings, ref)
    with engine_of(settings).connect() as conn:
        assert conn.execute(select(func.count()).select_from(pa_notes)).scalar() == 0


# --- History ------------------------------------------------------------------------------


def test_history_shows_every_change_with_who_and_when(staff_client) -> None:
    settings, client, _ = staff_client
    ref = published_listing(settings)  # registered, confirmed, approved by moderator@
    engine = engine_of(settings)
    lifecycle_store.edit(engine, settings, ref, {"about": "Now with more gardening."})
    lifecycle_store.set_paused(engine, settings, ref, True)
    lifecycle_store.set_paused(engine, settings, ref, False)
    token = client.csrf(f"/staff/pas/{ref}")
    client.post(f"/staff/pas/{ref}/notes", data={"csrftoken": token, "note": "Checked refs."})
    client.post(f"/staff/pas/{ref}/take-down", data={"csrftoken": token, "reason": "Complaint."})
    page = client.get(f"/staff/pas/{ref}").text
    history = page[page.index('id="history"') :]
    expected = [
        "Taken down",
        "Note added",
        "Unpaused by the PA",
        "Paused by the PA",
        "Edited by the PA",
        "Approved and published",
        "Email address confirmed: sent for a check",
        "Registered",
    ]
    positions = [history.index(f">{label}</h3>") for label in expected]
    assert positions == sorted(positions), "newest first"
    assert "Changed: about me." in history
    assert "DBS check recorded: Enhanced, saw the certificate" in history
    assert "By moderator@example.org" in history and "By registrar@example.org" in history
    assert "By the PA on" in history
    assert "Viewed" not in history, "looking is not a change"
    [row] = [a for a in audit(settings) if a["action"] == "pa.taken_down"]
    at = row["at"] if isinstance(row["at"], datetime) else datetime.fromisoformat(row["at"])
    assert f"{format_date(at)} at {format_time(at)}" in history


# --- The DBS rule: only a change that needs a new check hides a published listing ---------


def open_manage(client: PageClient, inbox: Inbox, email: str) -> None:
    before = len(inbox.messages)
    client.post(M, data={"csrftoken": client.csrf(M), "email": email})
    message = next(m for m in inbox.wait_for(before + 1)[before:] if "Manage" in m["Subject"])
    response = client.get(link_in(message, f"{M}/"), follow_redirects=False)
    assert response.headers["location"] == f"{M}/listing"


def dbs_form(dbs: str, certificate: date | None, update_service: str) -> dict[str, str]:
    form = {"dbs": dbs, "driving": "yes", "own_car": "no", "smoker": "no"}
    if certificate is not None:
        form.update(
            {
                "dbs_certificate_date-day": str(certificate.day),
                "dbs_certificate_date-month": str(certificate.month),
                "dbs_certificate_date-year": str(certificate.year),
                "dbs_update_service": update_service,
            }
        )
    return form


def save_dbs(client: PageClient, form: dict[str, str]) -> str:
    token = client.csrf(f"{M}/edit/dbs-and-driving")
    response = client.post(
        f"{M}/edit/dbs-and-driving", data={"csrftoken": token, **form}, follow_redirects=False
    )
    assert response.status_code == 303, response.text[:2000]
    return str(response.headers["location"])


def hidden_emails(inbox: Inbox) -> list[Any]:
    return [m for m in inbox.messages if m["Subject"] == "Your listing is hidden until we check it"]


@pytest.mark.parametrize(
    ("dbs", "update_service", "still_checked"),
    [
        ("standard", "yes", True),  # a lower level on the same certificate
        ("enhanced", "no", True),  # leaving the Update Service
        ("none", "", False),  # no DBS at all: nothing left to have been checked
    ],
)
def test_a_dbs_downgrade_keeps_the_listing_published_and_searchable(
    portal, dbs: str, update_service: str, still_checked: bool
) -> None:
    settings, client, inbox = portal
    ref = published_listing(settings)
    certificate = listing(settings, ref)["dbs_certificate_date"]
    open_manage(client, inbox, "pub@example.org")
    where = save_dbs(client, dbs_form(dbs, certificate if dbs != "none" else None, update_service))
    assert where == f"{M}/listing?saved=yes"
    row = listing(settings, ref)
    assert row["status"] == "published" and row["dbs"] == dbs
    assert row["dbs_checked"] is still_checked
    assert in_search(client, ref)
    assert client.get("/api/pas", params={"q": "gardening"}).json()["total"] == 1
    assert client.get(f"/find-a-pa/{ref}").status_code == 200
    page = client.get(where).text
    assert "Your changes are saved and showing on your listing." in page
    assert "hidden from employers until" not in page
    assert hidden_emails(inbox) == []
    [edited] = [a for a in audit(settings) if a["action"] == "pa.edited"]
    assert json.loads(edited["detail"])["back_to_staff"] is False


@pytest.mark.parametrize(
    ("dbs", "new_certificate", "update_service"),
    [
        ("enhanced_barred", False, "yes"),  # a higher level claimed
        ("enhanced", True, "yes"),  # a new certificate for staff to see
    ],
)
def test_a_change_that_needs_a_check_hides_the_listing_and_tells_the_pa(
    portal, dbs: str, new_certificate: bool, update_service: str
) -> None:
    settings, client, inbox = portal
    ref = published_listing(settings)
    certificate = listing(settings, ref)["dbs_certificate_date"]
    if new_certificate:
        certificate = date.today() - timedelta(days=5)
    open_manage(client, inbox, "pub@example.org")
    where = save_dbs(client, dbs_form(dbs, certificate, update_service))
    assert where == f"{M}/listing?saved=checking"
    row = listing(settings, ref)
    assert row["status"] == "pending" and row["dbs_checked"] is False
    assert not in_search(client, ref)
    assert client.get("/api/pas", params={"q": "gardening"}).json()["total"] == 0
    assert client.get(f"/find-a-pa/{ref}").status_code == 404
    page = client.get(where).text
    assert "Your listing is hidden from employers until our team can check" in page
    assert "We have emailed you about this" in page
    inbox.wait_for(2)  # the manage link, then the 'hidden' email
    [email] = hidden_emails(inbox)
    assert "pub@example.org" in str(email["To"]) and ref in body_text(email)
    assert "cannot find your listing until our team has checked" in body_text(email)


def test_the_update_service_newly_claimed_needs_a_check(portal) -> None:
    settings, client, inbox = portal
    ref = published_listing(settings, dbs_update_service=False)
    certificate = listing(settings, ref)["dbs_certificate_date"]
    open_manage(client, inbox, "pub@example.org")
    assert save_dbs(client, dbs_form("enhanced", certificate, "yes")).endswith("saved=checking")
    assert listing(settings, ref)["status"] == "pending"


def test_needs_dbs_check_rule() -> None:
    checked = {
        "dbs": "standard",
        "dbs_certificate_date": date(2025, 2, 14),
        "dbs_update_service": False,
    }
    needs = lifecycle_store.needs_dbs_check
    assert needs(checked, {"dbs": "enhanced"})
    assert needs(checked, {"dbs_certificate_date": date(2026, 1, 1)})
    assert needs(checked, {"dbs_update_service": True})
    assert not needs(checked, {"dbs": "basic"})
    assert not needs(checked, {"dbs": "none", "dbs_certificate_date": None})
    assert not needs(checked, {"dbs_certificate_date": "2025-02-14"})
    assert not needs({**checked, "dbs_update_service": True}, {"dbs_update_service": False})

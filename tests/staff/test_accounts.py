"""/staff/accounts (issue 9, point 6): administrators add, disable, enable and unlock accounts and
set their services; a disabled account's open session stops at once; a locked-out person is
told how to get unlocked."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from pafinder.app import create_app
from pafinder.db import make_engine
from pafinder.settings import Settings
from pafinder.staff import store
from pafinder.staff.store import ACCOUNT_FAILURES
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

ADMIN = "admin@example.org"
WORKER = "worker@example.org"
NEW_PASSWORD = "a brand new temporary one"


@pytest.fixture
def portal(tmp_path: Path, smtp: tuple[str, Inbox]) -> Iterator[tuple[Settings, PageClient, Inbox]]:
    url, inbox = smtp
    settings = make_settings(tmp_path, smtp_url=url)
    prepare(settings)
    add_staff(settings, ADMIN, role="admin")
    add_staff(settings, WORKER, services=("peer-support",))
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        assert sign_in(client, ADMIN).status_code == 303
        yield settings, client, inbox


def new_client(settings: Settings) -> PageClient:
    return PageClient(create_app(settings), base_url="http://127.0.0.1")


def member(settings: Settings, email: str) -> store.StaffMember:
    found = store.get_by_email(make_engine(settings.database_url), email)
    assert found is not None
    return found


def audit_actions(settings: Settings) -> list[tuple[str, str, str]]:
    entries = store.recent_audit(make_engine(settings.database_url), 1000)
    return [(e["actor"], e["action"], e["subject_id"]) for e in entries]


def post(client: PageClient, path: str, data: dict[str, Any], page: str = "/staff/accounts") -> Any:
    token = client.csrf(page)
    return client.post(path, data={**data, "csrftoken": token}, follow_redirects=False)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_list_shows_role_services_state_and_last_sign_in(
    portal: tuple[Settings, PageClient, Inbox],
) -> None:
    _, client, _ = portal
    page = client.get("/staff/accounts")
    assert page.status_code == 200
    text = text_of(page.text)
    assert ADMIN in text and WORKER in text
    assert "Administrator" in text and "Staff" in text
    assert "Peer support" in text  # the service's name, not its slug
    assert "All services (administrator)" in text
    assert "Active" in text
    assert "Never" in text  # the worker has not signed in
    assert "Times are UK time" in text
    assert re.search(r"\d{1,2} \w+ 20\d\d at \d{1,2}(:\d\d)?(am|pm)|midday", text)
    assert 'href="/staff/accounts/' in page.text


def test_the_staff_home_links_to_accounts_for_admins_only(
    portal: tuple[Settings, PageClient, Inbox],
) -> None:
    settings, client, _ = portal
    assert 'href="/staff/accounts"' in client.get("/staff/").text
    with new_client(settings) as other:
        sign_in(other, WORKER)
        assert 'href="/staff/accounts"' not in other.get("/staff/").text


def test_staff_members_are_refused_every_accounts_route(
    portal: tuple[Settings, PageClient, Inbox],
) -> None:
    settings, _, _ = portal
    admin_id = member(settings, ADMIN).id
    with new_client(settings) as other:
        assert other.get("/staff/accounts", follow_redirects=False).status_code == 303
        sign_in(other, WORKER)
        assert other.get("/staff/accounts").status_code == 403
        assert other.get(f"/staff/accounts/{admin_id}").status_code == 403
        token = other.csrf("/staff/")
        for action in ("disable", "enable", "unlock", "services", "password"):
            response = other.post(
                f"/staff/accounts/{admin_id}/{action}",
                data={"csrftoken": token, "password": NEW_PASSWORD},
            )
            assert response.status_code == 403, action
            assert "You do not have permission" in response.text
        response = other.post(
            "/staff/accounts",
            data={"csrftoken": token, "email": "x@example.org", "role": "admin"},
        )
        assert response.status_code == 403
    assert member(settings, ADMIN).disabled_at is None
    assert store.get_by_email(make_engine(settings.database_url), "x@example.org") is None


def test_an_admin_adds_an_account_who_can_then_sign_in(
    portal: tuple[Settings, PageClient, Inbox],
) -> None:
    settings, client, _ = portal
    response = post(
        client,
        "/staff/accounts",
        {
            "email": " New.Person@Example.org ",
            "role": "staff",
            "services": ["peer-support"],
            "password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 303
    added = member(settings, "new.person@example.org")
    assert response.headers["location"] == f"/staff/accounts?done=added&account={added.id}"
    assert added.role == "staff" and added.services == frozenset({"peer-support"})
    assert NEW_PASSWORD not in added.password_hash
    banner = client.get(response.headers["location"]).text
    assert "govuk-notification-banner--success" in banner
    assert "new.person@example.org can now sign in" in banner
    admin_id = member(settings, ADMIN).id
    assert (f"staff:{admin_id}", "staff.created", str(added.id)) in audit_actions(settings)
    with new_client(settings) as theirs:
        assert sign_in(theirs, "new.person@example.org", NEW_PASSWORD).status_code == 303


ADD_ERRORS = [
    ({"email": WORKER}, "email", f"There is already a staff account for {WORKER}"),
    ({"email": WORKER.upper()}, "email", f"There is already a staff account for {WORKER}"),
    ({"email": "not-an-email"}, "email", "Enter an email address in the correct format"),
    ({"email": "a@b"}, "email", "Enter an email address in the correct format"),
    ({"email": "x" * 300 + "@example.org"}, "email", "in the correct format"),
    ({"email": ""}, "email", "Enter an email address"),
    ({"password": "short"}, "password", "The password must be 12 characters or more"),
    ({"password": ""}, "password", "Enter a temporary password"),
    ({"password": "x" * 1001}, "password", "1000 characters or fewer"),
    ({"services": ["peer-support", "nope"]}, "services", "Choose services from the list"),
    ({"role": "superuser"}, "role", "Choose a role: staff or administrator"),
    ({"role": ""}, "role", "Choose a role"),
]


@pytest.mark.parametrize(("change", "field", "message"), ADD_ERRORS)
def test_adding_with_a_mistake_is_a_400_keeping_what_was_typed(
    portal: tuple[Settings, PageClient, Inbox], change: dict[str, Any], field: str, message: str
) -> None:
    settings, client, _ = portal
    engine = make_engine(settings.database_url)
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(store.staff)).scalar_one()
    data: dict[str, Any] = {
        "email": "someone@example.org",
        "role": "admin",
        "services": ["peer-support"],
        "password": NEW_PASSWORD,
        **change,
    }
    response = post(client, "/staff/accounts", data)
    assert response.status_code == 400
    assert "govuk-error-summary" in response.text
    assert f'href="#{field}"' in response.text
    assert message in response.text
    assert NEW_PASSWORD not in response.text  # a password is never shown back
    if field != "email" and data["email"]:
        assert f'value="{data["email"]}"' in response.text
    if field != "role" and data["role"] == "admin":
        assert re.search(r'value="admin" checked', response.text)
    if field != "services":
        assert re.search(r'value="peer-support" checked', response.text)
    with engine.connect() as conn:
        after = conn.execute(select(func.count()).select_from(store.staff)).scalar_one()
    assert after == before


def test_disabling_ends_an_open_session_at_once_and_enabling_lets_them_back(
    portal: tuple[Settings, PageClient, Inbox],
) -> None:
    settings, client, _ = portal
    worker = member(settings, WORKER)
    with new_client(settings) as theirs:
        assert sign_in(theirs, WORKER).status_code == 303
        assert theirs.get("/staff/", follow_redirects=False).status_code == 200
        page = f"/staff/accounts/{worker.id}"
        response = post(client, f"{page}/disable", {}, page)
        assert response.status_code == 303
        assert response.headers["location"] == f"/staff/accounts?done=disabled&account={worker.id}"
        assert (
            "Any session they had open has ended" in client.get(response.headers["location"]).text
        )
        # Their very next request, on the session they already had, is refused.
        stopped = theirs.get("/staff/", follow_redirects=False)
        assert stopped.status_code == 303
        assert stopped.headers["location"].startswith("/staff/sign-in")
        assert sign_in(theirs, WORKER).status_code == 400
        assert "Disabled" in text_of(client.get("/staff/accounts").text)

        response = post(client, f"{page}/enable", {}, page)
        assert response.status_code == 303
        assert "can sign in again" in client.get(response.headers["location"]).text
        assert sign_in(theirs, WORKER).status_code == 303
    actions = [a for _, a, s in audit_actions(settings) if s == str(worker.id)]
    assert "staff.disabled" in actions and "staff.enabled" in actions


def test_an_admin_cannot_disable_themselves(portal: tuple[Settings, PageClient, Inbox]) -> None:
    settings, client, _ = portal
    admin = member(settings, ADMIN)
    page = f"/staff/accounts/{admin.id}"
    assert "This is your own account" in client.get(page).text
    response = post(client, f"{page}/disable", {}, page)
    assert response.status_code == 400
    assert "You cannot disable your own account" in response.text
    assert "govuk-error-summary" in response.text
    assert member(settings, ADMIN).disabled_at is None
    assert client.get("/staff/", follow_redirects=False).status_code == 200


def test_an_admin_lifts_a_sign_in_pause_and_the_email_says_how(
    portal: tuple[Settings, PageClient, Inbox],
) -> None:
    settings, client, inbox = portal
    worker = member(settings, WORKER)
    with new_client(settings) as theirs:
        for _ in range(ACCOUNT_FAILURES):
            assert sign_in(theirs, WORKER, "wrong password here").status_code == 400
        assert sign_in(theirs, WORKER).status_code == 400  # paused: even the right one
        email = body_text(inbox.wait_for(1)[-1])
        assert "ask an administrator to unlock your account" in email
        assert f"{settings.base_url}/staff/accounts" in email
        assert f"pafinder staff unlock {WORKER}" in email

        assert "Sign-in paused" in text_of(client.get("/staff/accounts").text)
        page = f"/staff/accounts/{worker.id}"
        assert "Lift the sign-in pause" in client.get(page).text
        response = post(client, f"{page}/unlock", {}, page)
        assert response.status_code == 303
        assert "the sign-in pause is lifted" in client.get(response.headers["location"]).text
        assert sign_in(theirs, WORKER).status_code == 303
    admin_id = member(settings, ADMIN).id
    assert (f"staff:{admin_id}", "staff.unlocked", str(worker.id)) in audit_actions(settings)


def test_the_sign_in_page_says_who_can_unlock_without_changing_the_error(
    portal: tuple[Settings, PageClient, Inbox],
) -> None:
    settings, _, _ = portal
    with new_client(settings) as anyone:
        page = text_of(anyone.get("/staff/sign-in").text)
        assert "ask an administrator" in page
        assert "staff accounts page" in page and "pafinder staff unlock" in page
        unknown = sign_in(anyone, "nobody@example.org", "wrong password here")
        wrong = sign_in(anyone, WORKER, "wrong password here")
        for response in (unknown, wrong):
            assert "The email address or password is not right" in response.text


def test_setting_services(portal: tuple[Settings, PageClient, Inbox]) -> None:
    settings, client, _ = portal
    worker = member(settings, WORKER)
    page = f"/staff/accounts/{worker.id}"
    assert re.search(r'value="peer-support" checked', client.get(page).text)
    response = post(client, f"{page}/services", {"services": ["nope"]}, page)
    assert response.status_code == 400
    assert "Choose services from the list" in response.text
    assert member(settings, WORKER).services == frozenset({"peer-support"})

    response = post(client, f"{page}/services", {}, page)  # none ticked: every service
    assert response.status_code == 303
    assert "are saved" in client.get(response.headers["location"]).text
    assert member(settings, WORKER).services == frozenset()
    assert "All services" in text_of(client.get("/staff/accounts").text)
    post(client, f"{page}/services", {"services": ["peer-support"]}, page)
    assert member(settings, WORKER).services == frozenset({"peer-support"})


def test_setting_a_new_password_ends_their_session(
    portal: tuple[Settings, PageClient, Inbox],
) -> None:
    settings, client, _ = portal
    worker = member(settings, WORKER)
    page = f"/staff/accounts/{worker.id}"
    with new_client(settings) as theirs:
        sign_in(theirs, WORKER)
        response = post(client, f"{page}/password", {"password": "too short"}, page)
        assert response.status_code == 400
        assert "12 characters or more" in response.text
        assert theirs.get("/staff/", follow_redirects=False).status_code == 200

        response = post(client, f"{page}/password", {"password": NEW_PASSWORD}, page)
        assert response.status_code == 303
        assert theirs.get("/staff/", follow_redirects=False).status_code == 303
        assert sign_in(theirs, WORKER, STAFF_PASSWORD).status_code == 400
        assert sign_in(theirs, WORKER, NEW_PASSWORD).status_code == 303


@pytest.mark.parametrize("staff_id", ["99999", "abc", "0", "%C2%B2", "99999999999"])
def test_an_unknown_account_is_a_404(
    portal: tuple[Settings, PageClient, Inbox], staff_id: str
) -> None:
    _, client, _ = portal
    assert client.get(f"/staff/accounts/{staff_id}").status_code == 404
    token = client.csrf("/staff/accounts")
    response = client.post(f"/staff/accounts/{staff_id}/disable", data={"csrftoken": token})
    assert response.status_code == 404


def test_a_post_without_a_csrf_token_is_refused(
    portal: tuple[Settings, PageClient, Inbox],
) -> None:
    settings, client, _ = portal
    worker = member(settings, WORKER)
    response = client.post(f"/staff/accounts/{worker.id}/disable", data={})
    assert response.status_code == 403
    assert member(settings, WORKER).disabled_at is None

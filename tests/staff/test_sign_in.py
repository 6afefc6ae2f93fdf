"""Staff sign-in: argon2 passwords, an HttpOnly session, throttling, sign-out, roles."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from pafinder.app import create_app
from pafinder.db import make_engine
from pafinder.settings import Settings
from pafinder.staff.store import ACCOUNT_FAILURES, audit_log, staff
from tests.conftest import STAFF_PASSWORD, PageClient, add_staff, make_settings, prepare, sign_in


def test_sign_in_sets_a_signed_httponly_lax_session(client: PageClient, settings: Settings) -> None:
    email = add_staff(settings)
    response = sign_in(client, email)
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/"
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("pafinder_session=")
    )
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()  # only in production
    home = client.get("/staff/")
    assert home.status_code == 200 and email in home.text


def test_passwords_are_stored_as_argon2_hashes(settings: Settings) -> None:
    add_staff(settings)
    with make_engine(settings.database_url).connect() as conn:
        stored = conn.execute(select(staff.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and STAFF_PASSWORD not in stored


def test_wrong_password_gives_one_message_for_both_fields(
    client: PageClient, settings: Settings
) -> None:
    email = add_staff(settings)
    response = sign_in(client, email, "wrong password here")
    assert response.status_code == 400
    assert "The email address or password is not right" in response.text
    assert f'value="{email}"' in response.text, "the email typed is kept"
    assert "wrong password here" not in response.text, "a password is never echoed"
    unknown = sign_in(client, "nobody@example.org")
    assert "The email address or password is not right" in unknown.text


def test_empty_fields_get_specific_messages(client: PageClient) -> None:
    token = client.csrf("/staff/sign-in")
    response = client.post("/staff/sign-in", data={"csrftoken": token, "email": "", "password": ""})
    assert response.status_code == 400
    assert 'href="#email">Enter your email address' in response.text
    assert 'href="#password">Enter your password' in response.text


def test_repeated_failures_pause_the_account_with_the_same_answer(
    client: PageClient, settings: Settings
) -> None:
    email = add_staff(settings)
    for _ in range(ACCOUNT_FAILURES):
        sign_in(client, email, "wrong password here")
    paused = sign_in(client, email)  # even the right password is refused while paused
    assert paused.status_code == 400
    assert "The email address or password is not right" in paused.text
    assert "locked" not in paused.text
    with make_engine(settings.database_url).connect() as conn:
        actions = conn.execute(select(audit_log.c.action)).scalars().all()
    assert "staff.sign_in_throttled" in actions


def test_sign_out_ends_the_session(client: PageClient, settings: Settings) -> None:
    sign_in(client, add_staff(settings))
    token = client.csrf("/staff/")
    response = client.post("/staff/sign-out", data={"csrftoken": token}, follow_redirects=False)
    assert response.status_code == 303
    after = client.get("/staff/", follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"].startswith("/staff/sign-in")


def test_audit_log_is_for_admins_only(client: PageClient, settings: Settings) -> None:
    sign_in(client, add_staff(settings, "worker@example.org", "staff"))
    assert client.get("/staff/audit").status_code == 403


def test_admin_sees_the_audit_log(client: PageClient, settings: Settings) -> None:
    sign_in(client, add_staff(settings, "boss@example.org", "admin"))
    page = client.get("/staff/audit")
    assert page.status_code == 200
    assert "Signed in" in page.text and "boss@example.org" in page.text  # words, not slugs


def test_next_cannot_redirect_off_site(client: PageClient, settings: Settings) -> None:
    email = add_staff(settings)
    token = client.csrf("/staff/sign-in")
    response = client.post(
        "/staff/sign-in",
        data={
            "email": email,
            "password": STAFF_PASSWORD,
            "csrftoken": token,
            "next": "https://evil.example/staff/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/staff/"


def test_production_cookies_are_secure_and_hsts_is_sent(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        env="production",
        secret_key="s" * 48,
        data_key="kuNEu-RpopfmJo3297szwS2wFDba1O7pLR2zg2itQvE=",  # production needs both
    )
    prepare(settings)
    email = add_staff(settings)
    with PageClient(create_app(settings), base_url="https://portal.example") as client:
        form = client.get("/staff/sign-in")
        csrf_cookie = form.headers["set-cookie"]
        assert "secure" in csrf_cookie.lower()
        assert form.headers["strict-transport-security"].startswith("max-age=")
        response = sign_in(client, email)
        session = next(
            c for c in response.headers.get_list("set-cookie") if c.startswith("pafinder_session=")
        )
        assert "secure" in session.lower() and "httponly" in session.lower()

"""Server-side sessions (issue 8, point 2): the cookie is an opaque value, the table decides.

The clock is moved by editing created_at / last_seen_at in the database, never by sleeping.
"""

from __future__ import annotations

import hashlib
import json
from base64 import b64encode
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from itsdangerous import TimestampSigner
from sqlalchemy import Engine, func, select, update

from pafinder.app import create_app
from pafinder.cli import main
from pafinder.db import make_engine, utcnow
from pafinder.settings import Settings
from pafinder.staff import store
from pafinder.web import sessions
from pafinder.web.sessions import COOKIE, web_sessions
from tests.conftest import PageClient, add_staff, make_settings, prepare, sign_in

REGISTER = "/become-a-pa/register"


def engine_of(settings: Settings) -> Engine:
    return make_engine(settings.database_url)


def rows(settings: Settings) -> list[dict[str, object]]:
    with engine_of(settings).connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(web_sessions))]


def age(settings: Settings, **by: timedelta) -> None:
    """Move every session back in time: ``created_at=timedelta(...)``, ``last_seen_at=...``
    (computed here, so the SQL stays portable)."""
    with engine_of(settings).begin() as conn:
        for row in conn.execute(select(web_sessions)).all():
            conn.execute(
                update(web_sessions)
                .where(web_sessions.c.id == row.id)
                .values({name: getattr(row, name) - delta for name, delta in by.items()})
            )


def use_cookie(client: PageClient, value: str) -> None:
    """Send ``value`` as the session cookie from now on (a copied or planted cookie)."""
    client.cookies.delete(COOKIE)
    client.cookies.set(COOKIE, value)


def set_times(settings: Settings, **values: object) -> None:
    with engine_of(settings).begin() as conn:
        conn.execute(update(web_sessions).values(**values))


def signed_in(client: PageClient, settings: Settings, email: str = "staff@example.org") -> str:
    add_staff(settings, email)
    assert sign_in(client, email).status_code == 303
    return client.cookies[COOKIE]


def at_home(client: PageClient) -> bool:
    response = client.get("/staff/", follow_redirects=False)
    return bool(response.status_code == 200)


def test_public_pages_set_no_session_cookie_and_make_no_row(
    client: PageClient, settings: Settings
) -> None:
    for path in ("/", "/staff/sign-in", REGISTER, "/become-a-pa/manage"):
        response = client.get(path)
        assert not [c for c in response.headers.get_list("set-cookie") if c.startswith(COOKIE)]
    assert COOKIE not in client.cookies
    assert rows(settings) == []


def test_the_table_keeps_a_hash_of_the_cookie_never_the_value(
    client: PageClient, settings: Settings
) -> None:
    value = signed_in(client, settings)
    [row] = rows(settings)
    assert row["id"] == hashlib.sha256(value.encode()).hexdigest() != value
    assert row["kind"] == "staff" and row["staff_id"] is not None
    assert value not in json.dumps(row, default=str)


def test_a_cookie_copied_before_sign_out_fails_after_it(
    client: PageClient, settings: Settings
) -> None:
    value = signed_in(client, settings)
    token = client.csrf("/staff/")
    out = client.post("/staff/sign-out", data={"csrftoken": token}, follow_redirects=False)
    assert out.status_code == 303
    assert f"{COOKIE}=;" in out.headers["set-cookie"] or "Max-Age=0" in out.headers["set-cookie"]
    use_cookie(client, value)  # the copy
    assert not at_home(client)
    assert rows(settings)[0]["revoked_at"] is not None


def test_staff_session_ends_after_30_idle_minutes(client: PageClient, settings: Settings) -> None:
    signed_in(client, settings)
    age(settings, last_seen_at=timedelta(minutes=29))
    assert at_home(client), "29 minutes idle is still within the limit"
    age(settings, last_seen_at=timedelta(minutes=31))
    assert not at_home(client)


def test_staff_session_ends_8_hours_after_sign_in_however_busy(
    client: PageClient, settings: Settings
) -> None:
    signed_in(client, settings)
    now = utcnow()
    set_times(settings, created_at=now - timedelta(hours=7, minutes=59), last_seen_at=now)
    assert at_home(client)
    set_times(settings, created_at=now - timedelta(hours=8, minutes=1), last_seen_at=now)
    assert not at_home(client)


def test_staff_limits_come_from_settings(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, staff_idle_minutes="5", staff_max_hours="1")
    prepare(settings)
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        signed_in(client, settings)
        age(settings, last_seen_at=timedelta(minutes=6))
        assert not at_home(client)
        signed_in(client, settings, "other@example.org")
        set_times(settings, created_at=utcnow() - timedelta(minutes=61))
        assert not at_home(client)


def test_disabling_an_account_ends_its_session_at_once(
    client: PageClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed_in(client, settings)
    assert at_home(client)
    for name, value in {
        "DATA_DIR": str(settings.data_dir),
        "SECRET_KEY": str(settings.secret_key),
        "DATABASE_URL": settings.database_url,
    }.items():
        monkeypatch.setenv(f"PAFINDER_{name}", value)
    result = CliRunner().invoke(main, ["staff", "disable", "Staff@Example.org"])
    assert result.exit_code == 0, result.output
    assert not at_home(client)
    assert rows(settings)[0]["revoked_at"] is not None
    again = sign_in(client, "staff@example.org")
    assert again.status_code == 400, "a disabled account cannot sign in"
    assert "The email address or password is not right" in again.text
    missing = CliRunner().invoke(main, ["staff", "disable", "nobody@example.org"])
    assert missing.exit_code == 1 and "no staff account" in missing.output


def test_a_disabled_account_is_refused_even_if_a_session_survived(
    client: PageClient, settings: Settings
) -> None:
    """Belt and braces: the guard checks the account, not only the session row."""
    signed_in(client, settings)
    with engine_of(settings).begin() as conn:
        conn.execute(store.staff.update().values(disabled_at=utcnow()))
    assert not at_home(client)


def test_sign_in_gives_a_new_session_id_and_revokes_the_one_before(
    client: PageClient, settings: Settings
) -> None:
    # An anonymous session first: starting a PA registration keeps a draft id in it.
    started = client.post(REGISTER, data={"csrftoken": client.csrf(REGISTER)})
    assert started.status_code == 200
    before = client.cookies[COOKIE]
    assert [r["kind"] for r in rows(settings)] == ["anonymous"]
    after = signed_in(client, settings)
    assert after != before
    assert at_home(client)
    # The id from before sign-in (say one an attacker planted) is not signed in, and is dead.
    use_cookie(client, before)
    assert not at_home(client)
    old = next(r for r in rows(settings) if r["kind"] == "anonymous")
    assert old["revoked_at"] is not None


def test_sign_in_sets_a_fresh_csrf_bind(client: PageClient, settings: Settings) -> None:
    signed_in(client, settings)
    first = json.loads(str(rows(settings)[0]["data"]))[sessions.CSRF_BIND]
    signed_in(client, settings, "other@example.org")
    live = [r for r in rows(settings) if r["revoked_at"] is None]
    second = json.loads(str(live[0]["data"]))[sessions.CSRF_BIND]
    assert len(first) >= 16 and first != second


def test_a_cookie_in_the_old_signed_format_is_ignored(
    client: PageClient, settings: Settings
) -> None:
    add_staff(settings)
    member = store.get_by_email(engine_of(settings), "staff@example.org")
    assert member is not None
    # What Starlette's SessionMiddleware used to accept: a signed base64 JSON dict.
    forged = {"staff_id": member.id}
    cookie = TimestampSigner(str(settings.secret_key)).sign(b64encode(json.dumps(forged).encode()))
    use_cookie(client, cookie.decode())
    response = client.get("/staff/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/staff/sign-in")
    assert "Max-Age=0" in response.headers["set-cookie"], "the stale cookie is cleared"
    use_cookie(client, "x" * 500)
    assert not at_home(client)


def test_last_seen_is_written_at_most_once_a_minute(client: PageClient, settings: Settings) -> None:
    signed_in(client, settings)
    earlier = utcnow() - timedelta(seconds=30)
    set_times(settings, last_seen_at=earlier)
    assert at_home(client)
    assert rows(settings)[0]["last_seen_at"] == earlier, "no write within the minute"
    earlier = utcnow() - timedelta(seconds=90)
    set_times(settings, last_seen_at=earlier)
    assert at_home(client)
    assert rows(settings)[0]["last_seen_at"] > earlier  # type: ignore[operator]


def test_anonymous_sessions_end_after_24_idle_hours(client: PageClient, settings: Settings) -> None:
    client.post(REGISTER, data={"csrftoken": client.csrf(REGISTER)})
    first = client.cookies[COOKIE]
    age(settings, last_seen_at=timedelta(hours=23))
    client.get(f"{REGISTER}/about-you")
    assert client.cookies[COOKIE] == first, "still the same session"
    age(settings, last_seen_at=timedelta(hours=25))
    page = client.get(f"{REGISTER}/about-you", follow_redirects=False)
    assert page.status_code == 303, "the draft is gone with the session"


def test_purge_drafts_deletes_ended_sessions(
    client: PageClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed_in(client, settings)
    signed_in(client, settings, "other@example.org")  # the first session is revoked
    assert len(rows(settings)) == 2
    for name, value in {
        "DATA_DIR": str(settings.data_dir),
        "SECRET_KEY": str(settings.secret_key),
        "DATABASE_URL": settings.database_url,
    }.items():
        monkeypatch.setenv(f"PAFINDER_{name}", value)
    result = CliRunner().invoke(main, ["purge-drafts"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 ended sessions" in result.output
    assert len(rows(settings)) == 1 and at_home(client)
    age(settings, last_seen_at=timedelta(minutes=31))
    CliRunner().invoke(main, ["purge-drafts"])
    with engine_of(settings).connect() as conn:
        assert conn.execute(select(func.count()).select_from(web_sessions)).scalar_one() == 0


@pytest.fixture
def production(tmp_path: Path) -> Iterator[tuple[Settings, PageClient]]:
    settings = make_settings(
        tmp_path,
        env="production",
        secret_key="s" * 48,
        data_key="kuNEu-RpopfmJo3297szwS2wFDba1O7pLR2zg2itQvE=",  # production needs both
    )
    prepare(settings)
    with PageClient(create_app(settings), base_url="https://portal.example") as client:
        yield settings, client


def test_production_session_cookie_is_secure_httponly_lax_on_root(
    production: tuple[Settings, PageClient],
) -> None:
    settings, client = production
    add_staff(settings)
    response = sign_in(client, "staff@example.org")
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(COOKIE))
    parts = {p.strip().lower() for p in cookie.split(";")}
    assert {"httponly", "secure", "samesite=lax", "path=/"} <= parts
    assert not [p for p in parts if p.startswith(("max-age", "expires"))]

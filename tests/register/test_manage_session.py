"""The PA manage session is server-side (issue 8, point 2): a new id when the link opens, an
hour from then, and sign-out revokes it at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from pafinder.app import create_app
from pafinder.db import utcnow
from pafinder.settings import Settings
from pafinder.web.sessions import COOKIE, web_sessions
from tests.conftest import Inbox, PageClient
from tests.register.lifecycle_helpers import engine_of, pa_settings, published_listing
from tests.register.test_manage import M, signed_in

REGISTER = "/become-a-pa/register"


@pytest.fixture
def portal(tmp_path: Path, smtp: tuple[str, Inbox]) -> Iterator[tuple[Settings, PageClient, Inbox]]:
    url, inbox = smtp
    s = pa_settings(tmp_path, smtp_url=url)
    with PageClient(create_app(s), base_url="http://127.0.0.1") as c:
        yield s, c, inbox


def opened_at(settings: Settings, when: object) -> None:
    with engine_of(settings).begin() as conn:
        conn.execute(
            update(web_sessions)
            .where(web_sessions.c.kind == "pa")
            .values(created_at=when, last_seen_at=utcnow())
        )


def test_manage_session_lasts_one_hour_from_the_link(portal) -> None:
    settings, client, inbox = portal
    published_listing(settings)
    signed_in(settings, client, inbox, "pub@example.org")
    opened_at(settings, utcnow() - timedelta(minutes=59))
    assert client.get(f"{M}/listing", follow_redirects=False).status_code == 200
    opened_at(settings, utcnow() - timedelta(minutes=61))
    response = client.get(f"{M}/listing", follow_redirects=False)
    assert response.headers["location"] == f"{M}?expired=1"
    assert "1 hour after opening the link" in client.get(response.headers["location"]).text


def test_opening_the_link_gives_a_new_session_id_and_keeps_drafts(portal) -> None:
    settings, client, inbox = portal
    published_listing(settings)
    client.post(REGISTER, data={"csrftoken": client.csrf(REGISTER)})  # a draft in progress
    before = client.cookies[COOKIE]
    signed_in(settings, client, inbox, "pub@example.org")
    after = client.cookies[COOKIE]
    assert after != before
    with engine_of(settings).connect() as conn:
        live = conn.execute(
            select(web_sessions.c.kind, web_sessions.c.data).where(
                web_sessions.c.revoked_at.is_(None)
            )
        ).all()
    assert [row.kind for row in live] == ["pa"]
    assert '"pa_draft"' in live[0].data and '"csrf_bind"' in live[0].data
    client.cookies.delete(COOKIE)
    client.cookies.set(COOKIE, before)
    assert client.get(f"{M}/listing", follow_redirects=False).status_code == 303


def test_manage_sign_out_revokes_a_copied_cookie(portal) -> None:
    settings, client, inbox = portal
    published_listing(settings)
    signed_in(settings, client, inbox, "pub@example.org")
    copy = client.cookies[COOKIE]
    out = client.post(f"{M}/sign-out", data={"csrftoken": client.csrf(f"{M}/listing")})
    assert out.status_code == 200 and "You have signed out" in out.text
    client.cookies.delete(COOKIE)
    client.cookies.set(COOKIE, copy)
    assert client.get(f"{M}/listing", follow_redirects=False).status_code == 303

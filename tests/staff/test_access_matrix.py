"""Access over the whole route table (issue 12, point 8), beside the anonymous and per-service
meta-tests in test_route_permissions.py: every admin route refuses a staff member, every staff
route refuses a disabled account whose session survived, and every state-changing route refuses a
CSRF token made for another session. Each walks the live route table, so a route added later is
checked without anyone remembering to."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from pafinder.app import create_app
from pafinder.db import make_engine, utcnow
from pafinder.referrals import store as referral_store
from pafinder.settings import Settings
from pafinder.staff import store as staff_store
from tests.conftest import PageClient, add_staff, sign_in
from tests.referrals.helpers import hidden, make_referral, portal
from tests.staff.test_route_permissions import PUBLIC_STAFF_PATHS, staff_routes


def asks(exclude_public: bool = True) -> Iterator[tuple[str, str, str]]:
    """(method, route path, path to ask) for every guarded staff route and method."""
    for route in staff_routes():
        if exclude_public and route.path in PUBLIC_STAFF_PATHS:
            continue
        path = re.sub(r"\{[^}]+\}", "1", route.path)
        for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
            yield method, route.path, path


def audit_count(settings: Settings) -> int:
    with make_engine(settings.database_url).connect() as conn:
        return int(
            conn.execute(select(func.count()).select_from(staff_store.audit_log)).scalar_one()
        )


def staff_rows(settings: Settings) -> list[dict[str, Any]]:
    with make_engine(settings.database_url).connect() as conn:
        rows = conn.execute(select(staff_store.staff).order_by(staff_store.staff.c.id)).all()
        services = conn.execute(select(staff_store.staff_services)).all()
        return [dict(r._mapping) for r in rows] + [dict(r._mapping) for r in sorted(services)]


def test_every_admin_route_refuses_a_staff_member_and_changes_nothing(tmp_path: Path) -> None:
    settings = portal(tmp_path)
    target = add_staff(settings, "target@example.org")
    add_staff(settings, "member@example.org")
    admin_routes = {
        r.path for r in staff_routes() if getattr(r.endpoint, "required_role", None) == "admin"
    }
    assert {"/staff/accounts", "/staff/audit", "/staff/data-protection"} <= admin_routes
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        assert sign_in(client, "member@example.org").status_code == 303
        token = hidden(client.get("/staff/").text, "csrftoken")
        before, audited = staff_rows(settings), audit_count(settings)
        asked = 0
        for method, route_path, _ in asks():
            if route_path not in admin_routes:
                continue
            path = route_path.replace("{staff_id}", str(target))
            data = {
                "csrftoken": token,
                "email": "target@example.org",
                "role": "admin",
                "services": "carers",
                "password": "a-new-password-long-enough",
            }
            response = client.request(
                method, path, data=data if method != "GET" else None, follow_redirects=False
            )
            assert response.status_code == 403, f"{method} {path}"
            assert "You do not have permission" in response.text
            asked += 1
        assert asked >= len(admin_routes)
        assert staff_rows(settings) == before, "a refused admin action changed an account"
        assert audit_count(settings) == audited, "a refused admin action was recorded as done"


def test_every_staff_route_refuses_a_disabled_account_whose_session_survived(
    tmp_path: Path,
) -> None:
    """Disabling ends the session (test_sessions.py); this is the guard behind that: a session
    row that somehow survived is refused on every route, because the guard reads the account."""
    settings = portal(tmp_path)
    add_staff(settings, "admin@example.org", role="admin")
    ref = make_referral(settings)
    engine = make_engine(settings.database_url)
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        assert sign_in(client, "admin@example.org").status_code == 303
        token = hidden(client.get(f"/staff/referrals/{ref}").text, "csrftoken")
        with engine.begin() as conn:
            conn.execute(staff_store.staff.update().values(disabled_at=utcnow()))
        for method, route_path, path in asks():
            path = route_path.replace("{ref}", ref) if "{ref}" in route_path else path
            data = {"csrftoken": token, "version": "1", "status": "closed"}
            response = client.request(
                method, path, data=data if method != "GET" else None, follow_redirects=False
            )
            assert response.status_code == 303, f"{method} {path}"
            assert response.headers["location"].startswith("/staff/sign-in")
    untouched = referral_store.get(engine, ref)
    assert untouched is not None and untouched.version == 1


def test_a_csrf_token_from_another_session_is_refused_on_every_staff_post(
    tmp_path: Path,
) -> None:
    """Two signed-in browsers: A sends every staff form with the token B's pages carry. The
    token is bound to the session, so each is refused with 403 before any route runs."""
    settings = portal(tmp_path)
    add_staff(settings, "a@example.org", role="admin")
    add_staff(settings, "b@example.org", role="admin")
    ref = make_referral(settings)
    app = create_app(settings)
    with (
        PageClient(app, base_url="http://127.0.0.1") as a,
        PageClient(app, base_url="http://127.0.0.1") as b,
    ):
        assert sign_in(a, "a@example.org").status_code == 303
        assert sign_in(b, "b@example.org").status_code == 303
        theirs = hidden(b.get(f"/staff/referrals/{ref}").text, "csrftoken")
        mine = hidden(a.get(f"/staff/referrals/{ref}").text, "csrftoken")
        assert theirs != mine
        audited = audit_count(settings)
        posts = 0
        for method, route_path, path in asks(exclude_public=False):
            if method != "POST":
                continue
            path = route_path.replace("{ref}", ref) if "{ref}" in route_path else path
            data = {"csrftoken": theirs, "version": "1", "status": "closed", "note": "x"}
            response = a.post(path, data=data, follow_redirects=False)
            assert response.status_code == 403, f"POST {path}"
            posts += 1
        assert posts >= 20
        assert audit_count(settings) == audited, "a refused POST reached a route"
        # A's own token still works, so the refusals above were about the token, not the form.
        assert a.post("/staff/sign-out", data={"csrftoken": mine}).status_code == 200
    untouched = referral_store.get(make_engine(settings.database_url), ref)
    assert untouched is not None and untouched.version == 1 and untouched.status == "received"


def test_a_public_form_refuses_a_token_made_for_another_browser(tmp_path: Path) -> None:
    """The single referral POST of the CONTRACT with a token from another browser's page: not
    sent, nothing stored."""
    settings = portal(tmp_path)
    app = create_app(settings)
    engine = make_engine(settings.database_url)
    with (
        PageClient(app, base_url="http://127.0.0.1") as mine,
        PageClient(app, base_url="http://127.0.0.1") as theirs,
    ):
        mine.get("/refer/carers")  # my own cookies, so the token is not merely missing a cookie
        token = theirs.csrf("/refer/carers")
        with engine.connect() as conn:
            before = conn.execute(
                select(func.count()).select_from(referral_store.referrals)
            ).scalar_one()
        response = mine.post(
            "/refer/carers",
            data={"csrftoken": token, "referrer_type": "self", "first_name": "Ada"},
            follow_redirects=False,
        )
        assert response.status_code in (400, 403)
        assert 'id="reference"' not in response.text
        with engine.connect() as conn:
            after = conn.execute(
                select(func.count()).select_from(referral_store.referrals)
            ).scalar_one()
        assert after == before

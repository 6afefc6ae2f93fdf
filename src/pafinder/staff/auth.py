"""Passwords (argon2) and the guard every /staff/ route other than sign-in goes through."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from pafinder.staff import store
from pafinder.web import sessions
from pafinder.web.render import render_page

_hasher = PasswordHasher()


@functools.cache
def dummy_hash() -> str:
    """Verifying against a dummy hash when the email is unknown keeps the timing the same, so
    sign-in does not reveal which addresses have accounts. Made once, when the app starts
    (create_app), not on import: every command would pay a third of a second for it."""
    return _hasher.hash("not-a-real-password")


MIN_PASSWORD_LENGTH = 12

Endpoint = Callable[[Request], Awaitable[Response]]


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"Password must be at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> tuple[bool, str | None]:
    """(ok, new hash if the stored one should be upgraded)."""
    try:
        _hasher.verify(password_hash or dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False, None
    if password_hash is None:
        return False, None
    return True, (_hasher.hash(password) if _hasher.check_needs_rehash(password_hash) else None)


def current_staff(request: Request) -> store.StaffMember | None:
    """The member the server-side session belongs to (never a value in the session's data, so
    only sign-in can make one); None once the account is disabled."""
    staff_id = sessions.staff_id(request)
    if staff_id is None or sessions.kind(request) != sessions.STAFF:
        return None
    member = store.get_by_id(request.app.state.engine, staff_id)
    return member if member is not None and not member.disabled else None


def staff_required(role: str = "staff") -> Callable[[Endpoint], Endpoint]:
    """Signed-in staff only; ``role="admin"`` for admin-only routes. The meta-test in
    tests/staff/test_route_permissions.py checks every /staff/ route carries this."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            member = current_staff(request)
            if member is None:
                return RedirectResponse("/staff/sign-in?next=" + request.url.path, status_code=303)
            if role == "admin" and not member.is_admin:
                return render_page(
                    request,
                    "pages/error.html",
                    status_code=403,
                    title="You do not have permission to see this page",
                    paragraphs=["Ask an administrator if you need access."],
                    next_href="/staff/",
                    next_text="Go to the staff area",
                )
            request.state.staff = member
            return await endpoint(request)

        guarded.required_role = role  # type: ignore[attr-defined]
        return guarded

    return decorate


def refuse_service(request: Request, subject_type: str, subject_id: str) -> Response:
    """403 for a record of a service the signed-in member does not work on, with an audit row
    (someone reaching for records outside their work is what an auditor looks for). The page
    says the same whether or not the record exists."""
    engine = request.app.state.engine
    with engine.begin() as conn:
        store.record(
            conn,
            actor(request),
            "access.refused",
            subject_type,
            subject_id,
            {"path": request.url.path, "method": request.method},
        )
    return render_page(
        request,
        "pages/error.html",
        status_code=403,
        title="You do not have permission to see this page",
        paragraphs=[
            "This record belongs to a service you do not work on.",
            "Ask an administrator if you need access to it.",
        ],
        next_href="/staff/",
        next_text="Go to the staff area",
    )


def actor(request: Request) -> str:
    """Audit-log actor for the signed-in staff member."""
    member: Any = getattr(request.state, "staff", None)
    return f"staff:{member.id}" if member is not None else "anonymous"

"""Staff sign-in and sign-out, the staff home page and the audit log."""

from __future__ import annotations

import functools
from datetime import timedelta
from urllib.parse import urlsplit

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from pafinder import outbox
from pafinder.db import utcnow
from pafinder.staff import audit_view, signin, store
from pafinder.staff.auth import staff_required
from pafinder.web import sessions
from pafinder.web.forms import error_list
from pafinder.web.render import render_page

SIGN_IN_FIELDS = ("email", "password")
STUCK_AFTER = timedelta(minutes=15)


def _safe_next(value: str | None) -> str:
    """Only same-site paths under /staff/, so sign-in cannot be used as an open redirect."""
    if not value:
        return "/staff/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith("/staff/"):
        return "/staff/"
    return parts.path


def _sign_in_form(
    request: Request, email: str = "", errors: dict[str, str] | None = None, status_code: int = 200
) -> Response:
    errors = errors or {}
    return render_page(
        request,
        "staff/sign_in.html",
        status_code=status_code,
        title="Sign in to the staff area",
        email=email,
        next=_safe_next(request.query_params.get("next")),
        errors=errors,
        error_list=error_list(errors, SIGN_IN_FIELDS),
    )


async def sign_in(request: Request) -> Response:
    if request.method == "GET":
        return _sign_in_form(request)
    form = await request.form()
    email = str(form.get("email", "")).strip()[:254]
    password = str(form.get("password", ""))[:1000]
    errors: dict[str, str] = {}
    if not email:
        errors["email"] = "Enter your email address"
    if not password:
        errors["password"] = "Enter your password"  # noqa: S105 (an error message)
    if errors:
        return _sign_in_form(request, email, errors, 400)

    limiter = request.app.state.limiter
    client = request.client.host if request.client else "unknown"
    if not limiter.hit("20/15 minutes", "staff-sign-in-ip", client):
        errors["email"] = "Too many attempts to sign in. Wait 15 minutes, then try again"
        return _sign_in_form(request, email, errors, 429)

    engine, settings = request.app.state.engine, request.app.state.settings
    # Off the event loop: argon2 is deliberately slow.
    outcome = await run_in_threadpool(signin.attempt, engine, settings, email, password, client)
    if outcome.member is None:
        # One answer for an unknown email, a wrong password, a disabled account and a throttled
        # account or address, so the page never tells which addresses have accounts.
        errors["email"] = "The email address or password is not right"
        response = _sign_in_form(request, email, errors, 400)
        if outcome.emails:  # sent after the answer, so it takes no longer than any other
            response.background = BackgroundTask(outbox.deliver, engine, settings, outcome.emails)
        return response

    # A new session id on sign-in (the old one revoked), so an id planted before is worthless.
    sessions.start(request, sessions.STAFF, staff_id=outcome.member.id)
    next_path = _safe_next(str(form.get("next", "")))
    return RedirectResponse(next_path, status_code=303)


@staff_required()
async def sign_out(request: Request) -> Response:
    engine = request.app.state.engine
    with engine.begin() as conn:
        store.record(
            conn,
            f"staff:{request.state.staff.id}",
            "staff.signed_out",
            "staff",
            str(request.state.staff.id),
        )
    sessions.end(request)  # revoked now: a copy of the cookie stops working too
    return RedirectResponse("/staff/sign-in?signed_out=1", status_code=303)


@staff_required()
async def home(request: Request) -> Response:
    from pafinder.features import all_features

    links = [link for feature in all_features() for link in feature.staff_links]
    unsent = await run_in_threadpool(outbox.waiting, request.app.state.engine)
    # Emails that wait more than a few minutes mean the mail server is refusing them.
    stuck = unsent if unsent.oldest and utcnow() - unsent.oldest > STUCK_AFTER else None
    return render_page(request, "staff/home.html", title="Staff area", links=links, stuck=stuck)


@staff_required(role="admin")
async def audit(request: Request) -> Response:
    """The audit log, newest first, filtered by GET parameters and paged (issue 9, point 2)."""
    engine = request.app.state.engine
    accounts = await run_in_threadpool(store.list_staff, engine)
    emails = {member.id: member.email for member in accounts}
    parsed = audit_view.parse(request.query_params, set(emails))
    filters = parsed.filters
    found = None
    if not parsed.errors:
        start, end = filters.utc_range()
        found = await run_in_threadpool(
            functools.partial(
                store.audit_search,
                engine,
                actor=filters.who or None,
                referral=filters.referral or None,
                start=start,
                end=end,
                page=filters.page,
                page_size=audit_view.PAGE_SIZE,
            )
        )
    names = {s.slug: s.name for s in request.app.state.content.services}
    return render_page(
        request,
        "staff/audit.html",
        status_code=400 if parsed.errors else 200,
        title="Audit log",
        accounts=accounts,
        other_actors=audit_view.OTHER_ACTORS,
        raw=parsed.raw,
        errors=parsed.errors,
        bad_parts=parsed.bad_parts,
        error_list=parsed.error_list(),
        found=found,
        entries=audit_view.entries(found.rows, emails, names) if found else [],
        first=(found.page - 1) * audit_view.PAGE_SIZE + 1 if found else 0,
        pagination=audit_view.pagination(found.page, found.pages, filters) if found else None,
    )


routes = [
    Route("/staff/sign-in", sign_in, methods=["GET", "POST"]),
    Route("/staff/sign-out", sign_out, methods=["POST"]),
    Route("/staff/", home),
    Route("/staff/audit", audit),
]

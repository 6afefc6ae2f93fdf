"""'Manage my listing': a PA asks for a fresh signed link by email, and the link opens an hour
of self-service (a server-side session of its own, pafinder.web.sessions.PA): edit any page of
the listing, pause ('not taking new work'), withdraw, download everything we hold, or delete it
all at once."""

from __future__ import annotations

import json
from typing import Any

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from pafinder.db import utcnow
from pafinder.register import journey_forms, lifecycle_mail, lifecycle_store
from pafinder.register.journey_models import STEPS
from pafinder.register.journey_parse import MULTI_FIELDS, parse_step, raw_from_listing
from pafinder.web import sessions
from pafinder.web.forms import Errors, form_to_dict
from pafinder.web.render import render_page

BASE = "/become-a-pa/manage"
SESSION_KEY = "pa_manage"  # the session ends an hour after the link opened it (sessions.PA_MAX)
LINK_RATE = "3/hour"
LINK_RATE_IP = "30/hour"
STATUS_TEXT = {
    "unverified": "Waiting for you to confirm your email address",
    "pending": "Waiting for our team to check it",
    "published": "Published: employers can find you",
    "rejected": "Not published: see the reason we emailed you",
    "withdrawn": "Withdrawn: employers cannot find you",
    "taken_down": "Taken down by our team: see the reason we emailed you",
}
# The confirmation banner after an edit (register/manage/listing.html has the words).
SAVED = {"saved": "yes", "hidden": "checking", "to_staff": "sent"}


def _request_page(
    request: Request,
    email: str = "",
    errors: Errors | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    errors = errors or {}
    return render_page(
        request,
        "register/manage/request.html",
        status_code=status_code,
        title="Manage your personal assistant listing",
        email=email,
        errors=errors,
        error_list=[{"text": m, "href": "#email"} for m in errors.values()],
        problem=problem,
        nav="becoming-a-pa",
    )


async def ask_for_link(request: Request) -> Response:
    if request.method == "GET":
        expired = request.query_params.get("expired") == "1"
        return _request_page(request, problem="session" if expired else None)
    form = await request.form()
    email = str(form.get("email", "")).strip().lower()[:254]
    if not email:
        return _request_page(request, email, {"email": "Enter your email address"}, None, 400)
    if "@" not in email or "." not in email.rpartition("@")[2]:
        return _request_page(
            request,
            email,
            {"email": "Enter an email address in the correct format, like name@example.com"},
            None,
            400,
        )
    limiter = request.app.state.limiter
    client = request.client.host if request.client else "unknown"
    if not limiter.hit(LINK_RATE_IP, "pa-manage-ip", client):
        return _request_page(
            request,
            email,
            {"email": "Too many requests from this connection. Wait an hour, then try again"},
            None,
            429,
        )
    # The same answer whoever asks, so the page never reveals who is registered; the lookup
    # and the email run after the answer has gone, so its timing does not tell either.
    response = render_page(
        request, "register/manage/sent.html", title="Check your email", email=email
    )
    if limiter.hit(LINK_RATE, "pa-manage", email):
        state = request.app.state
        response.background = BackgroundTask(_send_links, state.engine, state.settings, email)
    return response


def _send_links(engine: Any, settings: Any, email: str) -> None:
    refs = [p["ref"] for p in lifecycle_store.for_email(engine, email)]
    if refs:
        lifecycle_mail.send_manage_links(settings, email, refs)
        for ref in refs:
            lifecycle_store.note(engine, ref, "pa.manage_link_sent")


async def open_link(request: Request) -> Response:
    settings = request.app.state.settings
    try:
        ref = lifecycle_mail.read_token(
            settings, lifecycle_mail.MANAGE, request.path_params["token"]
        )
    except lifecycle_mail.TokenProblem as problem:
        return _request_page(
            request, problem="expired" if problem.expired else "invalid", status_code=400
        )
    if lifecycle_store.get(request.app.state.engine, ref) is None:
        return _request_page(request, problem="invalid", status_code=400)
    # A new session id (the old one revoked: no fixation), ending an hour from now; the
    # visitor's unfinished forms come along.
    sessions.start(request, sessions.PA, keep=True)
    request.session[SESSION_KEY] = {"ref": ref}
    lifecycle_store.note(request.app.state.engine, ref, "pa.manage_opened")
    # Redirect so the token leaves the address bar and the browser history.
    return RedirectResponse(f"{BASE}/listing", status_code=303)


def _managed(request: Request) -> dict[str, Any] | None:
    held = request.session.get(SESSION_KEY)
    if not isinstance(held, dict) or sessions.kind(request) != sessions.PA:
        request.session.pop(SESSION_KEY, None)
        return None
    listing = lifecycle_store.get(request.app.state.engine, str(held.get("ref", "")))
    if listing is None:
        request.session.pop(SESSION_KEY, None)
    return listing


def _again() -> Response:
    return RedirectResponse(f"{BASE}?expired=1", status_code=303)


async def listing_page(request: Request) -> Response:
    listing = _managed(request)
    if listing is None:
        return _again()
    labels = journey_forms.taxonomies(request.app.state.content)
    sections = journey_forms.summary_sections(
        listing, labels, lambda step: f"{BASE}/edit/{step}", lock_email=True
    )
    return render_page(
        request,
        "register/manage/listing.html",
        title="Your listing",
        listing=listing,
        sections=sections,
        status_text=STATUS_TEXT[listing["status"]],
        saved=request.query_params.get("saved", "")[:20],
        searchable=lifecycle_store.searchable(listing),
    )


async def edit(request: Request) -> Response:
    listing = _managed(request)
    if listing is None:
        return _again()
    step = request.path_params["step"]
    if step not in STEPS:
        return render_page(request, "pages/404.html", status_code=404, title="Page not found")
    labels = journey_forms.taxonomies(request.app.state.content)
    if request.method == "GET":
        raw = raw_from_listing(step, listing)
        errors: Errors = {}
    else:
        form = await request.form()
        raw = form_to_dict(form, multi=MULTI_FIELDS[step])
        if step == "about-you":
            raw["email"] = listing["email"]  # changed only by registering again
        clean, errors = parse_step(step, raw, labels, utcnow().date())
        if clean is not None and not errors:
            clean.pop("email", None)
            # In a thread: a change that hides the listing also sends the PA an email.
            outcome = await run_in_threadpool(
                lifecycle_store.edit,
                request.app.state.engine,
                request.app.state.settings,
                listing["ref"],
                clean,
            )
            return RedirectResponse(f"{BASE}/listing?saved={SAVED[outcome]}", status_code=303)
    return render_page(
        request,
        journey_forms.template_for(step),
        status_code=400 if errors else 200,
        title=journey_forms.TITLES[step],
        errors=errors,
        error_list=journey_forms.error_summary(errors, step),
        back_link=f"{BASE}/listing",
        action=f"{BASE}/edit/{step}",
        button="Save changes",
        edit=True,
        honeypot=False,
        **journey_forms.page_context(step, raw, errors, labels),
    )


def _action(kind: str) -> Any:
    async def act(request: Request) -> Response:
        listing = _managed(request)
        if listing is None:
            return _again()
        engine, settings = request.app.state.engine, request.app.state.settings
        if kind == "pause":
            lifecycle_store.set_paused(engine, settings, listing["ref"], True)
        elif kind == "unpause":
            lifecycle_store.set_paused(engine, settings, listing["ref"], False)
        elif kind == "restore":
            lifecycle_store.restore(engine, settings, listing["ref"])
        return RedirectResponse(f"{BASE}/listing?saved={kind}", status_code=303)

    act.__name__ = f"manage_{kind}"
    return act


async def withdraw(request: Request) -> Response:
    listing = _managed(request)
    if listing is None:
        return _again()
    if request.method == "POST":
        lifecycle_store.withdraw(
            request.app.state.engine, request.app.state.settings, listing["ref"]
        )
        return RedirectResponse(f"{BASE}/listing?saved=withdrawn", status_code=303)
    return render_page(
        request,
        "register/manage/withdraw.html",
        title="Are you sure you want to withdraw your listing?",
        listing=listing,
        back_link=f"{BASE}/listing",
    )


async def download(request: Request) -> Response:
    listing = _managed(request)
    if listing is None:
        return _again()
    engine = request.app.state.engine
    lifecycle_store.note(engine, listing["ref"], "pa.exported")
    data = lifecycle_store.export(engine, listing["ref"])
    body = json.dumps(data, indent=2, ensure_ascii=False, default=str, sort_keys=True)
    return Response(
        body.encode(),
        media_type="application/json",
        headers={
            "content-disposition": f'attachment; filename="my-pa-listing-{listing["ref"]}.json"',
            "cache-control": "no-store",
        },
    )


async def delete(request: Request) -> Response:
    listing = _managed(request)
    if listing is None:
        return _again()
    if request.method == "POST":
        lifecycle_store.erase(request.app.state.engine, request.app.state.settings, listing["ref"])
        sessions.end(request)
        return RedirectResponse(f"{BASE}/deleted", status_code=303)
    return render_page(
        request,
        "register/manage/delete.html",
        title="Are you sure you want to delete your listing and data?",
        listing=listing,
        back_link=f"{BASE}/listing",
    )


async def deleted(request: Request) -> Response:
    return render_page(
        request, "register/manage/deleted.html", title="Your listing and data have been deleted"
    )


async def sign_out(request: Request) -> Response:
    sessions.end(request)  # revoked now, so a copy of the cookie stops working too
    return render_page(request, "register/manage/signed_out.html", title="You have signed out")


async def still_available(request: Request) -> Response:
    """GET only shows a button: email link scanners follow links, and must not confirm."""
    settings, engine = request.app.state.settings, request.app.state.engine
    token = request.path_params["token"]
    try:
        ref = lifecycle_mail.read_token(settings, lifecycle_mail.STILL_AVAILABLE, token)
    except lifecycle_mail.TokenProblem as problem:
        return _request_page(
            request, problem="expired" if problem.expired else "invalid", status_code=400
        )
    listing = lifecycle_store.get(engine, ref)
    if listing is None:
        return _request_page(request, problem="invalid", status_code=400)
    confirmed = False
    if request.method == "POST":
        confirmed = lifecycle_store.confirm_available(engine, settings, ref)
    return render_page(
        request,
        "register/manage/still_available.html",
        title="Thank you: your listing is up to date"
        if confirmed
        else "Are you still available for work?",
        listing=listing,
        confirmed=confirmed,
        action=f"/become-a-pa/still-available/{token}",
    )


routes: list[BaseRoute] = [
    Route("/become-a-pa/still-available/{token}", still_available, methods=["GET", "POST"]),
    Route(BASE, ask_for_link, methods=["GET", "POST"]),
    Route(f"{BASE}/listing", listing_page),
    Route(f"{BASE}/edit/{{step}}", edit, methods=["GET", "POST"]),
    Route(f"{BASE}/pause", _action("pause"), methods=["POST"]),
    Route(f"{BASE}/unpause", _action("unpause"), methods=["POST"]),
    Route(f"{BASE}/restore", _action("restore"), methods=["POST"]),
    Route(f"{BASE}/withdraw", withdraw, methods=["GET", "POST"]),
    Route(f"{BASE}/download", download),
    Route(f"{BASE}/delete", delete, methods=["GET", "POST"]),
    Route(f"{BASE}/deleted", deleted),
    Route(f"{BASE}/sign-out", sign_out, methods=["POST"]),
    Route(f"{BASE}/{{token}}", open_link),
]

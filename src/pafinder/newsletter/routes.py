"""The public newsletter pages: sign up, check your email, confirm, unsubscribe.

Every sign-up answers with the same page, whether the address is new, waiting for its
confirmation or already on the list, so nobody can use the form to learn who subscribes. An
address already on the list is sent nothing (a stranger could otherwise fill someone's inbox).
Spam defences cost a real person nothing: a honeypot field, a minimum fill time (a signed time
in the form) and rate limits per address and per connection.
"""

from __future__ import annotations

import time

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from pafinder import outbox
from pafinder.newsletter import emails, signing, store
from pafinder.settings import Settings
from pafinder.web.csrf import EXPIRED_MESSAGE, rerender_on_csrf_failure
from pafinder.web.forms import Errors
from pafinder.web.one_click import one_click_unsubscribe
from pafinder.web.render import render_page

BASE = "/newsletter"
HONEYPOT = "website"
STARTED = "form-started"
# One email field, often filled in by the browser: a person can send it in two seconds.
MIN_FILL_SECONDS = 2.0
ADDRESS_RATE = "3/hour"
# Per connection: generous, as a library or an office may share one address.
CLIENT_RATE = "20/hour"
EMAIL_MAX = 254
KEEP_TYPED = 1000  # what is shown again of a too-long answer


def _form(
    request: Request, email: str = "", errors: Errors | None = None, status_code: int = 200
) -> Response:
    errors = errors or {}
    return render_page(
        request,
        "newsletter/sign_up.html",
        status_code=status_code,
        title="Sign up for our newsletter",
        email=email,
        started=signing.form_started(request.app.state.settings),
        errors=errors,
        error_list=[{"text": m, "href": "#email"} for m in errors.values()],
    )


def check_email(raw: str) -> tuple[str | None, str | None]:
    """(the address in lower case, None) or (None, the message to show)."""
    if not raw:
        return None, "Enter your email address"
    if len(raw) > EMAIL_MAX:
        return None, f"Your email address must be {EMAIL_MAX} characters or fewer"
    try:
        # Plain ASCII only (an international domain becomes its xn-- form): a mailbox whose
        # name needs SMTPUTF8 could not be sent every issue through every mail server.
        checked = validate_email(raw, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return None, "Enter an email address in the correct format, like name@example.com"
    return str(checked.ascii_email or checked.normalized).lower(), None


def _sign_up(engine: Engine, settings: Settings, email: str) -> None:
    """Record the sign-up and queue its confirmation together, then send it."""
    for attempt in range(2):
        try:
            with engine.begin() as conn:
                outcome, subscriber_id = store.sign_up(conn, email)
                if outcome is store.SignUp.ALREADY:
                    return
                message = emails.confirmation(settings, email, subscriber_id)
                message_id = outbox.queue(conn, message, emails.CONFIRM_PURPOSE)
            break
        except IntegrityError:
            # Two sign-ups of one new address at once: the other made the row, so the second
            # try finds it (a double submit records once).
            if attempt:
                raise
    outbox.deliver(engine, settings, [message_id])


async def _sign_up_expired(request: Request) -> Response:
    """The CSRF check refused the POST (an old page, cookies cleared): nothing is saved, and
    the form comes back with the address typed so the person can send it again."""
    form = await request.form()
    raw = str(form.get("email", "")).strip()[:KEEP_TYPED]
    return _form(request, raw, {"email": EXPIRED_MESSAGE}, 403)


@rerender_on_csrf_failure(_sign_up_expired)
async def sign_up(request: Request) -> Response:
    if request.method == "GET":
        return _form(request)
    form = await request.form()
    raw = str(form.get("email", "")).strip()
    if str(form.get(HONEYPOT, "")):
        # Look exactly like success to a robot; keep nothing it typed.
        return RedirectResponse(f"{BASE}/check-your-email", status_code=303)
    email, problem = check_email(raw)
    if email is None:
        return _form(request, raw[:KEEP_TYPED], {"email": problem or ""}, 400)
    settings = request.app.state.settings
    started = signing.started_at(settings, str(form.get(STARTED, "")))
    if started is None or time.time() - started < MIN_FILL_SECONDS:
        message = "Check your email address, then select Sign up again"
        return _form(request, raw, {"email": message}, 400)
    limiter = request.app.state.limiter
    client = request.client.host if request.client else "unknown"
    if not limiter.hit(CLIENT_RATE, "newsletter-client", client):
        message = (
            "Lots of sign-ups have been sent from your internet connection in the last hour. "
            "Wait an hour, then try again"
        )
        return _form(request, raw, {"email": message}, 429)
    if not limiter.hit(ADDRESS_RATE, "newsletter-address", email):
        message = (
            "You have asked to sign up this email address several times in the last hour. "
            "Check your inbox and spam folder for our email, or wait an hour and try again"
        )
        return _form(request, raw, {"email": message}, 429)
    await run_in_threadpool(_sign_up, request.app.state.engine, settings, email)
    return RedirectResponse(f"{BASE}/check-your-email", status_code=303)


async def check_your_email(request: Request) -> Response:
    # Names no address: the page is the same for everyone, whatever they typed.
    return render_page(request, "newsletter/check_email.html", title="Check your email")


def _link_problem(request: Request, expired: bool) -> Response:
    return render_page(
        request,
        "newsletter/link_problem.html",
        status_code=400,
        title="This link has expired" if expired else "This link does not work",
        expired=expired,
    )


async def confirm(request: Request) -> Response:
    settings = request.app.state.settings
    try:
        subscriber_id, made_at = signing.read_confirm_token(settings, request.path_params["token"])
    except signing.TokenProblem as problem:
        return _link_problem(request, problem.expired)
    result = await run_in_threadpool(
        store.confirm, request.app.state.engine, subscriber_id, made_at
    )
    if result in (store.Confirmed.MISSING, store.Confirmed.STALE):
        return _link_problem(request, expired=False)
    return render_page(
        request,
        "newsletter/confirmed.html",
        title="You have signed up for our newsletter"
        if result is store.Confirmed.NOW
        else "You are already signed up for our newsletter",
    )


def _unsubscribe_page(request: Request, token: str, status_code: int = 200) -> Response:
    errors = (
        {
            "unsubscribe": "This page had expired, so you have not been unsubscribed yet. "
            "Select Unsubscribe again"
        }
        if status_code == 403
        else {}
    )
    return render_page(
        request,
        "newsletter/unsubscribe.html",
        status_code=status_code,
        title="Unsubscribe from our newsletter",
        token=token,
        errors=errors,
        error_list=[{"text": m, "href": "#unsubscribe"} for m in errors.values()],
    )


async def _unsubscribe_expired(request: Request) -> Response:
    """The button's POST was refused by the CSRF check: nothing changed; the page again."""
    token = str(request.path_params.get("token", ""))
    if signing.read_unsubscribe_token(request.app.state.settings, token) is None:
        return _link_problem(request, expired=False)
    return _unsubscribe_page(request, token, 403)


@rerender_on_csrf_failure(_unsubscribe_expired)
@one_click_unsubscribe
async def unsubscribe(request: Request) -> Response:
    """GET shows a button and changes nothing: mail scanners and link previews open links, and
    must not unsubscribe anyone. POST unsubscribes: from the button, or from a mail client's
    RFC 8058 one-click request (no CSRF token; see pafinder.web.one_click). The body is not
    read: the signed link says whose address it is."""
    token = request.path_params["token"]
    subscriber_id = signing.read_unsubscribe_token(request.app.state.settings, token)
    if subscriber_id is None:
        return _link_problem(request, expired=False)
    if request.method == "GET":
        return _unsubscribe_page(request, token)
    # An address already taken off (or erased) gets the same answer: it gets no more issues.
    await run_in_threadpool(store.unsubscribe, request.app.state.engine, subscriber_id)
    return render_page(request, "newsletter/unsubscribed.html", title="You have unsubscribed")


routes: list[BaseRoute] = [
    Route(BASE, sign_up, methods=["GET", "POST"]),
    Route(f"{BASE}/check-your-email", check_your_email),
    Route(f"{BASE}/confirm/{{token}}", confirm),
    Route(f"{BASE}/unsubscribe/{{token}}", unsubscribe, methods=["GET", "POST"]),
]

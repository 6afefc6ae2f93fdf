"""The public request form: ``GET/POST /accessible-formats/request``, 303 to
``/accessible-formats/request/sent/{signed token}`` with the reference and what happens next.

As the complaints form (pafinder.complaints.public_routes): the page signs a form key and the
time it was shown into a hidden field. The key makes a double submit record once (the second
send finds the first reference); the time gives the minimum fill time the PA register uses. A
filled honeypot looks exactly like success while nothing is kept.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Connection
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from pafinder import outbox
from pafinder.db import utcnow
from pafinder.formats import notify, store
from pafinder.formats.models import (
    DELIVERIES,
    FORM_FIELDS,
    FORMATS,
    INFORMATION_MAX,
    OTHER_PAGE,
    validate,
)
from pafinder.web import signed
from pafinder.web.csrf import EXPIRED_MESSAGE, rerender_on_csrf_failure
from pafinder.web.forms import error_list, form_to_dict
from pafinder.web.render import render_page

BASE = "/accessible-formats/request"
HONEYPOT = "website"
MIN_FILL_SECONDS = 5.0  # as the PA register (pafinder.register.journey_routes)
FORM_SALT = "pafinder-format-request-form"  # the form key field (web/signed.py)
CONFIRMATION_MAX_AGE = 30 * 24 * 3600
# Per connection, generous: a care home or a library may send several from one address.
RATE_ADDRESS = "20/hour"
KEEP_CHARS = INFORMATION_MAX + 1000  # what is re-shown of an over-long answer
TOO_FAST = "Check your answers, then send the request again"
TAMPERED = (
    "This form could not be checked, so it was not sent. What you wrote is below: "
    "check it and send the request again"
)
BUSY = (
    "Your request has not been sent yet, because a lot of forms have been sent from your "
    "internet connection in the last hour. Wait an hour, then send it again, or phone us on {phone}"
)


REVEAL_JS = (Path(__file__).parent / "static" / "reveal.js").read_bytes()


async def reveal_js(request: Request) -> Response:
    """The form's small script (same origin, so the CSP's script-src 'self' allows it)."""
    headers = {"Cache-Control": "public, max-age=3600"}
    return Response(REVEAL_JS, media_type="text/javascript", headers=headers)


def _serializer(request: Request, purpose: str) -> URLSafeTimedSerializer:
    secret = str(request.app.state.settings.secret_key)
    return URLSafeTimedSerializer(secret, salt=f"pafinder-format-request-{purpose}")


def _sign_key(request: Request, key: str, started: float) -> str:
    return signed.dump_form_key(request.app.state.settings, FORM_SALT, key, started)


def _read_key(request: Request, token: str) -> tuple[str, float] | None:
    return signed.load_form_key(request.app.state.settings, FORM_SALT, token)


def information_pages(request: Request) -> dict[str, str]:
    """{url: title} of the information pages, in the site's order, for the select."""
    pages = sorted(request.app.state.content.pages, key=lambda p: (p.section, p.order, p.title))
    return {p.url: p.title for p in pages}


def _render(
    request: Request,
    values: dict[str, Any],
    key: str,
    started: float,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    errors = errors or {}
    # Only text is re-shown (a repeated field shows its last answer), without control
    # characters, which HTML cannot carry; the message says why it was not accepted.
    shown = {}
    for name in FORM_FIELDS:
        value = values.get(name, "")
        if isinstance(value, list):
            value = value[-1] if value else ""
        text = str(value)[:KEEP_CHARS]
        shown[name] = "".join(ch for ch in text if ch in "\n\t" or (ord(ch) >= 32 and ch != "\x7f"))
    return render_page(
        request,
        "formats/form.html",
        status_code=status_code,
        title="Ask for information in another format",
        values=shown,
        errors=errors,
        error_list=error_list(errors, FORM_FIELDS),
        form_key=_sign_key(request, key, started),
        formats=FORMATS,
        deliveries=DELIVERIES,
        pages=information_pages(request),
        other_page=OTHER_PAGE,
        information_max=INFORMATION_MAX,
        retain_days=store.RETAIN_DONE.days,
    )


async def form_page(request: Request) -> Response:
    return _render(request, {}, signed.new_form_key(), time.time())


async def form_expired(request: Request) -> Response:
    """The CSRF check refused this POST (a page open for days, cookies cleared): nothing is
    saved, and the form comes back with everything typed."""
    form = await request.form()
    values = form_to_dict(form)
    found = _read_key(request, str(values.get("form_key", "")))
    key, started = found if found else (signed.new_form_key(), time.time())
    return _render(request, values, key, started, {"form_key": EXPIRED_MESSAGE}, 403)


@rerender_on_csrf_failure(form_expired)
async def form_submit(request: Request) -> Response:
    state = request.app.state
    form = await request.form()
    values = form_to_dict(form, multi=[n for n in FORM_FIELDS if len(form.getlist(n)) > 1])
    if str(form.get(HONEYPOT, "")).strip():
        # Look exactly like success to a robot; keep nothing it typed.
        return RedirectResponse(_confirmation_url(request, store.new_ref(), False), 303)
    token = str(values.pop("form_key", "") or "")
    found = _read_key(request, token) if token else None
    errors: dict[str, str] = {}
    if token and found is None:
        errors["form_key"] = TAMPERED
    key, started = found if found else (signed.new_form_key(), 0.0)

    submission, field_errors = validate(values, information_pages(request))
    errors.update(field_errors)
    if errors or submission is None:
        return _render(request, values, key, started if found else time.time(), errors, 400)
    recorded = await run_in_threadpool(store.find_by_form_key, state.engine, key)
    if recorded is None and time.time() - started < MIN_FILL_SECONDS:
        # Faster than a person could fill it in: likely a robot; a person just sends again.
        return _render(request, values, key, started, {"form_key": TOO_FAST}, 400)
    if recorded is None and not await run_in_threadpool(_within_limit, request):
        message = BUSY.format(phone=state.content.site.phone)
        return _render(request, values, key, started, {"form_key": message}, 429)

    queued: list[int] = []

    def on_created(conn: Connection, ref: str) -> None:
        # In the request's own transaction: its acknowledgement, or none of it.
        if submission.email:
            message = notify.acknowledgement(state.settings, state.content, submission.email, ref)
            queued.append(outbox.queue(conn, message, notify.PURPOSE))

    ref, _created = await run_in_threadpool(
        store.create, state.engine, submission, key, utcnow(), on_created
    )
    # Committed, the email queued with it: only now is it acknowledged.
    task = BackgroundTask(outbox.deliver, state.engine, state.settings, queued) if queued else None
    url = _confirmation_url(request, ref, bool(submission.email))
    return RedirectResponse(url, status_code=303, background=task)


def _within_limit(request: Request) -> bool:
    client = request.client.host if request.client else "unknown"
    return bool(request.app.state.limiter.hit(RATE_ADDRESS, "format-request-ip", client))


def _confirmation_url(request: Request, ref: str, emailed: bool) -> str:
    # Signed, so only the sender (who was redirected here) sees it, with no cookie and no
    # database read; a robot's fake one reads the same as a real one.
    token = _serializer(request, "sent").dumps([ref, emailed])
    return f"{BASE}/sent/{token}"


async def confirmation(request: Request) -> Response:
    try:
        found = _serializer(request, "sent").loads(
            request.path_params["token"][:500], max_age=CONFIRMATION_MAX_AGE
        )
    except (BadSignature, SignatureExpired):
        found = None
    if not (isinstance(found, list) and len(found) == 2 and isinstance(found[0], str)):
        return render_page(request, "pages/404.html", status_code=404, title="Page not found")
    ref, emailed = found
    return render_page(
        request,
        "formats/confirmation.html",
        title="Request sent",
        ref=ref,
        emailed=bool(emailed),
        next_steps=notify.what_happens_next(),
    )


routes = [
    Route("/accessible-formats/reveal.js", reveal_js, methods=["GET"]),
    Route(BASE, form_page, methods=["GET"]),
    Route(BASE, form_submit, methods=["POST"]),
    Route(f"{BASE}/sent/{{token}}", confirmation, methods=["GET"]),
]

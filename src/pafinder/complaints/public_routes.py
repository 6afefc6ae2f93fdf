"""The public form (CONTRACT "Feedback, complaints, newsletter"): ``GET/POST /complaints``, 303 to
``/complaints/sent/{signed token}`` with the reference and what happens next.

The page signs a form key and the time it was shown into a hidden field: the key makes a double
submit record once (the second send finds the first reference), the time gives the minimum fill
time the PA register uses. Spam defences cost a real person nothing: a form sent faster than a
person could is shown again to send once more, and a filled honeypot looks exactly like success
while nothing is kept. A client sending the CONTRACT's fields without a key is taken as a fresh
submission (a new key), as the referral form does.
"""

from __future__ import annotations

import time
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Connection
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from pafinder import outbox
from pafinder.complaints import notify, store
from pafinder.complaints.models import (
    DETAILS_MAX,
    FORM_FIELDS,
    GENERAL_LABEL,
    KIND_HINTS,
    KINDS,
    validate,
)
from pafinder.db import utcnow
from pafinder.web import signed
from pafinder.web.csrf import EXPIRED_MESSAGE, rerender_on_csrf_failure
from pafinder.web.forms import error_list, form_to_dict
from pafinder.web.render import render_page

HONEYPOT = "website"
MIN_FILL_SECONDS = 5.0  # as the PA register (pafinder.register.journey_routes)
FORM_SALT = "pafinder-complaint-form"  # the form key field (web/signed.py)
CONFIRMATION_MAX_AGE = 30 * 24 * 3600
# Per connection, generous: a care home or a library may send several from one address.
RATE_ADDRESS = "20/hour"
KEEP_CHARS = DETAILS_MAX + 1000  # what is re-shown of an over-long answer
TOO_FAST = "Check what you have written, then send the form again"
TAMPERED = (
    "This form could not be checked, so it was not sent. What you wrote is below: "
    "check it and send the form again"
)
BUSY = (
    "Your {what} has not been sent yet, because a lot of forms have been sent from your internet "
    "connection in the last hour. Wait an hour, then send it again, or phone us on {phone}"
)


def _serializer(request: Request, purpose: str) -> URLSafeTimedSerializer:
    secret = str(request.app.state.settings.secret_key)
    return URLSafeTimedSerializer(secret, salt=f"pafinder-complaint-{purpose}")


def _sign_key(request: Request, key: str, started: float) -> str:
    return signed.dump_form_key(request.app.state.settings, FORM_SALT, key, started)


def _read_key(request: Request, token: str) -> tuple[str, float] | None:
    return signed.load_form_key(request.app.state.settings, FORM_SALT, token)


def _services(request: Request) -> dict[str, str]:
    return {s.slug: s.name for s in request.app.state.content.services}


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
    summary = error_list(errors, FORM_FIELDS)
    return render_page(
        request,
        "complaints/form.html",
        status_code=status_code,
        title="Make a complaint, pay a compliment or leave a comment",
        values=shown,
        errors=errors,
        error_list=summary,
        form_key=_sign_key(request, key, started),
        kinds=KINDS,
        kind_hints=KIND_HINTS,
        services=_services(request),
        general_label=GENERAL_LABEL,
        details_max=DETAILS_MAX,
        honeypot=HONEYPOT,
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
    return _render(request, values, key, started, {"details": EXPIRED_MESSAGE}, 403)


@rerender_on_csrf_failure(form_expired)
async def form_submit(request: Request) -> Response:
    state = request.app.state
    form = await request.form()
    values = form_to_dict(form, multi=[n for n in FORM_FIELDS if len(form.getlist(n)) > 1])
    if str(form.get(HONEYPOT, "")).strip():
        # Look exactly like success to a robot; keep nothing it typed.
        kind = str(form.get("kind", ""))
        kind = kind if kind in KINDS else "comment"
        return RedirectResponse(_confirmation_url(request, store.new_ref(), kind, False), 303)
    token = str(values.pop("form_key", "") or "")
    found = _read_key(request, token) if token else None
    errors: dict[str, str] = {}
    if token and found is None:
        errors["form_key"] = TAMPERED
    key, started = found if found else (signed.new_form_key(), 0.0)

    submission, field_errors = validate(values, _services(request))
    errors.update(field_errors)
    if errors or submission is None:
        return _render(request, values, key, started if found else time.time(), errors, 400)
    recorded = await run_in_threadpool(store.find_by_form_key, state.engine, key)
    if recorded is None and time.time() - started < MIN_FILL_SECONDS:
        # Faster than a person could write it: likely a robot; a person just sends again.
        return _render(request, values, key, started, {"form_key": TOO_FAST}, 400)
    if recorded is None and not await run_in_threadpool(_within_limit, request):
        what = KINDS[submission.kind].lower()
        message = BUSY.format(what=what, phone=state.content.site.phone)
        return _render(request, values, key, started, {"form_key": message}, 429)

    services = _services(request)
    service_name = services.get(submission.service, GENERAL_LABEL.lower())
    queued: list[int] = []

    def on_created(conn: Connection, item: store.Complaint) -> None:
        # In the item's own transaction: its emails, or none of it.
        queued.extend(notify.queue_all(conn, state.settings, state.content, item, service_name))

    ref, _created = await run_in_threadpool(
        store.create, state.engine, submission, key, utcnow(), on_created
    )
    # Committed, emails queued with it: only now is it acknowledged.
    task = BackgroundTask(outbox.deliver, state.engine, state.settings, queued) if queued else None
    url = _confirmation_url(request, ref, submission.kind, bool(submission.email))
    return RedirectResponse(url, status_code=303, background=task)


def _within_limit(request: Request) -> bool:
    client = request.client.host if request.client else "unknown"
    return bool(request.app.state.limiter.hit(RATE_ADDRESS, "complaint-ip", client))


def _confirmation_url(request: Request, ref: str, kind: str, emailed: bool) -> str:
    # Signed, so only the sender (who was redirected here) sees it, with no cookie and no
    # database read; a robot's fake one reads the same as a real one.
    token = _serializer(request, "sent").dumps([ref, kind, emailed])
    return f"/complaints/sent/{token}"


async def confirmation(request: Request) -> Response:
    try:
        found = _serializer(request, "sent").loads(
            request.path_params["token"], max_age=CONFIRMATION_MAX_AGE
        )
    except (BadSignature, SignatureExpired):
        found = None
    if not (isinstance(found, list) and len(found) == 3 and found[1] in KINDS):
        return render_page(request, "pages/404.html", status_code=404, title="Page not found")
    ref, kind, emailed = found
    titles = {
        "complaint": "Complaint sent",
        "compliment": "Compliment sent",
        "comment": "Comment sent",
    }
    return render_page(
        request,
        "complaints/confirmation.html",
        title=titles[kind],
        ref=str(ref),
        kind=kind,
        emailed=bool(emailed),
        next_steps=notify.what_happens_next(kind),
    )


routes = [
    Route("/complaints", form_page, methods=["GET"]),
    Route("/complaints", form_submit, methods=["POST"]),
    Route("/complaints/sent/{token}", confirmation, methods=["GET"]),
]

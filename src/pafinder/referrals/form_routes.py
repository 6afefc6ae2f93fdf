"""The single POST of CONTRACT.md, the sending they share, and the confirmation:

- ``POST /refer/{slug}``: a complete submission, every field at once (systems that send one).
  A valid referral is recorded and answered 303 to its confirmation; with ``action=check`` valid
  answers go to check-your-answers instead. Errors: 400, the one-page form re-filled, an error
  summary.
- ``GET /refer/{slug}/confirmation/{signed ref}``: reference, respond-by date, whether an
  acknowledgement was sent, and the service's phone number; never the answers.

People answer one question page at a time (referrals/journey/routes.py); both ways end in
``_send``, so they make the same referral. Every POST keeps what was typed in a server-side
draft, so refresh, the back button and validation errors lose nothing, without JavaScript.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from pafinder import outbox
from pafinder.content import Service, render_markdown
from pafinder.db import utcnow
from pafinder.referrals import checks, journey, notify, store
from pafinder.referrals.models import (
    CONTACT_METHODS,
    EQUALITY,
    ROUTE_LABELS,
    ReferralConfig,
)
from pafinder.referrals.validation import (
    Submission,
    field_order,
    professional_only_message,
    signposted,
    validate,
)
from pafinder.web.csrf import EXPIRED_MESSAGE, rerender_on_csrf_failure
from pafinder.web.forms import form_to_dict
from pafinder.web.render import render_page
from pafinder.workdays import london_date, respond_by

# Per connection, on sending only. Generous (one a minute, kept up for an hour), because a
# hospital, a GP surgery or a library may send many referrals from one address and a referral
# must never be lost to a limit; it stops only a flood. A refusal keeps the answers.
REFERRAL_RATE_ADDRESS = "60/hour"

TAMPERED = (
    "This form could not be checked, so it was not sent. Your answers are below: "
    "check them and send the form again"
)


def _title(service: Service, config: ReferralConfig) -> str:
    if "self" in config.routes:
        return f"Ask for support from the {service.name.lower()}"
    return f"Make a referral to the {service.name.lower()}"


def _date_fields(config: ReferralConfig) -> list[str]:
    return ["date_of_birth", *[q.id for q in config.questions if q.type == "date"]]


def _render_form(
    request: Request,
    service: Service,
    config: ReferralConfig,
    values: dict[str, Any],
    form_key: str,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    errors = errors or {}
    dates = _date_fields(config)
    title = _title(service, config)
    return render_page(
        request,
        "referrals/form.html",
        status_code=status_code,
        title=title,
        service=service,
        config=config,
        values=journey.display_values(values, dates),
        form_key=journey.sign_form_key(request, service.slug, form_key),
        errors=errors,
        error_list=journey.error_items(errors, field_order(config), dates),
        intro_html=render_markdown(config.intro) if config.intro else "",
        crisis=config.crisis if config.crisis is not None else service.crisis,
        route_labels=ROUTE_LABELS,
        contact_methods=CONTACT_METHODS,
        equality=EQUALITY,
        professional_only=professional_only_message(config),
        breadcrumbs=[
            {"text": "Get support", "href": "/services/"},
            {"text": service.name, "href": service.url},
        ],
        nav="services",
    )


async def form_expired(request: Request) -> Response:
    """The CSRF check refused this POST (an expired page, cookies cleared): nothing is saved,
    and the form comes back with everything typed so the person can send it again."""
    try:
        service, config = journey.service_and_config(request)
    except journey.NotFound:
        return journey.not_found(request)
    form = await request.form()
    values = form_to_dict(form, multi=[q.id for q in config.questions if q.type == "any_of"])
    values.pop("action", None)
    token = str(values.pop("form_key", "") or "")
    form_key = journey.read_form_key(request, service.slug, token) if token else None
    errors = {"referral-form": EXPIRED_MESSAGE}
    return _render_form(
        request, service, config, values, form_key or journey.new_form_key(), errors, 403
    )


@rerender_on_csrf_failure(form_expired)
async def form_submit(request: Request) -> Response:
    try:
        service, config = journey.service_and_config(request)
    except journey.NotFound:
        return journey.not_found(request)
    slug = service.slug
    form = await request.form()
    multi = [q.id for q in config.questions if q.type == "any_of"]
    values = form_to_dict(form, multi=multi)
    action = str(values.pop("action", "") or "send")
    token = str(values.pop("form_key", "") or "")
    draft_id, draft = await run_in_threadpool(journey.load_session_draft, request, slug)
    if draft and draft.get("_submitted_ref"):
        draft_id, draft = None, None  # that draft was sent; this is a new referral

    errors: dict[str, str] = {}
    form_key = journey.read_form_key(request, slug, token) if token else None
    if token and form_key is None:
        errors["form_key"] = TAMPERED
    # No key at all (a client posting the fields directly): a fresh one, so this submission is
    # recorded once; resubmits of a rendered form reuse the key signed into the page.
    form_key = form_key or (draft or {}).get("form_key") or journey.new_form_key()

    today = london_date(utcnow())
    submission, field_errors = validate(values, service, config, today)
    errors.update(field_errors)
    draft_data = {"values": values, "form_key": form_key}
    if errors or submission is None:
        await run_in_threadpool(journey.keep_draft, request, slug, draft_id, draft_data)
        return _render_form(request, service, config, values, form_key, errors, 400)
    if action == "check":
        await run_in_threadpool(journey.keep_draft, request, slug, draft_id, draft_data)
        return RedirectResponse(f"/refer/{slug}/check", status_code=303)
    if signposted(config, submission.flags):
        await run_in_threadpool(journey.keep_draft, request, slug, draft_id, draft_data)
        return _signpost(request, service, config)
    return await _send(request, service, config, submission, form_key, draft_id, values)


def _over_limit(request: Request, form_key: str) -> bool:
    """True when this connection has sent too many referrals this hour. A resend of a referral
    already recorded is never refused: it leads to its confirmation."""
    if store.find_by_form_key(request.app.state.engine, form_key) is not None:
        return False
    client = request.client.host if request.client else "unknown"
    return not request.app.state.limiter.hit(REFERRAL_RATE_ADDRESS, "referral-ip", client)


def _busy_message(request: Request) -> str:
    phone = request.app.state.content.site.phone
    return (
        "Your referral has not been sent yet, because a lot of referrals have been sent from "
        "your internet connection in the last hour. Your answers are saved. Wait an hour, then "
        f"send it again. If it cannot wait, phone us on {phone}"
    )


async def _send(
    request: Request,
    service: Service,
    config: ReferralConfig,
    sub: Submission,
    form_key: str,
    draft_id: str | None,
    values: dict[str, Any],
) -> Response:
    state = request.app.state
    if await run_in_threadpool(_over_limit, request, form_key):
        # Kept in the draft as well as re-shown, so nothing typed is lost to the limit.
        data = {"values": values, "form_key": form_key}
        await run_in_threadpool(journey.keep_draft, request, service.slug, draft_id, data)
        errors = {"referral-form": _busy_message(request)}
        return _render_form(request, service, config, values, form_key, errors, 429)
    received_at = utcnow()
    due = respond_by(received_at, service.respond_within_working_days)
    queued: list[int] = []

    def on_created(conn: Connection, referral: store.Referral) -> None:
        # In the referral's own transaction: its checks and its emails, or none of it.
        checks.on_arrival(conn, referral.ref, service, london_date(received_at))
        queued.extend(
            notify.queue_all(conn, state.settings, state.content, service, config, referral)
        )

    ref, _created = await run_in_threadpool(
        store.create,
        state.engine,
        service.slug,
        sub,
        form_key,
        received_at,
        due,
        draft_id,
        on_created,
    )
    # The transaction has committed, emails queued with it: only now is the referral
    # acknowledged. The session keeps pointing at the claimed draft, so sending it again leads
    # to this same confirmation.
    task = BackgroundTask(outbox.deliver, state.engine, state.settings, queued) if queued else None
    return RedirectResponse(
        journey.confirmation_url(request, service.slug, ref), status_code=303, background=task
    )


def _signpost(request: Request, service: Service, config: ReferralConfig) -> Response:
    return render_page(
        request,
        "referrals/signpost.html",
        title=f"The {service.name.lower()} may not be able to help",
        service=service,
        signposting_html=render_markdown(config.signposting),
        crisis=config.crisis if config.crisis is not None else service.crisis,
        back_link=f"/refer/{service.slug}",
    )


def summary_rows(service: Service, config: ReferralConfig, sub: Submission) -> list[dict[str, Any]]:
    """Check-your-answers rows: (question, answer, field to change)."""
    base = f"/refer/{service.slug}"
    rows: list[tuple[str, str, str]] = [
        ("Who is making the referral", ROUTE_LABELS[sub.referrer_type], "referrer_type")
    ]
    for label, name in (
        ("Your name", "referrer_name"),
        ("How you know them", "referrer_relationship"),
        ("Your job title", "referrer_role"),
        ("Your organisation", "referrer_organisation"),
        ("Your email", "referrer_email"),
        ("Your phone", "referrer_phone"),
    ):
        if getattr(sub, name):
            rows.append((label, getattr(sub, name), name))
    rows += [
        ("Name", f"{sub.first_name} {sub.last_name}", "first_name"),
        (
            "Date of birth",
            f"{sub.date_of_birth.day} {sub.date_of_birth:%B %Y}",
            "date_of_birth-day",
        ),
        ("Postcode", sub.postcode or "Not given", "postcode"),
        ("Best way to get in touch", CONTACT_METHODS[sub.preferred_contact], "preferred_contact"),
        ("Email", sub.email or "Not given", "email"),
        ("Phone", sub.phone or "Not given", "phone"),
    ]
    if sub.address:
        rows.append(("Address", sub.address, "address"))
    rows.append(("Why support is needed", sub.reason, "reason"))
    for q in config.questions_for(sub.referrer_type):
        answer = sub.answers.get(q.id)
        if isinstance(answer, list):
            shown = ", ".join(q.option_label(a) for a in answer) or "Not answered"
        elif q.type in ("one_of", "yes_no"):
            shown = (
                q.option_label(str(answer)) if q.type == "one_of" else str(answer).capitalize()
            ) or "Not answered"
        else:
            shown = str(answer or "Not answered")
        rows.append((q.label, shown, f"{q.id}-day" if q.type == "date" else q.id))
    agreed = (
        "The person agrees to this referral"
        if sub.consent == "yes"
        else "Referred without agreement for a safeguarding reason"
    )
    rows.append(("Agreement", agreed, "consent"))
    answered = sum(1 for k in EQUALITY if sub.equality.get(k))
    rows.append(
        ("Equality monitoring", f"{answered} of {len(EQUALITY)} questions answered", "eq_age_band")
    )
    return [{"key": k, "value": v, "href": f"{base}#{f}"} for k, v, f in rows]


async def confirmation(request: Request) -> Response:
    try:
        service, config = journey.service_and_config(request)
    except journey.NotFound:
        return journey.not_found(request)
    ref = journey.read_confirmation(request, request.path_params["token"])
    referral = await run_in_threadpool(store.get, request.app.state.engine, ref) if ref else None
    if referral is None or referral.service != service.slug:
        return journey.not_found(request)
    review = [f for f in referral.flags if f in ("outside_age", "outside_area", "area_not_sure")]
    return render_page(
        request,
        "referrals/confirmation.html",
        title="Referral sent",
        service=service,
        referral=referral,
        respond_by_text=notify.long_date(referral.respond_by),
        promise=notify.promise(config, referral.urgency),
        review=bool(review),
        signposting_html=render_markdown(config.signposting)
        if review and config.signposting
        else "",
        what_next_html=service.sections_html.get("what_next", ""),
        crisis=config.crisis if config.crisis is not None else service.crisis,
        acknowledged=notify.acknowledged(referral),
        not_acknowledged=notify.not_acknowledged_reason(referral),
        phone=notify.service_phone(request.app.state.content, config),
        exit_this_page=config.exit_this_page,
    )


routes = [
    Route("/refer/{slug}", form_submit, methods=["POST"]),
    Route("/refer/{slug}/confirmation/{token}", confirmation, methods=["GET"]),
]

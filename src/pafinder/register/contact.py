"""'Contact this PA': an employer's message and reply details are emailed to the PA, who decides
whether to answer. The PA's own email and phone are never shown. Messages are kept for 90 days
for safeguarding (`pafinder purge-pa-contacts` deletes older ones) and rate limited: per sender
(address and email) for each PA, per sender overall, and a higher ceiling per PA that only a flood
reaches, so one sender can never use up a PA's messages for everyone else."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from pafinder import mail, outbox
from pafinder.register import store
from pafinder.register.models import MAX_MESSAGE, ContactForm
from pafinder.web.forms import error_list, errors_from_validation, form_to_dict
from pafinder.web.render import render_page

FIELDS = ("name", "email", "phone", "message")
# An employer may write to a handful of PAs in an hour.
PER_SENDER = "10/hour"
# One sender (by address, and by email) to one PA in a day.
PER_SENDER_TO_PA = "10/day"
# A PA is not flooded: only many senders together reach this.
PER_PA = "50/day"
TOO_MANY_TO_PA = (
    "You have sent too many messages to this PA today. Wait for them to reply, or send your "
    "message again tomorrow"
)
TOO_MANY = "You have sent too many messages in the last hour. Wait an hour, then send it again"
PA_FULL = (
    "This PA has had too many messages today to take any more. Send your message again "
    "tomorrow, or contact a different PA"
)
MESSAGES = {"name": "Enter your name", "message": "Enter your message to the PA"}


def _form(request: Request, profile: store.Profile, **context: Any) -> Response:
    ref = profile.listing.ref
    context.setdefault("errors", {})
    context.setdefault("values", {})
    return render_page(
        request,
        "register/find/contact.html",
        title=f"Contact {profile.listing.display_name}",
        nav="find-a-pa",
        listing=profile.listing,
        max_message=MAX_MESSAGE,
        back_link=f"/find-a-pa/{ref}",
        error_list=error_list(context["errors"], FIELDS),
        **context,
    )


def _not_found(request: Request) -> Response:
    return render_page(
        request,
        "register/find/not_found.html",
        status_code=404,
        title="This listing is not available",
        nav="find-a-pa",
    )


def _body(profile: store.Profile, first_name: str, form: ContactForm, site: Any) -> str:
    lines = [
        f"Hello {first_name},",
        "",
        f"{form.name} would like to talk to you about work as a personal assistant. They found "
        f"your listing ({profile.listing.ref}) on {site.name}.",
        "",
        "Their message:",
        "",
        *(f"  {line}" for line in form.message.splitlines()),
        "",
        "How to reply, if you want to:",
    ]
    if form.email:
        lines.append(f"  Email: {form.email} (replying to this email writes to them)")
    if form.phone:
        lines.append(f"  Phone: {form.phone}")
    lines += [
        "",
        "You do not have to reply. We have not given them your email address or phone number.",
        "",
        f"If this message worries you, contact us: phone {site.phone} or email {site.email}.",
        "We keep a copy of this message for 90 days to keep everyone safe, then delete it.",
    ]
    return "\n".join(lines)


def _over_limit(limiter: Any, ref: str, sender: str, email: str) -> str | None:
    """The message to show when this sender may not write to this PA now, else None.

    The sender's own limits are counted first and the PA's ceiling last, so a sender who is
    refused never uses up the PA's ceiling (the limiter does not count a refused attempt)."""
    to_pa = [("pa-contact-sender-pa", ref, sender)]
    if email:
        to_pa.append(("pa-contact-email-pa", ref, email.lower()))
    if not all(limiter.hit(PER_SENDER_TO_PA, *keys) for keys in to_pa):
        return TOO_MANY_TO_PA
    if not limiter.hit(PER_SENDER, "pa-contact-sender", sender):
        return TOO_MANY
    if not limiter.hit(PER_PA, "pa-contact-pa", ref):
        return PA_FULL
    return None


async def contact_form(request: Request) -> Response:
    engine = request.app.state.engine
    profile = store.get_profile(engine, request.path_params["ref"])
    if profile is None:
        return _not_found(request)
    if request.method == "GET":
        return _form(request, profile)

    form = await request.form()
    values = {k: v for k, v in form_to_dict(form).items() if k in FIELDS}
    errors: dict[str, str] = {}
    try:
        data = ContactForm(**{f: values.get(f, "") for f in FIELDS})
    except ValidationError as exc:
        errors = errors_from_validation(exc, MESSAGES)
    if not values.get("email") and not values.get("phone"):
        errors.setdefault("email", "Enter an email address or a phone number so the PA can reply")
    if errors:
        return _form(request, profile, errors=errors, values=values, status_code=400)

    ref = profile.listing.ref
    sender = request.client.host if request.client else "unknown"
    # The same message again within minutes is a double submit: acknowledge, do not resend.
    if store.recent_duplicate(engine, profile.id, data.name, data.message):
        return RedirectResponse(f"/find-a-pa/{ref}/contact/sent", status_code=303)
    refused = _over_limit(request.app.state.limiter, ref, sender, data.email)
    if refused:
        return _form(request, profile, errors={"message": refused}, values=values, status_code=429)

    address, first_name = store.pa_contact_details(engine, profile.id)
    settings = request.app.state.settings
    site = request.app.state.content.site
    message = mail.build_message(
        settings,
        to=address,
        subject=f"{data.name[:60]} wants to contact you about PA work",
        body=_body(profile, first_name, data, site),
        reply_to=data.email or None,
    )
    # Kept and queued in one transaction; if the mail server is down the outbox tries again.
    queued = store.add_contact(
        engine, profile.id, data.name, data.email, data.phone, data.message, message
    )
    await run_in_threadpool(outbox.deliver, engine, settings, [queued])
    return RedirectResponse(f"/find-a-pa/{ref}/contact/sent", status_code=303)


async def contact_sent(request: Request) -> Response:
    profile = store.get_profile(request.app.state.engine, request.path_params["ref"])
    if profile is None:
        return _not_found(request)
    return render_page(
        request,
        "register/find/contact_sent.html",
        title="Message sent",
        nav="find-a-pa",
        listing=profile.listing,
    )


routes: list[BaseRoute] = [
    Route("/find-a-pa/{ref}/contact", contact_form, methods=["GET", "POST"]),
    Route("/find-a-pa/{ref}/contact/sent", contact_sent),
]

"""A PA replies to an advert through the site: the message goes to the employer by email with
Reply-To the PA's address, so the portal never shows the employer's address and the employer
learns the PA's only by being written to. Nothing of the message is stored: one job_replies row
(a hash of the sender's address, for the double-submit check) is written in the same transaction
that queues the email.

Spam defences cost a real person nothing (as on the PA register): a honeypot field, a minimum
fill time (a signed time in the form) and rate limits per sender address and per connection,
with a ceiling per advert that only a flood reaches.
"""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from pydantic import ValidationError
from sqlalchemy import Engine, func, insert, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from pafinder import mail, outbox
from pafinder.db import utcnow
from pafinder.jobs import public
from pafinder.jobs.tables import job_replies, jobs
from pafinder.register.models import MAX_MESSAGE, ContactForm
from pafinder.settings import Settings
from pafinder.web.csrf import EXPIRED_MESSAGE, rerender_on_csrf_failure
from pafinder.web.forms import error_list, errors_from_validation, form_to_dict
from pafinder.web.render import render_page

FIELDS = ("name", "email", "phone", "message")
HONEYPOT = "website"
STARTED = "form-started"
STARTED_SALT = "pafinder-jobs-reply-started"
# Four fields and a message: nobody real sends it in under five seconds.
MIN_FILL_SECONDS = 5.0
PER_SENDER = "10/hour"  # one PA's address, across adverts
PER_CLIENT = "20/hour"  # one connection (a library or an office may share one)
PER_JOB = "50/day"  # an employer is not flooded
# The same sender to the same advert again within this time is a double submit: sent once.
DOUBLE_SUBMIT = timedelta(minutes=10)
PURPOSE = "job reply"
KEEP_TYPED = 5000  # what is shown again of an answer after an expired form
MESSAGES = {"name": "Enter your name", "message": "Enter your message to the employer"}
TOO_MANY = "You have sent too many replies in the last hour. Wait an hour, then send it again"
TOO_MANY_CLIENT = (
    "Lots of replies have been sent from your internet connection in the last hour. Wait an "
    "hour, then send yours again"
)
JOB_FULL = (
    "This employer has had too many replies today to take any more. Send yours again tomorrow"
)
SLOW_DOWN = "Check your message, then select Send reply again"


def started_field(settings: Settings, at: float | None = None) -> str:
    """When the form was shown, signed so a robot cannot backdate it."""
    serializer = URLSafeSerializer(str(settings.secret_key), salt=STARTED_SALT)
    return serializer.dumps(int(at if at is not None else time.time()))


def started_at(settings: Settings, value: str) -> float | None:
    serializer = URLSafeSerializer(str(settings.secret_key), salt=STARTED_SALT)
    try:
        stamp = serializer.loads(value[:200])
    except BadSignature:
        return None
    return float(stamp) if isinstance(stamp, int) else None


def sender_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def not_found(request: Request) -> Response:
    """A closed, unpublished or unknown advert: the same page for each."""
    return render_page(
        request,
        "jobs/find/not_found.html",
        status_code=404,
        title="This job is not available",
        nav="jobs",
    )


def _form(request: Request, job: public.OpenJob, **context: Any) -> Response:
    context.setdefault("errors", {})
    context.setdefault("values", {})
    return render_page(
        request,
        "jobs/find/reply.html",
        title=f"Reply to the advert: {job.public.title}",
        nav="jobs",
        view=job.public,
        max_message=MAX_MESSAGE,
        # A form shown again keeps its first time: the clock is not restarted by a mistake.
        started=context.pop("started", None) or started_field(request.app.state.settings),
        back_link=f"/jobs/{job.public.ref}",
        error_list=error_list(context["errors"], FIELDS),
        **context,
    )


def _body(job: public.OpenJob, form: ContactForm, site: Any) -> str:
    lines = [
        "Hello,",
        "",
        f"{form.name} has replied to your job advert \u2018{job.public.title}\u2019 "
        f"({job.public.ref}) on {site.name}.",
        "",
        "Their message:",
        "",
        *(f"  {line}" for line in form.message.splitlines()),
        "",
        "How to reply, if you want to:",
        f"  Email: {form.email} (replying to this email writes to them)",
    ]
    if form.phone:
        lines.append(f"  Phone: {form.phone}")
    lines += [
        "",
        "You do not have to reply. The portal never shows your email address: this person will "
        "only see it if you reply to them.",
        "",
        "Before anyone starts work, check their identity, references and DBS certificate.",
        f"If this message worries you, contact us: phone {site.phone} or email {site.email}.",
    ]
    return "\n".join(lines)


def _employer_email(engine: Engine, job_id: int) -> str:
    """The employer's address: read only to send them a reply, never shown."""
    with engine.connect() as conn:
        return str(conn.execute(select(jobs.c.email).where(jobs.c.id == job_id)).scalar_one())


def _recent_duplicate(engine: Engine, job_id: int, sender: str) -> bool:
    since = utcnow() - DOUBLE_SUBMIT
    with engine.connect() as conn:
        found = conn.execute(
            select(func.count())
            .select_from(job_replies)
            .where(
                job_replies.c.job_id == job_id,
                job_replies.c.sender_hash == sender,
                job_replies.c.created_at >= since,
            )
        ).scalar_one()
    return bool(found)


def _record(engine: Engine, job_id: int, sender: str, message: EmailMessage) -> int:
    """The reply's row and its email together; returns the outbox id."""
    with engine.begin() as conn:
        conn.execute(
            insert(job_replies).values(job_id=job_id, sender_hash=sender, created_at=utcnow())
        )
        return outbox.queue(conn, message, PURPOSE)


def _over_limit(limiter: Any, ref: str, client: str, email: str) -> str | None:
    """The message to show when this reply may not go now. The sender's own limits are
    counted first, so a refused sender never uses up the advert's ceiling."""
    if not limiter.hit(PER_SENDER, "job-reply-sender", email.lower()):
        return TOO_MANY
    if not limiter.hit(PER_CLIENT, "job-reply-client", client):
        return TOO_MANY_CLIENT
    if not limiter.hit(PER_JOB, "job-reply-job", ref):
        return JOB_FULL
    return None


async def _reply_expired(request: Request) -> Response:
    """The CSRF check refused the POST (an old page, cookies cleared): nothing is sent, and the
    form comes back with what was typed so the PA can send it again."""
    job = await run_in_threadpool(
        public.get_open, request.app.state.engine, request.path_params["ref"]
    )
    if job is None:
        return not_found(request)
    form = await request.form()
    values = {k: v[:KEEP_TYPED] for k, v in form_to_dict(form).items() if k in FIELDS}
    return _form(request, job, errors={"message": EXPIRED_MESSAGE}, values=values, status_code=403)


@rerender_on_csrf_failure(_reply_expired)
async def reply_form(request: Request) -> Response:
    engine = request.app.state.engine
    job = await run_in_threadpool(public.get_open, engine, request.path_params["ref"])
    if job is None:
        return not_found(request)
    if request.method == "GET":
        return _form(request, job)

    form = await request.form()
    values = {k: v for k, v in form_to_dict(form).items() if k in FIELDS}
    sent = RedirectResponse(f"/jobs/{job.public.ref}/reply/sent", status_code=303)
    if str(form.get(HONEYPOT, "")):
        return sent  # looks exactly like success to a robot; nothing kept or sent
    errors: dict[str, str] = {}
    data: ContactForm | None = None
    try:
        data = ContactForm(**{f: values.get(f, "") for f in FIELDS})
    except ValidationError as exc:
        errors = errors_from_validation(exc, MESSAGES)
    if not values.get("email"):
        errors["email"] = "Enter your email address, so the employer can reply"
    settings = request.app.state.settings
    if not errors:
        started = started_at(settings, str(form.get(STARTED, "")))
        if started is None or time.time() - started < MIN_FILL_SECONDS:
            errors["message"] = SLOW_DOWN
    shown = str(form.get(STARTED, ""))[:200]
    kept = shown if started_at(settings, shown) is not None else None
    if errors or data is None:
        return _form(request, job, errors=errors, values=values, started=kept, status_code=400)

    sender = sender_hash(data.email)
    if await run_in_threadpool(_recent_duplicate, engine, job.id, sender):
        return sent
    client = request.client.host if request.client else "unknown"
    refused = _over_limit(request.app.state.limiter, job.public.ref, client, data.email)
    if refused:
        return _form(
            request, job, errors={"message": refused}, values=values, started=kept, status_code=429
        )
    address = await run_in_threadpool(_employer_email, engine, job.id)
    site = request.app.state.content.site
    message = mail.build_message(
        settings,
        to=address,
        subject=f"A reply to your job advert {job.public.ref}",
        body=_body(job, data, site),
        reply_to=data.email,
    )
    queued = await run_in_threadpool(_record, engine, job.id, sender, message)
    await run_in_threadpool(outbox.deliver, engine, settings, [queued])
    return sent


async def reply_sent(request: Request) -> Response:
    job = await run_in_threadpool(
        public.get_open, request.app.state.engine, request.path_params["ref"]
    )
    if job is None:
        return not_found(request)
    return render_page(
        request, "jobs/find/reply_sent.html", title="Reply sent", nav="jobs", view=job.public
    )


routes: list[BaseRoute] = [
    Route("/jobs/{ref}/reply", reply_form, methods=["GET", "POST"]),
    Route("/jobs/{ref}/reply/sent", reply_sent),
]

"""'Post a job': start page, question pages, check your answers, the email confirmation.

Answers live in a server-side draft (its id in the signed session cookie), saved on every POST,
valid or not, so a refresh, the back button or an error never loses what was typed. Sending
creates an 'unconfirmed' advert and queues a signed link in the same transaction; only the link
puts the advert in the staff queue. The same pages edit an advert from its management link (the
draft then names the advert, and sending updates it). Spam defences as the PA register: a
honeypot, a minimum fill time, and rate limits per address and per connection.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from pafinder import outbox
from pafinder.db import utcnow
from pafinder.jobs import emails, models, signing, store
from pafinder.jobs.post import forms, manage
from pafinder.settings import Settings
from pafinder.web import drafts
from pafinder.web.forms import Errors, form_to_dict
from pafinder.web.render import render_page
from pafinder.workdays import london_date

BASE = "/jobs/post"
DRAFT_KIND = "job-post"
SESSION_DRAFT = "job_draft"
HONEYPOT = "website"
MIN_FILL_SECONDS = 5.0
# "The 11th advert from one address (or one connection) within an hour is refused."
POST_RATE = "10/hour"
POST_RATE_ADDRESS = "10/hour"
MAX_RAW = 5000  # longest answer kept in a draft (the longest allowed is 2,000)


def _ctx(request: Request) -> models.Context:
    settings = request.app.state.settings
    return models.Context(
        forms.labels(request.app.state.content),
        london_date(utcnow()),
        settings.content_dir,
        settings.jobs_min_open_days,
    )


def _draft(request: Request) -> tuple[str, dict[str, Any]] | None:
    draft_id = request.session.get(SESSION_DRAFT)
    data = drafts.load_draft(request.app.state.engine, draft_id, DRAFT_KIND)
    if data is None or not isinstance(draft_id, str):
        return None
    data.setdefault("answers", {})
    return draft_id, data


def _steps(data: dict[str, Any]) -> tuple[str, ...]:
    return models.EDIT_STEPS if data.get("_edit_id") else models.STEPS


def _keep(raw: dict[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in list(raw.items())[:200]:
        if key == HONEYPOT:
            continue
        if isinstance(value, list):
            kept[key[:100]] = [str(v)[:200] for v in value[:200]]
        else:
            kept[key[:100]] = str(value)[:MAX_RAW]
    return kept


def _expired(request: Request) -> Response:
    return RedirectResponse(f"{BASE}?expired=1", status_code=303)


def _not_found(request: Request) -> Response:
    return render_page(request, "pages/404.html", status_code=404, title="Page not found")


async def start(request: Request) -> Response:
    if request.method == "POST":
        current = _draft(request)
        if (
            current is not None
            and not current[1].get("_submitted_ref")
            and not current[1].get("_discarded")
            and not current[1].get("_edit_id")
        ):
            return RedirectResponse(f"{BASE}/{models.STEPS[0]}", status_code=303)
        draft_id = await run_in_threadpool(
            drafts.new_draft,
            request.app.state.engine,
            DRAFT_KIND,
            {"_started": time.time(), "answers": {}},
        )
        request.session[SESSION_DRAFT] = draft_id
        return RedirectResponse(f"{BASE}/{models.STEPS[0]}", status_code=303)
    current = _draft(request)
    return render_page(
        request,
        "jobs/post/start.html",
        title="Post a job advert for a personal assistant",
        expired=request.query_params.get("expired") == "1",
        in_progress=current is not None and not current[1].get("_submitted_ref"),
        min_open_days=request.app.state.settings.jobs_min_open_days,
    )


def _render_step(
    request: Request,
    step: str,
    raw: dict[str, Any],
    errors: Errors,
    status_code: int,
    change: bool,
    data: dict[str, Any],
) -> Response:
    steps = _steps(data)
    i = steps.index(step)
    back = f"{BASE}/check-answers" if change else (f"{BASE}/{steps[i - 1]}" if i else BASE)
    ctx = _ctx(request)
    return render_page(
        request,
        f"jobs/post/{step}.html",
        status_code=status_code,
        title=models.TITLES[step],
        errors=errors,
        error_list=forms.error_summary(errors, step),
        back_link=back,
        action=f"{BASE}/{step}" + ("?change=1" if change else ""),
        honeypot=i == 0 and not data.get("_edit_id"),
        step_number=i + 1,
        step_count=len(steps),
        editing=bool(data.get("_edit_id")),
        **forms.page_context(step, raw, errors, ctx, data["answers"]),
    )


async def question(request: Request) -> Response:
    step = request.path_params["step"]
    if step not in models.STEPS:
        return _not_found(request)
    current = _draft(request)
    if current is None:
        return _expired(request)
    draft_id, data = current
    if data.get("_submitted_ref") or data.get("_discarded"):
        return RedirectResponse(_done_url(request, data), status_code=303)
    if step not in _steps(data):
        return RedirectResponse(f"{BASE}/check-answers", status_code=303)
    change = request.query_params.get("change") == "1"
    ctx = _ctx(request)
    if request.method == "GET":
        raw = data["answers"].get(step, {})
        errors: Errors = {}
        if request.query_params.get("check") == "1":
            _, errors = models.parse_step(step, raw, ctx, data["answers"])
        return _render_step(request, step, raw, errors, 200, change, data)

    form = await request.form()
    raw = _keep(form_to_dict(form, multi=models.MULTI_FIELDS.get(step, ())))
    if str(form.get(HONEYPOT, "")):
        data["_bot"] = True
    data["answers"][step] = raw
    await run_in_threadpool(drafts.save_draft, request.app.state.engine, draft_id, DRAFT_KIND, data)
    clean, errors = models.parse_step(step, raw, ctx, data["answers"])
    if errors or clean is None:
        return _render_step(request, step, raw, errors, 400, change, data)
    steps = _steps(data)
    i = steps.index(step)
    if change or i + 1 == len(steps):
        return RedirectResponse(f"{BASE}/check-answers", status_code=303)
    return RedirectResponse(f"{BASE}/{steps[i + 1]}", status_code=303)


def _done_url(request: Request, data: dict[str, Any]) -> str:
    if data.get("_edit_id"):
        return signing.manage_path(request.app.state.settings, int(data["_edit_id"])) + "?changed=1"
    return f"{BASE}/check-your-email"


def _render_check(
    request: Request,
    job: dict[str, Any],
    data: dict[str, Any],
    errors: Errors,
    status_code: int = 200,
) -> Response:
    steps = _steps(data)
    return render_page(
        request,
        "jobs/post/check_answers.html",
        status_code=status_code,
        title="Check your answers before sending your advert",
        rows=forms.summary_rows(
            job, forms.labels(request.app.state.content), lambda s: f"{BASE}/{s}?change=1", steps
        ),
        editing=bool(data.get("_edit_id")),
        errors=errors,
        error_list=[{"text": m, "href": "#send"} for m in errors.values()],
        back_link=f"{BASE}/{steps[-1]}",
    )


async def check_answers(request: Request) -> Response:
    current = _draft(request)
    if current is None:
        return _expired(request)
    draft_id, data = current
    if data.get("_submitted_ref") or data.get("_discarded"):
        return RedirectResponse(_done_url(request, data), status_code=303)
    job, bad_step = models.parse_all(data["answers"], _ctx(request), _steps(data))
    if bad_step is not None:
        return RedirectResponse(f"{BASE}/{bad_step}?check=1", status_code=303)
    if request.method == "GET":
        return _render_check(request, job, data, {})

    form = await request.form()
    engine = request.app.state.engine
    settings = request.app.state.settings
    if data.get("_edit_id"):
        return await _send_changes(request, draft_id, data, job)
    if str(form.get(HONEYPOT, "")) or data.get("_bot"):
        # Look exactly like success to a robot; keep nothing it typed.
        await run_in_threadpool(
            drafts.save_draft, engine, draft_id, DRAFT_KIND, {"_discarded": True, "answers": {}}
        )
        return RedirectResponse(f"{BASE}/check-your-email", status_code=303)
    if time.time() - float(data.get("_started", 0)) < MIN_FILL_SECONDS:
        return _render_check(
            request,
            job,
            data,
            {"send": "Please check your answers and send your advert again"},
            400,
        )
    client = request.client.host if request.client else "unknown"
    limiter = request.app.state.limiter
    if not limiter.hit(POST_RATE, "job-post", job["email"]):
        message = (
            "You have sent 10 job adverts from this email address in the last hour, so this one "
            "has not been sent. Your answers are saved: wait an hour, then send it again"
        )
        return _render_check(request, job, data, {"send": message}, 429)
    if not limiter.hit(POST_RATE_ADDRESS, "job-post-ip", client):
        message = (
            "Lots of job adverts have been sent from your internet connection in the last hour, "
            "so yours has not been sent. Your answers are saved: wait an hour, then send it again"
        )
        return _render_check(request, job, data, {"send": message}, 429)
    message_id = await run_in_threadpool(_create, engine, settings, draft_id, job)
    if message_id is not None:
        await run_in_threadpool(outbox.deliver, engine, settings, [message_id])
    return RedirectResponse(f"{BASE}/check-your-email", status_code=303)


def _lock_draft(conn: Any, draft_id: str) -> None:
    # Two sends of one draft at once (a double click reaching two workers): lock the draft's
    # row so the second waits for the first to commit and then finds its reference.
    conn.execute(
        select(drafts.form_drafts.c.id).where(drafts.form_drafts.c.id == draft_id).with_for_update()
    )


def _create(engine: Engine, settings: Settings, draft_id: str, job: dict[str, Any]) -> int | None:
    """One advert per draft however often it is sent; returns the queued email's id, or None
    when an earlier send already made the advert."""
    for _attempt in range(5):
        ref = store.new_ref()
        try:
            with engine.begin() as conn:
                _lock_draft(conn, draft_id)
                if drafts.claim_draft(conn, draft_id, ref) is not None:
                    return None
                job_id = store.create(conn, ref, job)
                return outbox.queue(
                    conn,
                    emails.confirmation(settings, {**job, "id": job_id, "ref": ref}),
                    emails.CONFIRM_PURPOSE,
                )
        except IntegrityError:
            continue  # the random reference was taken: draw another
    raise RuntimeError("could not allocate a job reference")


async def _send_changes(
    request: Request, draft_id: str, data: dict[str, Any], job: dict[str, Any]
) -> Response:
    engine = request.app.state.engine
    job_id = int(data["_edit_id"])

    def change() -> bool:
        with engine.begin() as conn:
            _lock_draft(conn, draft_id)
            current = store.get(conn, job_id)
            if current is None:
                return False
            if drafts.claim_draft(conn, draft_id, current["ref"]) is None:
                store.update(conn, job_id, job)
        return True

    if not await run_in_threadpool(change):
        return manage.link_problem(request, expired=False)
    return RedirectResponse(_done_url(request, data), status_code=303)


async def check_your_email(request: Request) -> Response:
    current = _draft(request)
    if current is None:
        return _expired(request)
    _, data = current
    if not (data.get("_submitted_ref") or data.get("_discarded")):
        return RedirectResponse(f"{BASE}/check-answers", status_code=303)
    return render_page(
        request,
        "jobs/post/check_your_email.html",
        title="Check your email",
        ref=data.get("_submitted_ref", ""),
    )


async def confirm(request: Request) -> Response:
    settings = request.app.state.settings
    engine = request.app.state.engine
    try:
        job_id = signing.read_confirm_token(settings, request.path_params["token"])
    except signing.TokenProblem as problem:
        return manage.link_problem(request, problem.expired)

    def run() -> tuple[dict[str, Any], bool] | None:
        with engine.begin() as conn:
            try:
                return store.confirm(conn, job_id)
            except store.NotFound:
                return None

    result = await run_in_threadpool(run)
    if result is None:
        return manage.link_problem(request, expired=False, status_code=404)
    job, now_confirmed = result
    return render_page(
        request,
        "jobs/post/confirmed.html",
        title="Email address confirmed" if now_confirmed else "You have already confirmed",
        ref=job["ref"],
        manage_path=signing.manage_path(settings, job_id),
    )


async def edit(request: Request) -> Response:
    """From the management page: a draft holding the advert's answers, then check-answers."""
    found = await manage.job_from_token(request)
    if isinstance(found, Response):
        return found
    job = found
    if job["status"] == "closed":
        return RedirectResponse(signing.manage_path(request.app.state.settings, job["id"]), 303)
    draft_id = await run_in_threadpool(
        drafts.new_draft,
        request.app.state.engine,
        DRAFT_KIND,
        {"_started": 0, "_edit_id": job["id"], "answers": models.answers_of(job)},
    )
    request.session[SESSION_DRAFT] = draft_id
    return RedirectResponse(f"{BASE}/check-answers", status_code=303)


routes: list[BaseRoute] = [
    Route(BASE, start, methods=["GET", "POST"]),
    Route(f"{BASE}/check-answers", check_answers, methods=["GET", "POST"]),
    Route(f"{BASE}/check-your-email", check_your_email),
    Route(f"{BASE}/confirm/{{token}}", confirm),
    Route(f"{BASE}/{{step}}", question, methods=["GET", "POST"]),
    Route("/jobs/manage/{token}/edit", edit, methods=["POST"]),
    *manage.routes,
]

"""The public alert pages, for both kinds:

- ``/jobs/alerts`` (a PA's job alert: areas and tasks, prefilled from ``?area=&task=``) and
- ``/find-a-pa/alerts?{a /find-a-pa search}`` (an employer's saved search: the search in words),

each with ``/check-your-email``, ``/confirm/{token}``, ``/unsubscribe/{token}`` (GET shows a
button, POST unsubscribes, RFC 8058 one-click included) and, for saved searches,
``/keep/{token}`` (restart the 6 months). A sign-up answers the same page whatever the address,
so nobody learns who has alerts. Robots: a honeypot, a minimum fill time, rate limits.
"""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from pafinder import outbox
from pafinder.alerts import criteria, emails, signing, store
from pafinder.newsletter.routes import check_email
from pafinder.register.models import SearchParamError
from pafinder.settings import Settings
from pafinder.web.csrf import EXPIRED_MESSAGE, rerender_on_csrf_failure
from pafinder.web.forms import Errors
from pafinder.web.one_click import one_click_unsubscribe
from pafinder.web.render import render_page
from pafinder.web.templating import format_date, london

HONEYPOT = "website"
STARTED = "form-started"
MIN_FILL_SECONDS = 2.0
ADDRESS_RATE = "5/hour"
CLIENT_RATE = "20/hour"
KEEP_TYPED = 1000
STALE_PAGE = "This page had expired, so nothing has changed yet. Select Stop emails again"
PATHS = signing.PATHS
TITLES = {"jobs": "Get emails about new jobs", "pas": "Get emails about new PAs"}


# --- Sign-up --------------------------------------------------------------------------------


def _job_form(
    request: Request,
    areas: list[str],
    tasks: list[str],
    email: str = "",
    errors: Errors | None = None,
    status_code: int = 200,
) -> Response:
    content = request.app.state.content
    errors = errors or {}
    order = [f for f in ("area", "task", "email") if f in errors]
    return render_page(
        request,
        "alerts/jobs_sign_up.html",
        status_code=status_code,
        title=TITLES["jobs"],
        email=email,
        started=signing.form_started(request.app.state.settings),
        area_items=[
            {"value": s, "text": label, "checked": s in areas}
            for s, label in content.labels("areas").items()
        ],
        task_items=[
            {"value": s, "text": label, "checked": s in tasks}
            for s, label in content.labels("tasks").items()
        ],
        errors=errors,
        error_list=[{"text": errors[f], "href": f"#{f}"} for f in order],
    )


def _search_form(
    request: Request,
    pairs: list[tuple[str, str]],
    email: str = "",
    errors: Errors | None = None,
    status_code: int = 200,
) -> Response:
    content = request.app.state.content
    errors = errors or {}
    try:
        params = criteria.parse_search(pairs, content)
    except SearchParamError as problem:
        # A search /find-a-pa itself would refuse: say so, and offer nothing to save.
        return render_page(
            request,
            "alerts/search_problem.html",
            status_code=400,
            title="There is a problem with this search",
            problems=list(problem.errors.values()),
        )
    return render_page(
        request,
        "alerts/search_sign_up.html",
        status_code=status_code,
        title=TITLES["pas"],
        email=email,
        started=signing.form_started(request.app.state.settings),
        described=criteria.describe_search(content, params),
        hidden=criteria.search_pairs(params),
        back=criteria.search_url(params),
        errors=errors,
        error_list=[{"text": m, "href": "#email"} for m in errors.values()],
    )


def _sign_up(
    engine: Engine, settings: Settings, kind: str, email: str, values: dict[str, str], summary: str
) -> None:
    """Record the sign-up and queue its confirmation together, then send it."""
    message_id = None
    for attempt in range(2):
        try:
            with engine.begin() as conn:
                outcome, alert_id = store.sign_up(conn, kind, email, values)
                if outcome is not store.SignUp.NEW:
                    return
                message = emails.confirmation(settings, kind, email, alert_id, summary)
                message_id = outbox.queue(conn, message, emails.CONFIRM_PURPOSE)
            break
        except IntegrityError:
            # Two sign-ups of one alert at once: the other made the row (one row, one email).
            if attempt:
                raise
    if message_id is not None:
        outbox.deliver(engine, settings, [message_id])


def _refusal(request: Request, form: Any, email: str) -> tuple[str, int] | None:
    """Why this POST is refused, with its status (400 for the fill time, 429 for a rate
    limit), or None."""
    settings = request.app.state.settings
    started = signing.started_at(settings, str(form.get(STARTED, "")))
    if started is None or time.time() - started < MIN_FILL_SECONDS:
        return "Check your email address, then select Sign up again", 400
    limiter = request.app.state.limiter
    client = request.client.host if request.client else "unknown"
    if not limiter.hit(CLIENT_RATE, "alerts-client", client):
        return (
            "Lots of sign-ups have been sent from your internet connection in the last hour. "
            "Wait an hour, then try again"
        ), 429
    if not limiter.hit(ADDRESS_RATE, "alerts-address", email):
        return (
            "You have asked for alerts at this email address several times in the last hour. "
            "Check your inbox and spam folder for our email, or wait an hour and try again"
        ), 429
    return None


def _pairs(form: Any) -> list[tuple[str, str]]:
    return [(str(k), str(v)[:KEEP_TYPED]) for k, v in form.multi_items() if isinstance(v, str)]


async def _jobs_expired(request: Request) -> Response:
    form = await request.form()
    content = request.app.state.content
    areas, tasks, _ = criteria.job_choice(_pairs(form), content)
    raw = str(form.get("email", "")).strip()[:KEEP_TYPED]
    return _job_form(request, areas, tasks, raw, {"email": EXPIRED_MESSAGE}, 403)


@rerender_on_csrf_failure(_jobs_expired)
async def jobs_sign_up(request: Request) -> Response:
    content = request.app.state.content
    if request.method == "GET":
        areas, tasks, _ = criteria.job_choice(request.query_params.multi_items(), content)
        return _job_form(request, areas, tasks)
    form = await request.form()
    pairs = _pairs(form)
    areas, tasks, errors = criteria.job_choice(pairs, content)
    raw = str(form.get("email", "")).strip()
    if str(form.get(HONEYPOT, "")):
        return RedirectResponse(f"{PATHS['jobs']}/check-your-email", status_code=303)
    email, problem = check_email(raw)
    if problem:
        errors["email"] = problem
    if errors or email is None:
        return _job_form(request, areas, tasks, raw[:KEEP_TYPED], errors, 400)
    if refused := _refusal(request, form, email):
        return _job_form(request, areas, tasks, raw, {"email": refused[0]}, refused[1])
    values = {"areas": json.dumps(areas), "tasks": json.dumps(tasks)}
    summary = criteria.describe_jobs(content, areas, tasks)
    settings = request.app.state.settings
    engine = request.app.state.engine
    await run_in_threadpool(_sign_up, engine, settings, "jobs", email, values, summary)
    return RedirectResponse(f"{PATHS['jobs']}/check-your-email", status_code=303)


def _search_fields(form: Any) -> list[tuple[str, str]]:
    return [(k, v) for k, v in _pairs(form) if k not in ("email", HONEYPOT, STARTED, "csrftoken")]


async def _search_expired(request: Request) -> Response:
    form = await request.form()
    raw = str(form.get("email", "")).strip()[:KEEP_TYPED]
    return _search_form(request, _search_fields(form), raw, {"email": EXPIRED_MESSAGE}, 403)


@rerender_on_csrf_failure(_search_expired)
async def search_sign_up(request: Request) -> Response:
    content = request.app.state.content
    if request.method == "GET":
        return _search_form(request, list(request.query_params.multi_items()))
    form = await request.form()
    pairs = _search_fields(form)
    raw = str(form.get("email", "")).strip()
    try:
        params = criteria.parse_search(pairs, content)
    except SearchParamError:
        return _search_form(request, pairs)  # the problem page, status 400
    if str(form.get(HONEYPOT, "")):
        return RedirectResponse(f"{PATHS['pas']}/check-your-email", status_code=303)
    email, problem = check_email(raw)
    if email is None:
        return _search_form(request, pairs, raw[:KEEP_TYPED], {"email": problem or ""}, 400)
    if refused := _refusal(request, form, email):
        return _search_form(request, pairs, raw, {"email": refused[0]}, refused[1])
    values = {"params": json.dumps(criteria.search_pairs(params))}
    summary = "\n".join(criteria.describe_search(content, params))
    settings = request.app.state.settings
    engine = request.app.state.engine
    await run_in_threadpool(_sign_up, engine, settings, "pas", email, values, summary)
    return RedirectResponse(f"{PATHS['pas']}/check-your-email", status_code=303)


# --- Links ----------------------------------------------------------------------------------


def _kind(request: Request) -> str:
    return "jobs" if request.url.path.startswith(PATHS["jobs"]) else "pas"


async def check_your_email(request: Request) -> Response:
    kind = _kind(request)
    return render_page(
        request, "alerts/check_email.html", title="Check your email", kind=kind, again=PATHS[kind]
    )


def _link_problem(request: Request, kind: str, expired: bool) -> Response:
    return render_page(
        request,
        "alerts/link_problem.html",
        status_code=400,
        title="This link has expired" if expired else "This link does not work",
        expired=expired,
        again=PATHS[kind],
    )


def _read(request: Request, purpose: str, kind: str) -> int | signing.TokenProblem:
    try:
        return signing.read(
            request.app.state.settings, purpose, kind, str(request.path_params["token"])
        )
    except signing.TokenProblem as problem:
        return problem


async def confirm(request: Request) -> Response:
    kind = _kind(request)
    alert_id = _read(request, "confirm", kind)
    if isinstance(alert_id, signing.TokenProblem):
        return _link_problem(request, kind, alert_id.expired)
    result = await run_in_threadpool(store.confirm, request.app.state.engine, kind, alert_id)
    if result is store.Confirmed.MISSING:
        return _link_problem(request, kind, expired=False)
    noun = "job alert" if kind == "jobs" else "saved search"
    title = (
        f"Your {noun} is set up"
        if result is store.Confirmed.NOW
        else f"Your {noun} was already set up"
    )
    return render_page(request, "alerts/confirmed.html", title=title, kind=kind)


def _unsubscribe_page(request: Request, kind: str, token: str, status_code: int = 200) -> Response:
    errors = {"unsubscribe": STALE_PAGE} if status_code == 403 else {}
    return render_page(
        request,
        "alerts/unsubscribe.html",
        status_code=status_code,
        title="Stop these emails",
        action=f"{PATHS[kind]}/unsubscribe/{token}",
        kind=kind,
        errors=errors,
        error_list=[{"text": m, "href": "#unsubscribe"} for m in errors.values()],
    )


async def _unsubscribe_expired(request: Request) -> Response:
    kind = _kind(request)
    token = str(request.path_params.get("token", ""))
    if isinstance(_read(request, "unsubscribe", kind), signing.TokenProblem):
        return _link_problem(request, kind, expired=False)
    return _unsubscribe_page(request, kind, token, 403)


@rerender_on_csrf_failure(_unsubscribe_expired)
@one_click_unsubscribe
async def unsubscribe(request: Request) -> Response:
    """GET shows a button and changes nothing (mail scanners open links); POST deletes the
    alert, from the button or a mail client's RFC 8058 one-click request."""
    kind = _kind(request)
    alert_id = _read(request, "unsubscribe", kind)
    if isinstance(alert_id, signing.TokenProblem):
        return _link_problem(request, kind, expired=False)
    if request.method == "GET":
        return _unsubscribe_page(request, kind, str(request.path_params["token"]))
    # One already gone gets the same answer: it sends nothing more.
    await run_in_threadpool(store.unsubscribe, request.app.state.engine, kind, alert_id)
    return render_page(
        request, "alerts/unsubscribed.html", title="You will get no more of these emails", kind=kind
    )


async def keep(request: Request) -> Response:
    """GET shows a button; POST restarts the saved search's 6 months."""
    alert_id = _read(request, "keep", "pas")
    if isinstance(alert_id, signing.TokenProblem):
        return _link_problem(request, "pas", expired=False)
    if request.method == "GET":
        return render_page(
            request,
            "alerts/keep.html",
            title="Keep your saved search",
            action=f"{PATHS['pas']}/keep/{request.path_params['token']}",
        )
    ends = await run_in_threadpool(store.renew, request.app.state.engine, alert_id)
    if ends is None:
        return render_page(
            request,
            "alerts/ended.html",
            status_code=400,
            title="This saved search has ended",
        )
    return render_page(
        request,
        "alerts/kept.html",
        title="Your saved search will carry on",
        ends=format_date(london(ends)),
    )


routes: list[BaseRoute] = [
    Route(PATHS["jobs"], jobs_sign_up, methods=["GET", "POST"]),
    Route(PATHS["pas"], search_sign_up, methods=["GET", "POST"]),
]
for _path in PATHS.values():
    routes += [
        Route(f"{_path}/check-your-email", check_your_email),
        Route(f"{_path}/confirm/{{token}}", confirm),
        Route(f"{_path}/unsubscribe/{{token}}", unsubscribe, methods=["GET", "POST"]),
    ]
routes.append(Route(f"{PATHS['pas']}/keep/{{token}}", keep, methods=["GET", "POST"]))

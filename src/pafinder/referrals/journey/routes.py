"""The referral journey as GOV.UK question pages (issue 11):

- ``GET /refer/{slug}``: the first question (who is filling it in, or, for a service with one
  route, that route's first page), with the service's introduction.
- ``GET/POST /refer/{slug}/{page}``: one question page; ``?change=1`` returns to check answers.
- ``GET/POST /refer/{slug}/check``: check your answers with change links, then send.
- ``POST /refer/{slug}/delete-answers``: deletes the draft at once.

Answers live in the server-side draft between pages (saved on every POST, valid or not, and
refreshed on every view); a referral's draft expires 60 minutes after its last activity, and an
expired one shows a page that says so. Nothing reaches the referrals table before the final send,
which goes through the same ``validate`` and ``_send`` as the single POST of CONTRACT.md (kept in
form_routes.py), so both ways make the same referral, emails and respond-by date.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from pafinder.content import Service, render_markdown
from pafinder.db import utcnow
from pafinder.referrals import form_routes, journey
from pafinder.referrals.journey import pages as journey_pages
from pafinder.referrals.journey.pages import CHECK, Page
from pafinder.referrals.models import CONTACT_METHODS, EQUALITY, ROUTE_LABELS, ReferralConfig
from pafinder.referrals.validation import professional_only_message, signposted, validate
from pafinder.web import drafts
from pafinder.web.render import render_page
from pafinder.workdays import london_date

HONEYPOT = "website"
MIN_FILL_SECONDS = 5.0  # as the PA register: a person cannot answer every page faster
MAX_RAW = 5000  # longest answer kept in a draft (the longest allowed is 2,000)


def _route(config: ReferralConfig, values: dict[str, Any]) -> str | None:
    if len(config.routes) == 1:
        return config.routes[0]
    route = values.get("referrer_type")
    return route if isinstance(route, str) and route in config.routes else None


def _context(request: Request, service: Service, config: ReferralConfig) -> dict[str, Any]:
    return {
        "service": service,
        "config": config,
        "exit_this_page": config.exit_this_page,
        "crisis": config.crisis if config.crisis is not None else service.crisis,
    }


class _Draft:
    """The session's draft for this service: its id, data and whether it expired."""

    def __init__(self, draft_id: str | None, data: dict[str, Any] | None, expired: bool) -> None:
        self.id = draft_id
        self.data = data
        self.expired = expired

    @property
    def values(self) -> dict[str, Any]:
        values = (self.data or {}).get("values")
        return values if isinstance(values, dict) else {}


def _load(request: Request, slug: str) -> _Draft:
    known = journey.session_draft_id(request, slug)
    draft_id, data = journey.load_session_draft(request, slug)
    # The session names a draft the database no longer holds (deleted after 60 minutes, or
    # by the daily purge): say so rather than silently start again.
    return _Draft(draft_id, data, expired=known is not None and data is None)


def _forget(request: Request, slug: str) -> None:
    found = request.session.get(journey.SESSION_KEY)
    if isinstance(found, dict) and slug in found:
        kept = dict(found)
        kept.pop(slug)
        request.session[journey.SESSION_KEY] = kept


def _expired_page(request: Request, service: Service, config: ReferralConfig) -> Response:
    _forget(request, service.slug)
    return render_page(
        request,
        "referrals/journey/expired.html",
        title="Your answers have been deleted",
        minutes=int(drafts.REFERRAL_DRAFT_TTL.total_seconds() // 60),
        **_context(request, service, config),
    )


def _render(
    request: Request,
    service: Service,
    config: ReferralConfig,
    page: Page,
    values: dict[str, Any],
    form_key: str,
    errors: dict[str, str],
    status_code: int,
    change: bool,
    first: bool,
) -> Response:
    slug = service.slug
    pages = journey_pages.pages_for(config, _route(config, values))
    index = next((n for n, p in enumerate(pages) if p.slug == page.slug), 0)
    if change:
        back = f"/refer/{slug}/{CHECK}"
    elif index > 0:
        back = f"/refer/{slug}/{pages[index - 1].slug}"
    else:
        back = service.url
    return render_page(
        request,
        page.template,
        status_code=status_code,
        title=page.title,
        page=page,
        values=journey.display_values(values, list(page.dates)),
        errors=errors,
        error_list=journey.error_items(errors, list(page.fields), list(page.dates)),
        form_key=journey.sign_form_key(request, slug, form_key),
        action=f"/refer/{slug}/{page.slug}" + ("?change=1" if change else ""),
        back_link=back,
        first=first,
        intro_html=render_markdown(config.intro) if first and config.intro else "",
        route=_route(config, values),
        route_labels=ROUTE_LABELS,
        contact_methods=CONTACT_METHODS,
        equality=EQUALITY,
        professional_only=professional_only_message(config),
        **_context(request, service, config),
    )


def _page_errors(
    service: Service, config: ReferralConfig, values: dict[str, Any], page: Page
) -> dict[str, str]:
    _sub, errors = validate(values, service, config, london_date(utcnow()))
    return {k: v for k, v in errors.items() if k in page.fields}


async def start(request: Request) -> Response:
    try:
        service, config = journey.service_and_config(request)
    except journey.NotFound:
        return journey.not_found(request)
    draft = await run_in_threadpool(_load, request, service.slug)
    if draft.expired:
        return _expired_page(request, service, config)
    data = draft.data or {}
    if data.get("_submitted_ref"):
        data = {}  # that one was sent: this is a new referral
    values = data.get("values") or {}
    if draft.id and data:
        await run_in_threadpool(journey.keep_draft, request, service.slug, draft.id, data)
    page = journey_pages.pages_for(config, _route(config, values))[0]
    form_key = data.get("form_key") or journey.new_form_key()
    return _render(request, service, config, page, values, form_key, {}, 200, False, True)


async def question(request: Request) -> Response:
    try:
        service, config = journey.service_and_config(request)
    except journey.NotFound:
        return journey.not_found(request)
    slug = service.slug
    draft = await run_in_threadpool(_load, request, slug)
    if draft.expired:
        return _expired_page(request, service, config)
    data = dict(draft.data or {})
    if data.get("_submitted_ref"):
        draft, data = _Draft(None, None, False), {}
    values = dict(draft.values)
    pages = journey_pages.pages_for(config, _route(config, values))
    page = journey_pages.find(pages, request.path_params["page"])
    first = bool(pages) and page is not None and page.slug == pages[0].slug
    if page is None or (draft.id is None and not first):
        # A page this route does not have, or a later page with no answers behind it.
        return RedirectResponse(f"/refer/{slug}", status_code=303)
    change = request.query_params.get("change") == "1"
    form_key = data.get("form_key") or journey.new_form_key()

    if request.method == "GET":
        checking = "check" in request.query_params  # sent back here by check answers
        errors = _page_errors(service, config, values, page) if checking else {}
        if draft.id:
            await run_in_threadpool(journey.keep_draft, request, slug, draft.id, data)
        return _render(request, service, config, page, values, form_key, errors, 200, change, first)

    form = await request.form()
    for name in page.posted_names:
        if name in page.multi:
            values[name] = [str(v)[:100] for v in form.getlist(name)][:50]
        else:
            got = form.getlist(name)
            value = got[-1] if got else ""
            values[name] = value.strip()[:MAX_RAW] if isinstance(value, str) else ""
    for name in page.dates:
        values.pop(name, None)  # the boxes replace an ISO date sent in one field earlier
    if len(config.routes) == 1:
        values["referrer_type"] = config.routes[0]
    data.update(values=values, form_key=form_key)
    data.setdefault("_started", time.time())
    if first and str(form.get(HONEYPOT, "")):
        data["_bot"] = True
    await run_in_threadpool(journey.keep_draft, request, slug, draft.id, data)
    errors = _page_errors(service, config, values, page)
    if errors:
        return _render(request, service, config, page, values, form_key, errors, 400, change, first)
    pages = journey_pages.pages_for(config, _route(config, values))
    index = next((n for n, p in enumerate(pages) if p.slug == page.slug), len(pages))
    if change and page.slug != journey_pages.WHO:
        return RedirectResponse(f"/refer/{slug}/{CHECK}", status_code=303)
    following = pages[index + 1].slug if index + 1 < len(pages) else CHECK
    return RedirectResponse(f"/refer/{slug}/{following}", status_code=303)


def _check_rows(service: Service, config: ReferralConfig, sub: Any) -> list[dict[str, Any]]:
    """The summary rows of form_routes, with change links to the page that asks each answer."""
    pages = journey_pages.pages_for(config, sub.referrer_type)
    rows = []
    for row in form_routes.summary_rows(service, config, sub):
        name = str(row["href"]).partition("#")[2].removesuffix("-day")
        page = journey_pages.page_of_field(pages, name)
        anchor = str(row["href"]).partition("#")[2]
        href = f"/refer/{service.slug}/{page.slug}?change=1#{anchor}" if page else None
        rows.append({**row, "href": href})
    return rows


def _render_check(
    request: Request,
    service: Service,
    config: ReferralConfig,
    sub: Any,
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    pages = journey_pages.pages_for(config, sub.referrer_type)
    return render_page(
        request,
        "referrals/journey/check.html",
        status_code=status_code,
        title="Check your answers before sending",
        rows=_check_rows(service, config, sub),
        errors=errors,
        error_list=[{"text": m, "href": "#send"} for m in errors.values()],
        back_link=f"/refer/{service.slug}/{pages[-1].slug}",
        **_context(request, service, config),
    )


async def check(request: Request) -> Response:
    try:
        service, config = journey.service_and_config(request)
    except journey.NotFound:
        return journey.not_found(request)
    slug = service.slug
    draft = await run_in_threadpool(_load, request, slug)
    if draft.expired:
        return _expired_page(request, service, config)
    data = draft.data or {}
    if data.get("_submitted_ref"):
        # Sent already (a double click, the back button): its confirmation, one referral.
        return RedirectResponse(
            journey.confirmation_url(request, slug, data["_submitted_ref"]), status_code=303
        )
    if not draft.id or not draft.values:
        return RedirectResponse(f"/refer/{slug}", status_code=303)
    values = draft.values
    sub, errors = validate(values, service, config, london_date(utcnow()))
    if sub is None:
        pages = journey_pages.pages_for(config, _route(config, values))
        first_bad = next((p for p in pages if any(f in errors for f in p.fields)), pages[0])
        return RedirectResponse(f"/refer/{slug}/{first_bad.slug}?check=1", status_code=303)
    await run_in_threadpool(journey.keep_draft, request, slug, draft.id, data)
    if request.method == "GET":
        return _render_check(request, service, config, sub, {})

    form = await request.form()
    if data.get("_bot") or str(form.get(HONEYPOT, "")):
        # A robot filled the hidden field: keep nothing it typed, send nothing.
        kind = journey.draft_kind(slug)
        await run_in_threadpool(drafts.delete_draft, request.app.state.engine, draft.id, kind)
        _forget(request, slug)
        return render_page(
            request,
            "referrals/journey/deleted.html",
            title="Your answers have been deleted",
            **_context(request, service, config),
        )
    started = data.get("_started")
    if isinstance(started, (int, float)) and time.time() - started < MIN_FILL_SECONDS:
        message = "Please check your answers and send the referral again"
        return _render_check(request, service, config, sub, {"send": message}, 400)
    if signposted(config, sub.flags):
        return form_routes._signpost(request, service, config)
    return await form_routes._send(
        request, service, config, sub, data["form_key"], draft.id, values
    )


async def delete_answers(request: Request) -> Response:
    try:
        service, config = journey.service_and_config(request)
    except journey.NotFound:
        return journey.not_found(request)
    draft_id = journey.session_draft_id(request, service.slug)
    if draft_id:
        await run_in_threadpool(
            drafts.delete_draft,
            request.app.state.engine,
            draft_id,
            journey.draft_kind(service.slug),
        )
    _forget(request, service.slug)
    return render_page(
        request,
        "referrals/journey/deleted.html",
        title="Your answers have been deleted",
        **_context(request, service, config),
    )


routes: list[BaseRoute] = [
    Route("/refer/{slug}", start, methods=["GET"]),
    Route(f"/refer/{{slug}}/{CHECK}", check, methods=["GET", "POST"]),
    Route("/refer/{slug}/delete-answers", delete_answers, methods=["POST"]),
    Route("/refer/{slug}/{page}", question, methods=["GET", "POST"]),
]

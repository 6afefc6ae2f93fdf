"""Staff routes for the register: the list of every listing, taking one down, and notes.

PA listings belong to no one service, so any signed-in staff member may manage them. Each
change is one transaction with its audit row, answered 303 after the commit; a form with a
problem is re-shown on the record page with a GOV.UK error summary, 400, and what was typed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from pafinder.db import utcnow
from pafinder.register import journey_forms, lifecycle_store
from pafinder.register.admin import labels, store
from pafinder.register.moderation_routes import listing_or_404, record_page
from pafinder.staff.auth import staff_required
from pafinder.web.forms import Errors
from pafinder.web.pagination import govuk_pagination
from pafinder.web.render import render_page

LIST_PATH = "/staff/pas/all"
MAX_QUERY = 100


def _filters(request: Request) -> tuple[store.Filters, Errors]:
    params = request.query_params
    errors: Errors = {}
    state = params.get("state", "")[:20]
    if state and state not in labels.STATE_LABELS:
        errors["state"] = "Select a state from the list"
        state = ""
    q = " ".join(params.get("q", "").split())
    if len(q) > MAX_QUERY:
        errors["q"] = f"Search must be {MAX_QUERY} characters or fewer"
        q = q[:MAX_QUERY]
    raw_page = params.get("page", "1")
    # isascii first: "²".isdigit() is true, but int("²") fails.
    page = (
        int(raw_page) if raw_page.isascii() and raw_page.isdigit() and 0 < len(raw_page) < 7 else 1
    )
    return store.Filters(state=state, q=q, page=max(page, 1)), errors


def pagination(page: store.Page, filters: store.Filters) -> dict[str, Any] | None:
    """The GOV.UK pagination component's parameters (None for a single page)."""

    def href(number: int) -> str:
        query = urlencode(filters.query(number))
        return f"{LIST_PATH}?{query}" if query else LIST_PATH

    return govuk_pagination(page.page, page.pages, href, "Pages of PA listings")


@staff_required()
async def register(request: Request) -> Response:
    filters, errors = _filters(request)
    engine = request.app.state.engine
    page = await run_in_threadpool(store.listings, engine, filters)
    now = utcnow()
    return render_page(
        request,
        "register/admin/list.html",
        status_code=400 if errors else 200,
        title="PA register",
        filters=filters,
        errors=errors,
        error_list=[{"text": m, "href": f"#{f}"} for f, m in errors.items()],
        page=page,
        cards=[
            {
                **listing,
                "state": labels.STATE_LABELS[labels.state_of(listing)],
                "in_search": lifecycle_store.searchable(listing, now),
            }
            for listing in page.rows
        ],
        pagination=pagination(page, filters),
        state_labels=labels.STATE_LABELS,
        dbs_labels=journey_forms.DBS_LABELS,
        breadcrumbs=[{"text": "Staff area", "href": "/staff/"}],
    )


def _text(form: Any, name: str) -> str:
    return str(form.get(name, "")).replace("\r\n", "\n").strip()


@staff_required()
async def take_down(request: Request) -> Response:
    listing = listing_or_404(request)
    if isinstance(listing, Response):
        return listing
    form = await request.form()
    reason = _text(form, "reason")
    errors: Errors = {}
    if listing["status"] != "published":
        errors["take_down_reason"] = (
            "This listing is not published, so it cannot be taken down. "
            "It may have changed since you opened the page"
        )
    elif not reason:
        errors["take_down_reason"] = "Enter the reason for taking the listing down"
    elif len(reason) > store.MAX_REASON:
        errors["take_down_reason"] = f"Reason must be {store.MAX_REASON:,} characters or fewer"
    kept = {"take_down_reason": reason[: store.MAX_REASON + 1000]}
    if errors:
        return record_page(request, listing, errors, kept, 400)
    engine, settings = request.app.state.engine, request.app.state.settings
    try:
        await run_in_threadpool(
            store.take_down, engine, settings, listing["ref"], request.state.staff.id, reason
        )
    except store.NotPublished:
        # Taken down (or changed) by someone else between the check above and the commit.
        fresh = lifecycle_store.get(engine, listing["ref"]) or listing
        errors["take_down_reason"] = "This listing is no longer published, so nothing was changed"
        return record_page(request, fresh, errors, kept, 400)
    return RedirectResponse(f"/staff/pas/{listing['ref']}?done=taken-down", status_code=303)


@staff_required()
async def add_note(request: Request) -> Response:
    listing = listing_or_404(request)
    if isinstance(listing, Response):
        return listing
    form = await request.form()
    note = _text(form, "note")
    errors: Errors = {}
    if not note:
        errors["note"] = "Enter the note"
    elif len(note) > store.MAX_NOTE:
        errors["note"] = f"Note must be {store.MAX_NOTE:,} characters or fewer"
    if errors:
        return record_page(request, listing, errors, {"note": note[: store.MAX_NOTE + 1000]}, 400)
    await run_in_threadpool(
        store.add_note, request.app.state.engine, listing["ref"], request.state.staff.id, note
    )
    return RedirectResponse(f"/staff/pas/{listing['ref']}?done=note#notes", status_code=303)


# Before the moderation routes: '/staff/pas/{ref}' would otherwise take 'all' for a reference.
routes: list[BaseRoute] = [
    Route(LIST_PATH, register),
    Route("/staff/pas/{ref}/take-down", take_down, methods=["POST"]),
    Route("/staff/pas/{ref}/notes", add_note, methods=["POST"]),
]

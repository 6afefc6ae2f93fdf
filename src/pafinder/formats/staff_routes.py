"""The staff view of format requests: a list newest first (open, done or both), one request's
page (its viewing audited: it is personal data), and "mark as done" with an optional note.

Requests belong to no one service, so every signed-in staff member may work on them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from pafinder.db import utcnow
from pafinder.formats import store
from pafinder.formats.models import DELIVERIES, FORMATS, NOTE_MAX, OTHER_PAGE, STATUSES
from pafinder.formats.public_routes import information_pages
from pafinder.referrals.fields import CONTROL
from pafinder.staff.auth import actor, staff_required
from pafinder.web.forms import error_list
from pafinder.web.pagination import govuk_pagination
from pafinder.web.params import parse_id
from pafinder.web.render import render_page

BASE = "/staff/format-requests"
STATUS_FILTERS = {"open": "Open", "done": "Done", "all": "Open and done"}
BREADCRUMBS = [{"text": "Staff area", "href": "/staff/"}]


def _one(params: Any, name: str) -> tuple[str, bool]:
    """(the value, whether it was given more than once with different values)."""
    values = {str(v).strip()[:100] for v in params.getlist(name)}
    values.discard("")
    return (values.pop() if len(values) == 1 else ""), len(values) > 1


def _page_names(request: Request) -> dict[str, str]:
    return {**information_pages(request), OTHER_PAGE: "Something else"}


@staff_required()
async def list_page(request: Request) -> Response:
    errors: dict[str, str] = {}
    status, repeated = _one(request.query_params, "status")
    status = status or "open"  # what needs doing, first
    if repeated or status not in STATUS_FILTERS:
        errors["status"] = "Choose open, done, or open and done from the list"
        status = "open"
    raw_page, repeated = _one(request.query_params, "page")
    number = parse_id(raw_page) if raw_page else 1
    if repeated or number is None:
        errors["page"] = "The page number must be a whole number, like 2"
        number = 1
    page = None
    if not errors:
        wanted = "" if status == "all" else status
        page = await run_in_threadpool(store.list_page, request.app.state.engine, wanted, number)

    def href(n: int) -> str:
        query = {"status": status} | ({"page": str(n)} if n > 1 else {})
        return f"{BASE}?{urlencode(query)}"

    return render_page(
        request,
        "formats/staff_list.html",
        status_code=400 if errors else 200,
        title="Requests for other formats",
        status=status,
        status_filters=STATUS_FILTERS,
        page=page,
        pagination=govuk_pagination(page.page, page.pages, href, "Pages of the list")
        if page
        else None,
        formats=FORMATS,
        deliveries=DELIVERIES,
        statuses=STATUSES,
        errors=errors,
        error_list=error_list(errors, ("status", "page")),
        breadcrumbs=BREADCRUMBS,
    )


async def _show(
    request: Request,
    item: store.FormatRequest,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    note: str = "",
) -> Response:
    errors = errors or {}
    return render_page(
        request,
        "formats/staff_record.html",
        status_code=status_code,
        title=f"Format request {item.ref}",
        item=item,
        formats=FORMATS,
        deliveries=DELIVERIES,
        statuses=STATUSES,
        page_names=_page_names(request),
        note=note,
        note_max=NOTE_MAX,
        errors=errors,
        error_list=error_list(errors, ("note",)),
        breadcrumbs=[*BREADCRUMBS, {"text": "Requests for other formats", "href": BASE}],
    )


def _not_found(request: Request) -> Response:
    return render_page(request, "pages/404.html", status_code=404, title="Page not found")


@staff_required()
async def record_page(request: Request) -> Response:
    ref = str(request.path_params["ref"])
    item = await run_in_threadpool(store.view, request.app.state.engine, ref, actor(request))
    if item is None:
        return _not_found(request)
    return await _show(request, item)


@staff_required()
async def done_submit(request: Request) -> Response:
    ref = str(request.path_params["ref"])
    engine = request.app.state.engine
    form = await request.form()
    values = [str(v) for v in form.getlist("note")]
    note = values[-1].strip() if values else ""
    problem = ""
    if len({v.strip() for v in values}) > 1:
        problem = "Write the note in one box only"
    elif CONTROL.search(note):
        problem = "The note must not contain special control characters"
    elif len(note) > NOTE_MAX:
        problem = "The note must be 2,000 characters or fewer"
    if problem:
        item = await run_in_threadpool(store.view, engine, ref, actor(request))
        if item is None:
            return _not_found(request)
        return await _show(request, item, 400, {"note": problem}, note[: NOTE_MAX + 1000])
    done = await run_in_threadpool(store.mark_done, engine, ref, actor(request), note, utcnow())
    if done is None:
        return _not_found(request)
    return RedirectResponse(f"{BASE}/{ref[:16]}", status_code=303)


routes = [
    Route(BASE, list_page, methods=["GET"]),
    Route(f"{BASE}/{{ref}}", record_page, methods=["GET"]),
    Route(f"{BASE}/{{ref}}/done", done_submit, methods=["POST"]),
]

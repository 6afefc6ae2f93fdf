"""The staff view of complaints, compliments and comments: a list newest first with filters, and
one record with what was sent and a form for what staff did about it.

Per service as referrals are: a member who does not work on an item's service is refused (403
with an audit row) for ``?service=`` and for the record; general items belong to no one service,
so everyone sees them. Every view of a record is audited, and every change is audited in its own
transaction.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from pafinder.complaints import store
from pafinder.complaints.models import (
    GENERAL_LABEL,
    KINDS,
    OUTCOMES,
    RECORD_FIELDS,
    STATUSES,
    THEMES,
    validate_record,
)
from pafinder.db import utcnow
from pafinder.staff.auth import actor, refuse_service, staff_required
from pafinder.web.forms import error_list
from pafinder.web.pagination import govuk_pagination
from pafinder.web.params import parse_id
from pafinder.web.render import render_page
from pafinder.workdays import london_date

FILTERS = ("kind", "service", "status", "page")
MESSAGES = {
    "kind": "Choose a kind from the list",
    "service": "Choose a service from the list",
    "status": "Choose open or closed from the list",
    "page": "The page number must be a whole number, like 2",
}
CONFLICT = (
    "This record was changed by someone else while you were looking at it. "
    "Check the latest details, then make your change again"
)


def _names(request: Request) -> dict[str, str]:
    names = {s.slug: s.name for s in request.app.state.content.services}
    names[store.GENERAL] = GENERAL_LABEL
    return names


def parse_filters(params: Any, services: set[str]) -> tuple[store.Filters, dict[str, str]]:
    errors: dict[str, str] = {}
    raw: dict[str, str] = {}
    for name in FILTERS:
        values = {str(v).strip()[:100] for v in params.getlist(name)}
        values.discard("")
        if len(values) > 1:
            errors[name] = "Enter only one value for each filter"
        raw[name] = values.pop() if len(values) == 1 else ""
    allowed = {
        "kind": set(KINDS),
        "service": services | {store.GENERAL},
        "status": set(STATUSES),
    }
    for name, ok in allowed.items():
        if raw[name] and raw[name] not in ok:
            errors.setdefault(name, MESSAGES[name])
            raw[name] = ""
    page = 1
    if raw["page"]:
        parsed = parse_id(raw["page"])
        if parsed is None:
            errors.setdefault("page", MESSAGES["page"])
        else:
            page = parsed
    return store.Filters(raw["kind"], raw["service"], raw["status"], page), errors


def _pagination(page: store.Page, filters: store.Filters) -> dict[str, Any] | None:
    def href(number: int) -> str:
        query = urlencode(filters.query(number))
        return f"/staff/complaints?{query}" if query else "/staff/complaints"

    return govuk_pagination(page.page, page.pages, href, "Pages of the list")


@staff_required()
async def list_page(request: Request) -> Response:
    member = request.state.staff
    names = _names(request)
    services = set(names) - {store.GENERAL}
    filters, errors = parse_filters(request.query_params, services)
    if filters.service and filters.service != store.GENERAL and not member.may_see(filters.service):
        return await run_in_threadpool(refuse_service, request, "service", filters.service)
    visible = member.visible_services
    page = None
    if not errors:
        page = await run_in_threadpool(store.list_page, request.app.state.engine, filters, visible)
    shown_services = {
        slug: name
        for slug, name in names.items()
        if slug == store.GENERAL or visible is None or slug in visible
    }
    return render_page(
        request,
        "complaints/staff_list.html",
        status_code=400 if errors else 200,
        title="Complaints, compliments and comments",
        filters=filters,
        page=page,
        pagination=_pagination(page, filters) if page else None,
        names=names,
        shown_services=shown_services,
        kinds=KINDS,
        statuses=STATUSES,
        themes=THEMES,
        outcomes=OUTCOMES,
        errors=errors,
        error_list=error_list(errors, FILTERS),
        breadcrumbs=[{"text": "Staff area", "href": "/staff/"}],
    )


async def _load(request: Request) -> store.Complaint | Response:
    ref = str(request.path_params["ref"])[:16]
    item = await run_in_threadpool(store.get, request.app.state.engine, ref)
    if item is None:
        return render_page(request, "pages/404.html", status_code=404, title="Page not found")
    if item.service != store.GENERAL and not request.state.staff.may_see(item.service):
        return await run_in_threadpool(refuse_service, request, "complaint", item.ref)
    return item


def _date_values(item: store.Complaint) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in ("acknowledged_on", "responded_on"):
        day = getattr(item, name)
        for part in ("day", "month", "year"):
            values[f"{name}-{part}"] = str(getattr(day, part)) if day else ""
    return values


async def _show(
    request: Request,
    item: store.Complaint,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    conflict: bool = False,
) -> Response:
    await run_in_threadpool(store.record_view, request.app.state.engine, actor(request), item.ref)
    errors = dict(errors or {})
    summary = error_list(errors, RECORD_FIELDS)
    if conflict:
        summary.insert(0, {"text": CONFLICT, "href": "#record-form"})
        errors["version"] = CONFLICT
    for entry in summary:  # a date input's summary link goes to its day box
        if entry["href"] in ("#acknowledged_on", "#responded_on"):
            entry["href"] += "-day"
    shown = {
        "theme": item.theme,
        "action_taken": item.action_taken,
        "outcome": item.outcome,
        "status": item.status,
        **_date_values(item),
    }
    if values is not None:
        shown = values
    return render_page(
        request,
        "complaints/staff_record.html",
        status_code=status_code,
        title=f"{KINDS[item.kind]} {item.ref}",
        item=item,
        service_name=_names(request).get(item.service, item.service),
        kinds=KINDS,
        themes=THEMES,
        outcomes=OUTCOMES,
        statuses=STATUSES,
        values=shown,
        errors=errors,
        error_list=summary,
        today=london_date(utcnow()),
        breadcrumbs=[
            {"text": "Staff area", "href": "/staff/"},
            {"text": "Complaints, compliments and comments", "href": "/staff/complaints"},
        ],
    )


@staff_required()
async def record_page(request: Request) -> Response:
    found = await _load(request)
    if isinstance(found, Response):
        return found
    return await _show(request, found)


@staff_required()
async def record_submit(request: Request) -> Response:
    found = await _load(request)
    if isinstance(found, Response):
        return found
    item = found
    form = await request.form()
    names = [*RECORD_FIELDS[:3], RECORD_FIELDS[5]]
    names += [f"{d}-{p}" for d in RECORD_FIELDS[3:5] for p in ("day", "month", "year")]
    raw = {name: str(form.get(name, "")).strip()[:6000] for name in names}
    # A form without a version (another system's) is taken as made from the current one.
    version_raw = str(form.get("version", "")).strip()
    version = parse_id(version_raw) if version_raw else item.version
    if version != item.version:
        return await _show(request, item, 409, values=raw, conflict=True)
    received = london_date(item.received_at)
    values, errors = validate_record(raw, item.kind, received, london_date(utcnow()))
    if values is None:
        return await _show(request, item, 400, errors=errors, values=raw)
    engine = request.app.state.engine
    try:
        await run_in_threadpool(
            store.update, engine, item.ref, item.version, actor(request), values
        )
    except store.Stale:
        fresh = await run_in_threadpool(store.get, engine, item.ref)
        return await _show(request, fresh or item, 409, values=raw, conflict=True)
    return RedirectResponse(f"/staff/complaints/{item.ref}", status_code=303)


routes = [
    Route("/staff/complaints", list_page, methods=["GET"]),
    Route("/staff/complaints/{ref}", record_page, methods=["GET"]),
    Route("/staff/complaints/{ref}", record_submit, methods=["POST"]),
]

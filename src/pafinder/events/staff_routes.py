"""Staff pages for events: list, create, edit, copy, cancel; a series' dates (cancel or move one).

Every save is audited in its own transaction (store.py) and then re-publishes the public files.
Attendance and staff bookings are in attendance_routes.py.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from pafinder.events import bookings, notify, store
from pafinder.events.models import (
    ACCESS,
    COSTS,
    EVENT_FIELDS,
    FORMATS,
    KINDS,
    REPEATS,
    parse_time,
    validate_event,
)
from pafinder.events.public_routes import republish
from pafinder.events.recurrence import (
    Event,
    describe_repeat,
    occurrence,
    occurrences,
    to_utc_naive,
)
from pafinder.events.views import area_labels, now_utc, service_labels
from pafinder.staff.auth import actor, staff_required
from pafinder.web.forms import error_list, form_to_dict
from pafinder.web.params import parse_day, parse_id
from pafinder.web.render import render_page

STAFF_DATES = 26


def field_errors(errors: dict[str, str], order: tuple[str, ...]) -> list[dict[str, str]]:
    """Error summary links; date inputs link to their day box."""
    items = error_list(errors, order)
    for item in items:
        if item["href"] in ("#start-date", "#repeat-until", "#new-date"):
            item["href"] += "-day"
    return items


def crumbs(*extra: dict[str, str]) -> list[dict[str, str]]:
    return [
        {"text": "Staff area", "href": "/staff/"},
        {"text": "Events", "href": "/staff/events"},
        *extra,
    ]


async def _event(request: Request) -> Event | None:
    event_id = parse_id(request.path_params.get("event_id"))
    if event_id is None:
        return None
    return await run_in_threadpool(store.get_event, request.app.state.engine, event_id)


def _missing(request: Request) -> Response:
    return render_page(
        request,
        "pages/error.html",
        status_code=404,
        title="Event not found",
        paragraphs=["It may have been removed."],
        next_href="/staff/events",
        next_text="See all events",
    )


@staff_required()
async def event_list(request: Request) -> Response:
    events = await run_in_threadpool(store.all_events, request.app.state.engine)
    now = now_utc()
    rows = []
    for event in sorted(events, key=lambda e: (e.status != "published", e.title.lower())):
        upcoming = occurrences(event, now, now + timedelta(days=366))
        rows.append(
            {
                "event": event,
                "next": upcoming[0] if upcoming else None,
                "repeat": describe_repeat(event),
                "kind": KINDS.get(event.kind, ""),
            }
        )
    return render_page(
        request,
        "events/staff/list.html",
        title="Events",
        rows=rows,
        services=service_labels(request.app.state.content),
        breadcrumbs=crumbs()[:1],
    )


def select_items(labels: dict[str, str], current: Any, blank: str) -> list[dict[str, Any]]:
    return [{"value": "", "text": blank}] + [
        {"value": slug, "text": label, "selected": slug == current}
        for slug, label in labels.items()
    ]


def choice_items(labels: dict[str, str], current: Any) -> list[dict[str, Any]]:
    chosen = current if isinstance(current, list) else [current]
    return [
        {"value": slug, "text": label, "checked": slug in chosen} for slug, label in labels.items()
    ]


def date_items(values: dict[str, Any], name: str) -> list[dict[str, Any]]:
    widths = {"day": 2, "month": 2, "year": 4}
    return [
        {
            "name": part,
            "label": part.title(),
            "classes": f"govuk-input--width-{width}",
            "value": values.get(f"{name}-{part}", ""),
        }
        for part, width in widths.items()
    ]


def _form(
    request: Request,
    values: dict[str, Any],
    action: str,
    title: str,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    back: str = "/staff/events",
) -> Response:
    errors = errors or {}
    content = request.app.state.content
    return render_page(
        request,
        "events/staff/form.html",
        status_code=status_code,
        title=title,
        values=values,
        action=action,
        errors=errors,
        error_list=field_errors(errors, EVENT_FIELDS),
        kinds=select_items(KINDS, values.get("kind"), "Choose a kind"),
        services=select_items(service_labels(content), values.get("service"), "Choose a service"),
        areas=select_items(
            area_labels(content), values.get("area"), "No area (online or by phone)"
        ),
        formats=choice_items(FORMATS, values.get("format")),
        access=choice_items(ACCESS, values.get("access") or []),
        repeats=choice_items(REPEATS, values.get("repeat")),
        costs=choice_items(COSTS, values.get("cost")),
        booking=choice_items(
            {"yes": "Yes", "no": "No, people just come along"}, values.get("booking-required")
        ),
        start_date=date_items(values, "start-date"),
        repeat_until=date_items(values, "repeat-until"),
        back_link=back,
    )


async def _save(
    request: Request, event: Event | None, action: str, title: str, copied_from: int | None = None
) -> Response:
    state = request.app.state
    form = await request.form()
    values = form_to_dict(form, multi=["access"])
    data, errors = validate_event(
        values, set(service_labels(state.content)), set(area_labels(state.content))
    )
    if data is None:
        return _form(request, values, action, title, errors, 400)
    who = actor(request)
    if event is None:
        copied = values.get("copied-from", "")
        source = parse_id(copied) or copied_from
        event_id = await run_in_threadpool(store.create_event, state.engine, data, who, source)
    else:
        event_id = event.id
        await run_in_threadpool(store.update_event, state.engine, event_id, data, who)
        updated = await run_in_threadpool(store.get_event, state.engine, event_id)
        if updated is not None:
            # More places may now be free: give them to the waiting list in order.
            await _fill_waiting(request, updated)
    await republish(request)
    return RedirectResponse(f"/staff/events/{event_id}?saved=1", status_code=303)


async def _fill_waiting(request: Request, event: Event) -> None:
    state = request.app.state
    for day in await run_in_threadpool(bookings.waiting_dates, state.engine, event.id):
        occ = occurrence(event, day)
        if occ is None:
            continue
        promoted = await run_in_threadpool(
            bookings.fill_places, state.engine, event.id, day, event.capacity, actor(request)
        )
        for booking in promoted:
            await run_in_threadpool(notify.send_place_offered, state.settings, booking, occ)


@staff_required()
async def new_event(request: Request) -> Response:
    if request.method == "POST":
        return await _save(request, None, "/staff/events/new", "Add an event")
    values: dict[str, Any] = {
        "repeat": "none",
        "cost": "free",
        "booking-required": "yes",
        "format": "in-person",
        "access": [],
    }
    return _form(request, values, "/staff/events/new", "Add an event")


@staff_required()
async def copy_event(request: Request) -> Response:
    """The new-event form filled in from an existing event; saving creates a new event."""
    event = await _event(request)
    if event is None:
        return _missing(request)
    values = store.form_values(event)
    values["copied-from"] = str(event.id)
    return _form(
        request, values, "/staff/events/new", "Add an event", back=f"/staff/events/{event.id}"
    )


@staff_required()
async def edit_event(request: Request) -> Response:
    event = await _event(request)
    if event is None:
        return _missing(request)
    action = f"/staff/events/{event.id}/edit"
    title = f"Change {event.title}"
    if request.method == "POST":
        return await _save(request, event, action, title)
    return _form(request, store.form_values(event), action, title, back=f"/staff/events/{event.id}")


@staff_required()
async def show_event(request: Request) -> Response:
    state = request.app.state
    event = await _event(request)
    if event is None:
        return _missing(request)
    now = now_utc()
    counts = await run_in_threadpool(bookings.booked_counts, state.engine)
    dates = occurrences(event, now - timedelta(days=31), now + timedelta(days=366))
    return render_page(
        request,
        "events/staff/event.html",
        title=event.title,
        event=event,
        kind=KINDS.get(event.kind, ""),
        repeat=describe_repeat(event),
        service=service_labels(state.content).get(event.service, event.service),
        dates=dates[:STAFF_DATES],
        counts=counts,
        now=now,
        saved=bool(request.query_params.get("saved")),
        breadcrumbs=crumbs(),
    )


@staff_required()
async def cancel_event(request: Request) -> Response:
    state = request.app.state
    event = await _event(request)
    if event is None:
        return _missing(request)
    if request.method == "GET":
        return render_page(
            request,
            "events/staff/cancel.html",
            title=f"Cancel {event.title}",
            event=event,
            back_link=f"/staff/events/{event.id}",
        )
    await run_in_threadpool(store.set_status, state.engine, event.id, "cancelled", actor(request))
    now = now_utc()
    for occ in occurrences(event, now, now + timedelta(days=366)):
        await _tell_booked(request, occ)
    await republish(request)
    return RedirectResponse(f"/staff/events/{event.id}?saved=1", status_code=303)


async def _tell_booked(request: Request, occ: Any) -> None:
    state = request.app.state
    people = await run_in_threadpool(
        bookings.active_bookings, state.engine, occ.event.id, occ.original_date
    )
    for booking in people:
        await run_in_threadpool(
            notify.send_date_cancelled, state.settings, booking, occ, state.content.site.phone
        )


def _date(request: Request) -> date | None:
    try:
        return parse_day(request.path_params.get("day"))
    except ValueError:
        return None


@staff_required()
async def change_date(request: Request) -> Response:
    """Cancel or move one date of a series."""
    state = request.app.state
    event = await _event(request)
    day = _date(request)
    occ = occurrence(event, day) if event and day else None
    if event is None or day is None or occ is None:
        return _missing(request)
    title = f"Change the date {day.day} {day:%B %Y}"
    back = f"/staff/events/{event.id}"
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = form_to_dict(await request.form())
        errors, moved = _parse_change(values, occ)
        if not errors:
            who = actor(request)
            if values["action"] == "cancelled":
                await run_in_threadpool(
                    store.change_date,
                    state.engine,
                    event.id,
                    day,
                    "cancelled",
                    who,
                    None,
                    None,
                    values.get("reason", ""),
                )
                await _tell_booked(request, occ)
            else:
                assert moved is not None
                await run_in_threadpool(
                    store.change_date,
                    state.engine,
                    event.id,
                    day,
                    "moved",
                    who,
                    moved[0],
                    moved[1],
                    values.get("reason", ""),
                )
            await republish(request)
            return RedirectResponse(f"{back}?saved=1", status_code=303)
    return render_page(
        request,
        "events/staff/change_date.html",
        status_code=400 if errors else 200,
        title=title,
        event=event,
        occ=occ,
        values=values,
        errors=errors,
        error_list=field_errors(errors, ("action", "new-date", "new-start", "new-end", "reason")),
        back_link=back,
    )


def _parse_change(
    values: dict[str, Any], occ: Any
) -> tuple[dict[str, str], tuple[datetime, datetime] | None]:
    from pafinder.events.models import parse_date_parts

    errors: dict[str, str] = {}
    action = values.get("action")
    if len(str(values.get("reason", ""))) > 300:
        errors["reason"] = "The reason must be 300 characters or fewer"
    if action not in ("cancelled", "moved"):
        errors["action"] = "Select whether to cancel or move this date"
        return errors, None
    if action == "cancelled":
        return errors, None
    raw = parse_date_parts(values, "new-date")
    new_day: date | None = None
    if not raw:
        errors["new-date"] = "Enter the new date"
    elif raw == "invalid":
        errors["new-date"] = "The new date must be a real date"
    else:
        new_day = date.fromisoformat(raw)
    times = {}
    for name in ("new-start", "new-end"):
        try:
            times[name] = parse_time(str(values.get(name, "")))
        except ValueError:
            errors[name] = "Enter a real time, for example 6pm or 18:00"
    if not errors and times["new-end"] <= times["new-start"]:
        errors["new-end"] = "The end time must be after the start time"
    if errors or new_day is None:
        return errors, None
    return errors, (
        to_utc_naive(datetime.combine(new_day, times["new-start"])),
        to_utc_naive(datetime.combine(new_day, times["new-end"])),
    )


@staff_required()
async def restore_date(request: Request) -> Response:
    event = await _event(request)
    day = _date(request)
    if event is None or day is None or event.change_for(day) is None:
        return _missing(request)
    await run_in_threadpool(
        store.restore_date, request.app.state.engine, event.id, day, actor(request)
    )
    await republish(request)
    return RedirectResponse(f"/staff/events/{event.id}?saved=1", status_code=303)


routes = [
    Route("/staff/events", event_list),
    Route("/staff/events/new", new_event, methods=["GET", "POST"]),
    Route("/staff/events/{event_id}", show_event),
    Route("/staff/events/{event_id}/edit", edit_event, methods=["GET", "POST"]),
    Route("/staff/events/{event_id}/copy", copy_event),
    Route("/staff/events/{event_id}/cancel", cancel_event, methods=["GET", "POST"]),
    Route(
        "/staff/events/{event_id}/occurrences/{day}/change", change_date, methods=["GET", "POST"]
    ),
    Route("/staff/events/{event_id}/occurrences/{day}/restore", restore_date, methods=["POST"]),
]

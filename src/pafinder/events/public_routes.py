"""Public, dynamic events routes: the filtered listing, the API, booking and cancelling.

The unfiltered listing and the API are pre-rendered into site/ (publish.py); these routes hand
those files back as they are, and render from the database only when filters are given.
Database work runs in the thread pool, so simultaneous bookings really are simultaneous and
capacity is guarded by the database transaction, not by the event loop.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from pafinder.events import bookings, notify, store
from pafinder.events.listing import listing_context
from pafinder.events.models import BOOKING_FIELDS, CARERS_TRAINING_LIMIT, validate_booking
from pafinder.events.publish import publish
from pafinder.events.recurrence import Event, Occurrence, occurrence, parse_occurrence_id
from pafinder.events.views import (
    HORIZON_DAYS,
    api_entry,
    now_utc,
    parse_filters,
    row,
    upcoming,
    window,
)
from pafinder.web.forms import error_list, form_to_dict
from pafinder.web.params import parse_id
from pafinder.web.render import render_page
from pafinder.web.static import prebuilt

FILTER_FIELDS = ("service", "kind", "area", "format", "from", "to")


async def republish(request: Request) -> None:
    state = request.app.state
    await run_in_threadpool(publish, state.engine, state.settings, state.content, state.templates)


def not_found(request: Request, title: str = "Page not found") -> Response:
    return render_page(
        request,
        "pages/error.html",
        status_code=404,
        title=title,
        paragraphs=["The date may have passed, or the event may have been cancelled or changed."],
        next_href="/events",
        next_text="See events and groups",
    )


async def listing(request: Request) -> Response:
    state = request.app.state
    static = state.settings.site_dir / "events" / "index.html"
    if not request.query_params and static.exists():
        return prebuilt(static, request.scope, "text/html; charset=utf-8", "public, max-age=60")
    filters = parse_filters(request.query_params, state.content)
    events = await run_in_threadpool(store.all_events, state.engine, "published")
    counts = await run_in_threadpool(bookings.booked_counts, state.engine)
    context = listing_context(events, counts, state.content, filters, now_utc())
    return render_page(
        request,
        "events/list.html",
        status_code=400 if filters.errors else 200,
        private=False,
        errors=filters.errors,
        error_list=error_list(filters.errors, FILTER_FIELDS),
        **context,
    )


async def listing_with_slash(request: Request) -> Response:
    """/events/ is the same list as /events (the pre-rendered file lives at events/index.html):
    one canonical URL, so bookmarks, search engines and caches see one page (issue 11)."""
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/events{query}", status_code=308)


async def api(request: Request) -> Response:
    state = request.app.state
    static = state.settings.site_dir / "api" / "events.json"
    if not request.query_params and static.exists():
        return prebuilt(static, request.scope, "application/json", "public, max-age=60")
    filters = parse_filters(request.query_params, state.content)
    if filters.errors:
        return JSONResponse({"errors": filters.errors}, status_code=400)
    now = now_utc()
    after, before = window(filters, now, HORIZON_DAYS)
    events = await run_in_threadpool(store.all_events, state.engine, "published")
    counts = await run_in_threadpool(bookings.booked_counts, state.engine)
    base = state.settings.base_url
    return JSONResponse(
        [
            api_entry(o, counts, state.content, base)
            for o in upcoming(events, after, before, filters)
        ]
    )


def _published(event: Event | None) -> bool:
    return event is not None and event.status == "published"


async def _target(request: Request) -> tuple[Event | None, list[Occurrence], Occurrence | None]:
    """/events/{key}/book: key is an occurrence id (one date) or an event id (choose a date).
    A published event that needs no booking comes back with no dates to book."""
    key = request.path_params["key"]
    parsed = parse_occurrence_id(key)
    engine = request.app.state.engine
    now = now_utc()
    if parsed:
        event = await run_in_threadpool(store.get_event, engine, parsed[0])
        if not _published(event):
            return None, [], None
        assert event is not None
        if not event.booking_required:
            return event, [], None
        occ = occurrence(event, parsed[1])
        if occ is None or occ.ends <= now:
            return event, [], None
        return event, [occ], occ
    event_id = parse_id(key)
    if event_id is None:
        return None, [], None
    event = await run_in_threadpool(store.get_event, engine, event_id)
    if not _published(event):
        return None, [], None
    assert event is not None
    if not event.booking_required:
        return event, [], None
    dates = upcoming([event], now, now + timedelta(days=HORIZON_DAYS))
    return event, dates, (dates[0] if len(dates) == 1 else None)


def _book_form(
    request: Request,
    event: Event,
    dates: list[Occurrence],
    chosen: str,
    values: dict[str, Any],
    counts: Any,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    errors = errors or {}
    occ = next((o for o in dates if o.id == chosen), None)
    rows = [row(o, counts, request.app.state.content) for o in dates]
    full = bool(occ and row(occ, counts, request.app.state.content)["full"])
    title = ("Join the waiting list: " if full else "Book a place: ") + event.title
    return render_page(
        request,
        "events/book.html",
        status_code=status_code,
        title=title,
        event=event,
        dates=rows,
        chosen=chosen,
        occ=occ,
        full=full,
        values=values,
        errors=errors,
        error_list=error_list(errors, BOOKING_FIELDS),
        carers_training=bookings.is_carers_training(event),
        limit=CARERS_TRAINING_LIMIT,
        back_link=f"/events/{event.id}/",
    )


def _no_booking_needed(request: Request, event: Event) -> Response:
    """A drop-in or group people just come along to: say so, rather than 'not found'."""
    return render_page(
        request,
        "pages/error.html",
        title=f"You do not need to book: {event.title}",
        paragraphs=["Just come along on the day. If you have a question, contact us first."],
        next_href=f"/events/{event.id}/",
        next_text="See the dates, times and place",
    )


async def book(request: Request) -> Response:
    state = request.app.state
    event, dates, occ = await _target(request)
    if event is not None and not event.booking_required:
        return _no_booking_needed(request, event)
    if event is None or not dates:
        return not_found(request, "This date cannot be booked")
    counts = await run_in_threadpool(bookings.booked_counts, state.engine)
    if request.method == "GET":
        return _book_form(request, event, dates, occ.id if occ else "", {}, counts)

    form = await request.form()
    values = form_to_dict(form)
    if len(dates) == 1:
        values["date"] = dates[0].id
    chosen = str(values.get("date", ""))
    data, errors = validate_booking(values)
    occ = next((o for o in dates if o.id == chosen), None)
    if occ is None:
        errors = {"date": "Select the date you want to come", **errors}
    if errors or data is None or occ is None:
        return _book_form(request, event, dates, chosen, values, counts, errors, 400)
    client = request.client.host if request.client else "unknown"
    if not state.limiter.hit("60/hour", "event-booking", client):
        errors = {"name": "Too many bookings from your connection. Wait an hour, or phone us"}
        return _book_form(request, event, dates, chosen, values, counts, errors, 429)

    result = await run_in_threadpool(bookings.book, state.engine, occ, data)
    await run_in_threadpool(_tell, state, result, occ)
    # Republished every time, so a repeat answers no faster than a first booking.
    await republish(request)
    # Every outcome answers the same: whoever typed the details learns nothing about bookings
    # on record (a repeat must not hand over someone's booking, nor the carers limit reveal
    # that they have booked training). The link to see or cancel goes by email only.
    by_phone = "" if data.email else "?by=phone"
    return RedirectResponse(f"/events/{occ.id}/booked{by_phone}", status_code=303)


def _tell(state: Any, result: bookings.BookingResult, occ: Occurrence) -> None:
    settings = state.settings
    if result.outcome == "over-limit":
        if result.email_on_record:
            phone = state.content.site.phone
            notify.send_over_limit(
                settings, result.email_on_record, occ, result.sessions_this_year, phone
            )
        return
    assert result.booking is not None
    if result.outcome == "already":
        # To the address on record (not the one typed); a phone-only booking on record gets
        # nothing, and staff see the request in the audit log and on the attendance list.
        notify.send_repeat_request(settings, result.booking, occ)
        return
    notify.send_confirmation(settings, result.booking, occ)


async def booked(request: Request) -> Response:
    """The one confirmation every public booking request gets, first or repeat alike."""
    parsed = parse_occurrence_id(request.path_params["key"])
    event = None
    if parsed:
        event = await run_in_threadpool(store.get_event, request.app.state.engine, parsed[0])
    if event is None or parsed is None or not _published(event):
        return not_found(request)
    return render_page(
        request,
        "events/booked.html",
        title="Booking request received",
        event=event,
        occ=occurrence(event, parsed[1]),
        by_phone=request.query_params.get("by") == "phone",
    )


async def _booking_from_token(
    request: Request,
) -> tuple[bookings.Booking | None, Occurrence | None, Event | None]:
    state = request.app.state
    booking_id = notify.read_token(state.settings, request.path_params["token"])
    if booking_id is None:
        return None, None, None
    booking = await run_in_threadpool(bookings.get_booking, state.engine, booking_id)
    if booking is None:
        return None, None, None
    event = await run_in_threadpool(store.get_event, state.engine, booking.event_id)
    occ = occurrence(event, booking.occurrence_date) if event else None
    return booking, occ, event


async def booking_page(request: Request) -> Response:
    booking, occ, event = await _booking_from_token(request)
    if booking is None or event is None:
        return not_found(request, "We cannot find this booking")
    titles = {
        "booked": "You have a place",
        "waiting": "You are on the waiting list",
        "cancelled": "Your booking is cancelled",
    }
    return render_page(
        request,
        "events/booking.html",
        title=titles[booking.status],
        booking=booking,
        occ=occ,
        event=event,
        token=request.path_params["token"],
    )


async def cancel(request: Request) -> Response:
    state = request.app.state
    booking, occ, event = await _booking_from_token(request)
    if booking is None or event is None:
        return not_found(request, "We cannot find this booking")
    token = request.path_params["token"]
    if booking.status == "cancelled":
        return RedirectResponse(f"/events/bookings/{token}", status_code=303)
    if request.method == "GET":
        title = "Cancel your place" if booking.status == "booked" else "Leave the waiting list"
        return render_page(
            request,
            "events/cancel.html",
            title=title,
            booking=booking,
            occ=occ,
            event=event,
            token=token,
            back_link=f"/events/bookings/{token}",
        )
    _, promoted = await run_in_threadpool(
        bookings.cancel_booking, state.engine, booking.id, "public", event.capacity
    )
    if promoted is not None and occ is not None:
        await run_in_threadpool(notify.send_place_offered, state.settings, promoted, occ)
    await republish(request)
    return RedirectResponse(f"/events/bookings/{token}", status_code=303)


routes = [
    Route("/events", listing),
    Route("/events/", listing_with_slash),
    Route("/api/events", api),
    Route("/events/bookings/{token}", booking_page),
    Route("/events/bookings/{token}/cancel", cancel, methods=["GET", "POST"]),
    Route("/events/{key}/book", book, methods=["GET", "POST"]),
    Route("/events/{key}/booked", booked),
]

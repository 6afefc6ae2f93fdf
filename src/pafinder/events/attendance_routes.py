"""Staff pages for one occurrence: who booked and who is waiting, attendance marks, and a staff
booking form (which can override the carers training limit)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from pafinder.events import bookings, notify, store
from pafinder.events.models import BOOKING_FIELDS, CARERS_TRAINING_LIMIT, validate_booking
from pafinder.events.public_routes import republish
from pafinder.events.recurrence import Event, Occurrence, occurrence
from pafinder.staff.auth import actor, staff_required
from pafinder.web.forms import error_list, form_to_dict
from pafinder.web.params import parse_day, parse_id
from pafinder.web.render import render_page


async def _target(request: Request) -> tuple[Event, Occurrence] | None:
    event_id = parse_id(request.path_params.get("event_id"))
    try:
        day = parse_day(request.path_params.get("day"))
    except ValueError:
        return None
    if event_id is None:
        return None
    event = await run_in_threadpool(store.get_event, request.app.state.engine, event_id)
    occ = occurrence(event, day) if event else None
    return (event, occ) if event and occ else None


def _missing(request: Request) -> Response:
    return render_page(
        request,
        "pages/error.html",
        status_code=404,
        title="Date not found",
        paragraphs=["The date may have been cancelled."],
        next_href="/staff/events",
        next_text="See all events",
    )


def _crumbs(event: Event) -> list[dict[str, str]]:
    return [
        {"text": "Staff area", "href": "/staff/"},
        {"text": "Events", "href": "/staff/events"},
        {"text": event.title, "href": f"/staff/events/{event.id}"},
    ]


@staff_required()
async def attendance(request: Request) -> Response:
    state = request.app.state
    target = await _target(request)
    if target is None:
        return _missing(request)
    event, occ = target
    day = occ.original_date
    if request.method == "POST":
        form = await request.form()
        marks = {
            booking_id: str(v)
            for k, v in form.items()
            if k.startswith("booking-")
            and (booking_id := parse_id(k.removeprefix("booking-"))) is not None
        }
        await run_in_threadpool(
            bookings.set_attendance, state.engine, event.id, day, marks, actor(request)
        )
        return RedirectResponse(request.url.path + "?saved=1", status_code=303)
    people = await run_in_threadpool(bookings.occurrence_bookings, state.engine, event.id, day)
    return render_page(
        request,
        "events/staff/attendance.html",
        title=f"Attendance: {event.title}, {day.day} {day:%B %Y}",
        event=event,
        occ=occ,
        booked=[b for b in people if b.status == "booked"],
        waiting=[b for b in people if b.status == "waiting"],
        cancelled=[b for b in people if b.status == "cancelled"],
        marks=bookings.ATTENDANCE,
        saved=bool(request.query_params.get("saved")),
        breadcrumbs=_crumbs(event),
    )


@staff_required()
async def staff_book(request: Request) -> Response:
    """Book someone in (by phone, at a Talking Point ...); staff may override the carers
    training limit, and the override is recorded on the booking and in the audit log."""
    state = request.app.state
    target = await _target(request)
    if target is None:
        return _missing(request)
    event, occ = target
    title = f"Book someone in: {event.title}"
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = form_to_dict(await request.form())
        values["date"] = occ.id
        data, errors = validate_booking(values)
        if data is not None:
            override = values.get("override") == "yes"
            result = await run_in_threadpool(
                bookings.book, state.engine, occ, data, actor(request), override
            )
            if result.outcome == "over-limit":
                errors = {
                    "override": (
                        f"This carer already has {result.sessions_this_year} training sessions "
                        f"this year (the limit is {CARERS_TRAINING_LIMIT}). Tick the box to book "
                        "them anyway"
                    )
                }
            else:
                if result.outcome != "already" and result.booking is not None:
                    await run_in_threadpool(
                        notify.send_confirmation, state.settings, result.booking, occ
                    )
                    await republish(request)
                path = f"/staff/events/{event.id}/occurrences/{occ.original_date}/attendance"
                return RedirectResponse(path + "?saved=1", status_code=303)
    return render_page(
        request,
        "events/staff/book.html",
        status_code=400 if errors else 200,
        title=title,
        event=event,
        occ=occ,
        values=values,
        errors=errors,
        error_list=error_list(errors, (*BOOKING_FIELDS, "override")),
        carers_training=bookings.is_carers_training(event),
        breadcrumbs=_crumbs(event),
    )


routes = [
    Route(
        "/staff/events/{event_id}/occurrences/{day}/attendance", attendance, methods=["GET", "POST"]
    ),
    Route("/staff/events/{event_id}/occurrences/{day}/book", staff_book, methods=["GET", "POST"]),
]

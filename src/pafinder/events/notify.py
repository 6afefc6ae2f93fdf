"""Booking emails and the signed link that lets a person see or cancel their booking.

The link carries only the booking id, signed (itsdangerous, salt 'event-booking-cancel'): no
personal data in URLs. Joining details for online and phone events appear only here, in email
to people who booked, and in the .ics attached to it.
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer

from pafinder import outbox
from pafinder.events.bookings import Booking
from pafinder.events.ical import location, occurrence_calendar
from pafinder.events.recurrence import Occurrence
from pafinder.mail import build_message
from pafinder.settings import Settings
from pafinder.web.templating import format_date, format_time

SALT = "event-booking-cancel"
# A link must work until the date, and a series can be booked months ahead.
TOKEN_MAX_AGE = 400 * 24 * 3600


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(settings.secret_key), salt=SALT)


def booking_token(settings: Settings, booking_id: int) -> str:
    return _serializer(settings).dumps(booking_id)


def read_token(settings: Settings, token: str) -> int | None:
    try:
        value = _serializer(settings).loads(token, max_age=TOKEN_MAX_AGE)
    except BadSignature:
        return None
    return value if isinstance(value, int) else None


def manage_url(settings: Settings, booking_id: int) -> str:
    return f"{settings.base_url}/events/bookings/{booking_token(settings, booking_id)}"


def when(occ: Occurrence) -> str:
    return (
        f"{occ.starts:%A} {format_date(occ.starts)}, "
        f"{format_time(occ.starts)} to {format_time(occ.ends)}"
    )


def _details(occ: Occurrence, booking: Booking) -> list[str]:
    event = occ.event
    lines = [f"What: {event.title}", f"When: {when(occ)}", f"Where: {location(event)}"]
    if event.format != "in-person" and event.joining_details:
        label = "Joining link" if event.format == "online" else "How to join"
        lines.append(f"{label}: {event.joining_details}")
    if event.transport_notes:
        lines.append(f"Getting there: {event.transport_notes}")
    lines.append("Cost: free" if event.cost == "free" else f"Cost: {event.cost_text}")
    if booking.access_needs:
        lines.append(f"What you told us you need: {booking.access_needs}")
    return lines


def _send(
    settings: Settings,
    booking: Booking,
    subject: str,
    body: list[str],
    occ: Occurrence,
    attach: bool,
) -> None:
    if not booking.email:
        return  # staff phone people who gave no email
    attachments = []
    if attach:
        ics = occurrence_calendar(occ, settings.base_url, occ.event.joining_details or None)
        attachments.append((f"event-{occ.id}.ics", "text/calendar", ics))
    message = build_message(
        settings,
        booking.email,
        subject,
        "\n".join(body) + "\n",
        from_name="Events and groups",
        attachments=attachments,
    )
    # Queued, then sent: if the mail server is down the outbox tries again later.
    outbox.send(settings, message, "event booking email")


def _cancel_lines(settings: Settings, booking: Booking) -> list[str]:
    return [
        "",
        "If you cannot come, please cancel so someone else can have your place:",
        manage_url(settings, booking.id),
    ]


def _feedback_lines(settings: Settings, occ: Occurrence) -> list[str]:
    # Anonymous: the link carries only the service, never the booking.
    return [
        "",
        "Afterwards, please tell us what you think of the service. It is anonymous:",
        f"{settings.base_url}/feedback/{occ.event.service}",
    ]


def send_confirmation(settings: Settings, booking: Booking, occ: Occurrence) -> None:
    if booking.status == "waiting":
        body = [
            f"Dear {booking.name},",
            "",
            f"{occ.event.title} is full, so we have put you on the waiting list.",
            "",
            *_details(occ, booking),
            "",
            "If a place comes up, we will book it for you straight away and email you. "
            "You do not need to do anything else.",
            "",
            "To leave the waiting list, use this link:",
            manage_url(settings, booking.id),
        ]
        _send(settings, booking, f"Waiting list: {occ.event.title}", body, occ, False)
        return
    body = [
        f"Dear {booking.name},",
        "",
        "You have a place. The details are below, and the "
        "attached calendar file adds it to your calendar.",
        "",
        *_details(occ, booking),
        *_cancel_lines(settings, booking),
        *_feedback_lines(settings, occ),
    ]
    subject = f"Your place at {occ.event.title} on {format_date(occ.starts)}"
    _send(settings, booking, subject, body, occ, True)


def send_place_offered(settings: Settings, booking: Booking, occ: Occurrence) -> None:
    """A freed place went to this person from the waiting list (booked automatically)."""
    body = [
        f"Dear {booking.name},",
        "",
        "Good news: a place has come up and we have booked it for you. The details are below.",
        "",
        *_details(occ, booking),
        *_cancel_lines(settings, booking),
        *_feedback_lines(settings, occ),
    ]
    _send(settings, booking, f"A place has come up: {occ.event.title}", body, occ, True)


def send_reminder(settings: Settings, booking: Booking, occ: Occurrence) -> None:
    body = [
        f"Dear {booking.name},",
        "",
        "A reminder that you have a place:",
        "",
        *_details(occ, booking),
        *_cancel_lines(settings, booking),
    ]
    _send(
        settings,
        booking,
        f"Reminder: {occ.event.title} on {format_date(occ.starts)}",
        body,
        occ,
        True,
    )


def send_date_cancelled(settings: Settings, booking: Booking, occ: Occurrence, phone: str) -> None:
    body = [
        f"Dear {booking.name},",
        "",
        f"We are sorry: {occ.event.title} on {format_date(occ.starts)} is cancelled. "
        "You do not need to do anything.",
        "",
        f"See other dates at {settings.base_url}/events, or phone us on {phone}.",
    ]
    _send(
        settings,
        booking,
        f"Cancelled: {occ.event.title} on {format_date(occ.starts)}",
        body,
        occ,
        False,
    )


def send_repeat_request(settings: Settings, booking: Booking, occ: Occurrence) -> None:
    """Someone asked to book a date this person is already booked on (or waiting for), with
    their email or phone. The link goes only to the address on record, never on screen, so
    typing another person's details can neither show nor cancel their booking."""
    status = (
        "You already have a place"
        if booking.status == "booked"
        else "You are already on the waiting list"
    )
    body = [
        f"Dear {booking.name},",
        "",
        f"We have had a request to book {occ.event.title} on {format_date(occ.starts)} "
        f"with your details. {status}, so we have not booked it again.",
        "",
        *_details(occ, booking),
        *_cancel_lines(settings, booking),
        "",
        "If you did not ask to book again, you do not need to do anything.",
    ]
    _send(settings, booking, f"Your booking for {occ.event.title}", body, occ, False)


def send_over_limit(
    settings: Settings, email: str, occ: Occurrence, sessions: int, phone: str
) -> None:
    """The carers training limit, told by email to an address that has bookings on record."""
    body = [
        "Hello,",
        "",
        f"Thank you for wanting to come to {occ.event.title} on {format_date(occ.starts)}. "
        f"Our records show you already have {sessions} carers training sessions booked this year, "
        "so we have not booked this one.",
        "",
        "Each carer can come to up to 3 training sessions a year. This helps us reach as many "
        "carers as we can.",
        "",
        f"If you need more training, or this is not right, phone us on {phone}. We can book you "
        "in if it helps you in your caring role.",
    ]
    message = build_message(
        settings,
        email,
        f"We could not book {occ.event.title}",
        "\n".join(body) + "\n",
        from_name="Events and groups",
    )
    outbox.send(settings, message, "event booking email")

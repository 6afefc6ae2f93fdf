"""Shapes and validation for events: the fixed lists (kinds, formats, access), the staff event
form and the public booking form. Messages follow the GOV.UK validation pattern."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from pafinder.web.forms import Errors, errors_from_validation
from pafinder.web.params import bounded_day

KINDS: dict[str, str] = {
    "workshop": "Workshop",
    "peer-support-meeting": "Peer support meeting",
    "drop-in-surgery": "Drop-in surgery",
    "course": "Course",
    "training": "Training",
    "wellbeing-activity": "Wellbeing activity",
    "support-group": "Support group",
    "gp-clinic": "GP carers clinic",
    "talking-point": "Talking Point session",
}
FORMATS: dict[str, str] = {
    "in-person": "In person",
    "online": "Online",
    "phone": "By phone",
}
ACCESS: dict[str, str] = {
    "step-free": "Step-free access",
    "hearing-loop": "Hearing loop",
    "accessible-toilet": "Accessible toilet",
    "bsl": "British Sign Language interpreter",
    "parking": "Parking",
}
REPEATS: dict[str, str] = {
    "none": "Does not repeat",
    "weekly": "Every week",
    "fortnightly": "Every 2 weeks",
    "monthly": "Every month, on the same weekday (for example the 2nd Tuesday)",
    "bimonthly": "Every 2 months, on the same weekday",
}
COSTS: dict[str, str] = {"free": "Free", "contribution": "A suggested contribution"}
# Derby has no areas taxonomy in content/ (the PA register covers Cheshire East), so the events
# feature carries Derby's own list; an event's area is one slug from either list.
DERBY_AREAS: dict[str, str] = {
    "derby-city-centre": "Derby city centre",
    "allenton": "Allenton",
    "alvaston": "Alvaston",
    "chaddesden": "Chaddesden",
    "chellaston": "Chellaston",
    "darley-abbey": "Darley Abbey",
    "littleover": "Littleover",
    "mackworth": "Mackworth",
    "mickleover": "Mickleover",
    "normanton": "Normanton",
    "oakwood": "Oakwood",
    "sinfin": "Sinfin",
    "spondon": "Spondon",
}
MAX_CAPACITY = 1000
MAX_SESSIONS = 520
CARERS_TRAINING_LIMIT = 3

POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$")
PHONE = re.compile(r"^\+?[0-9 ()-]{10,20}$")

EVENT_FIELDS = (
    "title",
    "kind",
    "service",
    "audience",
    "description",
    "start-date",
    "start-time",
    "end-time",
    "repeat",
    "repeat-until",
    "repeat-count",
    "format",
    "venue-name",
    "address",
    "postcode",
    "area",
    "access",
    "transport-notes",
    "joining-details",
    "cost",
    "cost-text",
    "capacity",
    "booking-required",
)
DATE_FIELDS = ("start-date", "repeat-until")
BOOKING_FIELDS = ("date", "name", "email", "phone", "access-needs")


def parse_time(value: str) -> time:
    """'18:00', '6pm', '6.30pm', '9:15 am' -> time."""
    match = TIME.match(value.strip().lower())
    if not match:
        raise ValueError
    hour, minute, suffix = int(match[1]), int(match[2] or 0), match[3]
    if suffix:
        if not 1 <= hour <= 12:
            raise ValueError
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    return time(hour, minute)


def parse_date_parts(data: dict[str, Any], name: str) -> str:
    """GOV.UK date input pieces -> 'YYYY-MM-DD' (or '' / 'invalid')."""
    parts = [str(data.get(f"{name}-{p}", "")).strip() for p in ("day", "month", "year")]
    if not any(parts):
        return ""
    # ASCII digits only (int() also reads '+1', ' 1' and other scripts' digits), and a year
    # between 2000 and 2100 so later date arithmetic cannot overflow.
    if not all(p.isascii() and p.isdigit() and len(p) <= 4 for p in parts):
        return "invalid"
    try:
        day, month, year = (int(p) for p in parts)
        return bounded_day(year, month, day).isoformat()
    except ValueError:
        return "invalid"


def _text(value: Any, limit: int, required_message: str | None, too_long: str) -> str:
    text = str(value or "").strip()
    if required_message and not text:
        raise ValueError(required_message)
    if len(text) > limit:
        raise ValueError(too_long)
    return text


class EventInput(BaseModel):
    """What a staff member entered, validated field by field."""

    model_config = ConfigDict(extra="forbid", strict=False)

    title: str
    kind: str
    service: str
    audience: str
    description: str
    start_date: date
    start_time: time
    end_time: time
    repeat: Literal["none", "weekly", "fortnightly", "monthly", "bimonthly"]
    repeat_until: date | None = None
    repeat_count: int | None = None
    format: Literal["in-person", "online", "phone"]
    venue_name: str = ""
    address: str = ""
    postcode: str = ""
    area: str = ""
    access: list[str] = []
    transport_notes: str = ""
    joining_details: str = ""
    cost: Literal["free", "contribution"]
    cost_text: str = ""
    capacity: int | None = None
    booking_required: bool

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, v: Any) -> str:
        return _text(v, 120, "Enter a title", "Title must be 120 characters or fewer")

    @field_validator("audience", mode="before")
    @classmethod
    def _audience(cls, v: Any) -> str:
        return _text(v, 300, "Say who it is for", "Who it is for must be 300 characters or fewer")

    @field_validator("description", mode="before")
    @classmethod
    def _description(cls, v: Any) -> str:
        return _text(
            v, 5000, "Describe the event", "The description must be 5,000 characters or fewer"
        )

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, v: Any) -> str:
        if v not in KINDS:
            raise ValueError("Select what kind of event it is")
        return str(v)

    @field_validator("start_date", mode="before")
    @classmethod
    def _start_date(cls, v: Any) -> date:
        if isinstance(v, date):
            return v
        if not v:
            raise ValueError("Enter the date of the first session")
        if v == "invalid":
            raise ValueError("The date must be a real date, for example 17 11 2026")
        return date.fromisoformat(str(v))

    @field_validator("repeat_until", mode="before")
    @classmethod
    def _repeat_until(cls, v: Any) -> date | None:
        if isinstance(v, date):
            return v
        if not v:
            return None
        if v == "invalid":
            raise ValueError("The last date must be a real date, for example 30 6 2027")
        return date.fromisoformat(str(v))

    @field_validator("start_time", "end_time", mode="before")
    @classmethod
    def _time(cls, v: Any) -> time:
        if isinstance(v, time):
            return v
        if not str(v or "").strip():
            raise ValueError("Enter a time, for example 6pm or 18:00")
        try:
            return parse_time(str(v))
        except ValueError:
            raise ValueError("Enter a real time, for example 6pm or 18:00") from None

    @field_validator("repeat_count", mode="before")
    @classmethod
    def _count(cls, v: Any) -> int | None:
        return _whole_number(v, 1, MAX_SESSIONS, "The number of sessions")

    @field_validator("capacity", mode="before")
    @classmethod
    def _capacity(cls, v: Any) -> int | None:
        return _whole_number(v, 1, MAX_CAPACITY, "The number of places")

    @field_validator("postcode", mode="before")
    @classmethod
    def _postcode(cls, v: Any) -> str:
        text = re.sub(r"\s+", "", str(v or "")).upper()
        if not text:
            return ""
        if not POSTCODE.match(text):
            raise ValueError("Enter a real postcode, for example DE1 2AB")
        return f"{text[:-3]} {text[-3:]}"

    @field_validator("access", mode="before")
    @classmethod
    def _access(cls, v: Any) -> list[str]:
        values = [str(x) for x in (v or [])]
        if any(x not in ACCESS for x in values):
            raise ValueError("Select access features from the list")
        return [a for a in ACCESS if a in values]

    @field_validator("venue_name", "cost_text", mode="before")
    @classmethod
    def _short(cls, v: Any) -> str:
        return _text(v, 200, None, "This must be 200 characters or fewer")

    @field_validator("address", "transport_notes", "joining_details", mode="before")
    @classmethod
    def _long(cls, v: Any) -> str:
        return _text(v, 1000, None, "This must be 1,000 characters or fewer")

    @field_validator("booking_required", mode="before")
    @classmethod
    def _booking(cls, v: Any) -> bool:
        if v not in ("yes", "no", True, False):
            raise ValueError("Select whether people need to book")
        return v in ("yes", True)


def _whole_number(v: Any, low: int, high: int, what: str) -> int | None:
    text = str(v if v is not None else "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()):  # isdigit alone accepts '²'
        raise ValueError(f"{what} must be a whole number, like 12")
    number = int(text) if len(text) <= 9 else high + 1
    if not low <= number <= high:
        raise ValueError(f"{what} must be between {low} and {high:,}")
    return number


EVENT_MESSAGES = {
    "repeat": "Select how often it repeats",
    "format": "Select whether it is in person, online or by phone",
    "cost": "Select whether it is free",
}


def validate_event(
    data: dict[str, Any], services: set[str], areas: set[str]
) -> tuple[EventInput | None, Errors]:
    """The staff form's fields (kebab-case names) -> EventInput, or errors keyed by field id."""
    # Every field present, so a missing one gets its own message rather than pydantic's.
    values = {key.replace("-", "_"): data.get(key, "") for key in EVENT_FIELDS}
    values["access"] = data.get("access") or []
    for name in DATE_FIELDS:
        values[name.replace("-", "_")] = parse_date_parts(data, name)
    errors: Errors = {}
    try:
        event = EventInput.model_validate(values)
    except ValidationError as exc:
        errors = {
            k.replace("_", "-"): v for k, v in errors_from_validation(exc, EVENT_MESSAGES).items()
        }
        event = None
    if str(data.get("service", "")) not in services:
        errors.setdefault("service", "Select which service runs it")
    if event is None:
        return None, errors
    errors.update(_cross_checks(event, areas))
    return (None, errors) if errors else (event, {})


def _cross_checks(event: EventInput, areas: set[str]) -> Errors:
    errors: Errors = {}
    if event.end_time <= event.start_time:
        errors["end-time"] = "The end time must be after the start time"
    if event.repeat != "none":
        if event.repeat_until and event.repeat_count:
            errors["repeat-count"] = "Give a last date or a number of sessions, not both"
        if event.repeat_until and event.repeat_until < event.start_date:
            errors["repeat-until"] = "The last date must be on or after the first date"
    if event.format == "in-person":
        if not event.venue_name:
            errors["venue-name"] = "Enter the name of the venue"
        if not event.address:
            errors["address"] = "Enter the venue's address"
        if not event.postcode:
            errors["postcode"] = "Enter the venue's postcode"
    if event.area and event.area not in areas:
        errors["area"] = "Select an area from the list"
    if event.format == "in-person" and not event.area:
        errors["area"] = "Select the area the venue is in"
    if event.format in ("online", "phone"):
        if not event.joining_details:
            errors["joining-details"] = (
                "Enter the joining link"
                if event.format == "online"
                else "Enter the phone number and any code people need to join"
            )
        if not event.booking_required:
            # The joining details only ever go to people who booked.
            errors["booking-required"] = (
                "Online and phone events need booking, so the joining "
                "details reach only the people who booked"
            )
    if (
        event.format == "online"
        and event.joining_details
        and not re.match(r"^https://\S+$", event.joining_details)
    ):
        errors["joining-details"] = "Enter a joining link that starts with https://"
    if event.cost == "contribution" and not event.cost_text:
        errors["cost-text"] = "Say what contribution you suggest, for example £2 for tea and cake"
    if event.booking_required and event.capacity is None:
        errors["capacity"] = "Enter how many places there are"
    return errors


class BookingInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: str
    name: str
    email: str = ""
    phone: str = ""
    access_needs: str = ""

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, v: Any) -> str:
        return _text(v, 200, "Enter your name", "Your name must be 200 characters or fewer")

    @field_validator("email", mode="before")
    @classmethod
    def _email(cls, v: Any) -> str:
        text = _text(v, 254, None, "Your email address must be 254 characters or fewer")
        if not text:
            return ""
        try:
            return validate_email(text, check_deliverability=False).normalized
        except EmailNotValidError:
            raise ValueError(
                "Enter an email address in the correct format, like name@example.com"
            ) from None

    @field_validator("phone", mode="before")
    @classmethod
    def _phone(cls, v: Any) -> str:
        text = _text(v, 30, None, "Your phone number must be 30 characters or fewer")
        if text and not PHONE.match(text):
            raise ValueError("Enter a phone number, like 01632 960 001 or 07700 900 982")
        return text

    @field_validator("access_needs", mode="before")
    @classmethod
    def _needs(cls, v: Any) -> str:
        return _text(v, 1000, None, "This must be 1,000 characters or fewer")


def validate_booking(data: dict[str, Any]) -> tuple[BookingInput | None, Errors]:
    values = {k.replace("-", "_"): v for k, v in data.items() if k in BOOKING_FIELDS}
    values.setdefault("date", "")
    try:
        booking = BookingInput.model_validate(values)
    except ValidationError as exc:
        return None, {k.replace("_", "-"): v for k, v in errors_from_validation(exc).items()}
    if not booking.email and not booking.phone:
        return None, {"email": "Enter an email address or a phone number, so we can reach you"}
    return booking, {}


def person_key(email: str, phone: str) -> str:
    """Who a booking is for: the email (lower case), or the phone's digits (0 for +44)."""
    if email.strip():
        return email.strip().lower()
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("44"):
        digits = "0" + digits[2:]
    return "tel:" + digits


def local_datetime(day: date, at: time) -> datetime:
    return datetime.combine(day, at)

"""The audit page's filters and its plain-English view of each entry (issue 9, point 2).

Filters arrive as GET parameters from a form that works without JavaScript, so every value is a
stranger's: each is checked, and a bad one is a message on the page (400), never a 500. Entries
are stored as slugs and ids ("staff:3", "referral.viewed", '{"to": "contacted"}'); an auditor
reads people's email addresses, UK times, words and links instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from pafinder.referrals.labels import PRIORITY_LABELS, STATUS_LABELS, reason_label
from pafinder.web.pagination import govuk_pagination
from pafinder.web.params import DayOutOfRange, bounded_day, parse_id

PAGE_SIZE = 50
LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")
# Referral references look like R-ABCD-2345 (pafinder.referrals.store.new_ref).
REF = re.compile(r"R-[A-Z0-9]{4}-[A-Z0-9]{4}")

# Actors that are not staff accounts: (value, words). The order is the filter's.
OTHER_ACTORS = {
    "system": "The system (a scheduled job)",
    "cli": "The command line (an operator)",
    "public": "A member of the public",
    "pa": "A PA, on their own listing",
    "anonymous": "Someone not signed in",
}

ACTION_LABELS = {
    "access.refused": "Refused access to a record of another service",
    "booking.booked": "Booked a place",
    "complaint.received": "Complaint, compliment or comment received",
    "complaint.updated": "Recorded what was done about a complaint, compliment or comment",
    "complaint.viewed": "Viewed a complaint, compliment or comment",
    "format_request.received": "Request for information in another format received",
    "format_request.viewed": "Viewed a request for information in another format",
    "format_request.done": "Marked a request for another format as done",
    "booking.waiting": "Put on an event's waiting list",
    "booking.cancelled": "Cancelled a booking",
    "booking.offered_place": "Offered a place from the waiting list",
    "booking.repeat_request": "Asked to book again (already booked)",
    "event.attendance_marked": "Marked attendance",
    "event.cancelled": "Cancelled event",
    "event.created": "Created event",
    "event.date_cancelled": "Cancelled one date of an event",
    "event.date_moved": "Moved one date of an event",
    "event.date_restored": "Restored one date of an event",
    "event.restored": "Restored event",
    "event.updated": "Changed event",
    "feedback.viewed": "Viewed a service's feedback results",
    "job.published": "Published a job advert",
    "job.returned": "Sent a job advert back to the employer with a reason",
    "job.viewed": "Viewed a job advert",
    "newsletter.exported": "Downloaded the newsletter list",
    "newsletter.sent": "Sent a newsletter issue",
    "data.backed_up": "Backed up the database",
    "data.key_rotated": "Re-encrypted stored free text with the first data key",
    "data.purged": "Deleted records past their retention period",
    "data.restored": "Restored the database from a backup",
    "person.erased": "Erased a person's records (counts only)",
    "person.subject_access": "Produced a subject access report",
    "pa.approved": "Approved PA listing",
    "pa.created": "PA listing created",
    "pa.confirmed_available": "PA confirmed they are still available",
    "pa.edited": "Edited PA listing",
    "pa.email_verified": "PA confirmed their email address",
    "pa.erased": "Erased PA listing",
    "pa.expiry_reminder_sent": "Sent a DBS or training renewal reminder",
    "pa.exported": "PA downloaded their data",
    "pa.manage_link_sent": "Sent a link to manage the listing",
    "pa.manage_opened": "PA opened their listing to manage it",
    "pa.note_added": "Added a note to a PA listing",
    "pa.other_approved": "Approved a PA's typed 'Other' answer for their profile",
    "pa.other_rejected": "Rejected a PA's typed 'Other' answer",
    "pa.paused": "Paused PA listing",
    "pa.registered": "PA registered",
    "pa.rejected": "Rejected PA listing",
    "pa.reminder_sent": "Sent a 'still available' reminder",
    "pa.restored": "PA asked to restore their listing",
    "pa.taken_down": "Took down PA listing",
    "pa.unpaused": "Unpaused PA listing",
    "pa.viewed": "Viewed PA listing",
    "pa.withdrawn": "Withdrew PA listing",
    "referral.assign": "Assigned referral",
    "referral.check_done": "Marked a referral check done",
    "referral.check_rescheduled": "Rescheduled a referral check",
    "referral.note": "Added a note to a referral",
    "referral.priority": "Changed referral priority",
    "referral.received": "Referral received",
    "referral.status": "Changed referral status",
    "referral.viewed": "Viewed referral",
    "report.produced": "Produced a service's return (page, CSV, XLSX or the command)",
    "referrals.exported": "Exported referrals",
    "staff.created": "Added staff account",
    "staff.disabled": "Disabled staff account",
    "staff.enabled": "Enabled staff account",
    "staff.password_reset": "Set a new password for a staff account",
    "staff.services_set": "Changed a staff account's services",
    "staff.sign_in_failed": "Failed sign-in (wrong password)",
    "staff.sign_in_throttled": "Sign-in paused after wrong passwords",
    "staff.signed_in": "Signed in",
    "staff.signed_out": "Signed out",
    "staff.unlocked": "Lifted a sign-in pause",
}

SUBJECT_LABELS = {
    "referral": "Referral",
    "pa": "PA listing",
    "staff": "Staff account",
    "event": "Event",
    "service": "Service",
    "complaint": "Complaint, compliment or comment",
    "format_request": "Request for another format",
    "newsletter": "Newsletter",
    "job": "Job advert",
    "person": "A person (not named: no personal data in the audit log)",
    "retention": "Retention periods",
    "data_key": "Data encryption key",
    "database": "The whole database",
}

DETAIL_LABELS = {
    "back_to_staff": "Sent back for checking",
    "from_status": "Status before",
    "note_length": "Note length (characters)",
    "from": "From",
    "to": "To",
    "next_due": "Next due",
    "due_on": "Due",
    "raw": "Every number (small-number rule off)",
    "format": "Shown as",
}

FIELDS = ("who", "referral", "from", "to", "page")
DATE_PARTS = ("day", "month", "year")
MESSAGES = {
    "who": "Choose a staff member from the list",
    "referral": "Enter a referral reference like R-ABCD-2345",
    "page": "The page number must be a whole number, like 2",
}
NAMES = {"from": "Date from", "to": "Date to"}


class Params(Protocol):
    def getlist(self, key: Any) -> list[Any]: ...


@dataclass(frozen=True)
class Filters:
    who: str = ""  # "", "staff:ID" or an OTHER_ACTORS key
    referral: str = ""
    start: date | None = None
    end: date | None = None
    page: int = 1

    def query(self, page: int | None = None) -> dict[str, str]:
        params: dict[str, str] = {"who": self.who, "referral": self.referral}
        for name, day in (("from", self.start), ("to", self.end)):
            if day is not None:
                params[f"{name}-day"] = str(day.day)
                params[f"{name}-month"] = str(day.month)
                params[f"{name}-year"] = str(day.year)
        if page is not None and page > 1:
            params["page"] = str(page)
        return {k: v for k, v in params.items() if v}

    def utc_range(self) -> tuple[datetime | None, datetime | None]:
        """The UK days asked for as naive UTC bounds: [start, end)."""

        def at_midnight(day: date) -> datetime:
            local = datetime.combine(day, time(), tzinfo=LONDON)
            return local.astimezone(UTC).replace(tzinfo=None)

        start = at_midnight(self.start) if self.start else None
        end = at_midnight(self.end + timedelta(days=1)) if self.end else None
        return start, end


@dataclass(frozen=True)
class Parsed:
    filters: Filters
    raw: dict[str, str]  # what was typed, to re-show it
    errors: dict[str, str] = field(default_factory=dict)
    # Which part of a date input is wrong: {"from": {"day", "year"}}
    bad_parts: dict[str, set[str]] = field(default_factory=dict)

    def error_list(self) -> list[dict[str, str]]:
        """Summary links to the first wrong field (a date input's first wrong part)."""
        items = []
        for name in FIELDS:
            if name not in self.errors:
                continue
            target = name
            if name in NAMES:
                part = next((p for p in DATE_PARTS if p in self.bad_parts.get(name, ())), "day")
                target = f"{name}-{part}"
            items.append({"text": self.errors[name], "href": f"#{target}"})
        return items


def parse(params: Params, staff_ids: set[int]) -> Parsed:
    errors: dict[str, str] = {}
    raw: dict[str, str] = {}
    names = ["who", "referral", "page"] + [f"{n}-{p}" for n in NAMES for p in DATE_PARTS]
    for name in names:
        values = {str(v).strip() for v in params.getlist(name)}
        values.discard("")
        if len(values) > 1:
            errors.setdefault(name.split("-")[0], "Enter only one value for each filter")
        raw[name] = values.pop()[:100] if len(values) == 1 else ""

    who = raw["who"]
    if who and who not in OTHER_ACTORS:
        staff_id = parse_id(who.removeprefix("staff:")) if who.startswith("staff:") else None
        if staff_id is None or staff_id not in staff_ids:
            errors.setdefault("who", MESSAGES["who"])
            who = ""
    referral = raw["referral"].upper()
    if referral and not REF.fullmatch(referral):
        errors.setdefault("referral", MESSAGES["referral"])
        referral = ""
    page = 1
    if raw["page"]:
        number = parse_id(raw["page"])
        if number is None:
            errors.setdefault("page", MESSAGES["page"])
        else:
            page = number
    bad_parts: dict[str, set[str]] = {}
    days: dict[str, date | None] = {}
    for name in NAMES:
        days[name] = _day(name, raw, errors, bad_parts)
    start, end = days["from"], days["to"]
    if start and end and start > end:
        errors.setdefault("to", "Date to must be the same as or after date from")
        bad_parts["to"] = set(DATE_PARTS)
        end = None
    filters = Filters(who=who, referral=referral, start=start, end=end, page=page)
    return Parsed(filters, raw, errors, bad_parts)


def _day(
    name: str, raw: Mapping[str, str], errors: dict[str, str], bad: dict[str, set[str]]
) -> date | None:
    """One GOV.UK date input (name-day, name-month, name-year), or None when left blank."""
    label = NAMES[name]
    parts = {p: raw[f"{name}-{p}"] for p in DATE_PARTS}
    missing = [p for p in DATE_PARTS if not parts[p]]
    if len(missing) == 3:
        return None
    if name in errors:  # a part given twice
        bad[name] = set(DATE_PARTS)
        return None
    if missing:
        errors[name] = f"{label} must include a {' and a '.join(missing)}"
        bad[name] = set(missing)
        return None
    wrong = {p for p in DATE_PARTS if not re.fullmatch(r"[0-9]{1,4}", parts[p])}
    if wrong:
        errors[name] = f"{label} must be a real date, like 27 3 2026"
        bad[name] = wrong
        return None
    if len(parts["year"]) != 4:
        errors[name] = f"{label}: the year must have 4 numbers, like 2026"
        bad[name] = {"year"}
        return None
    try:
        return bounded_day(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except DayOutOfRange:
        errors[name] = f"{label} must be between 2000 and 2100"
    except ValueError:
        errors[name] = f"{label} must be a real date, like 27 3 2026"
    bad[name] = set(DATE_PARTS)
    return None


# --- Presenting entries ------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    at: datetime  # naive UTC, as stored; the template shows it in UK time
    who: str
    what: str
    record: str
    href: str | None
    detail: list[tuple[str, str]]


def action_label(action: str) -> str:
    """The words for an action; an unknown one reads as its slug in words."""
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    words = action.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else "Unknown action"


def actor_label(actor: str, emails: Mapping[int, str]) -> str:
    if actor in OTHER_ACTORS:
        return OTHER_ACTORS[actor]
    if actor.startswith("staff:"):
        staff_id = parse_id(actor.removeprefix("staff:"))
        if staff_id is not None and staff_id in emails:
            return emails[staff_id]
        return f"A staff account that no longer exists ({actor})"
    return actor_words(actor)


def actor_words(actor: str) -> str:
    return actor.replace("_", " ").replace(":", " ") or "Unknown"


def _record(
    row: Mapping[str, Any], emails: Mapping[int, str], names: Mapping[str, str]
) -> tuple[str, str | None]:
    kind, ident = str(row["subject_type"]), str(row["subject_id"])
    label = SUBJECT_LABELS.get(kind, actor_words(kind).capitalize())
    if row["action"] == "referrals.exported":
        return (
            "Referrals of every service"
            if ident == "*"
            else f"Referrals of {names.get(ident, ident)}"
        ), None
    if kind == "referral" and REF.fullmatch(ident):
        return f"{label} {ident}", f"/staff/referrals/{ident}"
    if kind == "pa" and ident:
        return f"{label} {ident}", f"/staff/pas/{ident}"
    if kind == "staff":
        staff_id = parse_id(ident)
        email = emails.get(staff_id) if staff_id is not None else None
        # The account's own page where it still exists; the list otherwise.
        return f"{label} {email or ident}", (
            f"/staff/accounts/{staff_id}" if email else "/staff/accounts"
        )
    if kind == "event" and parse_id(ident) is not None:
        return f"{label} {ident}", f"/staff/events/{ident}"
    if kind == "service":
        return f"{label}: {names.get(ident, ident)}", None
    return f"{label} {ident}".strip(), None


def _value(
    key: str, value: Any, action: str, emails: Mapping[int, str], names: Mapping[str, str]
) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if action == "referral.assign" and key in ("from", "to") and not value:
        return "Nobody"
    if value is None or value == "" or value == []:
        return "None" if key != "services" else "All services"
    if isinstance(value, list):
        if key == "services":
            return ", ".join(names.get(str(v), str(v)) for v in value)
        return ", ".join(str(v).replace("_", " ") for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    text = str(value)
    if action == "referral.assign" and key in ("from", "to"):
        staff_id = parse_id(text)
        return emails.get(staff_id, text) if staff_id is not None else "Nobody"
    if action == "referral.status" and key in ("from", "to"):
        return STATUS_LABELS.get(text, text)
    if action == "referral.priority" and key in ("from", "to"):
        return PRIORITY_LABELS.get(text, text)
    if key == "reason":
        return reason_label(text)
    if key == "service":
        return names.get(text, text)
    return text


def detail_rows(
    raw: str, action: str, emails: Mapping[int, str], names: Mapping[str, str]
) -> list[tuple[str, str]]:
    try:
        detail = json.loads(raw or "{}")
    except ValueError:
        return [("Detail", raw)]
    if not isinstance(detail, dict):
        return [("Detail", str(detail))]
    rows = []
    for key, value in detail.items():
        label = DETAIL_LABELS.get(key) or key.replace("_", " ").capitalize()
        rows.append((label, _value(key, value, action, emails, names)))
    return rows


def entries(
    rows: list[dict[str, Any]], emails: Mapping[int, str], names: Mapping[str, str]
) -> list[Entry]:
    out = []
    for row in rows:
        record, href = _record(row, emails, names)
        action = str(row["action"])
        out.append(
            Entry(
                at=row["at"],
                who=actor_label(str(row["actor"]), emails),
                what=action_label(action),
                record=record,
                href=href,
                detail=detail_rows(str(row["detail"]), action, emails, names),
            )
        )
    return out


def pagination(page: int, pages: int, filters: Filters) -> dict[str, Any] | None:
    """The GOV.UK pagination component's parameters (None for a single page)."""

    def href(number: int) -> str:
        query = urlencode(filters.query(number))
        return f"/staff/audit?{query}" if query else "/staff/audit"

    return govuk_pagination(page, pages, href, "Audit log pages")

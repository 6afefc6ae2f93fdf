"""The words and the checks of the complaints form and of what staff record about an item.

Every value arrives from a stranger's form: each check gives one GOV.UK message per field and
never raises. The field checks are the referral form's (pafinder.referrals.fields), so an email
address or phone number is accepted here exactly when it is accepted there.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pafinder.complaints.store import GENERAL, Submission
from pafinder.referrals.fields import CONTROL, Checker
from pafinder.web.params import MIN_DAY

DETAILS_MAX = 5000
ACTION_MAX = 5000

KINDS = {
    "complaint": "Complaint",
    "compliment": "Compliment",
    "comment": "Comment or suggestion",
}
KIND_HINTS = {
    "complaint": "You are not happy with something we did or did not do.",
    "compliment": "You want to tell us something went well, or thank someone.",
    "comment": "An idea or something we could do better.",
}
GENERAL_LABEL = "Not about one service"

THEMES = {
    "communication": "Communication",
    "quality_of_support": "Quality of support",
    "waiting_time": "Waiting time",
    "staff_conduct": "Staff conduct",
    "access": "Access (getting to or using the service)",
    "website": "This website",
    "other": "Other",
}
OUTCOMES = {
    "upheld": "Upheld",
    "partly_upheld": "Partly upheld",
    "not_upheld": "Not upheld",
    "resolved_informally": "Resolved informally",
}
STATUSES = {"open": "Open", "closed": "Closed"}
REPEATED = {
    "kind": "Select only one: a complaint, a compliment or a comment",
    "service": "Select only one service",
}

# Public form fields in page order (for the error summary).
FORM_FIELDS = ("kind", "service", "details", "name", "email", "phone", "form_key")
# Staff record form fields in page order.
RECORD_FIELDS = ("theme", "action_taken", "outcome", "acknowledged_on", "responded_on", "status")


def validate(
    form: Mapping[str, Any], services: Mapping[str, str]
) -> tuple[Submission | None, dict[str, str]]:
    """(submission, {}) or (None, errors). ``services``: {slug: name} of the content services."""
    c = Checker(dict(form))
    kind = c.choice("kind", KINDS, "Select whether this is a complaint, a compliment or a comment")
    service = c.choice(
        "service",
        [*services, GENERAL],
        f"Select the service this is about, or '{GENERAL_LABEL}'",
    )
    details = c.text(
        "details",
        "what you want to tell us",
        DETAILS_MAX,
        True,
        multiline=True,
        empty="Enter what you want to tell us",
    )
    if c.errors.get("details", "").endswith("characters or fewer"):
        c.errors["details"] = "What you want to tell us must be 5,000 characters or fewer"
    name = c.name("name", "your name", required=False)
    email = c.email("email", "your email address", False)
    phone = c.phone("phone", "your phone number", False)
    for field, value in form.items():
        # A field sent twice with different answers (no form of ours does that): which one
        # was meant cannot be known, so ask rather than pick one.
        if isinstance(value, list) and len({str(v).strip() for v in value}) > 1:
            c.errors[field] = REPEATED.get(field, "Give only one answer to each question")
    if c.errors:
        return None, c.errors
    return Submission(kind, service, details, name, email, phone), {}


def _date(
    form: Mapping[str, Any], name: str, what: str, received: date, today: date
) -> tuple[date | None, str | None]:
    """A GOV.UK date input (name-day, name-month, name-year); all blank means no date."""
    parts = {p: _one(form, f"{name}-{p}")[:10] for p in ("day", "month", "year")}
    if not any(parts.values()):
        return None, None
    missing = [p for p, v in parts.items() if not v]
    if missing:
        return None, f"The date {what} must include a {' and a '.join(missing)}"
    if not all(v.isascii() and v.isdigit() for v in parts.values()) or len(parts["year"]) != 4:
        return (
            None,
            f"The date {what} must be a real date, like {today.day} {today.month} {today.year}",
        )
    try:
        value = date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError:
        return None, f"The date {what} must be a real date"
    if value > today:
        return None, f"The date {what} must be today or in the past"
    if value < max(received, MIN_DAY):
        return None, f"The date {what} must be on or after the day it was received"
    return value, None


def _one(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return str(value).strip()


def validate_record(
    form: Mapping[str, Any], kind: str, received: date, today: date
) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """What staff recorded: ({column: value}, {}) or (None, errors)."""
    errors: dict[str, str] = {}
    theme = _one(form, "theme")
    if theme and theme not in THEMES:
        errors["theme"] = "Select a theme from the list"
    action = _one(form, "action_taken")
    if CONTROL.search(action):
        errors["action_taken"] = "The action taken must not contain special control characters"
    elif len(action) > ACTION_MAX:
        errors["action_taken"] = "The action taken must be 5,000 characters or fewer"
    outcome = _one(form, "outcome")
    if outcome and kind != "complaint":
        errors["outcome"] = "An outcome is recorded for complaints only"
    elif outcome and outcome not in OUTCOMES:
        errors["outcome"] = "Select an outcome from the list"
    acknowledged, message = _date(form, "acknowledged_on", "acknowledged", received, today)
    if message:
        errors["acknowledged_on"] = message
    responded, message = _date(form, "responded_on", "responded", received, today)
    if message:
        errors["responded_on"] = message
    elif responded and acknowledged and responded < acknowledged:
        errors["responded_on"] = "The date responded must be on or after the date acknowledged"
    status = _one(form, "status") or "open"
    if status not in STATUSES:
        errors["status"] = "Select open or closed"
    if errors:
        return None, errors
    values = {
        "theme": theme,
        "action_taken": action,
        "outcome": outcome,
        "acknowledged_on": acknowledged,
        "responded_on": responded,
        "status": status,
    }
    return values, {}

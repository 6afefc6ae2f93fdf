"""The words and the checks of the accessible-formats request form.

Every value arrives from a stranger's form: each check gives one GOV.UK message per field and
never raises. Names, email addresses and phone numbers are checked as the referral form checks
them (pafinder.referrals.fields), so what one form accepts the other does too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pafinder.formats.store import Submission
from pafinder.referrals.fields import Checker

DETAIL_MAX = 200
INFORMATION_MAX = 2000
ADDRESS_MAX = 300
NOTE_MAX = 2000
OTHER_PAGE = "other"

FORMATS = {
    "large_print": "Large print on paper",
    "audio": "Audio",
    "braille": "Braille",
    "bsl": "British Sign Language (BSL) video or interpreter",
    "easy_read": "Easy Read on paper",
    "language": "Another language",
    "other": "Something else",
}
DELIVERIES = {
    "email": "By email",
    "post": "By post",
    "phone": "By phone (we call you)",
}
STATUSES = {"open": "Open", "done": "Done"}
REPEATED = {
    "format": "Select only one format",
    "delivery": "Select only one way to get it",
    "page": "Choose only one page",
}

# Public form fields in page order (for the error summary).
FORM_FIELDS = (
    "format",
    "language",
    "format_other",
    "page",
    "information",
    "delivery",
    "address",
    "name",
    "email",
    "phone",
    "form_key",
)


def validate(
    form: Mapping[str, Any], pages: Mapping[str, str]
) -> tuple[Submission | None, dict[str, str]]:
    """(submission, {}) or (None, errors). ``pages``: {url: title} of the information pages."""
    c = Checker(dict(form))
    fmt = c.choice("format", FORMATS, "Select the format you need")
    detail = ""
    if fmt == "language":
        detail = c.text(
            "language", "the language", DETAIL_MAX, True, empty="Enter the language you need"
        )
    elif fmt == "other":
        detail = c.text(
            "format_other", "the format", DETAIL_MAX, True, empty="Enter the format you need"
        )
    page = c.choice(
        "page", [*pages, OTHER_PAGE], "Choose the information you need, or 'Something else'"
    )
    information = c.text(
        "information",
        "what information you need",
        INFORMATION_MAX,
        page == OTHER_PAGE,
        multiline=True,
        empty="Tell us what information you need",
    )
    if c.errors.get("information", "").endswith("characters or fewer"):
        c.errors["information"] = "What information you need must be 2,000 characters or fewer"
    delivery = c.choice("delivery", DELIVERIES, "Select how you want to get it")
    address = ""
    if delivery == "post":
        address = c.text(
            "address",
            "your postal address",
            ADDRESS_MAX,
            True,
            multiline=True,
            empty="Enter your postal address, with the postcode",
        )
    name = c.name("name", "your name")
    email = c.email(
        "email",
        "your email address",
        delivery == "email",
        empty="Enter your email address, so we can send it",
    )
    phone = c.phone(
        "phone",
        "your phone number",
        delivery == "phone",
        empty="Enter your phone number, so we can call you",
    )
    for field, value in form.items():
        # A field sent twice with different answers (no form of ours does that): which one
        # was meant cannot be known, so ask rather than pick one.
        if isinstance(value, list) and len({str(v).strip() for v in value}) > 1:
            c.errors[field] = REPEATED.get(field, "Give only one answer to each question")
    if c.errors:
        return None, c.errors
    return Submission(fmt, detail, page, information, delivery, name, email, phone, address), {}

"""Field checks for the referral form: each records one message per field, in GOV.UK words,
and returns the cleaned value. ``validate`` (validation.py) decides which fields apply."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from datetime import date
from typing import Any

from pafinder.referrals.models import Question

NAME_MAX = 100
EMAIL_MAX = 254
PHONE_MAX = 20
ADDRESS_MAX = 300
REASON_MAX = 2000
OVERRIDE_MAX = 1000
REFERRER_MAX = 200
OLDEST = 120

# The Royal Mail format, strictly: outward code (area, district, optional sub-district letter)
# and inward code (sector digit, two unit letters that exclude C, I, K, M, O, V).
POSTCODE = re.compile(
    r"^(?:GIR0AA|(?:[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]"
    r"|[A-HK-Y][0-9][ABEHMNPRVWXY]))[0-9][ABD-HJLNP-UW-Z]{2})$"
)
EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+$")
PHONE_CHARS = re.compile(r"^[0-9 +()\-]+$")
ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NAME_PUNCTUATION = set(" -'.\u2019")  # \u2019: the typographic apostrophe

Errors = dict[str, str]


class Checker:
    def __init__(self, form: dict[str, Any]) -> None:
        self.form = form
        self.errors: Errors = {}

    def raw(self, name: str) -> str:
        value = self.form.get(name, "")
        if isinstance(value, list):  # a repeated field where one was expected
            value = value[-1] if value else ""
        return str(value).strip()

    def text(
        self,
        name: str,
        what: str,
        limit: int,
        required: bool,
        multiline: bool = False,
        empty: str | None = None,
    ) -> str:
        value = self.raw(name)
        if not multiline:
            value = " ".join(value.split())
        if not value:
            if required:
                self.errors[name] = empty or f"Enter {what}"
            return ""
        if CONTROL.search(value):
            self.errors[name] = f"{_cap(what)} must not contain special control characters"
        elif len(value) > limit:
            self.errors[name] = f"{_cap(what)} must be {limit} characters or fewer"
        return value

    def name(self, name: str, what: str, required: bool = True) -> str:
        value = self.text(name, what, NAME_MAX, required)
        if value and name not in self.errors and not _is_name(value):
            self.errors[name] = (
                f"{_cap(what)} must only include letters, spaces, hyphens, apostrophes "
                "and full stops"
            )
        return value

    def email(self, name: str, what: str, required: bool, empty: str | None = None) -> str:
        value = self.text(name, what, EMAIL_MAX, required, empty=empty)
        if value and name not in self.errors and not EMAIL.match(value):
            self.errors[name] = f"Enter {what} in the correct format, like name@example.com"
        return value

    def phone(
        self, name: str, what: str, required: bool, mobile: bool = False, empty: str | None = None
    ) -> str:
        value = self.text(name, what, PHONE_MAX, required, empty=empty)
        if not value or name in self.errors:
            return value
        digits = re.sub(r"\D", "", value)
        if digits.startswith("44"):
            digits = "0" + digits[2:]
        if (
            not PHONE_CHARS.match(value)
            or not digits.startswith("0")
            or len(digits) not in (10, 11)
        ):
            self.errors[name] = (
                f"Enter {what} in the correct format, like 01632 960 001 or 07700 900 982"
            )
        elif mobile and not digits.startswith("07"):
            self.errors[name] = (
                "Enter a mobile number, like 07700 900 982, so we can send a text message"
            )
        return value

    def date(
        self, name: str, what: str, required: bool, today: date, past_only: bool = True
    ) -> date | None:
        iso = self.raw(name)
        parts = [self.raw(f"{name}-{p}") for p in ("day", "month", "year")]
        if iso:
            match = ISO_DATE.match(iso)
            if not match:
                self.errors[name] = f"{_cap(what)} must be a real date, like 27 3 1990"
                return None
            parts = [match.group(3), match.group(2), match.group(1)]
        if not any(parts):
            if required:
                self.errors[name] = f"Enter {what}"
            return None
        missing = [
            label for label, p in zip(("a day", "a month", "a year"), parts, strict=True) if not p
        ]
        if missing:
            self.errors[name] = f"{_cap(what)} must include {' and '.join(missing)}"
            return None
        if not all(p.isdigit() and len(p) <= 4 for p in parts) or len(parts[2]) != 4:
            self.errors[name] = (
                f"{_cap(what)} must be a real date, with a 4-digit year, like 27 3 1990"
            )
            return None
        try:
            value = date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            self.errors[name] = f"{_cap(what)} must be a real date"
            return None
        if past_only and value > today:
            self.errors[name] = f"{_cap(what)} must be today or in the past"
        elif value.year < today.year - OLDEST:
            self.errors[name] = f"{_cap(what)} must be after {today.year - OLDEST}"
        return value

    def choice(
        self, name: str, allowed: dict[str, str] | list[str], empty: str, required: bool = True
    ) -> str:
        value = self.raw(name)
        if not value:
            if required:
                self.errors[name] = empty
            return ""
        if value not in allowed:
            self.errors[name] = empty
        return value

    def question(self, q: Question, today: dt.date) -> Any:
        what = "an answer" if q.type in ("text", "long_text") else "a date"
        if q.type in ("text", "long_text"):
            return self.text(
                q.id,
                what,
                q.limit,
                q.required,
                multiline=q.type == "long_text",
                empty=f"Answer the question: {q.label}",
            )
        if q.type == "date":
            found = self.date(q.id, "the date", q.required, today, past_only=False)
            return found.isoformat() if found else ""
        if q.type == "yes_no":
            return self.choice(q.id, ["yes", "no"], f"Select yes or no: {q.label}", q.required)
        options = [o.value for o in q.options]
        if q.type == "one_of":
            return self.choice(q.id, options, f"Select an answer: {q.label}", q.required)
        chosen = self.form.get(q.id, [])
        chosen = [chosen] if isinstance(chosen, str) else [str(c) for c in chosen]
        chosen = [c for c in chosen if c]
        if q.required and not chosen:
            self.errors[q.id] = f"Select at least one answer: {q.label}"
        elif any(c not in options for c in chosen):
            self.errors[q.id] = f"Tick only the answers shown: {q.label}"
        return chosen


def _is_name(value: str) -> bool:
    # Letters and combining marks of any script (accents, Arabic, Hebrew, Chinese ...), but not
    # digits, symbols or emoji.
    return any(ch.isalpha() for ch in value) and all(
        ch in NAME_PUNCTUATION or unicodedata.category(ch)[0] in ("L", "M") for ch in value
    )


def _cap(text: str) -> str:
    for prefix in ("a ", "an ", "the "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    return text[:1].upper() + text[1:]

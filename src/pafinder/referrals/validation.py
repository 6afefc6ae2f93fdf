"""Check a submitted referral form against its service's content, field by field.

Returns every error at once (GOV.UK: one message per field, in page order) and, when there are
none, a clean ``Submission``. What was typed is never changed here: the form is re-shown from
the raw values, so nothing is lost to a validation error.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pafinder.content import Service
from pafinder.referrals.models import (
    CONTACT_METHODS,
    EQUALITY,
    ROUTES,
    Question,
    ReferralConfig,
)

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


@dataclass
class Submission:
    referrer_type: str
    first_name: str
    last_name: str
    date_of_birth: date
    email: str
    phone: str
    postcode: str
    address: str
    preferred_contact: str
    reason: str
    consent: str
    consent_override_reason: str = ""
    referrer_name: str = ""
    referrer_role: str = ""
    referrer_organisation: str = ""
    referrer_email: str = ""
    referrer_phone: str = ""
    referrer_relationship: str = ""
    answers: dict[str, Any] = field(default_factory=dict)
    urgency: str = ""
    flags: list[str] = field(default_factory=list)
    equality: dict[str, str] = field(default_factory=dict)


def normalise_postcode(value: str) -> str:
    compact = re.sub(r"\s+", "", value).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def postcode_district(postcode: str) -> str:
    return normalise_postcode(postcode).split(" ")[0]


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def field_order(config: ReferralConfig) -> list[str]:
    return [
        "referrer_type",
        "referrer_name",
        "referrer_relationship",
        "referrer_role",
        "referrer_organisation",
        "referrer_email",
        "referrer_phone",
        "first_name",
        "last_name",
        "date_of_birth",
        "postcode",
        "preferred_contact",
        "email",
        "phone",
        "address",
        "reason",
        *[q.id for q in config.questions],
        "consent",
        "consent_override_reason",
        *EQUALITY,
        "form_key",
    ]


class _Checker:
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


def validate(
    form: dict[str, Any], service: Service, config: ReferralConfig, today: date
) -> tuple[Submission | None, Errors]:
    """(submission, {}) when the form is complete and correct, else (None, errors)."""
    c = _Checker(form)
    route = c.raw("referrer_type")
    if not route or route not in ROUTES:
        c.errors["referrer_type"] = "Select who is making this referral"
    elif route not in config.routes:
        c.errors["referrer_type"] = professional_only_message(config)

    helper = route in ("family_or_carer", "professional")
    referrer: dict[str, str] = {}
    if helper:
        referrer["referrer_name"] = c.name("referrer_name", "your full name")
    if route == "family_or_carer":
        referrer["referrer_relationship"] = c.text(
            "referrer_relationship", "how you know the person", REFERRER_MAX, False
        )
    if route == "professional":
        referrer["referrer_role"] = c.text("referrer_role", "your job title", REFERRER_MAX, True)
        referrer["referrer_organisation"] = c.text(
            "referrer_organisation", "your organisation", REFERRER_MAX, True
        )
    if helper:
        referrer["referrer_email"] = c.email("referrer_email", "your email address", False)
        referrer["referrer_phone"] = c.phone("referrer_phone", "your phone number", False)
        if route == "professional" and not (c.raw("referrer_email") or c.raw("referrer_phone")):
            c.errors["referrer_email"] = "Enter your work email address or phone number"

    first = c.name("first_name", "a first name")
    last = c.name("last_name", "a last name")
    born = c.date("date_of_birth", "the date of birth", True, today)
    postcode_raw = c.raw("postcode")
    postcode = ""
    if postcode_raw:
        if len(postcode_raw) > 10 or not POSTCODE.match(re.sub(r"\s+", "", postcode_raw).upper()):
            c.errors["postcode"] = "Enter a real UK postcode, like DE1 2AB"
        else:
            postcode = normalise_postcode(postcode_raw)

    contact = c.choice(
        "preferred_contact", CONTACT_METHODS, "Select how we should get in touch with the person"
    )
    email = c.email(
        "email",
        "an email address",
        contact == "email",
        empty="Enter an email address, or choose another way to get in touch",
    )
    phone = c.phone(
        "phone",
        "a phone number",
        contact in ("phone", "text"),
        mobile=contact == "text",
        empty="Enter a phone number, or choose another way to get in touch",
    )
    address = c.text(
        "address",
        "an address",
        ADDRESS_MAX,
        contact == "letter",
        multiline=True,
        empty="Enter an address so we can send a letter",
    )
    if contact == "letter" and not postcode_raw:
        c.errors["postcode"] = "Enter a postcode so we can send a letter"
    reason = c.text(
        "reason",
        "the reason",
        REASON_MAX,
        True,
        multiline=True,
        empty="Tell us why support is needed",
    )

    questions = config.questions_for(route if route in config.routes else None)
    answers = {q.id: c.question(q, today) for q in questions}

    consent = c.raw("consent")
    override_reason = ""
    if consent not in ("yes", "override"):
        c.errors["consent"] = "Confirm that the person agrees to this referral"
    elif consent == "override":
        if route != "professional":
            c.errors["consent"] = (
                "Only a professional can refer someone without their agreement. "
                "Ask the person if they agree, or phone us to talk it through"
            )
        else:
            override_reason = c.text(
                "consent_override_reason",
                "the safeguarding reason",
                OVERRIDE_MAX,
                True,
                multiline=True,
                empty="Explain the safeguarding reason for referring without agreement",
            )

    equality = {}
    for key, (_label, options) in EQUALITY.items():
        value = c.choice(key, [v for v, _ in options], "Select an answer from the list", False)
        if value:
            equality[key] = value

    if c.errors or born is None:
        return None, c.errors

    flags = eligibility_flags(config, born, postcode, today)
    if consent == "override":
        flags.append("safeguarding_override")
    urgency_q = config.urgency_question
    urgency = str(answers.get(urgency_q.id) or "") if urgency_q else ""
    return Submission(
        referrer_type=route,
        first_name=first,
        last_name=last,
        date_of_birth=born,
        email=email,
        phone=phone,
        postcode=postcode,
        address=address,
        preferred_contact=contact,
        reason=reason,
        consent=consent,
        consent_override_reason=override_reason,
        answers=answers,
        urgency=urgency,
        flags=flags,
        equality=equality,
        **referrer,
    ), {}


def eligibility_flags(config: ReferralConfig, born: date, postcode: str, today: date) -> list[str]:
    rules = config.eligibility
    flags: list[str] = []
    age = age_on(born, today)
    if (rules.min_age is not None and age < rules.min_age) or (
        rules.max_age is not None and age > rules.max_age
    ):
        flags.append("outside_age")
    if rules.districts:
        if not postcode:
            flags.append("area_not_sure")
        elif postcode_district(postcode) not in rules.districts:
            flags.append("outside_area")
    return flags


FLAG_OUTCOME = {
    "outside_age": "outside_age",
    "area_not_sure": "not_sure",
    "outside_area": "outside_area",
}


def signposted(config: ReferralConfig, flags: list[str]) -> bool:
    """True when a flag's outcome is 'signpost': the referral is not sent; signposting shown."""
    rules = config.eligibility
    return any(getattr(rules, FLAG_OUTCOME[f]) == "signpost" for f in flags if f in FLAG_OUTCOME)


def professional_only_message(config: ReferralConfig) -> str:
    return config.professional_only_message or (
        "Only a professional can refer someone to this service. "
        "Ask a worker who supports you, such as a social worker, to make the referral"
    )


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

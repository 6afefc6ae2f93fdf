"""Validation of each registration question page (and the same pages in 'manage my listing').

Each page's raw form values (strings and lists, exactly as typed) are turned into a strict
pydantic model; every error is a plain sentence naming the field, keyed by the field id on the
page so the GOV.UK error summary links to it. Taxonomy slugs are checked against the deployment's
taxonomies, passed in as validation context.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import Any

from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

from pafinder.register.tables import DBS_LEVELS
from pafinder.web.forms import Errors, errors_from_validation

STEPS = (
    "about-you",
    "where-and-who",
    "what-you-can-do",
    "qualifications",
    "availability",
    "dbs-and-driving",
    "about-me",
)
MAX_NAME = 100
MAX_ABOUT = 1000
MAX_EXPERIENCE = 2000
MAX_YEARS = 60
MAX_HOURS = 80
EXTRAS = ("live_in", "nights", "emergency_cover")
YES_NO = ("yes", "no")

# Letters of any script (accents, Arabic, Chinese ...), joined by spaces, hyphens, apostrophes
# or full stops: rejects digits, emoji and markup without rejecting anyone's real name.
_NAME = re.compile(r"^[^\W\d_]+(?:[ '\u2019.-]+[^\W\d_]+)*\.?$")
_POSTCODE = re.compile(r"^(GIR0AA|[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2})$")
_PHONE_CHARS = re.compile(r"^[0-9 +()-]+$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _terms(info: ValidationInfo, taxonomy: str) -> Mapping[str, str]:
    context = info.context or {}
    labels: Mapping[str, str] = context.get("taxonomies", {}).get(taxonomy, {})
    return labels


def _choices(values: list[str], info: ValidationInfo, taxonomy: str, message: str) -> list[str]:
    allowed = _terms(info, taxonomy)
    chosen = [v for v in values if v]
    if not chosen:
        raise ValueError(message)
    if any(v not in allowed for v in chosen):
        raise ValueError(message)
    # Keep the taxonomy's order and drop repeats, so the listing reads the same way every time.
    return [slug for slug in allowed if slug in set(chosen)]


def _name(value: str, what: str) -> str:
    value = unicodedata.normalize("NFC", value)
    if not value:
        raise ValueError(f"Enter your {what}")
    if len(value) > MAX_NAME:
        raise ValueError(f"{what.capitalize()} must be {MAX_NAME} characters or fewer")
    if not _NAME.match(value):
        raise ValueError(
            f"{what.capitalize()} must only include letters, spaces, hyphens and apostrophes"
        )
    return value


def normalise_postcode(value: str) -> str | None:
    """'sk11 6ab' -> 'SK11 6AB'; None when it is not a UK postcode."""
    compact = re.sub(r"\s+", "", value).upper()
    if not _POSTCODE.match(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"


def _yes_no(value: str, message: str) -> bool:
    if value not in YES_NO:
        raise ValueError(message)
    return value == "yes"


def _whole_number(value: str, what: str, low: int, high: int, example: str) -> int:
    if not re.fullmatch(r"[0-9]{1,4}", value):
        raise ValueError(f"{what} must be a whole number, like {example}")
    number = int(value)
    if not low <= number <= high:
        raise ValueError(f"{what} must be between {low} and {high}")
    return number


def _text(value: str, maximum: int, what: str) -> str:
    # Browsers send new lines as CRLF; count what the person sees.
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n"))
    if "\x00" in value:
        raise ValueError(f"{what} contains a character we cannot store")
    if len(value) > maximum:
        raise ValueError(f"{what} must be {maximum:,} characters or fewer")
    return value


class AboutYou(Strict):
    first_name: str
    last_name: str
    email: str
    phone: str
    postcode: str

    @field_validator("first_name")
    @classmethod
    def _first(cls, v: str) -> str:
        return _name(v, "first name")

    @field_validator("last_name")
    @classmethod
    def _last(cls, v: str) -> str:
        return _name(v, "last name")

    @field_validator("email")
    @classmethod
    def _email(cls, v: str) -> str:
        if not v:
            raise ValueError("Enter your email address")
        if len(v) > 254:
            raise ValueError("Email address must be 254 characters or fewer")
        try:
            checked = validate_email(v, check_deliverability=False)
        except EmailNotValidError:
            raise ValueError(
                "Enter an email address in the correct format, like name@example.com"
            ) from None
        return str(checked.normalized).lower()

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str) -> str:
        if not v:
            raise ValueError("Enter your phone number")
        digits = re.sub(r"\D", "", v)
        if digits.startswith("44"):
            digits = "0" + digits[2:]
        if not _PHONE_CHARS.match(v) or not (digits.startswith("0") and len(digits) in (10, 11)):
            raise ValueError("Enter a UK phone number, like 01632 960 001 or 07700 900 982")
        return v

    @field_validator("postcode")
    @classmethod
    def _postcode(cls, v: str) -> str:
        if not v:
            raise ValueError("Enter your postcode")
        postcode = normalise_postcode(v[:20])
        if postcode is None:
            raise ValueError("Enter a real UK postcode, like SK11 6AB")
        return postcode


class WhereAndWho(Strict):
    areas: list[str]
    client_groups: list[str]
    age_groups: list[str]

    @field_validator("areas")
    @classmethod
    def _areas(cls, v: list[str], info: ValidationInfo) -> list[str]:
        return _choices(v, info, "areas", "Select at least one area where you can work")

    @field_validator("client_groups")
    @classmethod
    def _groups(cls, v: list[str], info: ValidationInfo) -> list[str]:
        return _choices(v, info, "client_groups", "Select at least one group of people you support")

    @field_validator("age_groups")
    @classmethod
    def _ages(cls, v: list[str], info: ValidationInfo) -> list[str]:
        return _choices(v, info, "age_groups", "Select at least one age group you support")


class WhatYouCanDo(Strict):
    tasks: list[str]
    experience_years: int
    experience: str
    languages: list[str]
    gender: str

    @field_validator("tasks")
    @classmethod
    def _tasks(cls, v: list[str], info: ValidationInfo) -> list[str]:
        return _choices(v, info, "tasks", "Select at least one thing you can help with")

    @field_validator("experience_years", mode="before")
    @classmethod
    def _years(cls, v: Any) -> int:
        value = str(v).strip()
        if not value:
            raise ValueError("Enter how many years of experience you have (0 if none)")
        return _whole_number(value, "Years of experience", 0, MAX_YEARS, "3")

    @field_validator("experience")
    @classmethod
    def _experience(cls, v: str) -> str:
        return _text(v, MAX_EXPERIENCE, "Your experience")

    @field_validator("languages")
    @classmethod
    def _languages(cls, v: list[str], info: ValidationInfo) -> list[str]:
        return _choices(v, info, "languages", "Select at least one language you speak or sign")

    @field_validator("gender")
    @classmethod
    def _gender(cls, v: str, info: ValidationInfo) -> str:
        if v not in _terms(info, "genders"):
            raise ValueError("Select your gender, or 'Prefer not to say'")
        return v


class Qualification(Strict):
    slug: str
    date: dt.date
    expires: dt.date | None


class Qualifications(Strict):
    qualifications: list[Qualification]


class Availability(Strict):
    availability: list[str]
    hours_wanted: int | None
    live_in: bool
    nights: bool
    emergency_cover: bool

    @field_validator("availability")
    @classmethod
    def _slots(cls, v: list[str], info: ValidationInfo) -> list[str]:
        return _choices(v, info, "availability", "Select at least one time when you can work")

    @field_validator("hours_wanted", mode="before")
    @classmethod
    def _hours(cls, v: Any) -> int | None:
        value = str(v or "").strip()
        if not value:
            return None
        return _whole_number(value, "Hours a week", 1, MAX_HOURS, "20")


class DbsAndDriving(Strict):
    dbs: str
    dbs_certificate_date: date | None
    dbs_update_service: bool
    driving: bool
    own_car: bool
    smoker: bool


class AboutMe(Strict):
    about: str

    @field_validator("about")
    @classmethod
    def _about(cls, v: str) -> str:
        if not v:
            raise ValueError("Write a few sentences about yourself")
        return _text(v, MAX_ABOUT, "About you")


# --- Raw form values -> model -------------------------------------------------------------

MULTI_FIELDS: dict[str, tuple[str, ...]] = {
    "about-you": (),
    "where-and-who": ("areas", "client_groups", "age_groups"),
    "what-you-can-do": ("tasks", "languages"),
    "qualifications": ("qualifications",),
    "availability": ("availability", "extras"),
    "dbs-and-driving": (),
    "about-me": (),
}


def _s(raw: Mapping[str, Any], key: str, limit: int = 10_000) -> str:
    value = raw.get(key, "")
    return str(value).strip()[:limit] if not isinstance(value, list) else ""


def _l(raw: Mapping[str, Any], key: str) -> list[str]:
    value = raw.get(key, [])
    return [str(v)[:100] for v in value][:100] if isinstance(value, list) else []


def parse_date(
    raw: Mapping[str, Any], prefix: str, what: str, today: date, with_day: bool = True
) -> tuple[date | None, str | None]:
    """(date, None), (None, None) when every part is empty, or (None, message)."""
    parts = ("day", "month", "year") if with_day else ("month", "year")
    values = {p: _s(raw, f"{prefix}-{p}", 10) for p in parts}
    if not any(values.values()):
        return None, None
    missing = [p for p in parts if not values[p]]
    if missing:
        return None, f"{what} must include a {' and '.join(missing)}"
    if not all(v.isdigit() for v in values.values()) or len(values["year"]) != 4:
        return None, f"{what} must be a real date, like {'27 3 2024' if with_day else '3 2024'}"
    try:
        value = date(int(values["year"]), int(values["month"]), int(values.get("day") or 1))
    except ValueError:
        return None, f"{what} must be a real date"
    if value.year < 1950:
        return None, f"{what} must be after 1950"
    return value, None


def _validate(
    model: type[BaseModel], data: dict[str, Any], context: Mapping[str, Any]
) -> tuple[dict[str, Any] | None, Errors]:
    try:
        return model.model_validate(data, context=dict(context)).model_dump(), {}
    except ValidationError as exc:
        return None, errors_from_validation(exc)


def parse_step(
    step: str, raw: Mapping[str, Any], taxonomies: Mapping[str, Mapping[str, str]], today: date
) -> tuple[dict[str, Any] | None, Errors]:
    """Validate one page's raw answers: (clean values for the pas table, {}) or (None, errors)."""
    context = {"taxonomies": taxonomies}
    data: dict[str, Any]
    if step == "about-you":
        data = {
            k: _s(raw, k, 400) for k in ("first_name", "last_name", "email", "phone", "postcode")
        }
        return _validate(AboutYou, data, context)
    if step == "where-and-who":
        data = {k: _l(raw, k) for k in ("areas", "client_groups", "age_groups")}
        return _validate(WhereAndWho, data, context)
    if step == "what-you-can-do":
        data = {
            "tasks": _l(raw, "tasks"),
            "experience_years": _s(raw, "experience_years", 10),
            "experience": _s(raw, "experience", MAX_EXPERIENCE + 1000),
            "languages": _l(raw, "languages"),
            "gender": _s(raw, "gender", 100),
        }
        return _validate(WhatYouCanDo, data, context)
    if step == "qualifications":
        return _parse_qualifications(raw, taxonomies, today)
    if step == "availability":
        extras = _l(raw, "extras")
        if any(e not in EXTRAS for e in extras):
            return None, {"extras": "Select only the options shown"}
        data = {
            "availability": _l(raw, "availability"),
            "hours_wanted": _s(raw, "hours_wanted", 10),
            **{e: e in extras for e in EXTRAS},
        }
        return _validate(Availability, data, context)
    if step == "dbs-and-driving":
        return _parse_dbs(raw, today)
    if step == "about-me":
        return _validate(AboutMe, {"about": _s(raw, "about", MAX_ABOUT + 1000)}, context)
    raise KeyError(step)


def _parse_qualifications(
    raw: Mapping[str, Any], taxonomies: Mapping[str, Mapping[str, str]], today: date
) -> tuple[dict[str, Any] | None, Errors]:
    known = taxonomies.get("qualifications", {})
    chosen = _l(raw, "qualifications")
    errors: Errors = {}
    if any(slug not in known for slug in chosen):
        return None, {"qualifications": "Select only the qualifications shown"}
    items: list[dict[str, Any]] = []
    for slug in known:
        if slug not in chosen:
            continue
        label = known[slug]
        done, problem = parse_date(
            raw, f"q-{slug}-date", f"Date you completed {label}", today, with_day=False
        )
        if problem:
            errors[f"q-{slug}-date"] = problem
        elif done is None:
            errors[f"q-{slug}-date"] = f"Enter the month and year you completed {label}"
        elif done > today:
            errors[f"q-{slug}-date"] = f"Date you completed {label} must be in the past"
        expires, problem = parse_date(
            raw, f"q-{slug}-expires", f"Expiry date of {label}", today, with_day=False
        )
        if problem:
            errors[f"q-{slug}-expires"] = problem
        elif expires is not None and done is not None and expires <= done:
            errors[f"q-{slug}-expires"] = (
                f"Expiry date of {label} must be after the date you completed it"
            )
        if done is not None:
            items.append({"slug": slug, "date": done, "expires": expires})
    if errors:
        return None, errors
    return _validate(Qualifications, {"qualifications": items}, {})


def _parse_dbs(raw: Mapping[str, Any], today: date) -> tuple[dict[str, Any] | None, Errors]:
    errors: Errors = {}
    level = _s(raw, "dbs", 40)
    if level not in DBS_LEVELS:
        errors["dbs"] = "Select the level of your DBS certificate, or 'I do not have one'"
    certificate, problem = parse_date(raw, "dbs_certificate_date", "Certificate date", today)
    update_service = _s(raw, "dbs_update_service", 10)
    if level in DBS_LEVELS and level != "none":
        if problem:
            errors["dbs_certificate_date"] = problem
        elif certificate is None:
            errors["dbs_certificate_date"] = "Enter the date on your DBS certificate"
        elif certificate > today:
            errors["dbs_certificate_date"] = "Certificate date must be today or in the past"
        if update_service not in YES_NO:
            errors["dbs_update_service"] = "Select yes if you are on the DBS Update Service"
    else:
        # Without a certificate these answers mean nothing: do not keep them.
        certificate, update_service = None, "no"
    answers: dict[str, bool] = {}
    for key, message in (
        ("driving", "Select yes if you have a full UK driving licence"),
        ("own_car", "Select yes if you have your own car"),
        ("smoker", "Select yes if you smoke or vape"),
    ):
        try:
            answers[key] = _yes_no(_s(raw, key, 10), message)
        except ValueError as exc:
            errors[key] = str(exc)
    if errors:
        return None, errors
    return _validate(
        DbsAndDriving,
        {
            "dbs": level,
            "dbs_certificate_date": certificate,
            "dbs_update_service": update_service == "yes",
            **answers,
        },
        {},
    )


def parse_all(
    answers: Mapping[str, Mapping[str, Any]],
    taxonomies: Mapping[str, Mapping[str, str]],
    today: date,
) -> tuple[dict[str, Any], str | None]:
    """Every page validated together: (listing values, None) or (partial, first bad step)."""
    listing: dict[str, Any] = {}
    for step in STEPS:
        clean, errors = parse_step(step, answers.get(step, {}), taxonomies, today)
        if clean is None or errors:
            return listing, step
        listing.update(clean)
    return listing, None


# --- Listing -> raw form values (for editing an existing listing) -------------------------


def _date_parts(value: date | str | None, prefix: str, with_day: bool = True) -> dict[str, str]:
    if not value:
        return {}
    d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    parts = {f"{prefix}-month": str(d.month), f"{prefix}-year": str(d.year)}
    if with_day:
        parts[f"{prefix}-day"] = str(d.day)
    return parts


def raw_from_listing(step: str, listing: Mapping[str, Any]) -> dict[str, Any]:
    """The form values that would produce ``listing`` on this page (edit mode)."""

    def yn(key: str) -> str:
        return "yes" if listing.get(key) else "no"

    if step == "about-you":
        return {
            k: listing.get(k, "") for k in ("first_name", "last_name", "email", "phone", "postcode")
        }
    if step == "where-and-who":
        return {k: list(listing.get(k, [])) for k in ("areas", "client_groups", "age_groups")}
    if step == "what-you-can-do":
        return {
            "tasks": list(listing.get("tasks", [])),
            "experience_years": str(listing.get("experience_years", "")),
            "experience": listing.get("experience", ""),
            "languages": list(listing.get("languages", [])),
            "gender": listing.get("gender", ""),
        }
    if step == "qualifications":
        raw: dict[str, Any] = {"qualifications": []}
        for q in listing.get("qualifications", []):
            raw["qualifications"].append(q["slug"])
            raw.update(_date_parts(q.get("date"), f"q-{q['slug']}-date", with_day=False))
            raw.update(_date_parts(q.get("expires"), f"q-{q['slug']}-expires", with_day=False))
        return raw
    if step == "availability":
        hours = listing.get("hours_wanted")
        return {
            "availability": list(listing.get("availability", [])),
            "hours_wanted": "" if hours is None else str(hours),
            "extras": [e for e in EXTRAS if listing.get(e)],
        }
    if step == "dbs-and-driving":
        level = listing.get("dbs", "none")
        raw = {
            "dbs": level,
            "driving": yn("driving"),
            "own_car": yn("own_car"),
            "smoker": yn("smoker"),
        }
        if level != "none":
            raw["dbs_update_service"] = yn("dbs_update_service")
            raw.update(_date_parts(listing.get("dbs_certificate_date"), "dbs_certificate_date"))
        return raw
    if step == "about-me":
        return {"about": listing.get("about", "")}
    raise KeyError(step)

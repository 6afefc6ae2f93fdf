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
from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

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
# How far a PA will travel, in miles: the distances a search can ask for (models.WITHIN_MILES).
TRAVEL_MILES = (1, 3, 5, 10, 20)
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


def _choices(
    values: list[str], info: ValidationInfo, taxonomy: str, message: str, allow_empty: bool = False
) -> list[str]:
    allowed = _terms(info, taxonomy)
    chosen = [v for v in values if v]
    if not chosen and not allow_empty:
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


def yes_no_answer(value: str, message: str) -> bool:
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
    travel_miles: int | None = None  # optional: one of TRAVEL_MILES

    @field_validator("travel_miles", mode="before")
    @classmethod
    def _travel(cls, v: Any) -> int | None:
        value = str(v or "").strip()
        if not value:
            return None
        if value not in {str(m) for m in TRAVEL_MILES}:
            raise ValueError("Select how far you will travel, or leave it out")
        return int(value)

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
        # "Other" with a typed language (register/other_answers.py) is enough on its own.
        other = bool((info.context or {}).get("other_ticked"))
        return _choices(
            v, info, "languages", "Select at least one language you speak or sign", other
        )

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

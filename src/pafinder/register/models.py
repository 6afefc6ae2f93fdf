"""Shapes of the PA register's public side: the public listing view (exactly the CONTRACT keys),
the search parameters of `/api/pas` and `/find-a-pa`, and one row of the import CSV.

Nothing private (last name, email, phone, postcode, date of birth) has a field in the public
view, so it cannot leak through the API or a page by accident.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ConfigDict, field_validator

from pafinder import geo
from pafinder.content import Content
from pafinder.register.tables import DBS_LEVELS

MAX_QUERY = 200
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20

# Search parameter -> taxonomy it takes slugs from (dbs uses the fixed DBS_LEVELS).
ANY_OF = {"area": "areas", "gender": "genders"}
ALL_OF = {
    "task": "tasks",
    "client_group": "client_groups",
    "age_group": "age_groups",
    "language": "languages",
    "availability": "availability",
}
FLAGS = ("dbs_checked", "driving", "non_smoker")
# Yes/no filters beyond the CONTRACT's (extra parameters are allowed; the API's facets keep the
# CONTRACT's keys, so these are counted on the page only): what the PA registration collects.
EXTRA_FLAGS = ("own_car", "live_in", "nights", "emergency_cover")
# `hours=N`: listings whose PA wants at least N hours a week (a PA who gave no number is left
# out while the filter is on). Fixed bands, so each is one bitmap and one count.
HOURS_BANDS = (5, 10, 20, 30)
# The facet fields of the API answer, in the order they are shown.
FACETS = ("area", "gender", "task", "client_group", "age_group", "language", "availability", "dbs")
# `postcode` (a full postcode or a district) and `within` (miles): CONTRACT "Distance".
WITHIN_MILES = (1, 3, 5, 10, 20)
PARAMS = (
    "q",
    *ANY_OF,
    *ALL_OF,
    "dbs",
    *FLAGS,
    "hours",
    *EXTRA_FLAGS,
    "postcode",
    "within",
    "page",
    "per_page",
)
DBS_LABELS = {
    "none": "No DBS check",
    "basic": "Basic",
    "standard": "Standard",
    "enhanced": "Enhanced",
    "enhanced_barred": "Enhanced with the adults' barred list",
}


def display_name(first_name: str, last_name: str) -> str:
    """First name and last initial ("Amara K."): the only form of a PA's name ever shown."""
    first = " ".join(first_name.split())
    last = last_name.strip()
    return f"{first} {last[0].upper()}." if last else first


class PublicListing(BaseModel):
    """The public view of a searchable listing: exactly the keys CONTRACT.md names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ref: str
    display_name: str
    areas: list[str]
    gender: str
    tasks: list[str]
    client_groups: list[str]
    age_groups: list[str]
    languages: list[str]
    availability: list[str]
    qualifications: list[str]
    dbs: str
    dbs_checked: bool
    driving: bool
    smoker: bool
    experience_years: int
    about: str
    updated: str  # ISO date (YYYY-MM-DD) of the last change


@dataclass(frozen=True)
class SearchParams:
    """Validated search parameters. Lists keep the order given, without repeats."""

    q: str = ""
    any_of: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    all_of: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    dbs: str | None = None
    flags: frozenset[str] = frozenset()  # FLAGS and EXTRA_FLAGS set to yes
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    hours: int | None = None  # one of HOURS_BANDS
    postcode: str = ""  # as people write it ("SK11 6AB", "SK11"), known to the sector table
    origin: geo.Point | None = None  # where `postcode` is
    within: int | None = None  # one of WITHIN_MILES; only with a postcode

    def active(self) -> list[tuple[str, str]]:
        """Every active filter as (parameter, value), in form order (q excluded)."""
        pairs: list[tuple[str, str]] = []
        for name in (*ANY_OF, *ALL_OF):
            values = self.any_of.get(name) or self.all_of.get(name) or ()
            pairs.extend((name, v) for v in values)
        if self.dbs:
            pairs.append(("dbs", self.dbs))
        pairs.extend((f, "yes") for f in FLAGS if f in self.flags)
        if self.hours:
            pairs.append(("hours", str(self.hours)))
        pairs.extend((f, "yes") for f in EXTRA_FLAGS if f in self.flags)
        if self.postcode:
            pairs.append(("postcode", self.postcode))
        if self.within:
            pairs.append(("within", str(self.within)))
        return pairs

    def without(self, name: str, value: str | None = None) -> SearchParams:
        """These parameters with one filter value (or a whole parameter) removed, page 1."""

        def drop(groups: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
            out = {}
            for key, values in groups.items():
                if key == name:
                    values = tuple(v for v in values if value is not None and v != value)
                if values:
                    out[key] = values
            return out

        return SearchParams(
            q="" if name == "q" else self.q,
            any_of=drop(self.any_of),
            all_of=drop(self.all_of),
            dbs=None if name == "dbs" else self.dbs,
            flags=self.flags - {name},
            page=1,
            per_page=self.per_page,
            hours=None if name == "hours" else self.hours,
            # Without its postcode a distance means nothing: removing one removes both.
            postcode="" if name == "postcode" else self.postcode,
            origin=None if name == "postcode" else self.origin,
            within=None if name in ("postcode", "within") else self.within,
        )

    def query_items(self, page: int | None = None) -> list[tuple[str, str]]:
        """As URL query pairs (for links that keep the current search)."""
        items: list[tuple[str, str]] = [("q", self.q)] if self.q else []
        items.extend(self.active())
        if self.per_page != DEFAULT_PER_PAGE:
            items.append(("per_page", str(self.per_page)))
        page = self.page if page is None else page
        if page != 1:
            items.append(("page", str(page)))
        return items


class SearchParamError(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _positive_int(raw: str, name: str, maximum: int | None, errors: dict[str, str]) -> int | None:
    if not re.fullmatch(r"[0-9]{1,9}", raw.strip()):
        errors[name] = f"{name} must be a whole number"
        return None
    value = int(raw)
    if value < 1 or (maximum is not None and value > maximum):
        errors[name] = (
            f"{name} must be between 1 and {maximum}" if maximum else f"{name} must be 1 or more"
        )
        return None
    return value


def parse_search_params(query: Sequence[tuple[str, str]], content: Content) -> SearchParams:
    """Validate query pairs (a parameter may repeat). Empty values are ignored (a GET form sends
    `q=` when the box is empty); unknown parameter names are ignored (tracking tags, cache
    busters). Raises SearchParamError({parameter: message}) on an unknown slug or a bad value."""
    values: dict[str, list[str]] = {}
    for key, raw in query:
        raw = raw.strip()
        if key in PARAMS and raw:
            values.setdefault(key, []).append(raw)
    errors: dict[str, str] = {}

    q = " ".join(values.get("q", []))
    if len(q) > MAX_QUERY:
        errors["q"] = f"Search words must be {MAX_QUERY} characters or fewer"

    def slugs(name: str, taxonomy: str) -> tuple[str, ...]:
        known = content.labels(taxonomy)
        given = list(dict.fromkeys(values.get(name, [])))
        unknown = [v for v in given if v not in known]
        if unknown:
            shown = ", ".join(repr(v[:40]) for v in unknown[:3])
            errors[name] = f"Unknown {name} {shown}: use one of {', '.join(known)}"
        return tuple(given)

    any_of = {n: s for n, t in ANY_OF.items() if (s := slugs(n, t))}
    all_of = {n: s for n, t in ALL_OF.items() if (s := slugs(n, t))}

    dbs: str | None = None
    given_dbs = values.get("dbs", [])
    if any(v not in DBS_LEVELS for v in given_dbs):
        errors["dbs"] = f"dbs must be one of {', '.join(DBS_LEVELS)}"
    elif given_dbs:
        # Repeated levels all apply (filters combine with AND): the highest one decides.
        dbs = max(given_dbs, key=DBS_LEVELS.index)

    hours: int | None = None
    given_hours = values.get("hours", [])
    if any(v not in {str(b) for b in HOURS_BANDS} for v in given_hours):
        errors["hours"] = f"hours must be one of {', '.join(str(b) for b in HOURS_BANDS)}"
    elif given_hours:
        hours = max(int(v) for v in given_hours)  # like dbs: every one must hold

    flags = set()
    for name in (*FLAGS, *EXTRA_FLAGS):
        given = {v.lower() for v in values.get(name, [])}
        if given - {"yes", "no"}:
            errors[name] = f"{name} must be yes, or left out"
        elif "yes" in given:
            flags.add(name)

    place, within = _distance(values, errors)

    page = 1
    if "page" in values:
        page = _positive_int(values["page"][-1], "page", None, errors) or 1
    per_page = DEFAULT_PER_PAGE
    if "per_page" in values:
        per_page = (
            _positive_int(values["per_page"][-1], "per_page", MAX_PER_PAGE, errors)
            or DEFAULT_PER_PAGE
        )
    if errors:
        raise SearchParamError(errors)
    return SearchParams(
        q=q,
        any_of=any_of,
        all_of=all_of,
        dbs=dbs,
        flags=frozenset(flags),
        page=page,
        per_page=per_page,
        hours=hours,
        postcode=place.code if place else "",
        origin=place.point if place else None,
        within=within,
    )


def _distance(
    values: Mapping[str, list[str]], errors: dict[str, str]
) -> tuple[geo.Place | None, int | None]:
    """The place `postcode` names and the `within` radius, or messages in ``errors``."""
    place = None
    if given := values.get("postcode"):
        typed = given[-1][:20]
        if geo.split(typed) is None:
            errors["postcode"] = (
                "Enter a postcode, like SK11 6AB, or the first part of one, like SK11"
            )
        elif (place := geo.table().place(typed)) is None:
            errors["postcode"] = (
                f"We could not find the postcode {typed.upper()}. Check it, or enter just the "
                "first part, like SK11"
            )
    within = None
    if given := values.get("within"):
        allowed = {str(m) for m in WITHIN_MILES}
        if any(v not in allowed for v in given):
            miles = ", ".join(str(m) for m in WITHIN_MILES)
            errors["within"] = f"within must be one of {miles} (miles)"
        elif "postcode" not in values:
            errors["postcode"] = "Enter a postcode to search within a distance of it"
        else:
            within = min(int(v) for v in given)  # like the other filters: every one must hold
    return place, within


# --- Import -------------------------------------------------------------------------------

IMPORT_COLUMNS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "postcode",
    "areas",
    "gender",
    "languages",
    "tasks",
    "client_groups",
    "age_groups",
    "availability",
    "qualifications",
    "dbs",
    "dbs_certificate_date",
    "dbs_update_service",
    "dbs_checked",
    "driving",
    "smoker",
    "experience_years",
    "about",
    "status",
)
IMPORT_STATUSES = ("published", "pending", "withdrawn")


class ImportRow(BaseModel):
    """One valid row of the PA import CSV, ready to insert (see commands.import_pas)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    first_name: str
    last_name: str
    email: str
    phone: str
    postcode: str
    areas: list[str]
    gender: str
    languages: list[str]
    tasks: list[str]
    client_groups: list[str]
    age_groups: list[str]
    availability: list[str]
    qualifications: list[str]
    dbs: str
    dbs_certificate_date: date | None
    dbs_update_service: bool
    dbs_checked: bool
    driving: bool
    smoker: bool
    experience_years: int
    about: str
    status: str


# --- Contact this PA ------------------------------------------------------------------------

MAX_MESSAGE = 2000
MAX_SENDER_NAME = 100
UK_PHONE = re.compile(r"^(\+44\s?|0)[0-9\s()-]{9,14}$")


class ContactForm(BaseModel):
    """An employer's message to a PA. The PA replies (or not) using the details given here."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str
    email: str = ""
    phone: str = ""
    message: str

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value:
            raise ValueError("Enter your name")
        if len(value) > MAX_SENDER_NAME:
            raise ValueError(f"Your name must be {MAX_SENDER_NAME} characters or fewer")
        if any(ord(c) < 32 for c in value):
            raise ValueError("Your name must not contain line breaks")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not value:
            return ""
        try:
            return str(validate_email(value, check_deliverability=False).normalized)
        except EmailNotValidError as exc:
            raise ValueError(
                "Enter an email address in the correct format, like name@example.com"
            ) from exc

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if value and not UK_PHONE.match(value):
            raise ValueError("Enter a UK phone number, like 01632 960 001 or 07700 900 982")
        return value

    @field_validator("message")
    @classmethod
    def _message(cls, value: str) -> str:
        if not value:
            raise ValueError("Enter your message to the PA")
        if len(value) > MAX_MESSAGE:
            raise ValueError(f"Your message must be {MAX_MESSAGE} characters or fewer")
        return value

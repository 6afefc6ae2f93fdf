"""From the raw values a person typed on each registration page to clean listing values (and
back again for editing), using the strict models in journey_models."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError

from pafinder.register import other_answers
from pafinder.register.journey_models import (
    EXTRAS,
    MAX_ABOUT,
    MAX_EXPERIENCE,
    STEPS,
    YES_NO,
    AboutMe,
    AboutYou,
    Availability,
    DbsAndDriving,
    Qualifications,
    WhatYouCanDo,
    WhereAndWho,
    yes_no_answer,
)
from pafinder.register.other_answers import FORM_FIELDS, MAX_OTHER, OTHER
from pafinder.register.tables import DBS_LEVELS
from pafinder.web.forms import Errors, errors_from_validation

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
        data["travel_miles"] = _s(raw, "travel_miles", 10)
        return _validate(WhereAndWho, data, context)
    if step == "what-you-can-do":
        languages, ticked = _take_other(_l(raw, "languages"), taxonomies, "languages")
        data = {
            "tasks": _l(raw, "tasks"),
            "experience_years": _s(raw, "experience_years", 10),
            "experience": _s(raw, "experience", MAX_EXPERIENCE + 1000),
            "languages": languages,
            "gender": _s(raw, "gender", 100),
        }
        result = _validate(WhatYouCanDo, data, {**context, "other_ticked": ticked})
        return _with_other(result, raw, "language", ticked)
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


def _take_other(
    chosen: list[str], taxonomies: Mapping[str, Mapping[str, str]], taxonomy: str
) -> tuple[list[str], bool]:
    """(the taxonomy slugs ticked, whether "Other" was ticked): Other is never a slug."""
    if other_answers.reserved_clash(taxonomies.get(taxonomy, {})):
        return chosen, False
    return [v for v in chosen if v != OTHER], OTHER in chosen


def _with_other(
    result: tuple[dict[str, Any] | None, Errors],
    raw: Mapping[str, Any],
    kind: other_answers.Kind,
    ticked: bool,
) -> tuple[dict[str, Any] | None, Errors]:
    """Add the typed "Other" answer (or its error, by its text box) to a page's result."""
    clean, errors = result
    limited = {FORM_FIELDS[kind]: _s(raw, FORM_FIELDS[kind], MAX_OTHER + 1000)}
    text, problem = other_answers.parse(limited, kind, ticked)
    if problem:
        return None, {**errors, FORM_FIELDS[kind]: problem}
    if clean is None or errors:
        return None, errors
    return {**clean, other_answers.FIELDS[kind]: text}, {}


def _parse_qualifications(
    raw: Mapping[str, Any], taxonomies: Mapping[str, Mapping[str, str]], today: date
) -> tuple[dict[str, Any] | None, Errors]:
    chosen, ticked = _take_other(_l(raw, "qualifications"), taxonomies, "qualifications")
    return _with_other(
        _parse_ticked_qualifications(chosen, raw, taxonomies, today), raw, "qualification", ticked
    )


def _parse_ticked_qualifications(
    chosen: list[str],
    raw: Mapping[str, Any],
    taxonomies: Mapping[str, Mapping[str, str]],
    today: date,
) -> tuple[dict[str, Any] | None, Errors]:
    known = taxonomies.get("qualifications", {})
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
            answers[key] = yes_no_answer(_s(raw, key, 10), message)
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
        travel = listing.get("travel_miles")
        return {
            **{k: list(listing.get(k, [])) for k in ("areas", "client_groups", "age_groups")},
            "travel_miles": "" if travel is None else str(travel),
        }
    if step == "what-you-can-do":
        return {
            "tasks": list(listing.get("tasks", [])),
            "experience_years": str(listing.get("experience_years", "")),
            "experience": listing.get("experience", ""),
            "languages": list(listing.get("languages", [])),
            "gender": listing.get("gender", ""),
            **_other_raw(listing, "language"),
        }
    if step == "qualifications":
        raw: dict[str, Any] = {"qualifications": []}
        for q in listing.get("qualifications", []):
            raw["qualifications"].append(q["slug"])
            raw.update(_date_parts(q.get("date"), f"q-{q['slug']}-date", with_day=False))
            raw.update(_date_parts(q.get("expires"), f"q-{q['slug']}-expires", with_day=False))
        other = _other_raw(listing, "qualification")
        raw["qualifications"] += other.pop("qualifications", [])
        return {**raw, **other}
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


def _other_raw(listing: Mapping[str, Any], kind: other_answers.Kind) -> dict[str, Any]:
    """The ticked "Other" box and its text, for a listing that has a typed answer."""
    text = listing.get(other_answers.FIELDS[kind])
    if not text:
        return {}
    if kind == "language":
        return {"languages": [*listing.get("languages", []), OTHER], FORM_FIELDS[kind]: text}
    return {"qualifications": [OTHER], FORM_FIELDS[kind]: text}

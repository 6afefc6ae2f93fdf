"""What each registration page shows: its title, template, GOV.UK component items built from the
taxonomies and the answers so far, and the 'check your answers' rows. Shared by the registration
journey and the 'manage my listing' edit pages so both ask exactly the same questions."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from markupsafe import Markup, escape

from pafinder.content import TAXONOMY_NAMES, Content
from pafinder.register import other_answers
from pafinder.register.journey_models import (
    EXTRAS,
    MAX_ABOUT,
    MAX_EXPERIENCE,
    STEPS,
    TRAVEL_MILES,
)
from pafinder.register.tables import DBS_LEVELS
from pafinder.web.forms import Errors

TITLES = {
    "about-you": "Your name and contact details",
    "where-and-who": "Where you work and who you support",
    "what-you-can-do": "What you can help with",
    "qualifications": "Qualifications and training",
    "availability": "When you can work",
    "dbs-and-driving": "DBS check, driving and smoking",
    "about-me": "About you, in your own words",
}
DBS_LABELS = {
    "none": "I do not have a DBS certificate",
    "basic": "Basic",
    "standard": "Standard",
    "enhanced": "Enhanced",
    "enhanced_barred": "Enhanced with a check of the adults' barred list",
}
EXTRA_LABELS = {
    "live_in": "Live-in work",
    "nights": "Night shifts (waking or sleeping nights)",
    "emergency_cover": "Emergency cover at short notice",
}
DAYS = (
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
)
# The travel question's answers, as radios (value -> words); leaving it out is allowed.
TRAVEL_LABELS = {str(m): ("Up to 1 mile" if m == 1 else f"Up to {m} miles") for m in TRAVEL_MILES}


def travel_text(miles: int | None) -> str:
    return TRAVEL_LABELS.get(str(miles), "") if miles else "Not given"


TIMES = (("am", "Morning"), ("pm", "Afternoon"), ("eve", "Evening"), ("night", "Night"))
# Field order on each page, so the error summary lists problems in the order they appear.
FIELD_ORDER = {
    "about-you": ("first_name", "last_name", "email", "phone", "postcode"),
    "where-and-who": ("areas", "client_groups", "age_groups", "travel_miles"),
    "what-you-can-do": (
        "tasks",
        "experience_years",
        "experience",
        "languages",
        "languages_other",
        "gender",
    ),
    "qualifications": ("qualifications", "qualifications_other"),
    "availability": ("availability", "hours_wanted", "extras"),
    "dbs-and-driving": (
        "dbs",
        "dbs_certificate_date",
        "dbs_update_service",
        "driving",
        "own_car",
        "smoker",
    ),
    "about-me": ("about",),
}


def template_for(step: str) -> str:
    return f"register/journey/{step.replace('-', '_')}.html"


def taxonomies(content: Content) -> dict[str, dict[str, str]]:
    return {name: content.labels(name) for name in TAXONOMY_NAMES}


def previous_step(step: str) -> str | None:
    i = STEPS.index(step)
    return STEPS[i - 1] if i > 0 else None


def next_step(step: str) -> str | None:
    i = STEPS.index(step)
    return STEPS[i + 1] if i + 1 < len(STEPS) else None


def error_summary(errors: Errors, step: str) -> list[dict[str, str]]:
    """GOV.UK error summary items; date errors link to the first box of the date."""
    order = list(FIELD_ORDER.get(step, ()))
    ordered = [f for f in order if f in errors] + sorted(f for f in errors if f not in order)
    items = []
    for field in ordered:
        target = field
        if field == "dbs_certificate_date":
            target = f"{field}-day"
        elif field.startswith("q-"):
            target = f"{field}-month"
        items.append({"text": errors[field], "href": f"#{target}"})
    return items


def checkbox_items(labels: Mapping[str, str], selected: Any, field: str) -> list[dict[str, Any]]:
    chosen = set(selected) if isinstance(selected, list) else set()
    return [
        {
            "value": slug,
            "text": label,
            "checked": slug in chosen,
            "id": field if i == 0 else f"{field}-{slug}",
        }
        for i, (slug, label) in enumerate(labels.items())
    ]


def radio_items(labels: Mapping[str, str], selected: Any, field: str) -> list[dict[str, Any]]:
    return [
        {
            "value": slug,
            "text": label,
            "checked": selected == slug,
            "id": field if i == 0 else f"{field}-{slug}",
        }
        for i, (slug, label) in enumerate(labels.items())
    ]


def yes_no(selected: Any, field: str) -> list[dict[str, Any]]:
    return radio_items({"yes": "Yes", "no": "No"}, selected, field)


def date_items(
    raw: Mapping[str, Any], prefix: str, error: bool, with_day: bool = True
) -> list[dict[str, Any]]:
    parts = (("day", 2), ("month", 2), ("year", 4)) if with_day else (("month", 2), ("year", 4))
    return [
        {
            "name": f"{prefix}-{part}",
            "id": f"{prefix}-{part}",
            "label": part.capitalize(),
            "value": raw.get(f"{prefix}-{part}", ""),
            "classes": f"govuk-input--width-{width}" + (" govuk-input--error" if error else ""),
        }
        for part, width in parts
    ]


def other_item(
    labels: Mapping[str, str], raw: Mapping[str, Any], kind: other_answers.Kind
) -> dict[str, Any] | None:
    """The "Other" checkbox and its text box (revealed when ticked; shown without JavaScript),
    or None when the taxonomy uses "other" as a slug of its own."""
    if other_answers.reserved_clash(labels):
        return None
    field = other_answers.CHECKBOXES[kind]
    chosen = raw.get(field)
    return {
        "value": other_answers.OTHER,
        "id": f"{field}-{other_answers.OTHER}",
        "checked": isinstance(chosen, list) and other_answers.OTHER in chosen,
        "text_name": other_answers.FORM_FIELDS[kind],
        "text_value": raw.get(other_answers.FORM_FIELDS[kind], ""),
        "max": other_answers.MAX_OTHER,
    }


def page_context(
    step: str, raw: Mapping[str, Any], errors: Errors, labels: Mapping[str, Mapping[str, str]]
) -> dict[str, Any]:
    """Everything a step template needs besides the layout's own keys."""
    ctx: dict[str, Any] = {"raw": raw, "step": step}
    if step == "where-and-who":
        for field in ("areas", "client_groups", "age_groups"):
            ctx[f"{field}_items"] = checkbox_items(labels[field], raw.get(field), field)
        ctx["travel_items"] = radio_items(TRAVEL_LABELS, raw.get("travel_miles"), "travel_miles")
    elif step == "what-you-can-do":
        ctx["tasks_items"] = checkbox_items(labels["tasks"], raw.get("tasks"), "tasks")
        ctx["languages_items"] = checkbox_items(
            labels["languages"], raw.get("languages"), "languages"
        )
        ctx["gender_items"] = radio_items(labels["genders"], raw.get("gender"), "gender")
        ctx["max_experience"] = MAX_EXPERIENCE
        ctx["other_language"] = other_item(labels["languages"], raw, "language")
    elif step == "qualifications":
        chosen = raw.get("qualifications") or []
        ctx["other_qualification"] = other_item(labels["qualifications"], raw, "qualification")
        ctx["qualification_items"] = [
            {
                "slug": slug,
                "label": label,
                "checked": slug in chosen,
                "id": "qualifications" if i == 0 else f"qualifications-{slug}",
                "date_items": date_items(
                    raw, f"q-{slug}-date", f"q-{slug}-date" in errors, with_day=False
                ),
                "expires_items": date_items(
                    raw, f"q-{slug}-expires", f"q-{slug}-expires" in errors, with_day=False
                ),
            }
            for i, (slug, label) in enumerate(labels["qualifications"].items())
        ]
    elif step == "availability":
        chosen = set(raw.get("availability") or [])
        known = labels["availability"]
        ctx["days"] = [
            {
                "name": day_label,
                "items": [
                    {
                        "value": f"{day}-{t}",
                        "text": t_label,
                        "checked": f"{day}-{t}" in chosen,
                        "id": "availability"
                        if (day, t) == ("mon", "am")
                        else f"availability-{day}-{t}",
                    }
                    for t, t_label in TIMES
                    if f"{day}-{t}" in known
                ],
            }
            for day, day_label in DAYS
        ]
        ctx["extras_items"] = checkbox_items(EXTRA_LABELS, raw.get("extras"), "extras")
    elif step == "dbs-and-driving":
        ctx["dbs_items"] = radio_items(DBS_LABELS, raw.get("dbs"), "dbs")
        ctx["certificate_items"] = date_items(
            raw, "dbs_certificate_date", "dbs_certificate_date" in errors
        )
        for field in ("dbs_update_service", "driving", "own_car", "smoker"):
            ctx[f"{field}_items"] = yes_no(raw.get(field), field)
    elif step == "about-me":
        ctx["max_about"] = MAX_ABOUT
    return ctx


# --- Check your answers -------------------------------------------------------------------


def _lines(values: list[str]) -> Markup:
    return Markup("<br>").join(escape(v) for v in values) if values else Markup("None")


def _yn(value: Any) -> str:
    return "Yes" if value else "No"


def _month_year(value: date | str | None) -> str:
    if not value:
        return ""
    d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{d:%B %Y}"


def _full_date(value: date | str | None) -> str:
    if not value:
        return ""
    d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{d.day} {d:%B %Y}"


def _other_rows(listing: Mapping[str, Any], kind: other_answers.Kind) -> list[tuple[str, Any]]:
    """The typed "Other" answer, with whether staff have checked it (once it is saved)."""
    text = listing.get(other_answers.FIELDS[kind])
    if not text:
        return []
    state = listing.get("other_answers", {}).get(kind, {}).get("state")
    note = other_answers.STATE_LABELS.get(state, other_answers.NEW_STATE_LABEL)
    value = escape(text) + Markup('<br><span class="govuk-hint govuk-!-margin-bottom-0">')
    return [(other_answers.KIND_LABELS[kind], value + escape(note) + Markup("</span>"))]


def summary_sections(
    listing: Mapping[str, Any],
    labels: Mapping[str, Mapping[str, str]],
    change_href: Callable[[str], str] | None,
    include_private: bool = True,
    lock_email: bool = False,
) -> list[dict[str, Any]]:
    """[{step, title, rows}] for govukSummaryList, one card per question page."""

    def names(taxonomy: str, slugs: list[str]) -> Markup:
        return _lines([labels[taxonomy].get(s, s) for s in slugs])

    quals = [
        f"{labels['qualifications'].get(q['slug'], q['slug'])}, {_month_year(q.get('date'))}"
        + (f" (expires {_month_year(q.get('expires'))})" if q.get("expires") else "")
        for q in listing.get("qualifications", [])
    ]
    slots = listing.get("availability", [])
    extras = [EXTRA_LABELS[e] for e in EXTRAS if listing.get(e)]
    hours = listing.get("hours_wanted")
    dbs = listing.get("dbs", "none")
    rows: dict[str, list[tuple[str, Any]]] = {
        "about-you": [
            ("Name", f"{listing.get('first_name', '')} {listing.get('last_name', '')}"),
            ("Email address", listing.get("email", "")),
            ("Phone number", listing.get("phone", "")),
            ("Postcode", listing.get("postcode", "")),
        ],
        "where-and-who": [
            ("Areas", names("areas", listing.get("areas", []))),
            ("People you support", names("client_groups", listing.get("client_groups", []))),
            ("Ages", names("age_groups", listing.get("age_groups", []))),
            ("How far you will travel", travel_text(listing.get("travel_miles"))),
        ],
        "what-you-can-do": [
            ("What you can help with", names("tasks", listing.get("tasks", []))),
            ("Years of experience", str(listing.get("experience_years", ""))),
            ("Your experience", listing.get("experience") or "None given"),
            ("Languages", names("languages", listing.get("languages", []))),
            *_other_rows(listing, "language"),
            ("Gender", labels["genders"].get(listing.get("gender", ""), "")),
        ],
        "qualifications": [
            ("Qualifications and training", _lines(quals)),
            *_other_rows(listing, "qualification"),
        ],
        "availability": [
            ("Times you can work", _lines([labels["availability"].get(s, s) for s in slots])),
            ("Hours a week", f"{hours} hours" if hours else "Not given"),
            ("Also available for", _lines(extras)),
        ],
        "dbs-and-driving": [
            ("DBS certificate", DBS_LABELS.get(dbs, dbs)),
            *(
                [
                    ("Certificate date", _full_date(listing.get("dbs_certificate_date"))),
                    ("On the DBS Update Service", _yn(listing.get("dbs_update_service"))),
                ]
                if dbs != "none"
                else []
            ),
            ("Full UK driving licence", _yn(listing.get("driving"))),
            ("Own car", _yn(listing.get("own_car"))),
            ("Smokes or vapes", _yn(listing.get("smoker"))),
        ],
        "about-me": [("About you", listing.get("about", ""))],
    }
    if not include_private:
        rows["about-you"] = rows["about-you"][:1]
    sections = []
    for step in STEPS:
        items = []
        for key, value in rows[step]:
            row: dict[str, Any] = {"key": {"text": key}}
            row["value"] = {"html": value} if isinstance(value, Markup) else {"text": value}
            locked = lock_email and key == "Email address"
            if change_href is not None and not locked:
                row["actions"] = {
                    "items": [
                        {
                            "href": change_href(step),
                            "text": "Change",
                            "visuallyHiddenText": key.lower(),
                        }
                    ]
                }
            items.append(row)
        sections.append({"step": step, "title": TITLES[step], "rows": items})
    return sections


def dbs_levels() -> tuple[str, ...]:
    return DBS_LEVELS

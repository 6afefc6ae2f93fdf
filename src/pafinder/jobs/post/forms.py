"""What each 'Post a job' page shows: its form items (GOV.UK macros' shapes), the error summary,
and the check-your-answers rows, all in plain labels (never slugs)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from markupsafe import Markup, escape

from pafinder import geo
from pafinder.content import Content
from pafinder.jobs import models
from pafinder.rates import national_living_wage

TAXONOMIES = ("tasks", "availability", "areas")
DAYS = (
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
)
TIMES = (("am", "Morning"), ("pm", "Afternoon"), ("eve", "Evening"), ("night", "Night"))


def labels(content: Content) -> dict[str, dict[str, str]]:
    return {name: content.labels(name) for name in TAXONOMIES}


def error_summary(errors: Mapping[str, str], step: str) -> list[dict[str, str]]:
    order = list(models.FIELD_ORDER.get(step, ()))
    ordered = [f for f in order if f in errors] + sorted(f for f in errors if f not in order)
    return [
        {"text": errors[f], "href": f"#{f}-day" if f in models.DATE_FIELDS else f"#{f}"}
        for f in ordered
    ]


def _items(
    known: Mapping[str, str], selected: Any, field: str, multi: bool
) -> list[dict[str, Any]]:
    chosen = set(selected) if isinstance(selected, list) else {selected}
    if not multi:
        chosen = {selected} if isinstance(selected, str) else set()
    return [
        {
            "value": slug,
            "text": label,
            "checked": slug in chosen,
            "id": field if i == 0 else f"{field}-{slug or 'none'}",
        }
        for i, (slug, label) in enumerate(known.items())
    ]


def _date_items(raw: Mapping[str, Any], prefix: str, error: bool) -> list[dict[str, Any]]:
    return [
        {
            "name": f"{prefix}-{part}",
            "id": f"{prefix}-{part}",
            "label": part.capitalize(),
            "value": raw.get(f"{prefix}-{part}", ""),
            "classes": f"govuk-input--width-{width}" + (" govuk-input--error" if error else ""),
        }
        for part, width in (("day", 2), ("month", 2), ("year", 4))
    ]


def page_context(
    step: str,
    raw: Mapping[str, Any],
    errors: Mapping[str, str],
    rules: models.Context,
    answers: Mapping[str, Any],
) -> dict[str, Any]:
    known, today, content_dir = rules.labels, rules.today, rules.content_dir
    ctx: dict[str, Any] = {"raw": raw, "step": step}
    if step == "tasks":
        ctx["tasks_items"] = _items(known["tasks"], raw.get("tasks"), "tasks", True)
    elif step == "hours":
        chosen = set(raw.get("availability") or [])
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
                    if f"{day}-{t}" in known["availability"]
                ],
            }
            for day, day_label in DAYS
        ]
    elif step in models.DATE_FIELDS:
        ctx["date_items"] = _date_items(raw, step, step in errors)
        ctx["earliest_close"] = models.long_date(today + timedelta(days=rules.min_open_days))
        ctx["min_open_days"] = rules.min_open_days
    elif step == "pay":
        current = national_living_wage(content_dir, today)
        start = models._start_day(answers, today)
        at_start = national_living_wage(content_dir, start)
        ctx["rate_now"] = models.pounds(current.pence)
        ctx["rate_from"] = models.long_date(current.applies_from)
        ctx["rate_source"] = current.source
        ctx["rate_at_start"] = models.pounds(at_start.pence) if at_start != current else ""
        ctx["rate_at_start_from"] = models.long_date(at_start.applies_from)
    elif step == "where":
        ctx["areas_items"] = _items(known["areas"], raw.get("areas"), "areas", True)
    elif step == "gender":
        selected = raw.get("gender_requirement") if "gender_requirement" in raw else None
        ctx["gender_items"] = _items(models.GENDER_LABELS, selected, "gender_requirement", False)
    elif step == "dbs":
        ctx["capacity_items"] = _items(
            {"yes": "Yes", "no": "No"}, raw.get("lacks_capacity"), "lacks_capacity", False
        )
        ctx["dbs_items"] = _items(models.DBS_LABELS, raw.get("dbs"), "dbs", False)
    elif step == "driving":
        ctx["driving_items"] = _items(
            {"yes": "Yes", "no": "No"}, raw.get("driving"), "driving", False
        )
    ctx["max_summary"] = models.MAX_SUMMARY
    ctx["max_short"] = models.MAX_SHORT
    return ctx


def _lines(values: list[str]) -> Markup:
    return Markup("<br>").join(escape(v) for v in values) if values else Markup("None")


def public_postcode(postcode: str) -> str:
    """Only the district is ever shown publicly."""
    parts = geo.split(postcode)
    return parts[0] if parts else ""


def summary_rows(
    job: Mapping[str, Any],
    known: Mapping[str, Mapping[str, str]],
    change: Callable[[str], str] | None,
    steps: tuple[str, ...] = models.STEPS,
) -> list[dict[str, Any]]:
    """Check-your-answers rows (and the staff and management views' rows, without links)."""

    def names(taxonomy: str, slugs: list[str]) -> Markup:
        return _lines([known[taxonomy].get(s, s) for s in slugs])

    gender = models.GENDER_LABELS.get(job.get("gender_requirement", ""), "")
    rows: list[tuple[str, str, Any]] = [
        ("title", "Job title", job["title"]),
        ("tasks", "What the PA will help with", names("tasks", job["tasks"])),
        ("tasks", "Anything else", job["tasks_other"] or "None"),
        ("hours", "Hours a week", f"{job['hours_per_week']} hours"),
        ("hours", "When", names("availability", job["availability"])),
        ("starts", "Start date", models.long_date(job["starts"])),
        ("pay", "Pay an hour", models.pounds(int(job["pay_pence"]))),
        ("where", "Area", names("areas", job["areas"])),
        ("where", "Postcode", job["postcode"]),
        ("gender", "Man or woman", gender),
    ]
    if job.get("gender_requirement"):
        rows.append(("gender", "Why", job["gender_reason"]))
    rows += [
        ("dbs", "DBS check", models.DBS_LABELS.get(job["dbs"], job["dbs"])),
        ("driving", "Driving needed", "Yes" if job["driving"] else "No"),
        ("closes", "Closing date", models.long_date(job["closes"])),
        ("summary", "About the job", job["summary"]),
    ]
    if "email" in steps and job.get("email"):
        rows.append(("email", "Your email address", job["email"]))
    out = []
    for step, key, value in rows:
        row: dict[str, Any] = {"key": {"text": key}}
        row["value"] = {"html": value} if isinstance(value, Markup) else {"text": str(value)}
        if change is not None:
            row["actions"] = {
                "items": [
                    {"href": change(step), "text": "Change", "visuallyHiddenText": key.lower()}
                ]
            }
        out.append(row)
    return out

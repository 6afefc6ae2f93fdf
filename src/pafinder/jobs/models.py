"""The questions of 'Post a job' and the rules each answer must meet.

Each step's answers arrive as the raw form (strings and lists, kept in the draft as typed);
``parse_step`` turns them into clean values or {field: message} errors in plain words, and
``parse_all`` checks every step again before anything is stored, because a later answer can make
an earlier one wrong (a start date in April can lift the legal minimum pay).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError, validate_email

from pafinder import geo
from pafinder.rates import national_living_wage

# Every advert stays open at least this long by default (PAFINDER_JOBS_MIN_OPEN_DAYS), so PAs
# who look once a week still see it.
MIN_OPEN_DAYS = 14
MAX_OPEN_DAYS = 183
MAX_START_DAYS = 366
MAX_TITLE = 120
MAX_SHORT = 500
MAX_SUMMARY = 2000
MAX_HOURS = 80
MAX_PAY_PENCE = 20000  # £200 an hour: above it is a typing slip
EMAIL_MAX = 254

STEPS = (
    "title",
    "tasks",
    "hours",
    "starts",
    "pay",
    "where",
    "gender",
    "dbs",
    "driving",
    "closes",
    "summary",
    "email",
)
# Editing an advert keeps the address its management link was sent to.
EDIT_STEPS = tuple(s for s in STEPS if s != "email")
TITLES = {
    "title": "What is the job called?",
    "tasks": "What will the personal assistant help with?",
    "hours": "How many hours a week, and when?",
    "starts": "When will the job start?",
    "pay": "How much will you pay an hour?",
    "where": "Where is the job?",
    "gender": "Does the personal assistant need to be a man or a woman?",
    "dbs": "What DBS check will the personal assistant need?",
    "driving": "Does the personal assistant need to drive?",
    "closes": "When should the advert close?",
    "summary": "Describe the job",
    "email": "What is your email address?",
}
MULTI_FIELDS = {"tasks": ("tasks",), "hours": ("availability",), "where": ("areas",)}
FIELD_ORDER = {
    "title": ("title",),
    "tasks": ("tasks", "tasks_other"),
    "hours": ("hours_per_week", "availability"),
    "starts": ("starts",),
    "pay": ("pay",),
    "where": ("areas", "postcode"),
    "gender": ("gender_requirement", "gender_reason"),
    "dbs": ("lacks_capacity", "dbs"),
    "driving": ("driving",),
    "closes": ("closes",),
    "summary": ("summary",),
    "email": ("email",),
}
DATE_FIELDS = ("starts", "closes")
GENDER_LABELS = {
    "": "No, a man or a woman could do the job",
    "man": "Yes, it must be a man",
    "woman": "Yes, it must be a woman",
}
DBS_LABELS = {
    "enhanced": "Enhanced (recommended)",
    "enhanced_barred": "Enhanced with a check of the adults' barred list",
    "standard": "Standard",
    "basic": "Basic",
    "none": "No DBS check",
}
ENHANCED = ("enhanced", "enhanced_barred")

Errors = dict[str, str]
Labels = Mapping[str, Mapping[str, str]]


@dataclass(frozen=True)
class Context:
    """What the rules need besides the answers: the taxonomies, today, the rate table."""

    labels: Labels
    today: date
    content_dir: Path
    min_open_days: int = MIN_OPEN_DAYS


def clean_text(value: Any, limit: int) -> str:
    """A text answer without control characters (PostgreSQL refuses a NUL byte in text), with
    its line breaks, cut to ``limit`` only where the caller has already refused a longer one."""
    text = unicodedata.normalize("NFC", str(value or ""))
    text = "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")
    return text.strip()[: limit * 2]


def _text(
    raw: Mapping[str, Any], field: str, limit: int, errors: Errors, missing: str | None
) -> str:
    value = clean_text(raw.get(field), limit)
    if not value and missing:
        errors[field] = missing
    elif len(value) > limit:
        errors[field] = f"Must be {limit:,} characters or fewer (you have {len(value):,})"
    return value


def _choices(raw: Mapping[str, Any], field: str, known: Mapping[str, str]) -> list[str]:
    value = raw.get(field)
    chosen = value if isinstance(value, list) else []
    return [slug for slug in known if slug in chosen]  # taxonomy order, unknown ones dropped


def _date(raw: Mapping[str, Any], prefix: str) -> date | None:
    parts = [str(raw.get(f"{prefix}-{p}", "")).strip() for p in ("day", "month", "year")]
    if not all(p.isascii() and p.isdigit() and len(p) <= 4 for p in parts):
        return None
    day, month, year = (int(p) for p in parts)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _date_missing(raw: Mapping[str, Any], prefix: str) -> bool:
    return not any(str(raw.get(f"{prefix}-{p}", "")).strip() for p in ("day", "month", "year"))


def long_date(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def pounds(pence: int) -> str:
    return f"£{pence // 100}.{pence % 100:02d}"


_PAY = re.compile(r"^£?\s*(\d{1,5})(?:\.(\d{1,2}))?$")


def parse_pay(text: str) -> int | None:
    match = _PAY.fullmatch(text.replace(",", "").strip())
    if not match:
        return None
    pence = (match.group(2) or "0").ljust(2, "0")
    return int(match.group(1)) * 100 + int(pence)


def check_email(raw: str) -> tuple[str | None, str | None]:
    """(the address in lower case, None) or (None, the message to show)."""
    if not raw:
        return None, "Enter your email address"
    if len(raw) > EMAIL_MAX:
        return None, f"Your email address must be {EMAIL_MAX} characters or fewer"
    try:
        checked = validate_email(raw, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return None, "Enter an email address in the correct format, like name@example.com"
    return str(checked.ascii_email or checked.normalized).lower(), None


def _start_day(answers: Mapping[str, Any], today: date) -> date:
    """The job's start date as answered so far (today until it is), for the pay rule."""
    starts = _date(answers.get("starts") or {}, "starts")
    return starts if starts is not None and starts >= today else today


def parse_step(
    step: str, raw: Mapping[str, Any], ctx: Context, answers: Mapping[str, Any]
) -> tuple[dict[str, Any] | None, Errors]:
    errors: Errors = {}
    clean: dict[str, Any] = {}
    today = ctx.today
    if step == "title":
        clean["title"] = _text(raw, "title", MAX_TITLE, errors, "Enter what the job is called")
    elif step == "tasks":
        clean["tasks"] = _choices(raw, "tasks", ctx.labels["tasks"])
        clean["tasks_other"] = _text(raw, "tasks_other", MAX_SHORT, errors, None)
        if not clean["tasks"] and not clean["tasks_other"] and "tasks_other" not in errors:
            errors["tasks"] = "Select at least one thing the PA will help with, or describe it"
    elif step == "hours":
        text = str(raw.get("hours_per_week", "")).strip()
        if not text:
            errors["hours_per_week"] = "Enter how many hours a week the job is"
        elif not (text.isascii() and text.isdigit()) or not 1 <= int(text[:6]) <= MAX_HOURS:
            errors["hours_per_week"] = (
                f"Enter the hours a week as a whole number from 1 to {MAX_HOURS}"
            )
        else:
            clean["hours_per_week"] = int(text)
        clean["availability"] = _choices(raw, "availability", ctx.labels["availability"])
        if not clean["availability"]:
            errors["availability"] = "Select at least one time of the week the job needs"
    elif step == "starts":
        starts = _date(raw, "starts")
        if _date_missing(raw, "starts"):
            errors["starts"] = "Enter the date the job starts"
        elif starts is None:
            errors["starts"] = "The start date must be a real date, like 27 3 2027"
        elif starts < today:
            errors["starts"] = "The start date must be today or in the future"
        elif starts > today + timedelta(days=MAX_START_DAYS):
            errors["starts"] = "The start date must be within a year from today"
        else:
            clean["starts"] = starts
    elif step == "pay":
        text = clean_text(raw.get("pay"), 20)
        pence = parse_pay(text)
        rate = national_living_wage(ctx.content_dir, _start_day(answers, today))
        if not text:
            errors["pay"] = "Enter how much you will pay an hour"
        elif pence is None:
            errors["pay"] = "Enter the pay in pounds and pence, like 13.50"
        elif pence < rate.pence:
            errors["pay"] = (
                f"The pay must be at least {pounds(rate.pence)} an hour: that is the National "
                f"Living Wage from {long_date(rate.applies_from)}, the legal minimum for the "
                "date the job starts"
            )
        elif pence > MAX_PAY_PENCE:
            errors["pay"] = f"Enter the pay an hour: it must be {pounds(MAX_PAY_PENCE)} or less"
        else:
            clean["pay_pence"] = pence
    elif step == "where":
        clean["areas"] = _choices(raw, "areas", ctx.labels["areas"])
        if not clean["areas"]:
            errors["areas"] = "Select the area the job is in"
        text = clean_text(raw.get("postcode"), 20)
        if not text:
            errors["postcode"] = "Enter the postcode district, like SK11, or the full postcode"
        elif geo.split(text) is None:
            errors["postcode"] = (
                "Enter a postcode district, like SK11, or a full postcode, like SK11 6AB"
            )
        else:
            place = geo.table().place(text)
            if place is None:
                errors["postcode"] = (
                    "We do not know that postcode. Check it, or enter just the first part "
                    "(the district), like SK11"
                )
            else:
                clean["postcode"] = place.code
    elif step == "gender":
        choice = str(raw.get("gender_requirement", ""))
        if "gender_requirement" not in raw:
            errors["gender_requirement"] = "Select whether the PA needs to be a man or a woman"
        elif choice not in GENDER_LABELS:
            errors["gender_requirement"] = "Select one of the answers"
        clean["gender_requirement"] = choice if choice in GENDER_LABELS else ""
        reason = _text(raw, "gender_reason", MAX_SHORT, errors, None)
        if clean["gender_requirement"] and not reason and "gender_reason" not in errors:
            errors["gender_reason"] = (
                "Say why the job needs a man or a woman, for example because it involves "
                "intimate personal care"
            )
        clean["gender_reason"] = reason if clean["gender_requirement"] else ""
    elif step == "dbs":
        lacks = str(raw.get("lacks_capacity", ""))
        if lacks not in ("yes", "no"):
            errors["lacks_capacity"] = (
                "Select yes if the person lacks mental capacity to make decisions about their care"
            )
        level = str(raw.get("dbs", ""))
        if level not in DBS_LABELS:
            errors["dbs"] = "Select the DBS check the PA will need"
        elif lacks == "yes" and level not in ENHANCED:
            errors["dbs"] = (
                "The PA must have an enhanced DBS check, because the person they will support "
                "lacks mental capacity to make decisions about their care"
            )
        clean["lacks_capacity"] = lacks
        clean["dbs"] = level
    elif step == "driving":
        value = str(raw.get("driving", ""))
        if value not in ("yes", "no"):
            errors["driving"] = "Select yes if the PA needs to drive"
        clean["driving"] = value == "yes"
    elif step == "closes":
        closes = _date(raw, "closes")
        earliest = today + timedelta(days=ctx.min_open_days)
        if _date_missing(raw, "closes"):
            errors["closes"] = "Enter the date the advert closes"
        elif closes is None:
            errors["closes"] = "The closing date must be a real date, like 27 3 2027"
        elif closes <= today:
            errors["closes"] = "The closing date must be in the future"
        elif closes < earliest:
            errors["closes"] = (
                f"The closing date must be at least {ctx.min_open_days} days from today: "
                f"{long_date(earliest)} or later"
            )
        elif closes > today + timedelta(days=MAX_OPEN_DAYS):
            errors["closes"] = "The closing date must be within 6 months from today"
        else:
            clean["closes"] = closes
    elif step == "summary":
        clean["summary"] = _text(
            raw, "summary", MAX_SUMMARY, errors, "Describe the job and the person you support"
        )
    elif step == "email":
        email, problem = check_email(clean_text(raw.get("email"), EMAIL_MAX + 10))
        if problem:
            errors["email"] = problem
        clean["email"] = email
    else:
        raise KeyError(step)
    return (None if errors else clean), errors


def parse_all(
    answers: Mapping[str, Any], ctx: Context, steps: tuple[str, ...] = STEPS
) -> tuple[dict[str, Any], str | None]:
    """Every answer clean, or the first step with a problem."""
    job: dict[str, Any] = {}
    for step in steps:
        clean, _errors = parse_step(step, answers.get(step) or {}, ctx, answers)
        if clean is None:
            return job, step
        job.update(clean)
    job.pop("lacks_capacity", None)
    return job, None


def answers_of(job: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """A stored advert as the form's raw answers, so an edit starts from what is there."""
    starts: date = job["starts"]
    closes: date = job["closes"]
    pence = int(job["pay_pence"])
    return {
        "title": {"title": job["title"]},
        "tasks": {"tasks": list(job["tasks"]), "tasks_other": job["tasks_other"]},
        "hours": {
            "hours_per_week": str(job["hours_per_week"]),
            "availability": list(job["availability"]),
        },
        "starts": {
            "starts-day": str(starts.day),
            "starts-month": str(starts.month),
            "starts-year": str(starts.year),
        },
        "pay": {"pay": f"{pence // 100}.{pence % 100:02d}"},
        "where": {"areas": list(job["areas"]), "postcode": job["postcode"]},
        "gender": {
            "gender_requirement": job["gender_requirement"],
            "gender_reason": job["gender_reason"],
        },
        # Nothing stores the capacity answer; an enhanced check is what it would have required.
        "dbs": {"lacks_capacity": "yes" if job["dbs"] in ENHANCED else "no", "dbs": job["dbs"]},
        "driving": {"driving": "yes" if job["driving"] else "no"},
        "closes": {
            "closes-day": str(closes.day),
            "closes-month": str(closes.month),
            "closes-year": str(closes.year),
        },
        "summary": {"summary": job["summary"]},
    }

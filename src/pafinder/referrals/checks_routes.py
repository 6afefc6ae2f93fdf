"""The check forms of the record page (issue 9, point 3): mark a check done with an optional
note (a repeating check also asks when the next one is due), or reschedule it with a new date
and a reason. Each answers 303 back to the record's checks once committed; a form with a
mistake re-shows the record with its errors (400) and records nothing.

The referral is loaded, and the member's service checked, before the check is looked up, so
another service's record answers 403 whatever the check id (tests/staff/test_route_permissions).
"""

from __future__ import annotations

from datetime import date

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from pafinder.db import utcnow
from pafinder.referrals import access, checks, store
from pafinder.referrals.casework import NOTE_LIMIT
from pafinder.referrals.staff_routes import show_record
from pafinder.staff.auth import staff_required
from pafinder.web.params import parse_id
from pafinder.web.render import render_page
from pafinder.workdays import london_date

REASON_LIMIT = 1000
MAX_WEEKS = 52

Values = dict[str, str]
Errors = dict[str, str]


def _not_found(request: Request) -> Response:
    return render_page(request, "pages/404.html", status_code=404, title="Page not found")


async def _load(
    request: Request,
) -> tuple[store.Referral, checks.CheckView] | Response:
    """The referral (404 or 403 first, see access.referral_for), then its check (404)."""
    referral = await access.referral_for(request, request.path_params["ref"])
    if isinstance(referral, Response):
        return referral
    check_id = parse_id(request.path_params["check_id"])  # ASCII digits only: never a 500
    if check_id is None:
        return _not_found(request)
    found = await run_in_threadpool(checks.for_referral, request.app.state.engine, referral.ref)
    check = next((c for c in found if c.id == check_id), None)
    if check is None:
        return _not_found(request)
    return referral, check


def _back(ref: str) -> Response:
    return RedirectResponse(f"/staff/referrals/{ref}#checks", status_code=303)


def _parse_weeks(raw: str, label: str) -> tuple[int | None, str | None]:
    if not raw:
        return None, None
    # isascii first: "²".isdigit() is true, but int("²") fails.
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_WEEKS:
        return None, f"Weeks until the next {label.lower()} must be a number from 1 to 52"
    return int(raw), None


def parse_due(day: str, month: str, year: str, today: date) -> tuple[date | None, str | None]:
    """The new due date from the three date fields: (date, None) or (None, message)."""
    parts = {"day": day, "month": month, "year": year}
    if not any(parts.values()):
        return None, "Enter the new due date"
    missing = [name for name, value in parts.items() if not value]
    if missing:
        return None, f"The new due date must include a {' and '.join(missing)}"
    if (
        not all(v.isascii() and v.isdigit() and len(v) <= 4 for v in parts.values())
        or len(year) != 4
    ):
        return None, "The new due date must be a real date"
    try:
        value = date(int(year), int(month), int(day))
    except ValueError:
        return None, "The new due date must be a real date"
    if value < today:
        return None, "The new due date must be today or in the future"
    if value.year > today.year + 5:
        return None, "The new due date must be within the next 5 years"
    return value, None


@staff_required()
async def mark_done(request: Request) -> Response:
    loaded = await _load(request)
    if isinstance(loaded, Response):
        return loaded
    referral, check = loaded
    if check.done_at is not None:
        return _back(referral.ref)  # sent twice, or someone else did it: nothing to record
    form = await request.form()
    key = f"check-{check.id}"
    note = str(form.get("note", "")).strip()
    weeks_raw = str(form.get("next_weeks", "")).strip()
    values: Values = {f"{key}-note": note, f"{key}-next-weeks": weeks_raw}
    errors: Errors = {}
    if len(note) > NOTE_LIMIT:
        errors[f"{key}-note"] = "The note must be 5,000 characters or fewer"
    service = request.app.state.content.service(referral.service)
    config = checks.configs(service).get(check.check_id)
    weeks = None
    if config is not None and config.repeat:
        weeks, message = _parse_weeks(weeks_raw, check.label)
        if message:
            errors[f"{key}-next-weeks"] = message
    if errors:
        return await show_record(request, referral, 400, errors=errors, values=values)
    await run_in_threadpool(
        checks.mark_done,
        request.app.state.engine,
        referral.ref,
        check.id,
        request.state.staff.id,
        note,
        weeks,
    )
    return _back(referral.ref)


@staff_required()
async def reschedule(request: Request) -> Response:
    loaded = await _load(request)
    if isinstance(loaded, Response):
        return loaded
    referral, check = loaded
    if check.done_at is not None:
        return _back(referral.ref)
    form = await request.form()
    key = f"check-{check.id}"
    parts = {p: str(form.get(f"due-{p}", "")).strip()[:10] for p in ("day", "month", "year")}
    reason = str(form.get("reason", "")).strip()
    values: Values = {f"{key}-due-{p}": v for p, v in parts.items()}
    values[f"{key}-reason"] = reason
    errors: Errors = {}
    due, message = parse_due(parts["day"], parts["month"], parts["year"], london_date(utcnow()))
    if message:
        errors[f"{key}-due"] = message
    if not reason:
        errors[f"{key}-reason"] = "Enter why the check is being moved"
    elif len(reason) > REASON_LIMIT:
        errors[f"{key}-reason"] = "Why the check is being moved must be 1,000 characters or fewer"
    if errors or due is None:
        return await show_record(request, referral, 400, errors=errors, values=values)
    await run_in_threadpool(
        checks.reschedule,
        request.app.state.engine,
        referral.ref,
        check.id,
        request.state.staff.id,
        due,
        reason,
    )
    return _back(referral.ref)


routes = [
    Route("/staff/referrals/{ref}/checks/{check_id}/done", mark_done, methods=["POST"]),
    Route("/staff/referrals/{ref}/checks/{check_id}/reschedule", reschedule, methods=["POST"]),
]

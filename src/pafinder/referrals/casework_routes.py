"""The case-work forms of the record page (CONTRACT.md "Staff back office"): status, notes,
assignee and priority. Each answers 303 back to the record once the change is committed; a
form with a mistake is a 400 with the record re-shown and its errors, and a form for a version
of the referral that is no longer current is a 409; neither records anything."""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from pafinder.referrals import access, casework, checks, store
from pafinder.referrals.casework import NOTE_LIMIT, SIGNPOSTED_LIMIT, Change
from pafinder.referrals.labels import (
    DELAY_REASONS,
    PRIORITY_LABELS,
    REFUSAL_REASONS,
    STATUS_LABELS,
)
from pafinder.referrals.staff_routes import show_record
from pafinder.staff.auth import staff_required

Values = dict[str, str]
Errors = dict[str, str]
# Reads the form's values; returns the change, or the errors to show ({field id: message}).
Check = Callable[[Values, dict[str, int]], tuple[Change | None, Errors]]

NOTE_TOO_LONG = "The note must be 5,000 characters or fewer"


def _version(raw: object, current: int) -> int:
    """The version the form was made from. Our forms always carry one; a form without it (the
    CONTRACT's fields only, as another system may send) is taken as made from the current one."""
    text = str(raw or "").strip()
    if not text:
        return current
    try:
        return int(text)
    except ValueError:
        return -1  # matches no referral, so the change is refused as stale


def _check_status(values: Values, _staff: dict[str, int]) -> tuple[Change | None, Errors]:
    errors: Errors = {}
    status = values.get("status", "")
    refusal = values.get("refusal_reason", "")
    delay = values.get("delay_reason", "")
    signposted = values.get("signposted_to", "")
    note = values.get("status_note", "")
    if status == "received":
        errors["status"] = "A referral cannot go back to received. Select its new status"
    elif status not in STATUS_LABELS:
        errors["status"] = "Select the new status"
    if status == "refused" and refusal not in REFUSAL_REASONS:
        errors["refusal_reason"] = "Select the reason for refusing"
    if status == "waiting" and delay not in DELAY_REASONS:
        errors["delay_reason"] = "Select the reason for the wait"
    if status == "signposted" and not signposted:
        errors["signposted_to"] = "Enter where the person was signposted to"
    elif status in ("refused", "signposted") and len(signposted) > SIGNPOSTED_LIMIT:
        errors["signposted_to"] = (
            "Where the person was signposted to must be 500 characters or fewer"
        )
    if len(note) > NOTE_LIMIT:
        errors["status_note"] = NOTE_TOO_LONG
    if errors:
        return None, errors
    # A reason typed for another status than the one chosen is not recorded.
    row: dict[str, str] = {"status": status}
    reason = ""
    if status == "refused":
        row["refusal_reason"] = reason = refusal
    if status == "waiting":
        row["delay_reason"] = reason = delay
    kept = signposted if status in ("refused", "signposted") else ""
    if status in ("refused", "signposted"):
        row["signposted_to"] = kept
    change = Change("status", status, row, reason=reason, signposted_to=kept, note=note)
    return change, {}


def _check_note(values: Values, _staff: dict[str, int]) -> tuple[Change | None, Errors]:
    note = values.get("note", "")
    if not note:
        return None, {"note": "Enter a note"}
    if len(note) > NOTE_LIMIT:
        return None, {"note": NOTE_TOO_LONG}
    return Change("note", note=note), {}


def _check_assign(values: Values, staff: dict[str, int]) -> tuple[Change | None, Errors]:
    email = values.get("assignee", "").lower()
    if not email:
        return Change("assign", "", {"assigned_to": None}), {}
    if email not in staff:
        return None, {"assignee": "Select who to assign the referral to from the list"}
    staff_id = staff[email]
    return Change("assign", str(staff_id), {"assigned_to": staff_id}), {}


def _check_priority(values: Values, _staff: dict[str, int]) -> tuple[Change | None, Errors]:
    priority = values.get("priority", "")
    if priority not in PRIORITY_LABELS:
        return None, {"priority": "Select a priority"}
    return Change("priority", priority, {"priority": priority}), {}


# Form field -> the key it is kept under when the page is re-shown (the status form's note has
# an id of its own: the notes form's field is also called `note`).
FORMS: dict[str, tuple[Check, dict[str, str]]] = {
    "status": (
        _check_status,
        {
            "status": "status",
            "refusal_reason": "refusal_reason",
            "delay_reason": "delay_reason",
            "signposted_to": "signposted_to",
            "note": "status_note",
        },
    ),
    "notes": (_check_note, {"note": "note"}),
    "assign": (_check_assign, {"assignee": "assignee"}),
    "priority": (_check_priority, {"priority": "priority"}),
}


async def _handle(request: Request, form_name: str) -> Response:
    engine = request.app.state.engine
    ref = request.path_params["ref"]
    referral = await access.referral_for(request, ref)
    if isinstance(referral, Response):
        return referral
    check, fields = FORMS[form_name]
    form = await request.form()
    values = {key: str(form.get(name, "")).strip() for name, key in fields.items()}
    version = _version(form.get("version", ""), referral.version)
    # Stale before anything else: errors shown on today's record would carry today's version,
    # and the next send would then overwrite the other person's change unseen.
    if version != referral.version:
        return await show_record(request, referral, 409, values=values, conflict=True)
    active = await run_in_threadpool(access.assignable, engine, referral.service)
    change, errors = check(values, {email: staff_id for staff_id, email in active.items()})
    if change is None:
        return await show_record(request, referral, 400, errors=errors, values=values)
    member = request.state.staff
    try:
        # The service's checks are scheduled in the status change's own transaction.
        hook = checks.on_status(request.app.state.content.service(referral.service))
        await run_in_threadpool(casework.apply, engine, ref, version, member.id, change, hook)
    except casework.Stale:
        fresh = await run_in_threadpool(store.get, engine, ref)
        return await show_record(request, fresh or referral, 409, values=values, conflict=True)
    return RedirectResponse(f"/staff/referrals/{ref}", status_code=303)


@staff_required()
async def change_status(request: Request) -> Response:
    return await _handle(request, "status")


@staff_required()
async def add_note(request: Request) -> Response:
    return await _handle(request, "notes")


@staff_required()
async def assign(request: Request) -> Response:
    return await _handle(request, "assign")


@staff_required()
async def set_priority(request: Request) -> Response:
    return await _handle(request, "priority")


routes = [
    Route("/staff/referrals/{ref}/status", change_status, methods=["POST"]),
    Route("/staff/referrals/{ref}/notes", add_note, methods=["POST"]),
    Route("/staff/referrals/{ref}/assign", assign, methods=["POST"]),
    Route("/staff/referrals/{ref}/priority", set_priority, methods=["POST"]),
]

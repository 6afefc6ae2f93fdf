"""Staff moderation of PA listings: the queue, the full record, approve with a DBS check, or
reject with a reason emailed to the PA. Every route is staff-only and every action (viewing a
record with private details included) goes to the audit log."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from pafinder.db import utcnow
from pafinder.register import journey_forms, lifecycle_mail, lifecycle_store, other_answers
from pafinder.register.admin import record as admin_record
from pafinder.register.journey_parse import parse_date
from pafinder.register.tables import DBS_LEVELS
from pafinder.staff import store as staff_store
from pafinder.staff.auth import actor, staff_required
from pafinder.web.forms import Errors
from pafinder.web.render import render_page

# The typed "Other" answers' review forms (one per kind), for the error summary.
OTHER_ERRORS = tuple(f"other-{kind}" for kind in other_answers.KINDS)
METHOD_LABELS = {
    "certificate": "I saw the DBS certificate",
    "update_service": "I checked it on the DBS Update Service",
}
APPROVE_ORDER = ("dbs_level", "check_method", "checked_on")
MAX_REASON = 2000


@staff_required()
async def queue(request: Request) -> Response:
    engine = request.app.state.engine
    today = utcnow().date()
    waiting = [
        {**listing, "flags": lifecycle_store.flags(listing, today)}
        for listing in lifecycle_store.queue(engine)
    ]
    done = request.query_params.get("done")
    ref = request.query_params.get("ref", "")[:16]
    return render_page(
        request,
        "register/moderation/queue.html",
        title="PA listings to check",
        waiting=waiting,
        done=done if done in ("approved", "rejected") else None,
        ref=ref,
        dbs_labels=journey_forms.DBS_LABELS,
        other_waiting=other_answers.waiting(engine),
        breadcrumbs=[{"text": "Staff area", "href": "/staff/"}],
    )


def record_page(
    request: Request,
    listing: dict[str, Any],
    errors: Errors | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    errors = errors or {}
    form = form or {}
    labels = journey_forms.taxonomies(request.app.state.content)
    order = [*APPROVE_ORDER, "reason", *OTHER_ERRORS, *admin_record.FIELDS]
    error_list = [
        {"text": errors[f], "href": "#checked_on-day" if f == "checked_on" else f"#{f}"}
        for f in order
        if f in errors
    ]
    return render_page(
        request,
        "register/moderation/record.html",
        status_code=status_code,
        title=f"Listing {listing['ref']}: {listing['first_name']} {listing['last_name']}",
        listing=listing,
        sections=journey_forms.summary_sections(listing, labels, None),
        flags=lifecycle_store.flags(listing),
        errors=errors,
        error_list=error_list,
        form=form,
        dbs_items=journey_forms.radio_items(
            {k: journey_forms.DBS_LABELS[k] for k in DBS_LEVELS if k != "none"},
            form.get("dbs_level", listing["dbs"]),
            "dbs_level",
        ),
        method_items=journey_forms.radio_items(
            METHOD_LABELS, form.get("check_method"), "check_method"
        ),
        checked_on_items=journey_forms.date_items(form, "checked_on", "checked_on" in errors),
        method_labels=METHOD_LABELS,
        max_reason=MAX_REASON,
        approvable=lifecycle_store.APPROVABLE,
        other_answers=_other_answers(listing),
        breadcrumbs=[
            {"text": "Staff area", "href": "/staff/"},
            {"text": "PA register", "href": "/staff/pas/all"},
        ],
        # Notes, history and taking down (register/admin/).
        **admin_record.context(request.app.state.engine, listing, request.query_params.get("done")),
    )


def _other_answers(listing: dict[str, Any]) -> list[dict[str, Any]]:
    """What the PA typed beside "Other", plainly labelled, with what staff can do with each."""
    found = listing.get("other_answers", {})
    return [
        {
            "kind": kind,
            "label": other_answers.KIND_LABELS[kind],
            "text": found[kind]["text"],
            "state": found[kind]["state"],
            "state_label": other_answers.STATE_LABELS.get(found[kind]["state"], ""),
            "changed_at": found[kind]["updated_at"],
            "seen": other_answers.fingerprint(found[kind]["text"]),
        }
        for kind in other_answers.KINDS
        if kind in found
    ]


def listing_or_404(request: Request) -> dict[str, Any] | Response:
    listing = lifecycle_store.get(request.app.state.engine, request.path_params["ref"][:16])
    if listing is None:
        return render_page(request, "pages/404.html", status_code=404, title="Page not found")
    return listing


@staff_required()
async def record(request: Request) -> Response:
    listing = listing_or_404(request)
    if isinstance(listing, Response):
        return listing
    # Private details were shown: access to confidential records must be auditable.
    with request.app.state.engine.begin() as conn:
        staff_store.record(conn, actor(request), "pa.viewed", "pa", listing["ref"])
    return record_page(request, listing)


@staff_required()
async def approve(request: Request) -> Response:
    listing = listing_or_404(request)
    if isinstance(listing, Response):
        return listing
    form = await request.form()
    data = {
        k: str(form.get(k, "")).strip()[:20]
        for k in (
            "dbs_level",
            "check_method",
            "checked_on-day",
            "checked_on-month",
            "checked_on-year",
        )
    }
    errors: Errors = {}
    if listing["status"] not in lifecycle_store.APPROVABLE:
        errors["dbs_level"] = (
            f"This listing is {listing['status']}: only listings waiting "
            "for a check can be approved"
        )
        return record_page(request, listing, errors, data, 409)
    level = method = checked_on = None
    if listing["dbs"] != "none":
        level = data["dbs_level"] if data["dbs_level"] in DBS_LEVELS[1:] else None
        if level is None:
            errors["dbs_level"] = "Select the level shown on the DBS certificate"
        method = data["check_method"] if data["check_method"] in METHOD_LABELS else None
        if method is None:
            errors["check_method"] = "Select how you checked the DBS certificate"
        today = utcnow().date()
        checked_on, problem = parse_date(data, "checked_on", "Date checked", today)
        if problem:
            errors["checked_on"] = problem
        elif checked_on is None:
            errors["checked_on"] = "Enter the date you checked the DBS certificate"
        elif checked_on > today:
            errors["checked_on"] = "Date checked must be today or in the past"
    if errors:
        return record_page(request, listing, errors, data, 400)
    engine, settings = request.app.state.engine, request.app.state.settings
    lifecycle_store.approve(
        engine,
        settings,
        listing["ref"],
        request.state.staff.id,
        level,
        method,
        checked_on if isinstance(checked_on, date) else None,
    )
    await run_in_threadpool(
        lifecycle_mail.send_published,
        settings,
        listing["email"],
        listing["first_name"],
        listing["ref"],
    )
    return RedirectResponse(f"/staff/pas?done=approved&ref={listing['ref']}", status_code=303)


@staff_required()
async def reject(request: Request) -> Response:
    listing = listing_or_404(request)
    if isinstance(listing, Response):
        return listing
    form = await request.form()
    reason = str(form.get("reason", "")).replace("\r\n", "\n").strip()
    errors: Errors = {}
    if not reason:
        errors["reason"] = "Enter the reason, so the PA knows what to change"
    elif len(reason) > MAX_REASON:
        errors["reason"] = f"Reason must be {MAX_REASON:,} characters or fewer"
    if errors:
        return record_page(request, listing, errors, {"reason": reason[: MAX_REASON + 1000]}, 400)
    engine, settings = request.app.state.engine, request.app.state.settings
    lifecycle_store.reject(engine, settings, listing["ref"], request.state.staff.id, reason)
    await run_in_threadpool(
        lifecycle_mail.send_rejection,
        settings,
        listing["email"],
        listing["first_name"],
        listing["ref"],
        reason,
    )
    return RedirectResponse(f"/staff/pas?done=rejected&ref={listing['ref']}", status_code=303)


@staff_required()
async def review_other(request: Request) -> Response:
    """Approve or reject one typed "Other" answer (the text the staff member saw): approved
    text shows on the public profile, and nowhere else."""
    listing = listing_or_404(request)
    if isinstance(listing, Response):
        return listing
    kind = request.path_params["kind"]
    if kind not in other_answers.KINDS:
        return render_page(request, "pages/404.html", status_code=404, title="Page not found")
    form = await request.form()
    decision = str(form.get("decision", ""))[:20]
    seen = str(form.get("seen", ""))[:40]
    field = f"other-{kind}"
    if decision not in other_answers.DECISIONS:
        return record_page(request, listing, {field: "Select approve or reject"}, {}, 400)
    try:
        await run_in_threadpool(
            other_answers.review,
            request.app.state.engine,
            listing["ref"],
            kind,
            decision,
            request.state.staff.id,
            seen,
        )
    except other_answers.Changed:
        fresh = lifecycle_store.get(request.app.state.engine, listing["ref"]) or listing
        message = (
            "The PA has changed or removed this answer since you opened the page, so nothing "
            "was recorded. Check what it says now"
        )
        return record_page(request, fresh, {field: message}, {}, 409)
    done = "other-approved" if decision == "approve" else "other-rejected"
    return RedirectResponse(
        f"/staff/pas/{listing['ref']}?done={done}#other-answers", status_code=303
    )


routes: list[BaseRoute] = [
    Route("/staff/pas", queue),
    Route("/staff/pas/{ref}", record),
    Route("/staff/pas/{ref}/approve", approve, methods=["POST"]),
    Route("/staff/pas/{ref}/reject", reject, methods=["POST"]),
    Route("/staff/pas/{ref}/other-answers/{kind}", review_other, methods=["POST"]),
]

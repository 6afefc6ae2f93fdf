"""The staff view of referrals: a queue with its clocks, and one record with its case-work forms
and timeline (the forms post to casework_routes). Every view of a record is audited."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pafinder.db import utcnow
from pafinder.referrals import access, casework, labels, store
from pafinder.referrals import checks as checks_
from pafinder.referrals import queue as queue_
from pafinder.referrals.models import CONTACT_METHODS, ROUTE_LABELS, referral_config
from pafinder.staff import store as staff_store
from pafinder.staff.auth import actor, refuse_service, staff_required
from pafinder.web.forms import error_list
from pafinder.web.render import render_page
from pafinder.workdays import london_date

FLAG_LABELS = {
    "outside_area": "Check: outside the area",
    "area_not_sure": "Check: area not known",
    "outside_age": "Check: outside the age range",
    "safeguarding_override": "Safeguarding: referred without consent",
}

# The case-work fields in page order, for the error summary.
CASEWORK_FIELDS = (
    "status",
    "refusal_reason",
    "delay_reason",
    "signposted_to",
    "status_note",
    "note",
    "assignee",
    "priority",
)
CONFLICT = (
    "This referral was changed by someone else while you were looking at it. "
    "Check the latest details, then make your change again"
)


@staff_required()
async def queue(request: Request) -> Response:
    """The queue, most urgent first, filtered by GET parameters (issue 9, point 1)."""
    content = request.app.state.content
    engine = request.app.state.engine
    member = request.state.staff
    visible = member.visible_services
    emails = await run_in_threadpool(casework.staff_emails, engine)
    parsed = queue_.parse(
        request.query_params, {s.slug for s in content.services}, emails, member.id
    )
    filters, errors = parsed.filters, parsed.errors
    if filters.service and not member.may_see(filters.service):
        return await run_in_threadpool(refuse_service, request, "service", filters.service)
    today = london_date(utcnow())
    page = None
    checks: dict[int, checks_.CheckDue] = {}
    if not errors:
        page = await run_in_threadpool(queue_.fetch, engine, filters, visible, today)
        ids = [row.id for row in page.rows]
        checks = await run_in_threadpool(checks_.next_due, engine, ids)
    return render_page(
        request,
        "referrals/staff_list.html",
        status_code=400 if errors else 200,
        title="Referrals",
        filters=filters,
        page=page,
        clocks={row.ref: queue_.clock(row, today) for row in page.rows} if page else {},
        checks=checks,
        today=today,
        pagination=queue_.pagination(page, filters) if page else None,
        services=[s for s in content.services if visible is None or s.slug in visible],
        names={s.slug: s.name for s in content.services},
        staff_emails=sorted(emails.values()),
        labels=labels,
        flag_labels=FLAG_LABELS,
        errors=errors,
        error_list=error_list(errors, queue_.FILTERS),
        breadcrumbs=[{"text": "Staff area", "href": "/staff/"}],
    )


def _record_view(engine: object, who: str, ref: str) -> None:
    with engine.begin() as conn:  # type: ignore[attr-defined]
        staff_store.record(conn, who, "referral.viewed", "referral", ref)


def _answers(request: Request, referral: store.Referral) -> list[tuple[str, str]]:
    service = request.app.state.content.service(referral.service)
    config = referral_config(service) if service else None
    questions = {q.id: q for q in config.questions} if config else {}
    answers = []
    for key, value in referral.answers.items():
        q = questions.get(key)
        if isinstance(value, list):
            shown = ", ".join(q.option_label(v) if q else v for v in value)
        elif q is not None and q.type == "one_of":
            shown = q.option_label(str(value))
        else:
            shown = str(value)
        answers.append((q.label if q else key, shown or "Not answered"))
    return answers


async def show_record(
    request: Request,
    referral: store.Referral,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    conflict: bool = False,
) -> Response:
    """The record page, also re-shown by the case-work forms with their errors (see
    casework_routes). Confidential records: every showing is auditable (who, when, which)."""
    engine = request.app.state.engine
    await run_in_threadpool(_record_view, engine, actor(request), referral.ref)
    service = request.app.state.content.service(referral.service)
    entries = await run_in_threadpool(casework.timeline, engine, referral.ref)
    record_checks = await run_in_threadpool(checks_.for_referral, engine, referral.ref)
    emails = await run_in_threadpool(casework.staff_emails, engine)
    active = await run_in_threadpool(access.assignable, engine, referral.service)
    errors = errors or {}
    summary = error_list(errors, CASEWORK_FIELDS)
    if conflict:
        summary.insert(0, {"text": CONFLICT, "href": "#case-work"})
        errors = {**errors, "version": CONFLICT}  # the page title starts "Error:"
    return render_page(
        request,
        "referrals/staff_detail.html",
        status_code=status_code,
        title=f"Referral {referral.ref}",
        referral=referral,
        service_name=service.name if service else referral.service,
        answers=_answers(request, referral),
        route_labels=ROUTE_LABELS,
        contact_methods=CONTACT_METHODS,
        flag_labels=FLAG_LABELS,
        overdue=referral.overdue(london_date(utcnow())),
        timeline=entries,
        checks=record_checks,
        check_configs=checks_.configs(service),
        today=london_date(utcnow()),
        staff_emails={str(k): v for k, v in emails.items()},
        assignable=list(active.values()),
        errors=errors,
        error_list=summary,
        values=values or {},
        labels=labels,
        breadcrumbs=[
            {"text": "Staff area", "href": "/staff/"},
            {"text": "Referrals", "href": "/staff/referrals"},
        ],
    )


@staff_required()
async def detail(request: Request) -> Response:
    found = await access.referral_for(request, request.path_params["ref"])
    if isinstance(found, Response):
        return found
    return await show_record(request, found)


routes = [
    Route("/staff/referrals", queue, methods=["GET"]),
    Route("/staff/referrals/{ref}", detail, methods=["GET"]),
]

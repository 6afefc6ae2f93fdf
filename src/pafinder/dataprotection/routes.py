"""/staff/data-protection: an administrator answers a subject access request or erases a person
(issue 12, point 9). Admin only: it reaches every service's records.

The person's email and phone travel only in POST bodies, never in a URL (personal data must not
reach logs). Finding records is a view of personal data and is audited; erasing asks first on a
confirmation page and is audited with counts only. Sending the confirmation twice erases once:
the second finds nothing left and records nothing.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from pafinder.dataprotection import service
from pafinder.staff import store as staff_store
from pafinder.staff.auth import actor, staff_required
from pafinder.subject import Subject
from pafinder.web.forms import error_list
from pafinder.web.render import render_page

BASE = "/staff/data-protection"
EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+$")
FIELDS = ("email", "phone")
PHONE = re.compile(r"^[0-9+()\-\s]{6,20}$")
LABELS = {
    "referrals": "Referrals about them",
    "referrals_made_for_others": "Referrals they made for someone else",
    "event_bookings": "Event bookings",
    "pa_listings": "PA listings",
    "messages_sent_to_pas": "Messages they sent to PAs",
    "complaints": "Complaints, compliments and comments",
    "newsletter_subscribers": "Newsletter subscriptions",
    "feedback_comments": "Feedback comments naming them",
    "mail_outbox": "Emails waiting to be sent to them",
}


def _read(form: Any) -> tuple[dict[str, str], dict[str, str]]:
    values = {f: str(form.get(f, "")).strip()[:300] for f in FIELDS}
    errors: dict[str, str] = {}
    if not values["email"]:
        errors["email"] = "Enter the person's email address"
    elif len(values["email"]) > 254 or not EMAIL.match(values["email"]):
        errors["email"] = "Enter an email address in the correct format, like name@example.com"
    if values["phone"] and not PHONE.match(values["phone"]):
        errors["phone"] = "Enter a phone number, like 07700 900 982, or leave it blank"
    return values, errors


def _form(request: Request, values: dict[str, str], errors: dict[str, str]) -> Response:
    return render_page(
        request,
        "dataprotection/search.html",
        status_code=400 if errors else 200,
        title="Subject access and erasure",
        values=values,
        errors=errors,
        error_list=error_list(errors, FIELDS),
        erased=request.query_params.get("done") == "erased",
    )


def _found(engine: Any, subject: Subject, who: str) -> dict[str, Any]:
    found = service.subject_access(engine, subject)
    with engine.begin() as conn:
        counts = {k: len(v) for k, v in found.items() if isinstance(v, list)}
        staff_store.record(conn, who, "person.subject_access", "person", "-", counts)
    return found


@staff_required(role="admin")
async def search(request: Request) -> Response:
    if request.method == "GET":
        return _form(request, {f: "" for f in FIELDS}, {})
    values, errors = _read(await request.form())
    if errors:
        return _form(request, values, errors)
    subject = Subject(values["email"], values["phone"])
    engine = request.app.state.engine
    found = await run_in_threadpool(_found, engine, subject, actor(request))
    counts = await run_in_threadpool(service.preview, engine, subject)
    return render_page(
        request,
        "dataprotection/found.html",
        title="Records held about this person",
        values=values,
        counts=[(LABELS.get(k, k), n) for k, n in counts.items()],
        total=sum(counts.values()),
        report=json.dumps(found, indent=2, ensure_ascii=False, default=str),
    )


@staff_required(role="admin")
async def download(request: Request) -> Response:
    values, errors = _read(await request.form())
    if errors:
        return _form(request, values, errors)
    engine = request.app.state.engine
    found = await run_in_threadpool(
        _found, engine, Subject(values["email"], values["phone"]), actor(request)
    )
    body = json.dumps(found, indent=2, ensure_ascii=False, default=str)
    return Response(
        body,
        media_type="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="subject-access.json"',
            "Cache-Control": "no-store",
        },
    )


@staff_required(role="admin")
async def erase(request: Request) -> Response:
    form = await request.form()
    values, errors = _read(form)
    if errors:
        return _form(request, values, errors)
    subject = Subject(values["email"], values["phone"])
    engine = request.app.state.engine
    counts = await run_in_threadpool(service.preview, engine, subject)
    if str(form.get("confirm", "")) != "yes":
        return render_page(
            request,
            "dataprotection/confirm.html",
            title="Are you sure you want to erase this person's records?",
            values=values,
            counts=[(LABELS.get(k, k), n) for k, n in counts.items() if n],
        )
    if any(counts.values()):  # nothing left: a second click, already done
        await run_in_threadpool(
            service.erase, engine, request.app.state.settings, subject, actor(request)
        )
    return RedirectResponse(f"{BASE}?done=erased", status_code=303)


routes = [
    Route(BASE, search, methods=["GET", "POST"]),
    Route(f"{BASE}/download", download, methods=["POST"]),
    Route(f"{BASE}/erase", erase, methods=["POST"]),
]

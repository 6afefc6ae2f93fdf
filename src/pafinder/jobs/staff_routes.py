"""Staff routes for job adverts: /staff/jobs (the queue of confirmed adverts waiting for a check),
each advert's page (a view of personal data: audited), Publish, or Return with a reason that is
emailed to the employer with their management link.

Adverts belong to no one service, so any signed-in staff member may check them. Every action is
audited in its own transaction, with the advert's reference only (never its words or address).
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from pafinder import outbox
from pafinder.jobs import emails, models, store
from pafinder.jobs.post import forms
from pafinder.staff import store as staff_store
from pafinder.staff.auth import actor, staff_required
from pafinder.web.render import render_page

BASE = "/staff/jobs"
MAX_REASON = 2000
CRUMBS = [{"text": "Staff area", "href": "/staff/"}]


@staff_required()
async def queue(request: Request) -> Response:
    engine = request.app.state.engine

    def load() -> list[dict[str, Any]]:
        with engine.connect() as conn:
            return store.pending(conn)

    waiting = await run_in_threadpool(load)
    return render_page(
        request,
        "jobs/staff/queue.html",
        title="Job adverts to check",
        jobs=waiting,
        done=request.query_params.get("done", "")[:20],
        breadcrumbs=CRUMBS,
    )


def _render_job(
    request: Request,
    job: dict[str, Any],
    errors: dict[str, str] | None = None,
    reason: str = "",
    status_code: int = 200,
) -> Response:
    errors = errors or {}
    return render_page(
        request,
        "jobs/staff/job.html",
        status_code=status_code,
        title=f"Job advert {job['ref']}",
        job=job,
        rows=forms.summary_rows(job, forms.labels(request.app.state.content), None, ()),
        postcode_district=forms.public_postcode(job["postcode"]),
        reason=reason,
        errors=errors,
        error_list=[{"text": m, "href": "#reason"} for m in errors.values()],
        breadcrumbs=[*CRUMBS, {"text": "Job adverts to check", "href": BASE}],
    )


@staff_required()
async def view(request: Request) -> Response:
    engine = request.app.state.engine
    ref = str(request.path_params["ref"])[:16]
    who = actor(request)

    def load() -> dict[str, Any] | None:
        with engine.begin() as conn:
            job = store.get_by_ref(conn, ref)
            if job is not None:
                staff_store.record(conn, who, "job.viewed", "job", job["ref"], {})
            return job

    job = await run_in_threadpool(load)
    if job is None:
        return render_page(request, "pages/404.html", status_code=404, title="Page not found")
    return _render_job(request, job)


@staff_required()
async def publish(request: Request) -> Response:
    engine = request.app.state.engine
    settings = request.app.state.settings
    ref = str(request.path_params["ref"])[:16]
    who = actor(request)
    member: Any = getattr(request.state, "staff", None)

    def run() -> tuple[dict[str, Any] | None, int | None]:
        with engine.begin() as conn:
            job = store.get_by_ref(conn, ref)
            if job is None or not store.publish(conn, job["id"], getattr(member, "id", None)):
                return job, None
            staff_store.record(conn, who, "job.published", "job", job["ref"], {})
            return job, outbox.queue(
                conn, emails.published(settings, job), emails.PUBLISHED_PURPOSE
            )

    job, message_id = await run_in_threadpool(run)
    if job is None:
        return render_page(request, "pages/404.html", status_code=404, title="Page not found")
    if message_id is not None:
        await run_in_threadpool(outbox.deliver, engine, settings, [message_id])
    # Already published or returned by someone else: back to the queue, nothing changed.
    return RedirectResponse(f"{BASE}?done={'published' if message_id else 'unchanged'}", 303)


@staff_required()
async def send_back(request: Request) -> Response:
    engine = request.app.state.engine
    settings = request.app.state.settings
    ref = str(request.path_params["ref"])[:16]
    who = actor(request)
    form = await request.form()
    reason = models.clean_text(form.get("reason", ""), MAX_REASON)

    def load() -> dict[str, Any] | None:
        with engine.connect() as conn:
            return store.get_by_ref(conn, ref)

    if not reason or len(reason) > MAX_REASON:
        job = await run_in_threadpool(load)
        if job is None:
            return render_page(request, "pages/404.html", status_code=404, title="Page not found")
        message = (
            "Enter the reason the advert needs changes: the employer gets it by email"
            if not reason
            else f"The reason must be {MAX_REASON:,} characters or fewer"
        )
        return _render_job(request, job, {"reason": message}, reason, 400)

    def run() -> tuple[dict[str, Any] | None, int | None]:
        with engine.begin() as conn:
            job = store.get_by_ref(conn, ref)
            if job is None or not store.send_back(conn, job["id"], reason):
                return job, None
            staff_store.record(conn, who, "job.returned", "job", job["ref"], {})
            return job, outbox.queue(
                conn, emails.returned(settings, job, reason), emails.RETURNED_PURPOSE
            )

    job, message_id = await run_in_threadpool(run)
    if job is None:
        return render_page(request, "pages/404.html", status_code=404, title="Page not found")
    if message_id is not None:
        await run_in_threadpool(outbox.deliver, engine, settings, [message_id])
    return RedirectResponse(f"{BASE}?done={'returned' if message_id else 'unchanged'}", 303)


routes: list[BaseRoute] = [
    Route(BASE, queue),
    Route(f"{BASE}/{{ref}}", view),
    Route(f"{BASE}/{{ref}}/publish", publish, methods=["POST"]),
    Route(f"{BASE}/{{ref}}/return", send_back, methods=["POST"]),
]

"""The employer's management page, reached by the signed link in every email: the advert's
status, change it (the question pages, see routes.edit), close it early, delete it.

A link that is tampered with gets 400, one whose advert is gone 404: a clear page, never a 500.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from pafinder.db import utcnow
from pafinder.jobs import signing, store
from pafinder.jobs.post import forms
from pafinder.web.render import render_page
from pafinder.workdays import london_date

STATUS_WORDS = {
    "unconfirmed": (
        "Waiting for you to confirm your email address",
        "Open the link in the email we sent you. Then our team checks the advert.",
    ),
    "pending": (
        "Waiting for our team to check it",
        "We check adverts within a few working days. We will email you when it is published.",
    ),
    "published": ("Published", "Personal assistants can see it and reply until it closes."),
    "returned": (
        "Sent back to you for changes",
        "Our team needs you to change the advert before it can be published.",
    ),
    "closed": ("Closed", "You closed the advert. Personal assistants can no longer see it."),
}


def link_problem(request: Request, expired: bool, status_code: int | None = None) -> Response:
    return render_page(
        request,
        "jobs/manage/link_problem.html",
        status_code=status_code or 400,
        title="This link has expired" if expired else "This link does not work",
        expired=expired,
    )


async def job_from_token(request: Request) -> dict[str, Any] | Response:
    try:
        job_id = signing.read_manage_token(
            request.app.state.settings, str(request.path_params["token"])
        )
    except signing.TokenProblem:
        return link_problem(request, expired=False)
    engine = request.app.state.engine

    def load() -> dict[str, Any] | None:
        with engine.connect() as conn:
            return store.get(conn, job_id)

    job = await run_in_threadpool(load)
    if job is None:
        return link_problem(request, expired=False, status_code=404)
    return job


async def overview(request: Request) -> Response:
    found = await job_from_token(request)
    if isinstance(found, Response):
        return found
    job = found
    status, explained = STATUS_WORDS.get(job["status"], (job["status"], ""))
    closed_by_date = job["status"] == "published" and job["closes"] < _today()
    return render_page(
        request,
        "jobs/manage/overview.html",
        title=f"Your job advert {job['ref']}",
        job=job,
        status=status if not closed_by_date else "Closed on its closing date",
        explained=explained if not closed_by_date else "",
        rows=forms.summary_rows(job, forms.labels(request.app.state.content), None, ()),
        token=request.path_params["token"],
        changed=request.query_params.get("changed") == "1",
        closed=request.query_params.get("closed") == "1",
        public=job["status"] == "published" and not closed_by_date,
    )


def _today() -> date:
    return london_date(utcnow())


async def close(request: Request) -> Response:
    found = await job_from_token(request)
    if isinstance(found, Response):
        return found
    engine = request.app.state.engine

    def run() -> None:
        with engine.begin() as conn:
            store.close(conn, int(found["id"]))

    await run_in_threadpool(run)
    token = request.path_params["token"]
    return RedirectResponse(f"/jobs/manage/{token}?closed=1", status_code=303)


async def delete(request: Request) -> Response:
    found = await job_from_token(request)
    if isinstance(found, Response):
        return found
    if request.method == "GET":
        return render_page(
            request,
            "jobs/manage/delete.html",
            title="Are you sure you want to delete your advert?",
            job=found,
            token=request.path_params["token"],
            back_link=f"/jobs/manage/{request.path_params['token']}",
        )
    engine = request.app.state.engine

    def run() -> None:
        with engine.begin() as conn:
            store.remove(conn, int(found["id"]))

    await run_in_threadpool(run)
    return RedirectResponse("/jobs/manage/deleted", status_code=303)


async def deleted(request: Request) -> Response:
    return render_page(request, "jobs/manage/deleted.html", title="Your advert has been deleted")


routes: list[BaseRoute] = [
    Route("/jobs/manage/deleted", deleted),
    Route("/jobs/manage/{token}", overview),
    Route("/jobs/manage/{token}/close", close, methods=["POST"]),
    Route("/jobs/manage/{token}/delete", delete, methods=["GET", "POST"]),
]

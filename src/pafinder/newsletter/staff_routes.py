"""`/staff/newsletter`: how many are on the list (and waiting to confirm), and the list as CSV.

The newsletter belongs to no one service, so any signed-in staff member may use these pages.
Counts are not personal data; the download is, so each one is audited."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from pafinder.db import utcnow
from pafinder.newsletter import store
from pafinder.newsletter.export import subscribers_csv
from pafinder.staff.auth import actor, staff_required
from pafinder.web.render import render_page


@staff_required()
async def overview(request: Request) -> Response:
    counts = await run_in_threadpool(store.counts, request.app.state.engine)
    return render_page(
        request,
        "newsletter/staff/overview.html",
        title="Newsletter",
        counts=counts,
        breadcrumbs=[{"text": "Staff area", "href": "/staff/"}],
    )


@staff_required()
async def download(request: Request) -> Response:
    body = await run_in_threadpool(subscribers_csv, request.app.state.engine, actor(request))
    name = f"newsletter-subscribers-{utcnow():%Y-%m-%d}.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


routes: list[BaseRoute] = [
    Route("/staff/newsletter", overview),
    Route("/staff/newsletter/subscribers.csv", download),
]

"""`GET /staff/feedback` (the services a member works on) and `GET /staff/feedback/{slug}`:
per statement how many answered and the percent who agreed against the 75% target, and the
comments newest first, for a period (`?from=&to=`, YYYY-MM-DD, both days included; this quarter
when neither is given). A service the member does not work on is refused (403, audited); every
view is audited, as comments can hold what people wrote about themselves.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pafinder.content import Service
from pafinder.db import utcnow
from pafinder.feedback import results, store
from pafinder.staff import store as staff_store
from pafinder.staff.auth import actor, refuse_service, staff_required
from pafinder.web.pagination import govuk_pagination
from pafinder.web.params import parse_id
from pafinder.web.render import render_page
from pafinder.workdays import london_date

PAGE_SIZE = 20


@staff_required()
async def index(request: Request) -> Response:
    member = request.state.staff
    services = [s for s in request.app.state.content.services if member.may_see(s.slug)]
    return render_page(request, "feedback/staff_index.html", title="Feedback", services=services)


def _load(
    engine: Engine, who: str, service: Service, period: results.Period, page: int
) -> dict[str, Any]:
    counts = store.answer_counts(engine, service.slug, period.start, period.end)
    total = store.response_count(engine, service.slug, period.start, period.end)
    comment_total = store.comment_count(engine, service.slug, period.start, period.end)
    pages = max(1, -(-comment_total // PAGE_SIZE))
    page = min(page, pages)
    comments = store.comments(
        engine, service.slug, period.start, period.end, (page - 1) * PAGE_SIZE, PAGE_SIZE
    )
    with engine.begin() as conn:
        detail = {"from": period.start.isoformat(), "to": period.end.isoformat()}
        staff_store.record(conn, who, "feedback.viewed", "service", service.slug, detail)
    return {
        "responses_text": results.count_text(total),
        "statements": results.statement_results(service.outcome_statements, counts),
        "comment_total": comment_total,
        "comments": comments,
        "page": page,
        "pages": pages,
        "first": (page - 1) * PAGE_SIZE + 1,
    }


def _pagination(slug: str, period: results.Period, page: int, pages: int) -> dict[str, Any] | None:
    def href(number: int) -> str:
        query = {**period.query(), **({"page": str(number)} if number > 1 else {})}
        return f"/staff/feedback/{slug}" + (f"?{urlencode(query)}" if query else "")

    return govuk_pagination(page, pages, href, "Pages of comments")


@staff_required()
async def service_results(request: Request) -> Response:
    slug = request.path_params["slug"]
    service: Service | None = request.app.state.content.service(slug)
    if service is None:
        return render_page(request, "pages/404.html", status_code=404, title="Page not found")
    if not request.state.staff.may_see(slug):
        return await run_in_threadpool(refuse_service, request, "service", slug)
    today = london_date(utcnow())
    period, errors, raw = results.parse_period(request.query_params, today)
    pages_asked = {str(v).strip() for v in request.query_params.getlist("page")} - {""}
    page = (
        parse_id(pages_asked.pop()) if len(pages_asked) == 1 else (1 if not pages_asked else None)
    )
    if page is None:
        errors["page"] = "The page number must be a whole number, like 2"
        page = 1
    data = await run_in_threadpool(
        _load, request.app.state.engine, actor(request), service, period, page
    )
    return render_page(
        request,
        "feedback/staff_results.html",
        status_code=400 if errors else 200,
        title=f"Feedback for the {service.name.lower()}",
        service=service,
        period=period,
        period_words=results.period_words(period, today),
        raw=raw,
        errors=errors,
        error_list=[{"text": m, "href": f"#{f}"} for f, m in errors.items()],
        links=results.period_links(today),
        target=results.TARGET,
        pagination=_pagination(slug, period, data["page"], data["pages"]),
        breadcrumbs=[
            {"text": "Staff area", "href": "/staff/"},
            {"text": "Feedback", "href": "/staff/feedback"},
        ],
        **data,
    )


routes = [
    Route("/staff/feedback", index, methods=["GET"]),
    Route("/staff/feedback/{slug}", service_results, methods=["GET"]),
]

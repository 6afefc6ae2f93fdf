"""The PA's routes: /jobs (open adverts with filters and counts), /jobs/{ref} (one advert),
GET /api/jobs (CONTRACT "Jobs and alerts") and replying (reply.py). No answer is cached: an
advert that closes or is taken down must disappear at once."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from pafinder.content import Content
from pafinder.jobs import public
from pafinder.jobs.find import filters, reply
from pafinder.jobs.find.search import JobParams, Result, SearchParamError, parse, search
from pafinder.register.find_filters import times
from pafinder.register.models import DBS_LABELS
from pafinder.web.forms import error_list
from pafinder.web.render import render_page

GENDER_WORDS = {"man": "a man", "woman": "a woman"}


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _run(request: Request) -> tuple[JobParams, Result]:
    """Shared by the page and the API; raises SearchParamError. Blocking: call in a thread."""
    state = request.app.state
    params = parse(request.query_params.multi_items(), state.content)
    return params, search(state.engine, state.content, params)


def _json(body: Any, status_code: int = 200) -> JSONResponse:
    response = JSONResponse(body, status_code=status_code)
    response.headers["cache-control"] = "no-store"
    return response


async def api_jobs(request: Request) -> Response:
    try:
        params, result = await run_in_threadpool(_run, request)
    except SearchParamError as exc:
        return _json({"errors": exc.errors}, status_code=400)
    with_distance = params.origin is not None
    distances = result.distances or [None] * len(result.jobs)
    return _json(
        [
            public.view(job, miles, with_distance)
            for job, miles in zip(result.jobs, distances, strict=True)
        ]
    )


async def find_jobs(request: Request) -> Response:
    content: Content = request.app.state.content
    errors: dict[str, str] = {}
    try:
        params, result = await run_in_threadpool(_run, request)
    except SearchParamError as exc:
        errors = dict(exc.errors)
        params, result = JobParams(), None
    tags = filters.tags(content, params)
    facets = result.facets if result else {}
    grid_times, grid_rows = filters.grid(content, params, facets.get(filters.GRID, {}))
    total = result.total if result else 0
    distances = result.distances if result else None
    jobs = result.jobs if result else []
    return render_page(
        request,
        "jobs/find/search.html",
        status_code=400 if errors else 200,
        title="Find a job as a personal assistant",
        nav="jobs",
        params=params,
        groups=filters.sections(content, params, facets),
        grid_times=grid_times,
        grid_rows=grid_rows,
        within_items=filters.within_items(params),
        typed_postcode=params.postcode or request.query_params.get("postcode", "")[:20],
        tags=tags,
        filtered=bool(tags),
        results=[
            {"job": job, "distance": distances[i] if distances else None}
            for i, job in enumerate(jobs)
        ],
        total=total,
        first=(params.page - 1) * params.per_page + 1,
        pagination=filters.pagination(params, total) if result else None,
        first_page_url=filters.search_url(params, 1),
        alert_url=filters.alert_url(params),
        distance_text=filters.distance_text,
        labels={name: filters.labels_for(content, name) for name in filters.FILTERS},
        pay=pay_text,
        long_date=lambda iso: long_date(date.fromisoformat(iso)),
        errors=errors,
        error_list=error_list(errors, filters.ERROR_ORDER),
    )


def pay_text(pay_per_hour: str) -> str:
    return f"\u00a3{pay_per_hour} an hour"


async def advert(request: Request) -> Response:
    content: Content = request.app.state.content
    job = await run_in_threadpool(
        public.get_open, request.app.state.engine, request.path_params["ref"]
    )
    if job is None:
        return reply.not_found(request)
    view = job.public
    return render_page(
        request,
        "jobs/find/advert.html",
        title=view.title,
        nav="jobs",
        job=job,
        view=view,
        labels={name: filters.labels_for(content, name) for name in filters.FILTERS},
        pay=pay_text(view.pay_per_hour),
        gender=GENDER_WORDS.get(view.gender_requirement, ""),
        dbs=DBS_LABELS.get(view.dbs, view.dbs),
        starts=long_date(date.fromisoformat(view.starts)),
        closes=long_date(date.fromisoformat(view.closes)),
        days=_days(content, set(view.availability)),
        times=times(content, breakable=True),
        breadcrumbs=[{"text": "Find a job", "href": "/jobs"}],
    )


def _days(content: Content, slots: set[str]) -> list[dict[str, Any]]:
    """Availability as rows of a day-by-time table (short day names keep it within 320 px)."""
    rows: dict[str, dict[str, Any]] = {}
    for term in content.taxonomies.get("availability", []):
        day = term.slug.partition("-")[0]
        name = term.label.split(" ")[0]
        row = rows.setdefault(day, {"day": name, "short": name[:3], "slots": []})
        row["slots"].append(term.slug in slots)
    return list(rows.values())


routes: list[BaseRoute] = [
    Route("/api/jobs", api_jobs),
    Route("/jobs", find_jobs),
    *reply.routes,
    Route("/jobs/{ref}", advert),
]

"""Routes every deployment has: site search, health check, the services API."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pafinder.db import ping
from pafinder.events.site_search import EventHit, search_events
from pafinder.search import PAGES, PageResults, current_generation, search_pages
from pafinder.web.openapi import routes as openapi_routes
from pafinder.web.pagination import govuk_pagination
from pafinder.web.params import parse_id
from pafinder.web.render import render_page

MAX_QUERY = 200


async def site_search(request: Request) -> Response:
    query = request.query_params.get("q", "").strip()
    error = None
    if len(query) > MAX_QUERY:
        error = f"Search words must be {MAX_QUERY} characters or fewer"
        query = query[:MAX_QUERY]
    page = parse_id(request.query_params.get("page", "1")) or 1
    state = request.app.state
    results = corrected = None
    events: list[EventHit] = []
    if query:  # Whoosh reads the disk and scores: off the event loop, so others are not held up
        results = await run_in_threadpool(search_pages, state.settings.index_dir, query, 20, page)
        if not results.hits and results.suggestion:
            # Nothing for what was typed: show what the suggested spelling finds straight away.
            corrected = results
            results = await run_in_threadpool(
                search_pages, state.settings.index_dir, corrected.suggestion or "", 20, page
            )
        events = await run_in_threadpool(search_events, state.engine, results.query)
    content = state.content
    sections = {s.slug: s.title for s in content.site.sections}
    return render_page(
        request,
        "pages/search.html",
        private=False,
        title=f"Search results for ‘{query}’" if query else "Search this website",
        query=query,
        results=results,
        corrected=corrected,
        events=events,
        pagination=_pagination(results, query),
        sections=sections,
        section_list=content.site.sections,
        errors={"search-q": error} if error else {},
        error_list=[{"text": error, "href": "#search-q"}] if error else [],
        nav="search",
    )


def _pagination(results: PageResults | None, query: str) -> dict[str, Any] | None:
    if results is None:
        return None
    return govuk_pagination(
        results.page,
        results.pages,
        lambda n: "/search?" + urlencode({"q": query, "page": n}),
        "Search results pages",
    )


async def healthz(request: Request) -> Response:
    state = request.app.state
    db_ok = ping(state.engine)
    index_ok = current_generation(state.settings.index_dir, PAGES) is not None
    if db_ok and index_ok:
        return JSONResponse({"status": "ok"})
    return JSONResponse({"status": "error", "database": db_ok, "index": index_ok}, status_code=503)


async def services_api(request: Request) -> Response:
    return JSONResponse(
        [
            {
                "slug": s.slug,
                "name": s.name,
                "respond_within_working_days": s.respond_within_working_days,
            }
            for s in request.app.state.content.services
        ]
    )


routes = [
    Route("/search", site_search),
    Route("/healthz", healthz),
    Route("/api/services", services_api),
    *openapi_routes,  # /api/openapi.json: the JSON answers above and the features' APIs
]

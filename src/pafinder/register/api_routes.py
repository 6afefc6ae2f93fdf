"""`GET /api/pas` and `GET /api/pas/{ref}` exactly as CONTRACT.md. Answers are never cached
(`no-store`): a withdrawn listing must disappear at once, also from proxies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from pafinder.content import Content
from pafinder.register import search, store
from pafinder.register.models import (
    ALL_OF,
    ANY_OF,
    FLAGS,
    PARAMS,
    SearchParamError,
    SearchParams,
    parse_search_params,
)
from pafinder.register.tables import DBS_LEVELS

FACET_TAXONOMY = {**ANY_OF, **ALL_OF}
# How often a parameter may repeat: a filter as often as its taxonomy has values (ticking every
# box is fine), anything else this often. More can only be repeats, and would be work for nothing.
MIN_REPEATS = 10


def _json(body: Any, status_code: int = 200) -> JSONResponse:
    response = JSONResponse(body, status_code=status_code)
    response.headers["cache-control"] = "no-store"
    return response


def ordered_facets(
    facets: dict[str, dict[str, int]], content: Content
) -> dict[str, dict[str, int]]:
    """Facet values in taxonomy order (DBS in level order), as people read them; the yes/no
    filters' {"yes": n} as they are."""
    out = {}
    for name, counts in facets.items():
        if name in FLAGS:
            out[name] = dict(counts)
            continue
        order = DBS_LEVELS if name == "dbs" else tuple(content.labels(FACET_TAXONOMY[name]))
        out[name] = {slug: counts[slug] for slug in order if slug in counts}
    return out


def check_repeats(query: Sequence[tuple[str, str]], content: Content) -> None:
    """Refuse a search parameter given more often than it has values (SearchParamError)."""
    given: dict[str, int] = {}
    for key, _value in query:
        if key in PARAMS:
            given[key] = given.get(key, 0) + 1
    errors = {}
    for name, times in given.items():
        taxonomy = FACET_TAXONOMY.get(name)
        limit = max(MIN_REPEATS, len(content.labels(taxonomy)) if taxonomy else 0)
        if times > limit:
            errors[name] = f"{name} can be given at most {limit} times, not {times}"
    if errors:
        raise SearchParamError(errors)


def run_search(request: Request) -> tuple[SearchParams, search.SearchResult, list[Any]]:
    """Shared by the API and the HTML page; raises SearchParamError on bad parameters. Blocking
    (text search, bitmaps, database reads): call it in a thread, never on the event loop."""
    state = request.app.state
    query = request.query_params.multi_items()
    check_repeats(query, state.content)
    params = parse_search_params(query, state.content)
    result = search.search(state.engine, state.settings, params)
    listings = store.public_views(state.engine, result.ids)
    return params, result, listings


def with_distances(listings: list[Any], distances: list[float | None] | None) -> list[Any]:
    """The public views; with a postcode, each gains "distance_miles" (CONTRACT "Distance")."""
    views = [listing.model_dump() for listing in listings]
    if distances is not None:
        for view, miles in zip(views, distances, strict=True):
            view["distance_miles"] = miles
    return views


async def api_pas(request: Request) -> Response:
    try:
        _params, result, listings = await run_in_threadpool(run_search, request)
    except SearchParamError as exc:
        return _json({"errors": exc.errors}, status_code=400)
    return _json(
        {
            "total": result.total,
            "page": result.page,
            "per_page": result.per_page,
            "results": with_distances(listings, result.distances),
            "facets": ordered_facets(result.facets, request.app.state.content),
        }
    )


async def api_pa(request: Request) -> Response:
    listing = await run_in_threadpool(
        store.get_public, request.app.state.engine, request.path_params["ref"]
    )
    if listing is None:
        return _json({"error": "No published listing has this reference"}, status_code=404)
    return _json(listing.model_dump())


routes: list[BaseRoute] = [
    Route("/api/pas", api_pas),
    Route("/api/pas/{ref}", api_pa),
]

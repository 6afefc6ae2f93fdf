"""/api/oruk/...: the pre-rendered file of site/api/oruk/ when a request has no query (what
nginx or a CDN would send), the feed filtered and paged from the database otherwise. Every
answer, errors included, carries Access-Control-Allow-Origin: * (the profile's CORS rule)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pafinder.nodes import store as shared
from pafinder.oruk.feed import (
    Feed,
    feed_from_db,
    root,
    sal_summary,
    service_summary,
    taxonomy_summary,
)
from pafinder.oruk.publish import FOLDER
from pafinder.oruk.query import Query, matches, page, parse
from pafinder.web.static import prebuilt

CORS = {"access-control-allow-origin": "*"}
CACHE = "public, max-age=60"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def answer(data: Any, status_code: int = 200) -> Response:
    cache = CACHE if status_code == 200 else "no-store"
    return JSONResponse(data, status_code=status_code, headers={**CORS, "cache-control": cache})


def _static(request: Request, rel: str) -> Response | None:
    path = request.app.state.settings.site_dir / FOLDER / rel
    if not path.is_file():
        return None
    response = prebuilt(path, request.scope, "application/json", CACHE)
    response.headers.update(CORS)
    return response


# Filtered answers are made from one in-memory feed, kept for a minute and dropped at once when
# events publish (on any node: the generation is in the database), so a burst of queries does
# not rebuild it each time.
FEED_SECONDS = 60


def _current_feed(state: Any) -> Feed:
    engine, content, base_url = state.engine, state.content, state.settings.base_url
    current = shared.generation(engine, shared.EVENTS)
    kept: tuple[int, float, Feed] | None = getattr(state, "oruk_feed", None)
    if kept and kept[0] == current and kept[1] > time.monotonic():
        return kept[2]
    feed = feed_from_db(engine, content, base_url)
    state.oruk_feed = (current, time.monotonic() + FEED_SECONDS, feed)
    return feed


async def _feed(request: Request) -> Feed:
    return await run_in_threadpool(_current_feed, request.app.state)


async def index(request: Request) -> Response:
    return _static(request, "index.json") or answer(root(request.app.state.settings.base_url))


def listing(
    name: str, items: Callable[[Feed, Query], list[dict[str, Any]]], filters: bool
) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        if not request.query_params and (found := _static(request, f"{name}.json")):
            return found
        query = parse(request.query_params, filters)
        if query.errors:
            return answer({"errors": query.errors}, 400)
        return answer(page(items(await _feed(request), query), query))

    return endpoint


def detail(
    name: str, find: Callable[[Feed, str], dict[str, Any] | None]
) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        key = str(request.path_params.get("id", ""))
        if not _UUID.fullmatch(key):
            return answer({"errors": {"id": "Not an id from this feed"}}, 404)
        if found := _static(request, f"{name}/{key}.json"):
            return found
        record = find(await _feed(request), key)
        if record is None:
            return answer(
                {"errors": {"id": "Not in this feed (it may have finished or been cancelled)"}}, 404
            )
        return answer(record)

    return endpoint


def _chosen(feed: Feed, query: Query) -> list[dict[str, Any]]:
    empty: frozenset[str] = frozenset()
    return [s for s in feed.services if matches(s, query, feed.districts.get(s["id"], empty))]


def _services(feed: Feed, query: Query) -> list[dict[str, Any]]:
    return [service_summary(s) for s in _chosen(feed, query)]


def _sals(feed: Feed, query: Query) -> list[dict[str, Any]]:
    chosen = _chosen(feed, query)
    return [sal_summary(s) for s in feed.service_at_locations(chosen)]


routes = [
    Route("/api/oruk", index),
    Route("/api/oruk/", index),
    Route("/api/oruk/services", listing("services", _services, True)),
    Route("/api/oruk/services/{id}", detail("services", Feed.service)),
    Route("/api/oruk/service_at_locations", listing("service_at_locations", _sals, True)),
    Route(
        "/api/oruk/service_at_locations/{id}",
        detail("service_at_locations", Feed.service_at_location),
    ),
    Route(
        "/api/oruk/taxonomies",
        listing("taxonomies", lambda f, q: [taxonomy_summary(t) for t in f.taxonomies], False),
    ),
    Route("/api/oruk/taxonomies/{id}", detail("taxonomies", Feed.taxonomy)),
    Route("/api/oruk/taxonomy_terms", listing("taxonomy_terms", lambda f, q: f.terms, False)),
    Route("/api/oruk/taxonomy_terms/{id}", detail("taxonomy_terms", Feed.term)),
]

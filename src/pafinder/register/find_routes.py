"""`/find-a-pa` (search with filters and counts), `/find-a-pa/{ref}` (a public profile) and the
'Contact this PA' form (see contact.py). Pages show personal data, so none is cached: no-store."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from pafinder.content import Content
from pafinder.register import activity, contact, find_filters, find_panel, search, store
from pafinder.register.api_routes import run_search
from pafinder.register.models import ALL_OF, DBS_LABELS, FACETS, SearchParamError, SearchParams
from pafinder.web.forms import error_list
from pafinder.web.render import render_page

LONDON = ZoneInfo("Europe/London")
FILTERS = find_filters.FILTERS
FLAG_LABELS = find_filters.FLAG_LABELS


def london_date(moment: datetime) -> str:
    local = moment.replace(tzinfo=UTC).astimezone(LONDON)
    return f"{local.day} {local:%B %Y}"


def long_date(day: Any) -> str:
    return f"{day.day} {day:%B %Y}"


_url = find_filters.search_url


# At most this many ways to relax a search are counted, so an empty page with every filter value
# ticked costs a few dozen bitmap counts and one text search, not thousands (issue 8).
MAX_CANDIDATES = 12
Candidate = tuple[str, str | None]  # (parameter, value); value None: the whole parameter


def _describe(request: Request, params: SearchParams, name: str, value: str | None) -> str:
    if name == "q":
        return f"your search words \u2018{params.q}\u2019"
    if name == "dbs":
        return f"DBS level: {DBS_LABELS[params.dbs or 'none']} or higher"
    if name not in FILTERS:
        return find_filters.filter_text({}, params, name, value or "")
    legend, taxonomy = FILTERS[name]
    if value is None:
        return f"all your choices under \u2018{legend}\u2019"
    return f"{legend}: {request.app.state.content.labels(taxonomy).get(value, value)}"


def _candidates(params: SearchParams) -> list[Candidate]:
    """What could be removed: each filter value, or, when there are more than MAX_CANDIDATES,
    each parameter as a whole (there are at most 17 parameters, q included)."""
    found: list[Candidate] = [*([("q", None)] if params.q else []), *params.active()]
    if len(found) <= MAX_CANDIDATES:
        return found
    by_name: dict[str, list[str | None]] = {}
    for name, value in found:
        by_name.setdefault(name, []).append(value)
    return [(n, values[0] if len(values) == 1 else None) for n, values in by_name.items()]


def _without(params: SearchParams, removed: list[Candidate]) -> SearchParams:
    for name, value in removed:
        params = params.without(name, value)
    return params


def _suggestions(request: Request, params: SearchParams) -> list[dict[str, Any]]:
    """For an empty result: which filters to remove, with how many listings that would show.
    Up to three single filters, best first; when no single one helps, the fewest that do,
    removing first the filter that on its own finds the fewest listings. Bounded: at most
    3 x MAX_CANDIDATES counts, with one text search between them."""
    state = request.app.state
    counter = search.Counter(state.engine, state.settings)
    candidates = _candidates(params)

    singles = []
    for name, value in candidates:
        relaxed = params.without(name, value)
        singles.append((counter.count(relaxed), name, value, relaxed))
    singles.sort(key=lambda s: -s[0])
    if singles and singles[0][0]:
        return [
            {"text": _describe(request, params, n, v), "count": c, "href": _url(r)}
            for c, n, v, r in singles[:3]
            if c
        ]

    def alone(candidate: Candidate) -> int:
        """Listings this filter finds on its own (all the others removed)."""
        return counter.count(_without(params, [c for c in candidates if c != candidate]))

    removed: list[Candidate] = []
    for candidate in sorted(candidates, key=alone):
        removed.append(candidate)
        relaxed = _without(params, removed)
        total = counter.count(relaxed)
        if total:
            text = " and ".join(_describe(request, params, n, v) for n, v in removed)
            return [{"text": text, "count": total, "href": _url(relaxed)}]
    return []


def _pagination(params: SearchParams, total: int) -> dict[str, Any] | None:
    pages = max(1, -(-total // params.per_page))
    if pages == 1:
        return None
    current = min(params.page, pages)
    shown = sorted({1, pages, current - 1, current, current + 1} & set(range(1, pages + 1)))
    items: list[dict[str, Any]] = []
    for i, number in enumerate(shown):
        if i and number - shown[i - 1] > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": _url(params, number), "current": number == current})
    result: dict[str, Any] = {"items": items, "landmarkLabel": "Search results pages"}
    if current > 1:
        result["previous"] = {"href": _url(params, current - 1)}
    if current < pages:
        result["next"] = {"href": _url(params, current + 1)}
    return result


async def find_a_pa(request: Request) -> Response:
    content: Content = request.app.state.content
    errors: dict[str, str] = {}
    try:
        # Off the event loop: the text search, bitmaps and database reads would hold up every
        # other request on this worker while they run.
        params, result, listings = await run_in_threadpool(run_search, request)
    except SearchParamError as exc:
        errors = {name: f"{message}" for name, message in exc.errors.items()}
        params, result, listings = SearchParams(), None, []
    facets = result.facets if result else {name: {} for name in FACETS}
    extras = result.extra_facets if result else {}
    total = result.total if result else 0
    suggestions = (
        await run_in_threadpool(_suggestions, request, params) if result and not total else []
    )
    # One search for the returns: page 1 of an answered search; paging on is the same search.
    counted = result is not None and params.page == 1 and request.method == "GET"
    times, grid_rows = find_filters.grid(content, params, facets.get(find_filters.GRID, {}))
    tags = find_filters.tags(content, params)
    labels = {name: content.labels(tax) for name, (_, tax) in FILTERS.items()}
    # Rendered in a thread too: a few milliseconds of Jinja per page would otherwise hold up
    # every static page and /healthz on this worker (issue 16).
    response = await run_in_threadpool(
        render_page,
        request,
        "register/find/search.html",
        status_code=400 if errors else 200,
        title="Find a personal assistant",
        nav="find-a-pa",
        params=params,
        groups=find_filters.sections(content, params, facets),
        dbs_items=find_filters.dbs_items(params, facets),
        flags=find_filters.flag_items(params, facets, FLAG_LABELS),
        other_open=find_filters.other_open(params),
        hours_items=find_filters.hours_items(params, extras.get("hours", {})),
        work_flags=find_filters.flag_items(params, extras, find_filters.EXTRA_LABELS),
        work_open=find_filters.work_open(params),
        grid_times=times,
        grid_rows=grid_rows,
        grid_open=bool(params.all_of.get(find_filters.GRID)),
        tags=tags,
        listings=listings,
        back=find_filters.back_query(params),
        total=total,
        first=(params.page - 1) * params.per_page + 1,
        pagination=_pagination(params, total) if result else None,
        first_page_url=_url(params, 1),
        suggestions=suggestions,
        distances=result.distances if result else None,
        distance_text=find_filters.distance_text,
        within_items=find_filters.within_items(params),
        # As typed, so a postcode we could not find is shown again to be corrected.
        typed_postcode=params.postcode or request.query_params.get("postcode", "")[:20],
        errors=errors,
        error_list=error_list(errors, find_filters.ERROR_ORDER),
        filtered=bool(tags),
        options=find_panel.options,
        facts=[find_panel.facts(pa, labels["area"], labels["task"], DBS_LABELS) for pa in listings],
    )
    if counted:
        # Written once the page is sent, in a thread: a SQLite commit waits on the disk, and
        # was 40% of this page's time (issue 16). Its own transaction, as before.
        response.background = BackgroundTask(activity.record_search, request.app.state.engine)
    return response


async def profile(request: Request) -> Response:
    content: Content = request.app.state.content
    found = await run_in_threadpool(
        store.get_profile, request.app.state.engine, request.path_params["ref"]
    )
    if found is None:
        return render_page(
            request, "register/find/not_found.html", status_code=404,
            title="This listing is not available", nav="find-a-pa",
        )  # fmt: skip
    listing = found.listing
    # Repeated or odd `back` values: the last one only, validated into a /find-a-pa search.
    back_values = request.query_params.getlist("back")
    back = find_filters.back_url(back_values[-1] if back_values else None, content)
    response = render_page(
        request,
        "register/find/profile.html",
        title=listing.display_name,
        nav="find-a-pa",
        profile=found,
        listing=listing,
        labels={name: content.labels(tax) for name, (_, tax) in FILTERS.items()},
        qualification_labels=content.labels("qualifications"),
        dbs_labels=DBS_LABELS,
        checked_on=london_date(found.dbs_checked_on) if found.dbs_checked_on else None,
        long_date=long_date,
        expired=[t for t in found.training if t.expired],
        expired_labels=[
            content.labels("qualifications").get(t.slug, t.slug)
            for t in found.training
            if t.expired
        ],
        updated_on=long_date(date.fromisoformat(listing.updated)),
        days=_days(content, set(listing.availability)),
        times=find_filters.times(content, breakable=True),
        back=back,
        breadcrumbs=[{"text": "Find a personal assistant", "href": back}],
    )
    # A person's page: kept out of search engines (robots.txt also disallows /find-a-pa/).
    response.headers["x-robots-tag"] = "noindex"
    return response


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
    Route("/find-a-pa", find_a_pa),
    Route("/find-a-pa/{ref}", profile),
    *contact.routes,
]

__all__ = ["ALL_OF", "routes"]

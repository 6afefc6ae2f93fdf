"""`/find-a-pa` (search with filters and counts), `/find-a-pa/{ref}` (a public profile) and the
'Contact this PA' form (see contact.py). Pages show personal data, so none is cached: no-store."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from pafinder.content import Content
from pafinder.register import contact, search, store
from pafinder.register.api_routes import run_search
from pafinder.register.models import (
    ALL_OF,
    ANY_OF,
    DBS_LABELS,
    FACETS,
    SearchParamError,
    SearchParams,
)
from pafinder.register.tables import DBS_LEVELS
from pafinder.web.forms import error_list
from pafinder.web.render import render_page

LONDON = ZoneInfo("Europe/London")
FILTERS = {  # parameter -> (legend, taxonomy)
    "area": ("Areas covered", "areas"),
    "task": ("Help with", "tasks"),
    "client_group": ("Experience of supporting", "client_groups"),
    "age_group": ("Ages supported", "age_groups"),
    "language": ("Languages", "languages"),
    "availability": ("Available", "availability"),
    "gender": ("Gender of the PA", "genders"),
}
FLAG_LABELS = {
    "dbs_checked": "DBS checked by our staff",
    "driving": "Has a driving licence",
    "non_smoker": "Does not smoke",
}
PARAM_NAMES = {
    "q": "your search words",
    **{name: legend.lower() for name, (legend, _) in FILTERS.items()},
    "dbs": "DBS level",
    **{name: label.lower() for name, label in FLAG_LABELS.items()},
}


def london_date(moment: datetime) -> str:
    local = moment.replace(tzinfo=UTC).astimezone(LONDON)
    return f"{local.day} {local:%B %Y}"


def long_date(day: Any) -> str:
    return f"{day.day} {day:%B %Y}"


def _url(params: SearchParams, page: int | None = None) -> str:
    query = urlencode(params.query_items(page))
    return "/find-a-pa" + (f"?{query}" if query else "")


def _options(content: Content, params: SearchParams, facets: dict[str, dict[str, int]]) -> Any:
    """Every filter's checkboxes, with the count of matching listings beside each value."""
    groups = []
    for name, (legend, taxonomy) in FILTERS.items():
        selected = set(params.any_of.get(name, ()) or params.all_of.get(name, ()))
        counts = facets.get(name, {})
        items = [
            {
                "value": term.slug,
                "text": f"{term.label} ({counts.get(term.slug, 0)})",
                "checked": term.slug in selected,
            }
            for term in content.taxonomies.get(taxonomy, [])
        ]
        hint = "Any of these" if name in ANY_OF else "All of these"
        groups.append(
            {"name": name, "legend": legend, "hint": hint, "items": items, "open": bool(selected)}
        )
    dbs_counts = facets.get("dbs", {})
    dbs_items = [{"value": "", "text": "Any, or none", "checked": not params.dbs}]
    for i, level in enumerate(DBS_LEVELS[1:], start=1):
        at_least = sum(dbs_counts.get(lv, 0) for lv in DBS_LEVELS[i:])
        label = DBS_LABELS[level] + (" or higher" if level != DBS_LEVELS[-1] else "")
        dbs_items.append(
            {"value": level, "text": f"{label} ({at_least})", "checked": params.dbs == level}
        )
    return groups, dbs_items


def _describe(request: Request, params: SearchParams, name: str, value: str | None) -> str:
    if name == "q":
        return f"your search words \u2018{params.q}\u2019"
    if name == "dbs" and value:
        return f"DBS level: {DBS_LABELS[value]} or higher"
    if name in FLAG_LABELS:
        return FLAG_LABELS[name]
    legend, taxonomy = FILTERS[name]
    return f"{legend}: {request.app.state.content.labels(taxonomy).get(value or '', value)}"


def _suggestions(request: Request, params: SearchParams) -> list[dict[str, Any]]:
    """For an empty result: which filters to remove, with how many listings that would show.
    Up to three single filters, best first; when no single one helps, the fewest filters that
    do (removed greedily, each time the one that leaves the most listings)."""
    state = request.app.state

    def found(p: SearchParams) -> int:
        return search.count(state.engine, state.settings, p)

    def candidates(p: SearchParams) -> list[tuple[str, str | None]]:
        return [*([("q", None)] if p.q else []), *p.active()]

    singles = []
    for name, value in candidates(params):
        relaxed = params.without(name, value)
        singles.append((found(relaxed), name, value, relaxed))
    singles.sort(key=lambda s: -s[0])
    if singles and singles[0][0]:
        return [
            {"text": _describe(request, params, n, v), "count": c, "href": _url(r)}
            for c, n, v, r in singles[:3]
            if c
        ]
    relaxed, removed, total = params, [], 0
    while not total and candidates(relaxed):
        options = [(found(relaxed.without(n, v)), n, v) for n, v in candidates(relaxed)]
        total, name, value = max(options, key=lambda o: o[0])
        relaxed = relaxed.without(name, value)
        removed.append(_describe(request, params, name, value))
    if not total:
        return []
    return [{"text": " and ".join(removed), "count": total, "href": _url(relaxed)}]


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
        params, result, listings = run_search(request)
    except SearchParamError as exc:
        errors = {name: f"{message}" for name, message in exc.errors.items()}
        params, result, listings = SearchParams(), None, []
    facets = result.facets if result else {name: {} for name in FACETS}
    groups, dbs_items = _options(content, params, facets)
    total = result.total if result else 0
    return render_page(
        request,
        "register/find/search.html",
        status_code=400 if errors else 200,
        title="Find a personal assistant",
        nav="find-a-pa",
        params=params,
        groups=groups,
        dbs_items=dbs_items,
        flags=[
            {"value": "yes", "name": n, "text": t, "checked": n in params.flags}
            for n, t in FLAG_LABELS.items()
        ],
        listings=listings,
        total=total,
        first=(params.page - 1) * params.per_page + 1,
        labels={name: content.labels(tax) for name, (_, tax) in FILTERS.items()},
        dbs_labels=DBS_LABELS,
        pagination=_pagination(params, total) if result else None,
        first_page_url=_url(params, 1),
        suggestions=_suggestions(request, params) if result and not total else [],
        errors=errors,
        error_list=error_list(errors, ["q", *FILTERS, "dbs", *FLAG_LABELS, "page", "per_page"]),
        filtered=bool(params.q or params.active()),
    )


async def profile(request: Request) -> Response:
    content: Content = request.app.state.content
    found = store.get_profile(request.app.state.engine, request.path_params["ref"])
    if found is None:
        return render_page(
            request, "register/find/not_found.html", status_code=404,
            title="This listing is not available", nav="find-a-pa",
        )  # fmt: skip
    listing = found.listing
    return render_page(
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
        times=_times(content),
        breadcrumbs=[{"text": "Find a personal assistant", "href": "/find-a-pa"}],
    )


def _days(content: Content, slots: set[str]) -> list[dict[str, Any]]:
    """Availability as rows of a day-by-time table."""
    rows: dict[str, dict[str, Any]] = {}
    for term in content.taxonomies.get("availability", []):
        day = term.slug.partition("-")[0]
        name = term.label.split(" ")[0]
        row = rows.setdefault(day, {"day": name, "slots": []})
        row["slots"].append(term.slug in slots)
    return list(rows.values())


def _times(content: Content) -> list[str]:
    """Column headings of the availability table ("Morning", ...), from the first day's labels."""
    terms = content.taxonomies.get("availability", [])
    first_day = terms[0].slug.partition("-")[0] if terms else ""
    return [
        t.label.partition(" ")[2].capitalize() for t in terms if t.slug.startswith(first_day + "-")
    ]


routes: list[BaseRoute] = [
    Route("/find-a-pa", find_a_pa),
    Route("/find-a-pa/{ref}", profile),
    *contact.routes,
]

__all__ = ["ALL_OF", "routes"]

"""What `/jobs` draws from a search: the filter sections with their counts, the selected filters
as tags linking to the search without each, the distance choices, paging and the alert link.
Same pattern as /find-a-pa (pafinder.register.find_filters): filters behind a <details>, so
they need no JavaScript."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from pafinder.content import Content
from pafinder.jobs.find.search import ANY_OF, HOURS_BANDS, WITHIN_MILES, JobParams
from pafinder.register.find_filters import distance_text, miles_text, times

FILTERS = {  # parameter -> (legend, taxonomy; "" for the fixed hours bands)
    "area": ("Area", "areas"),
    "task": ("Help needed with", "tasks"),
    "availability": ("Days and times", "availability"),
    "hours": ("Hours a week", ""),
}
ERROR_ORDER = ["postcode", "within", *FILTERS, "page", "per_page"]
# Drawn as a day-by-time grid of checkboxes (as on /find-a-pa), not a list of 28.
GRID = "availability"


def search_url(params: JobParams, page: int | None = None) -> str:
    query = urlencode(params.query_items(page))
    return "/jobs" + (f"?{query}" if query else "")


def alert_url(params: JobParams) -> str:
    """ "Email me new jobs like these": the alerts sign-up with this search's areas and tasks."""
    pairs = [("area", a) for a in params.area] + [("task", t) for t in params.task]
    return "/jobs/alerts" + (f"?{urlencode(pairs)}" if pairs else "")


def labels_for(content: Content, name: str) -> dict[str, str]:
    if name == "hours":
        return {slug: band[0] for slug, band in HOURS_BANDS.items()}
    return content.labels(FILTERS[name][1])


def tags(content: Content, params: JobParams) -> list[dict[str, str]]:
    out = []
    for name, value in params.active():
        if name == "postcode":
            text = f"Near {value}"
        elif name == "within":
            text = f"Within {miles_text(int(value))}"
        else:
            text = f"{FILTERS[name][0]}: {labels_for(content, name).get(value, value)}"
        out.append({"text": text, "href": search_url(params.without(name, value))})
    return out


def sections(
    content: Content, params: JobParams, facets: Mapping[str, Mapping[str, int]]
) -> list[dict[str, Any]]:
    groups = []
    for name, (legend, _taxonomy) in FILTERS.items():
        selected = set(getattr(params, name))
        counts = facets.get(name, {})
        items = [
            {
                "value": slug,
                "text": f"{label} ({counts.get(slug, 0):,})",
                "checked": slug in selected,
            }
            for slug, label in labels_for(content, name).items()
        ]
        hint = "Any of these" if name in ANY_OF or name == "hours" else "All of these"
        groups.append(
            {"name": name, "legend": legend, "hint": hint, "items": items, "open": bool(selected)}
        )
    return groups


def grid(
    content: Content, params: JobParams, counts: Mapping[str, int]
) -> tuple[list[str], list[dict[str, Any]]]:
    """Availability as (column headings, rows of a day-by-time table of checkboxes); each
    checkbox's label (visually hidden) names the slot and its count."""
    chosen = set(params.availability)
    rows: dict[str, dict[str, Any]] = {}
    for term in content.taxonomies.get("availability", []):
        day = term.slug.partition("-")[0]
        name = term.label.split(" ")[0]
        row = rows.setdefault(day, {"day": name, "short": name[:3], "cells": []})
        row["cells"].append(
            {
                "slug": term.slug,
                "label": f"{term.label} ({counts.get(term.slug, 0):,})",
                "checked": term.slug in chosen,
            }
        )
    return times(content, breakable=True), list(rows.values())


def within_items(params: JobParams) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = [{"value": "", "text": "Any distance"}]
    for miles in WITHIN_MILES:
        items.append(
            {
                "value": str(miles),
                "text": f"Within {miles_text(miles)}",
                "selected": params.within == miles,
            }
        )
    return items


def pagination(params: JobParams, total: int) -> dict[str, Any] | None:
    pages = max(1, -(-total // params.per_page))
    if pages == 1:
        return None
    current = min(params.page, pages)
    shown = sorted({1, pages, current - 1, current, current + 1} & set(range(1, pages + 1)))
    items: list[dict[str, Any]] = []
    for i, number in enumerate(shown):
        if i and number - shown[i - 1] > 1:
            items.append({"ellipsis": True})
        items.append(
            {"number": number, "href": search_url(params, number), "current": number == current}
        )
    result: dict[str, Any] = {"items": items, "landmarkLabel": "Search results pages"}
    if current > 1:
        result["previous"] = {"href": search_url(params, current - 1)}
    if current < pages:
        result["next"] = {"href": search_url(params, current + 1)}
    return result


__all__ = ["distance_text"]

"""What `/find-a-pa` draws from a search: the filter sections with their counts, the availability
grid, the selected filters as removable tags, and links that keep (or drop part of) a search.

The page follows the GOV.UK / MOJ "filter a list" pattern: results first, the filters behind a
"Filter results" toggle (a <details>, so it needs no JavaScript), each section closed unless it
holds a choice, and every selected filter shown as a tag linking to the search without it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from pafinder.content import Content
from pafinder.register.models import (
    ANY_OF,
    DBS_LABELS,
    EXTRA_FLAGS,
    FLAGS,
    HOURS_BANDS,
    WITHIN_MILES,
    SearchParamError,
    SearchParams,
    parse_search_params,
)
from pafinder.register.tables import DBS_LEVELS

FILTERS = {  # parameter -> (legend, taxonomy)
    "area": ("Areas covered", "areas"),
    "task": ("Help with", "tasks"),
    "client_group": ("Experience of supporting", "client_groups"),
    "age_group": ("Ages supported", "age_groups"),
    "language": ("Languages", "languages"),
    "availability": ("Available", "availability"),
    "gender": ("Gender of the PA", "genders"),
}
# Drawn as a day-by-time grid, not a list of checkboxes.
GRID = "availability"
FLAG_LABELS = {
    "dbs_checked": "DBS checked by our staff",
    "driving": "Has a driving licence",
    "non_smoker": "Does not smoke",
}
EXTRA_LABELS = {
    "own_car": "Has their own car",
    "live_in": "Will do live-in work",
    "nights": "Will work nights",
    "emergency_cover": "Can give emergency cover at short notice",
}
# Field order of the error summary (the order the fields appear in the form).
ERROR_ORDER = [
    "q",
    "postcode",
    "within",
    *FILTERS,
    "dbs",
    *FLAG_LABELS,
    "hours",
    *EXTRA_LABELS,
    "page",
    "per_page",
]
MAX_BACK = 2000  # characters of a profile's ?back= search; longer is not a search of ours


def search_url(params: SearchParams, page: int | None = None) -> str:
    query = urlencode(params.query_items(page))
    return "/find-a-pa" + (f"?{query}" if query else "")


def back_query(params: SearchParams) -> str:
    """The search as the `back` parameter of a profile link (empty for the plain page)."""
    query = urlencode(params.query_items())
    return f"?{urlencode({'back': query})}" if query else ""


def back_url(raw: str | None, content: Content) -> str:
    """Where a profile's breadcrumb goes: the search it came from, rebuilt from its validated
    parameters, so `back` can only ever lead to a /find-a-pa search (no open redirect)."""
    if not raw or len(raw) > MAX_BACK:
        return "/find-a-pa"
    try:
        params = parse_search_params(parse_qsl(raw), content)
    except (SearchParamError, ValueError):
        return "/find-a-pa"
    return search_url(params)


def miles_text(miles: float) -> str:
    return "1 mile" if miles == 1 else f"{miles:g} miles"


def distance_text(miles: float | None) -> str:
    """What a result says of its distance ("about 3.2 miles away"); sector centroids, so never
    more exact than "about", and "less than 1 mile" rather than a misleading 0.3."""
    if miles is None:
        return ""
    if miles < 1:
        return "Less than 1 mile away"
    return f"About {miles_text(miles)} away"


def within_items(params: SearchParams) -> list[dict[str, Any]]:
    """The distance choices for a select, "Any distance" first."""
    items: list[dict[str, Any]] = [{"value": "", "text": "Any distance"}]
    for miles in WITHIN_MILES:
        text = f"Within {miles_text(miles)}"
        items.append({"value": str(miles), "text": text, "selected": params.within == miles})
    return items


def filter_text(labels: Mapping[str, str], params: SearchParams, name: str, value: str) -> str:
    """One selected filter in words ("Areas covered: Crewe")."""
    if name == "q":
        return f"Search words: \u2018{params.q}\u2019"
    if name == "dbs":
        return f"DBS check: {DBS_LABELS[value]}" + (" or higher" if value != DBS_LEVELS[-1] else "")
    if name == "hours":
        return f"At least {value} hours a week"
    if name == "postcode":
        return f"Near {value}"
    if name == "within":
        return f"Within {miles_text(int(value))}"
    if name in FLAG_LABELS:
        return FLAG_LABELS[name]
    if name in EXTRA_LABELS:
        return EXTRA_LABELS[name]
    return f"{FILTERS[name][0]}: {labels.get(value, value)}"


def tags(content: Content, params: SearchParams) -> list[dict[str, str]]:
    """Every selected filter (search words too) with a link to the search without just it."""
    chosen: list[tuple[str, str]] = [*([("q", params.q)] if params.q else []), *params.active()]
    out = []
    for name, value in chosen:
        taxonomy = FILTERS[name][1] if name in FILTERS else ""
        labels = content.labels(taxonomy) if taxonomy else {}
        out.append(
            {
                "text": filter_text(labels, params, name, value),
                "href": search_url(params.without(name, None if name == "q" else value)),
            }
        )
    return out


def _count(n: int) -> str:
    return f"({n:,})"


def sections(
    content: Content, params: SearchParams, facets: Mapping[str, Mapping[str, int]]
) -> list[dict[str, Any]]:
    """The checkbox sections (availability excepted: see grid), counts beside each value."""
    groups = []
    for name, (legend, taxonomy) in FILTERS.items():
        if name == GRID:
            continue
        selected = set(params.any_of.get(name, ()) or params.all_of.get(name, ()))
        counts = facets.get(name, {})
        items = [
            {
                "value": term.slug,
                "text": f"{term.label} {_count(counts.get(term.slug, 0))}",
                "checked": term.slug in selected,
            }
            for term in content.taxonomies.get(taxonomy, [])
        ]
        hint = "Any of these" if name in ANY_OF else "All of these"
        groups.append(
            {"name": name, "legend": legend, "hint": hint, "items": items, "open": bool(selected)}
        )
    return groups


def dbs_items(params: SearchParams, facets: Mapping[str, Mapping[str, int]]) -> list[Any]:
    counts = facets.get("dbs", {})
    items: list[dict[str, Any]] = [{"value": "", "text": "Any, or none", "checked": not params.dbs}]
    for i, level in enumerate(DBS_LEVELS[1:], start=1):
        at_least = sum(counts.get(lv, 0) for lv in DBS_LEVELS[i:])
        label = DBS_LABELS[level] + (" or higher" if level != DBS_LEVELS[-1] else "")
        items.append(
            {"value": level, "text": f"{label} {_count(at_least)}", "checked": params.dbs == level}
        )
    return items


def flag_items(
    params: SearchParams, facets: Mapping[str, Mapping[str, int]], names: Mapping[str, str]
) -> list[dict[str, Any]]:
    """One yes/no checkbox each, with what ticking it would show."""
    return [
        {
            "name": name,
            "value": "yes",
            "text": f"{text} {_count(facets.get(name, {}).get('yes', 0))}",
            "checked": name in params.flags,
        }
        for name, text in names.items()
    ]


def hours_items(params: SearchParams, counts: Mapping[str, int]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = [{"value": "", "text": "Any", "checked": not params.hours}]
    for band in HOURS_BANDS:
        items.append(
            {
                "value": str(band),
                "text": f"At least {band} hours a week {_count(counts.get(str(band), 0))}",
                "checked": params.hours == band,
            }
        )
    return items


def grid(
    content: Content, params: SearchParams, counts: Mapping[str, int]
) -> tuple[list[str], list[dict[str, Any]]]:
    """Availability as (column headings, rows of a day-by-time table of checkboxes); each
    checkbox's label (visually hidden) names the slot and its count."""
    chosen = set(params.all_of.get(GRID, ()))
    rows: dict[str, dict[str, Any]] = {}
    for term in content.taxonomies.get("availability", []):
        day = term.slug.partition("-")[0]
        name = term.label.split(" ")[0]
        row = rows.setdefault(day, {"day": name, "short": name[:3], "cells": []})
        row["cells"].append(
            {
                "slug": term.slug,
                "label": f"{term.label} {_count(counts.get(term.slug, 0))}",
                "checked": term.slug in chosen,
            }
        )
    return times(content, breakable=True), list(rows.values())


# Where the grid's column headings may break (a soft hyphen): four columns of checkboxes fit a
# 320 px screen only when "Afternoon" may take two lines.
SOFT_HYPHENS = {
    "Morning": "Morn\u00ading",
    "Afternoon": "After\u00adnoon",
    "Evening": "Even\u00ading",
}


def times(content: Content, breakable: bool = False) -> list[str]:
    """Column headings ("Morning", ...), from the first day's labels."""
    terms = content.taxonomies.get("availability", [])
    first_day = terms[0].slug.partition("-")[0] if terms else ""
    names = [
        t.label.partition(" ")[2].capitalize() for t in terms if t.slug.startswith(first_day + "-")
    ]
    return [SOFT_HYPHENS.get(n, n) for n in names] if breakable else names


def other_open(params: SearchParams) -> bool:
    """The DBS, driving and smoking section holds a choice."""
    return bool(params.dbs or params.flags & set(FLAGS))


def work_open(params: SearchParams) -> bool:
    """The hours and kinds of work section holds a choice."""
    return bool(params.hours or params.flags & set(EXTRA_FLAGS))

"""What an alert matches, normalised, and said in plain words.

Job alerts: areas (at least one) and tasks (any number) from the taxonomies. Saved searches:
exactly the register's own search parameters (register.models.parse_search_params), stored as
its normalised query pairs, page and per_page left out, so the digest means what /api/pas means.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

from pafinder.content import Content
from pafinder.register import find_filters
from pafinder.register.models import SearchParams, parse_search_params

MAX_CHOICES = 100  # more repeats of a parameter than any form of ours sends


def job_choice(
    pairs: Sequence[tuple[str, str]], content: Content
) -> tuple[list[str], list[str], dict[str, str]]:
    """(areas, tasks, errors) from query or form pairs; unknown slugs are errors, repeats
    dropped, taxonomy order kept."""
    errors: dict[str, str] = {}
    chosen: dict[str, list[str]] = {"area": [], "task": []}
    unknown: dict[str, bool] = {}
    for key, value in pairs[: MAX_CHOICES * 4]:
        if key in chosen and value:
            chosen[key].append(value)
    out: dict[str, list[str]] = {}
    for name, taxonomy in (("area", "areas"), ("task", "tasks")):
        known = content.labels(taxonomy)
        given = set(chosen[name])
        unknown[name] = bool(given - set(known))
        out[name] = [slug for slug in known if slug in given]
    if unknown["area"]:
        errors["area"] = "Choose areas from the list"
    elif not out["area"]:
        errors["area"] = "Choose at least one area you can work in"
    if unknown["task"]:
        errors["task"] = "Choose the kinds of work from the list"
    return out["area"], out["task"], errors


def describe_jobs(content: Content, areas: Sequence[str], tasks: Sequence[str]) -> str:
    area_labels = content.labels("areas")
    task_labels = content.labels("tasks")
    lines = ["Areas: " + ", ".join(area_labels.get(a, a) for a in areas)]
    if tasks:
        lines.append("Help with: " + ", ".join(task_labels.get(t, t) for t in tasks))
    else:
        lines.append("Help with: any kind of work")
    return "\n".join(lines)


def jobs_url(areas: Sequence[str], tasks: Sequence[str]) -> str:
    query = urlencode([*(("area", a) for a in areas), *(("task", t) for t in tasks)])
    return "/jobs" + (f"?{query}" if query else "")


def search_pairs(params: SearchParams) -> list[tuple[str, str]]:
    """The parameters a saved search keeps: the search itself, never the page."""
    return [(k, v) for k, v in params.query_items(page=1) if k not in ("page", "per_page")]


def parse_search(pairs: Sequence[tuple[str, str]], content: Content) -> SearchParams:
    """The register's own validation (raises SearchParamError), for page 1 of the default size."""
    wanted = [(k, v) for k, v in pairs if k not in ("page", "per_page")]
    return parse_search_params(wanted, content)


def describe_search(content: Content, params: SearchParams) -> list[str]:
    """Each part of the search in words ("Areas covered: Crewe"), or one line for none."""
    chosen: list[tuple[str, str]] = [*([("q", params.q)] if params.q else []), *params.active()]
    out = []
    for name, value in chosen:
        taxonomy = find_filters.FILTERS[name][1] if name in find_filters.FILTERS else ""
        labels = content.labels(taxonomy) if taxonomy else {}
        out.append(find_filters.filter_text(labels, params, name, value))
    return out or ["Any PA on the register"]


def search_url(params: SearchParams) -> str:
    return find_filters.search_url(params, page=1)

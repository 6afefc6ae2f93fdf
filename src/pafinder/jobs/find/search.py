"""Searching the open adverts: the parameters of /jobs and /api/jobs, the filters, the counts
beside each filter value, distance and ordering.

Open adverts are few (a council area has tens, at most a few hundred, open at once), so they are
read in one query and filtered here, where the JSON lists are plain Python lists; this keeps the
SQL portable and the counts exact. Counts follow the CONTRACT's rule for /api/pas: for the any-of
parameters (`area`, `hours`) a value's count is what ticking it next would give (every other
parameter applied, the value added to its own parameter); for the all-of ones (`task`,
`availability`) it is over the filtered result.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import Engine

from pafinder import geo
from pafinder.content import Content
from pafinder.jobs.public import OpenJob, open_jobs
from pafinder.register.models import WITHIN_MILES, SearchParamError, _distance

ANY_OF = {"area": "areas"}
ALL_OF = {"task": "tasks", "availability": "availability"}
# Hours a week, as bands a person ticks (any of): slug -> (label, lowest, highest) inclusive.
HOURS_BANDS: dict[str, tuple[str, int, int | None]] = {
    "up-to-10": ("Up to 10 hours", 0, 10),
    "11-to-20": ("11 to 20 hours", 11, 20),
    "21-to-30": ("21 to 30 hours", 21, 30),
    "over-30": ("Over 30 hours", 31, None),
}
PARAMS = ("area", "task", "availability", "hours", "postcode", "within", "page", "per_page")
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
# A parameter may repeat as often as it has values (ticking every box); more is only repeats.
MIN_REPEATS = 10


@dataclass(frozen=True)
class JobParams:
    """Validated parameters; lists keep the order given, without repeats."""

    area: tuple[str, ...] = ()
    task: tuple[str, ...] = ()
    availability: tuple[str, ...] = ()
    hours: tuple[str, ...] = ()
    postcode: str = ""
    origin: geo.Point | None = None
    within: int | None = None
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    def active(self) -> list[tuple[str, str]]:
        """Every chosen filter as (parameter, value), in form order."""
        pairs: list[tuple[str, str]] = []
        if self.postcode:
            pairs.append(("postcode", self.postcode))
        if self.within:
            pairs.append(("within", str(self.within)))
        for name in ("area", "task", "availability", "hours"):
            pairs.extend((name, v) for v in getattr(self, name))
        return pairs

    def query_items(self, page: int | None = None) -> list[tuple[str, str]]:
        items = self.active()
        if self.per_page != DEFAULT_PER_PAGE:
            items.append(("per_page", str(self.per_page)))
        page = self.page if page is None else page
        if page != 1:
            items.append(("page", str(page)))
        return items

    def without(self, name: str, value: str | None = None) -> JobParams:
        """These parameters with one value (or, value None, the whole parameter) removed; page 1.
        Removing the postcode removes the distance too: without it a distance means nothing."""
        changes: dict[str, object] = {"page": 1}
        if name == "postcode":
            changes.update(postcode="", origin=None, within=None)
        elif name == "within":
            changes["within"] = None
        else:
            kept = tuple(v for v in getattr(self, name) if value is not None and v != value)
            changes[name] = kept
        return _replace(self, **changes)

    def adding(self, name: str, value: str) -> JobParams:
        current = getattr(self, name)
        return _replace(self, **{name: current if value in current else (*current, value)})


def _replace(params: JobParams, **changes: object) -> JobParams:
    return replace(params, **changes)  # type: ignore[arg-type]


def _positive_int(raw: str, name: str, maximum: int | None, errors: dict[str, str]) -> int | None:
    if not re.fullmatch(r"[0-9]{1,9}", raw):
        errors[name] = f"{name} must be a whole number"
        return None
    value = int(raw)
    if value < 1 or (maximum is not None and value > maximum):
        errors[name] = (
            f"{name} must be between 1 and {maximum}" if maximum else f"{name} must be 1 or more"
        )
        return None
    return value


def parse(query: Sequence[tuple[str, str]], content: Content) -> JobParams:
    """Validate query pairs (a parameter may repeat; empty values and unknown names are
    ignored, as a GET form sends empty boxes). Raises SearchParamError({parameter: message})."""
    values: dict[str, list[str]] = {}
    for key, raw in query:
        raw = raw.strip()
        if key in PARAMS and raw:
            values.setdefault(key, []).append(raw)
    errors: dict[str, str] = {}
    for name, given in values.items():
        taxonomy = {**ANY_OF, **ALL_OF}.get(name)
        limit = max(MIN_REPEATS, len(content.labels(taxonomy)) if taxonomy else 0)
        if len(given) > limit:
            errors[name] = f"{name} can be given at most {limit} times, not {len(given)}"
    if errors:
        raise SearchParamError(errors)

    def slugs(name: str, known: Mapping[str, str]) -> tuple[str, ...]:
        given = list(dict.fromkeys(values.get(name, [])))
        unknown = [v for v in given if v not in known]
        if unknown:
            shown = ", ".join(repr(v[:40]) for v in unknown[:3])
            errors[name] = f"Unknown {name} {shown}: use one of {', '.join(known)}"
        return tuple(given)

    chosen = {name: slugs(name, content.labels(tax)) for name, tax in {**ANY_OF, **ALL_OF}.items()}
    hours = slugs("hours", {slug: band[0] for slug, band in HOURS_BANDS.items()})
    place, within = _distance(values, errors)
    page = 1
    if "page" in values:
        page = _positive_int(values["page"][-1], "page", None, errors) or 1
    per_page = DEFAULT_PER_PAGE
    if "per_page" in values:
        per_page = (
            _positive_int(values["per_page"][-1], "per_page", MAX_PER_PAGE, errors)
            or DEFAULT_PER_PAGE
        )
    if errors:
        raise SearchParamError(errors)
    return JobParams(
        area=chosen["area"],
        task=chosen["task"],
        availability=chosen["availability"],
        hours=hours,
        postcode=place.code if place else "",
        origin=place.point if place else None,
        within=within,
        page=page,
        per_page=per_page,
    )


def in_band(hours: int, slug: str) -> bool:
    _label, low, high = HOURS_BANDS[slug]
    return hours >= low and (high is None or hours <= high)


def distance(params: JobParams, job: OpenJob) -> float | None:
    """Miles between sector centroids, or None (shown to one decimal: CONTRACT "Distance";
    the `within` filter compares the exact figure, so 20.04 miles is not "within 20")."""
    if params.origin is None or job.point is None:
        return None
    return geo.miles(params.origin, job.point)


def matches(params: JobParams, job: OpenJob, miles: float | None) -> bool:
    view = job.public
    if params.area and not set(params.area) & set(view.areas):
        return False
    if not set(params.task) <= set(view.tasks):
        return False
    if not set(params.availability) <= set(view.availability):
        return False
    if params.hours and not any(in_band(view.hours_per_week, s) for s in params.hours):
        return False
    # An advert whose district the table does not know cannot be said to be within a distance.
    return not (params.within and (miles is None or miles > params.within))


@dataclass
class Result:
    total: int
    page: int
    per_page: int
    jobs: list[OpenJob]  # this page's
    distances: list[float | None] | None  # beside `jobs`, when a postcode was given
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


def _order_key(params: JobParams) -> Callable[[tuple[int, OpenJob, float | None]], tuple]:  # type: ignore[type-arg]
    # `open_jobs` gives most recently published first; the index keeps that order for ties
    # and is the whole order without a postcode.
    def key(item: tuple[int, OpenJob, float | None]) -> tuple:  # type: ignore[type-arg]
        index, _job, miles = item
        if params.origin is None:
            return (index,)
        return (miles is None, miles if miles is not None else 0.0, index)

    return key


def facets(
    params: JobParams, found: list[tuple[OpenJob, float | None]], content: Content
) -> dict[str, dict[str, int]]:
    """The count beside each filter value (see the module's note)."""
    out: dict[str, dict[str, int]] = {}
    for name, taxonomy in ANY_OF.items():
        counts = {}
        for slug in content.labels(taxonomy):
            wider = params.adding(name, slug)
            counts[slug] = sum(1 for job, miles in found if matches(wider, job, miles))
        out[name] = counts
    hours = {}
    for slug in HOURS_BANDS:
        wider = params.adding("hours", slug)
        hours[slug] = sum(1 for job, miles in found if matches(wider, job, miles))
    out["hours"] = hours
    result = [job for job, miles in found if matches(params, job, miles)]
    for name, taxonomy in ALL_OF.items():
        field_name = "tasks" if name == "task" else "availability"
        out[name] = {
            slug: sum(1 for job in result if slug in getattr(job.public, field_name))
            for slug in content.labels(taxonomy)
        }
    return out


def search(
    engine: Engine, content: Content, params: JobParams, today: date | None = None
) -> Result:
    """One page of the open adverts matching ``params``, with counts."""
    with engine.connect() as conn:
        everything = open_jobs(conn, today)
    measured = [(job, distance(params, job)) for job in everything]
    hits = [
        (i, job, miles) for i, (job, miles) in enumerate(measured) if matches(params, job, miles)
    ]
    hits.sort(key=_order_key(params))
    start = (params.page - 1) * params.per_page
    page = hits[start : start + params.per_page]
    return Result(
        total=len(hits),
        page=params.page,
        per_page=params.per_page,
        jobs=[job for _i, job, _m in page],
        distances=[None if m is None else round(m, 1) for _i, _j, m in page]
        if params.origin is not None
        else None,
        facets=facets(params, measured, content),
    )


__all__ = ["WITHIN_MILES", "JobParams", "Result", "SearchParamError", "parse", "search"]

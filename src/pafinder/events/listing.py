"""The /events listing as a person meets it: a month at a time (GOV.UK pagination between
months), a heading per day, and beside every filter value how many dates choosing it gives.

One builder for the pre-rendered page (publish.py writes the unfiltered first month into site/)
and the dynamic one (public_routes.py renders filtered and paged views from the database), so
the two cannot drift apart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from pafinder.content import Content
from pafinder.events.recurrence import LONDON, Event, Occurrence
from pafinder.events.views import (
    CHOICE_FILTERS,
    LISTING_DAYS,
    Filters,
    filter_options,
    group_by_day,
    query,
    row,
    upcoming,
    window,
)

TITLE = "Events and groups"


def matches(occ: Occurrence, filters: Filters, leave_out: str = "") -> bool:
    """True when the occurrence passes every select filter except ``leave_out``."""
    return all(
        not getattr(filters, name) or getattr(occ.event, name) == getattr(filters, name)
        for name in CHOICE_FILTERS
        if name != leave_out
    )


def filter_counts(base: Iterable[Occurrence], filters: Filters) -> dict[str, Counter[str]]:
    """For each select filter, the dates each value would give with the other filters kept
    (so choosing a value shows exactly that many); '' counts its 'Any ...' option."""
    counts: dict[str, Counter[str]] = {name: Counter() for name in CHOICE_FILTERS}
    for occ in base:
        for name in CHOICE_FILTERS:
            if matches(occ, filters, leave_out=name):
                counts[name][""] += 1
                value = getattr(occ.event, name)
                if value:  # an online event has no area: it is under 'Anywhere' only
                    counts[name][value] += 1
    return counts


def month_of(moment: datetime) -> date:
    return moment.astimezone(LONDON).date().replace(day=1)


def next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


def months(after: datetime, before: datetime) -> list[date]:
    """The calendar months (their first days) the window touches, in order."""
    found = [month_of(after)]
    last = month_of(before - timedelta(microseconds=1))
    while found[-1] < last:
        found.append(next_month(found[-1]))
    return found


def month_label(first: date) -> str:
    return f"{first:%B %Y}"


def choose_month(filters: Filters, pages: list[date], matched: list[Occurrence]) -> date:
    """The asked-for month, kept inside the window; without one, the month of the first
    matching date (a filter whose first date is weeks away still shows it at once)."""
    if filters.month is not None:
        return min(max(filters.month, pages[0]), pages[-1])
    if matched:
        return max(month_of(matched[0].starts), pages[0])
    return pages[0]


def href(filters: Filters, month: date | None = None) -> str:
    params = query(filters, month=f"{month:%Y-%m}" if month else "")
    return "/events" + (f"?{urlencode(params)}" if params else "")


def pagination(filters: Filters, pages: list[date], current: date) -> dict[str, Any] | None:
    """GOV.UK pagination's previous and next, each labelled with its month."""
    at = pages.index(current)
    result: dict[str, Any] = {"landmarkLabel": "Months of events"}
    if at > 0:
        before = pages[at - 1]
        result["previous"] = {
            "href": href(filters, before),
            "text": "Previous month",
            "labelText": month_label(before),
        }
    if at + 1 < len(pages):
        after = pages[at + 1]
        result["next"] = {
            "href": href(filters, after),
            "text": "Next month",
            "labelText": month_label(after),
        }
    return result if len(result) > 1 else None


def range_text(filters: Filters, after: datetime, before: datetime) -> str:
    if not (filters.date_from or filters.date_to):
        return "In the next 3 months"
    last = (before - timedelta(microseconds=1)).astimezone(LONDON).date()
    first = after.astimezone(LONDON).date()
    return f"From {first.day} {first:%B %Y} to {last.day} {last:%B %Y}"


def listing_context(
    events: Iterable[Event],
    booked: Counter[tuple[int, date]],
    content: Content,
    filters: Filters,
    now: datetime,
) -> dict[str, Any]:
    after, before = window(filters, now)
    base = upcoming(events, after, before)
    matched = [o for o in base if matches(o, filters)]
    pages = months(after, before)
    current = choose_month(filters, pages, matched)
    shown = [o for o in matched if max(month_of(o.starts), pages[0]) == current]
    return {
        "title": TITLE,
        "description": "Workshops, groups, courses, training and activities you can join.",
        "days": group_by_day([row(o, booked, content) for o in shown]),
        "count": len(matched),
        "month_count": len(shown),
        "month": month_label(current),
        "range_text": range_text(filters, after, before),
        "pagination": pagination(filters, pages, current),
        "filters": filters,
        "options": filter_options(content, filters, filter_counts(base, filters)),
        "breadcrumbs": [{"text": "Home", "href": "/"}],
        "nav": "events",
        "listing_days": LISTING_DAYS,
    }

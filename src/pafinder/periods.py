"""Reporting periods in Europe/London: quarters of the April-to-March year, months, and a
range of London days as UTC bounds for queries (the database stores naive UTC).

Quarters fall on the calendar quarters (April to June is the first of the year), so only the
year to date starts in April. Shared by the feedback results, complaints and the returns.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from pafinder.workdays import LONDON


def quarter(day: date) -> tuple[date, date]:
    """The first and last days of the quarter ``day`` is in."""
    first_month = (day.month - 1) // 3 * 3 + 1
    start = date(day.year, first_month, 1)
    return start, month_end(date(day.year, first_month + 2, 1))


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    following = date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)
    return following - timedelta(days=1)


def year_start(day: date) -> date:
    """1 April of the year (April to March) that ``day`` is in."""
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def months(start: date, end: date) -> list[date]:
    """The first day of every month that start..end touches, in order."""
    found = []
    month = start.replace(day=1)
    while month <= end:
        found.append(month)
        month = month_end(month) + timedelta(days=1)
    return found


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def utc_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The London days start..end (both included) as naive UTC bounds [from, to)."""

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=LONDON).astimezone(UTC).replace(tzinfo=None)

    return midnight(start), midnight(end + timedelta(days=1))


def period_name(start: date, end: date) -> str:
    """'October to December 2026', 'October 2026', or '3 October 2026 to 9 November 2026'."""
    if start.day == 1 and end == month_end(start):
        return f"{start:%B %Y}"
    if (start, end) == quarter(start):
        return f"{start:%B} to {end:%B %Y}"
    return f"{long_date(start)} to {long_date(end)}"

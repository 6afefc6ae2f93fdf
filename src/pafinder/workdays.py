"""Working-day arithmetic for referral clocks.

A working day is Monday to Friday, not a bank holiday in England and Wales (the specifications'
definition). Bank holidays come from the ``holidays`` package, which computes them offline,
substitute days included (Christmas 2027 falls on a Saturday, so Monday 27 and Tuesday 28
December are the holidays). A clock starts on the day of receipt in Europe/London, because a
referral sent at 00:30 UTC on a summer night has already arrived "tomorrow" for the person.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    # One frozen set per year: the holidays object expands lazily and is not safe to share
    # between uvicorn's threads, a frozenset is.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: date, n: int) -> date:
    """The nth working day after ``start`` (``start`` itself never counts).

    ``n == 0`` means "today if today is a working day, else the next one"."""
    if n < 0:
        raise ValueError("n must be 0 or more")
    day = start
    if n == 0:
        while not is_working_day(day):
            day += timedelta(days=1)
        return day
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def london_date(moment: datetime) -> date:
    """The calendar date in Europe/London of a moment; a naive datetime is taken as UTC
    (the database stores naive UTC, see pafinder.db.utcnow)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LONDON).date()


def respond_by(received_at_utc: datetime, n: int) -> date:
    """The date by which a referral received at ``received_at_utc`` must be answered."""
    return add_working_days(london_date(received_at_utc), n)

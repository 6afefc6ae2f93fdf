"""Strict parsing of ids and dates that arrive in paths, query strings and form fields.

Python's own parsers are too kind for values a stranger controls: ``str.isdigit`` is true for
'²' (which ``int`` then refuses), ``int`` reads Arabic-Indic digits, '+1', ' 1 ' and '1_000',
and a date near 9999-12-31 overflows as soon as a day is added to it. Every route that turns
such a value into an id or a date goes through these helpers, so a bad value is one clear
answer (a 404, or a message on the page) and never a 500.
"""

from __future__ import annotations

import re
from datetime import date

# Ids are database integers: the largest a PostgreSQL INTEGER column holds.
MAX_ID = 2**31 - 1
_ID = re.compile(r"[0-9]{1,10}")  # ASCII digits only; fullmatch, so no sign, space or '_'
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_COMPACT_DAY = re.compile(r"[0-9]{8}")

# Every date the site deals in (events, filters, attendance) lies well inside this range; one
# outside it is a typing slip or a probe, and keeping to it means date arithmetic cannot overflow.
MIN_DAY = date(2000, 1, 1)
MAX_DAY = date(2100, 12, 31)
DAY_RANGE_MESSAGE = "Enter a date between 2000 and 2100"


class DayOutOfRange(ValueError):
    """A real date, but outside MIN_DAY..MAX_DAY."""


def parse_id(raw: object) -> int | None:
    """A database id (1..MAX_ID) written in ASCII digits, or None for anything else."""
    if not isinstance(raw, str) or not _ID.fullmatch(raw):
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None


def parse_day(raw: object) -> date:
    """'YYYY-MM-DD' (ASCII digits) -> date within MIN_DAY..MAX_DAY.

    Raises ValueError for anything that is not such a date, DayOutOfRange (a ValueError) for a
    real date outside the range, so callers can say which it was.
    """
    if not isinstance(raw, str) or not _ISO_DAY.fullmatch(raw):
        raise ValueError("not a YYYY-MM-DD date")
    return _bounded(date.fromisoformat(raw))


def parse_compact_day(raw: str) -> date:
    """'YYYYMMDD' (as in occurrence ids) -> date within MIN_DAY..MAX_DAY, else ValueError."""
    if not _COMPACT_DAY.fullmatch(raw):
        raise ValueError("not a YYYYMMDD date")
    return _bounded(date(int(raw[:4]), int(raw[4:6]), int(raw[6:])))


def bounded_day(year: int, month: int, day: int) -> date:
    """date(year, month, day) within MIN_DAY..MAX_DAY, else ValueError (GOV.UK date inputs)."""
    return _bounded(date(year, month, day))


def _bounded(value: date) -> date:
    if not MIN_DAY <= value <= MAX_DAY:
        raise DayOutOfRange(DAY_RANGE_MESSAGE)
    return value

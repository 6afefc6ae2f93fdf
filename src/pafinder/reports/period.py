"""The period a return covers, from what was typed (the page's boxes, the links, the command's
options): two real dates, ``from`` not after ``to``, at most two years apart. Every slip gets a
sentence saying what to type, never a 500."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from pafinder.periods import month_end, period_name, quarter, year_start
from pafinder.web.params import parse_day

MESSAGES = {
    "from": "Date from must be a real date, like 2026-10-01",
    "to": "Date to must be a real date, like 2026-12-31",
}
TOO_LONG = "A return can cover at most two years: choose a date to within two years of date from"
BACKWARDS = "Date to must be the same as or after date from"


@dataclass(frozen=True)
class Choice:
    text: str
    start: date
    end: date

    def query(self) -> str:
        return f"from={self.start.isoformat()}&to={self.end.isoformat()}"


def two_years_on(day: date) -> date:
    """The last day a return starting on ``day`` may cover."""
    try:
        return day.replace(year=day.year + 2) - timedelta(days=1)
    except ValueError:  # 29 February
        return date(day.year + 2, 2, 28)


def parse(typed_from: str, typed_to: str) -> tuple[date | None, date | None, dict[str, str]]:
    """(start, end, errors by field). With errors, the dates are None."""
    errors: dict[str, str] = {}
    days: dict[str, date | None] = {}
    for name, typed in (("from", typed_from), ("to", typed_to)):
        days[name] = None
        if not typed.strip():
            errors[name] = f"Enter date {name}, like " + MESSAGES[name].rsplit("like ", 1)[1]
            continue
        try:
            days[name] = parse_day(typed.strip())
        except ValueError:
            errors[name] = MESSAGES[name]
    start, end = days["from"], days["to"]
    if start and end and start > end:
        errors["to"] = BACKWARDS
    elif start and end and end > two_years_on(start):
        errors["to"] = TOO_LONG
    if errors:
        return None, None, errors
    return start, end, {}


def quarter_choices(today: date, count: int = 5) -> list[Choice]:
    """This quarter and the ones before it, newest first."""
    found = []
    start, end = quarter(today)
    for _ in range(count):
        found.append(Choice(period_name(start, end), start, end))
        start, end = quarter(start - timedelta(days=1))
    return found


def month_choices(today: date, count: int = 6) -> list[Choice]:
    """This month and the five before it, newest first: a new contract reports monthly for its
    first six months."""
    found = []
    month = today.replace(day=1)
    for _ in range(count):
        found.append(Choice(f"{month:%B %Y}", month, month_end(month)))
        month = (month - timedelta(days=1)).replace(day=1)
    return found


def year_choice(today: date) -> Choice:
    return Choice("This year so far, from 1 April", year_start(today), today)

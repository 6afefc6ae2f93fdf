"""What the staff results page shows: the period asked for, and per statement how many answered
and the percent who agreed, against the commissioners' 75% target.

Quarters run April to March (pafinder.periods). Counts of 1 to 4 read "fewer than 5", with no
percent: a percent of three answers says little and can point at a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol
from urllib.parse import urlencode

from pafinder.content import OutcomeStatement
from pafinder.feedback.store import agree_percent
from pafinder.periods import long_date, quarter, year_start
from pafinder.web.params import parse_day


class Params(Protocol):
    def getlist(self, key: Any) -> list[Any]: ...


TARGET = 75
SMALL = 5
FEWER = "fewer than 5"
MESSAGES = {
    "from": "Date from must be a real date, like 2026-10-01",
    "to": "Date to must be a real date, like 2026-12-31",
}


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    chosen: bool  # False: the default, this quarter

    def query(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()} if self.chosen else {}


def period_words(period: Period, today: date) -> str:
    """What the page says it shows: 'this quarter, October to December 2026' or two dates."""
    start, end = quarter(period.start)
    if (period.start, period.end) == (start, end):
        name = f"{start:%B} to {end:%B %Y}"
        return f"this quarter, {name}" if start <= today <= end else f"the quarter {name}"
    return f"{long_date(period.start)} to {long_date(period.end)}"


def parse_period(params: Params, today: date) -> tuple[Period, dict[str, str], dict[str, str]]:
    """(period, errors, what was typed). A missing date is the start or end of the other's
    quarter; neither is this quarter. With an error the period is this quarter."""
    raw: dict[str, str] = {}
    errors: dict[str, str] = {}
    days: dict[str, date | None] = {}
    for name in ("from", "to"):
        sent = {str(v).strip() for v in params.getlist(name)} - {""}
        raw[name] = sorted(sent)[0][:30] if sent else ""
        days[name] = None
        if len(sent) > 1:
            errors[name] = "Enter only one date for each of from and to"
        elif sent:
            try:
                days[name] = parse_day(raw[name])
            except ValueError:
                errors[name] = MESSAGES[name]
    start, end = days["from"], days["to"]
    if start and end and start > end:
        errors["to"] = "Date to must be the same as or after date from"
    if errors or (start is None and end is None):
        this_start, this_end = quarter(today)
        return Period(this_start, this_end, chosen=False), errors, raw
    start = start or quarter(end)[0]  # type: ignore[arg-type]
    end = end or quarter(start)[1]
    return Period(start, end, chosen=True), errors, raw


def period_links(today: date) -> list[tuple[str, str]]:
    """(text, href query) for the quick choices beside the date boxes."""
    this_start, this_end = quarter(today)
    last_start, last_end = quarter(this_start - timedelta(days=1))
    choices = [
        ("This quarter", this_start, this_end),
        ("Last quarter", last_start, last_end),
        ("This year so far, from 1 April", year_start(today), today),
    ]
    return [
        (text, urlencode({"from": start.isoformat(), "to": end.isoformat()}))
        for text, start, end in choices
    ]


def count_text(n: int) -> str:
    if n == 0:
        return "None"
    return FEWER if n < SMALL else f"{n:,}"


@dataclass(frozen=True)
class StatementResult:
    statement: OutcomeStatement
    answered: int
    percent: int | None  # None below SMALL answers

    @property
    def answered_text(self) -> str:
        return count_text(self.answered)

    @property
    def meets_target(self) -> bool:
        return self.percent is not None and self.percent >= TARGET


def statement_results(
    statements: tuple[OutcomeStatement, ...], counts: dict[str, dict[str, int]]
) -> list[StatementResult]:
    results = []
    for statement in statements:
        found = counts.get(statement.id, {})
        answered = sum(found.values())
        percent = agree_percent(found.get("agree", 0), answered) if answered >= SMALL else None
        results.append(StatementResult(statement, answered, percent))
    return results

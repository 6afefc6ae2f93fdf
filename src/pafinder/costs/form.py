"""Reading the calculator's three answers from a query string, with GOV.UK error messages.

Only ASCII digits count (int() would read Arabic-Indic digits, and a person typing them meant
something this form cannot check); an answer is looked at only up to a sensible length, and
shown back only up to KEEP_TYPED characters, so a huge query costs nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

from pafinder.costs.calculator import Inputs

FIELDS = ("hours", "pay", "weeks")
MOST_HOURS = Decimal(168)  # the hours in a week
MOST_PAY_PENCE = 100_000  # £1,000 an hour: far above any PA's pay, so a slip of the keyboard
KEEP_TYPED = 100
LONGEST = 20  # no answer this form accepts is longer
NUMBER = re.compile(r"[0-9]{1,6}(?:\.[0-9]*)?|\.[0-9]+")
MONEY = re.compile(r"£?\s*([0-9]{1,3}(?:,[0-9]{3})*|[0-9]+)(?:\.([0-9]*))?")

Errors = dict[str, str]


def typed(query: Mapping[str, str]) -> dict[str, str]:
    """What the person typed, trimmed, to show again."""
    return {name: str(query.get(name, "")).strip()[:KEEP_TYPED] for name in FIELDS}


def _decimal(raw: str) -> tuple[Decimal | None, int]:
    """(the number, its decimal places) or (None, 0) when it is not a plain number."""
    if len(raw) > LONGEST or not NUMBER.fullmatch(raw):
        return None, 0
    places = len(raw.partition(".")[2])
    return Decimal(raw), places


def _hours(raw: str) -> tuple[Decimal | None, str]:
    if not raw:
        return None, "Enter how many hours a week your PA works"
    number, places = _decimal(raw)
    if number is None:
        return None, "Hours a week must be a number, like 20 or 37.5"
    if places > 2:
        return None, "Hours a week can have no more than 2 decimal places, like 37.25"
    if number <= 0:
        return None, "Hours a week must be more than 0"
    if number > MOST_HOURS:
        return None, "Hours a week must be 168 or fewer (there are 168 hours in a week)"
    return number, ""


def _pay(raw: str) -> tuple[int | None, str]:
    if not raw:
        return None, "Enter how much you will pay your PA an hour"
    match = MONEY.fullmatch(raw) if len(raw) <= LONGEST else None
    if match is None:
        return None, "Hourly pay must be an amount of money, like 12.71"
    pounds, pennies = match.group(1).replace(",", ""), match.group(2) or ""
    if len(pennies) > 2:
        return None, "Hourly pay must be in pounds and pence, like 12.71"
    amount = int(pounds) * 100 + int(pennies.ljust(2, "0"))
    if amount <= 0:
        return None, "Hourly pay must be more than £0"
    if amount > MOST_PAY_PENCE:
        return None, "Hourly pay must be £1,000 or less"
    return amount, ""


def _weeks(raw: str, most_weeks: Decimal, holiday_weeks: Decimal) -> tuple[Decimal | None, str]:
    if not raw:
        return None, "Enter how many weeks a year your PA works"
    number, places = _decimal(raw)
    if number is None:
        return None, "Weeks a year must be a number, like 46.4"
    if places > 2:
        return None, "Weeks a year can have no more than 2 decimal places, like 46.4"
    if number <= 0:
        return None, "Weeks a year must be more than 0"
    if number > most_weeks:
        return None, (
            f"Weeks a year must be {most_weeks} or fewer: do not count your PA's "
            f"{holiday_weeks} weeks of paid holiday"
        )
    return number, ""


def read(
    query: Mapping[str, str], most_weeks: Decimal, holiday_weeks: Decimal
) -> tuple[Inputs | None, Errors]:
    answers = typed(query)
    hours, hours_error = _hours(answers["hours"])
    pay, pay_error = _pay(answers["pay"])
    weeks, weeks_error = _weeks(answers["weeks"], most_weeks, holiday_weeks)
    errors = {
        name: message
        for name, message in (("hours", hours_error), ("pay", pay_error), ("weeks", weeks_error))
        if message
    }
    if errors or hours is None or pay is None or weeks is None:
        return None, errors
    return Inputs(hours_per_week=hours, pay_pence=pay, weeks_worked=weeks), {}

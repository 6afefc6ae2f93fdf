"""Working days at the hard dates: Easter, Christmas and New Year (with substitute days), late on
a Friday, weekends, and either side of the clock change."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from pafinder.workdays import add_working_days, is_working_day, london_date, respond_by


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Thursday before Easter 2026: Good Friday 3 April and Easter Monday 6 April are skipped.
        (date(2026, 4, 2), 1, date(2026, 4, 7)),
        (date(2026, 4, 2), 3, date(2026, 4, 9)),
        # Good Friday itself: Easter Monday is a holiday too.
        (date(2026, 4, 3), 1, date(2026, 4, 7)),
        # Christmas 2026: Friday 25th, Boxing Day on Saturday so Monday 28th is the substitute.
        (date(2026, 12, 24), 1, date(2026, 12, 29)),
        # Christmas 2027 falls on a Saturday: Monday 27 and Tuesday 28 December are holidays.
        (date(2027, 12, 24), 1, date(2027, 12, 29)),
        (date(2027, 12, 24), 3, date(2027, 12, 31)),
        # New Year's Day 2028 is a Saturday: Monday 3 January is the substitute.
        (date(2027, 12, 24), 4, date(2028, 1, 4)),
        (date(2027, 12, 31), 1, date(2028, 1, 4)),
        # An ordinary Friday and Saturday.
        (date(2026, 11, 6), 3, date(2026, 11, 11)),
        (date(2026, 11, 7), 1, date(2026, 11, 9)),
        # Early May bank holiday 2026 (Monday 4 May).
        (date(2026, 5, 1), 1, date(2026, 5, 5)),
    ],
)
def test_add_working_days(start: date, n: int, expected: date) -> None:
    assert add_working_days(start, n) == expected


def test_zero_days_is_today_or_next_working_day() -> None:
    assert add_working_days(date(2026, 11, 10), 0) == date(2026, 11, 10)
    assert add_working_days(date(2026, 12, 25), 0) == date(2026, 12, 29)


def test_negative_is_refused() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        add_working_days(date(2026, 1, 1), -1)


def test_bank_holidays_are_not_working_days() -> None:
    assert not is_working_day(date(2027, 3, 26))  # Good Friday
    assert not is_working_day(date(2027, 3, 29))  # Easter Monday
    assert not is_working_day(date(2027, 12, 27))  # Christmas substitute
    assert not is_working_day(date(2028, 1, 3))  # New Year substitute
    assert is_working_day(date(2027, 12, 29))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("received", "n", "expected"),
    [
        # 23:59 on a Friday in winter (GMT = UTC): still Friday, three working days on is Wednesday.
        (utc(2026, 11, 6, 23, 59), 3, date(2026, 11, 11)),
        # 23:59 on a Friday in summer (BST): 22:59 UTC is Friday in London.
        (utc(2026, 7, 10, 22, 59), 1, date(2026, 7, 13)),
        # 23:30 UTC on a summer Thursday is already 00:30 on Friday in London.
        (utc(2026, 7, 2, 23, 30), 1, date(2026, 7, 6)),
        # 00:30 UTC on a summer Saturday is 01:30 Saturday in London: the clock starts Monday.
        (utc(2026, 7, 4, 0, 30), 1, date(2026, 7, 6)),
        # The clocks go back at 01:00 UTC on Sunday 25 October 2026: 23:30 UTC on Saturday is
        # 00:30 on Sunday (BST) in London.
        (utc(2026, 10, 24, 23, 30), 1, date(2026, 10, 26)),
        (utc(2026, 10, 25, 1, 30), 1, date(2026, 10, 26)),
        # The clocks go forward at 01:00 UTC on Sunday 28 March 2027, which is Easter Sunday:
        # Easter Monday is a holiday, so the first working day is Tuesday 30 March.
        (utc(2027, 3, 27, 23, 59), 1, date(2027, 3, 30)),
        (utc(2027, 3, 28, 1, 30), 1, date(2027, 3, 30)),
        # Thursday before Easter 2027 (Good Friday 26, Easter Monday 29 March), late evening BST
        # does not apply yet (GMT until 28 March).
        (utc(2027, 3, 25, 16, 0), 2, date(2027, 3, 31)),
    ],
)
def test_respond_by_uses_the_london_date(received: datetime, n: int, expected: date) -> None:
    assert respond_by(received, n) == expected


def test_naive_datetimes_are_utc() -> None:
    assert london_date(datetime(2026, 7, 2, 23, 30)) == date(2026, 7, 3)
    assert respond_by(datetime(2026, 7, 2, 23, 30), 1) == date(2026, 7, 6)

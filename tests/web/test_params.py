"""The one strict parser for ids and dates in paths, queries and forms (issue 8, point 7)."""

from __future__ import annotations

from datetime import date

import pytest

from pafinder.events.recurrence import parse_occurrence_id
from pafinder.web.params import (
    MAX_ID,
    DayOutOfRange,
    bounded_day,
    parse_compact_day,
    parse_day,
    parse_id,
)


@pytest.mark.parametrize("good", ["1", "42", "0042", str(MAX_ID)])
def test_ids_in_ascii_digits_are_read(good: str) -> None:
    assert parse_id(good) == int(good)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "0",
        "-1",
        "+1",
        " 1",
        "1 ",
        "1_000",
        "0x1f",
        "1e3",
        "²",
        "\u0661\u0662",
        "\uff11",  # fullwidth 1
        str(MAX_ID + 1),
        "99999999999999999999",
        None,
        7,
    ],
)
def test_anything_else_is_not_an_id(bad: object) -> None:
    assert parse_id(bad) is None


def test_days_are_iso_ascii_and_between_2000_and_2100() -> None:
    assert parse_day("2026-11-17") == date(2026, 11, 17)
    assert parse_day("2000-01-01") == date(2000, 1, 1) and parse_day("2100-12-31")
    for out in ("1999-12-31", "2101-01-01", "9999-12-31", "0001-01-01"):
        with pytest.raises(DayOutOfRange):
            parse_day(out)
    for bad in ("0000-01-01", "2026-02-30", "20261117", "2026-W47-2", "²026-11-17", "", None):
        with pytest.raises(ValueError):
            parse_day(bad)
    assert parse_compact_day("20261117") == date(2026, 11, 17)
    with pytest.raises(ValueError):
        parse_compact_day("99991231")
    with pytest.raises(DayOutOfRange):
        bounded_day(9999, 12, 31)


def test_occurrence_ids_use_the_same_rules() -> None:
    assert parse_occurrence_id("12-20261117") == (12, date(2026, 11, 17))
    for bad in ("12-99991231", "12-00000101", "0-20261117", "\u0661-20261117", "²-20261117"):
        assert parse_occurrence_id(bad) is None
